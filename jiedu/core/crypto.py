"""Encryption at rest and blind indexes for personal identifiers.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`; MultiFernet lets
operators add a new key in front and re-encrypt at leisure. Exact-match lookup uses a blind index:
HMAC-SHA256 of the normalised value under a separate key, so the database never holds the plain
value and an attacker with the table alone cannot test guesses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet_key(raw: str) -> bytes:
    """Accept a Fernet key, or any 32-byte urlsafe-base64 secret."""
    key = raw.encode()
    try:
        if len(base64.urlsafe_b64decode(key)) == 32:
            return key
    except ValueError:
        pass
    # Stretch any other secret deterministically so a passphrase also works.
    return base64.urlsafe_b64encode(hashlib.sha256(key).digest())


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def cipher() -> MultiFernet:
    if not settings.FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured("JIEDU_FIELD_ENCRYPTION_KEYS is not set (docs/deployment.md)")
    return _cipher(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return cipher().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong key: refuse loudly rather than show garbage
        raise ValueError("Cannot decrypt a field: check JIEDU_FIELD_ENCRYPTION_KEYS") from exc


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash for exact lookup; `purpose` separates indexes of different fields."""
    if not settings.BLIND_INDEX_KEY:
        raise ImproperlyConfigured("JIEDU_BLIND_INDEX_KEY is not set (docs/deployment.md)")
    key = hashlib.sha256(f"{purpose}:{settings.BLIND_INDEX_KEY}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
