"""Keys: tooling may run without them, a server may not.

Ordinary commands (makemigrations, migrate) only warn (core.W001), so they work on any machine;
`check --deploy` fails (core.E001); the WSGI/ASGI entry points refuse to start
(`require_keys`); and the crypto layer refuses to encrypt or index without its key.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

MISSING_KEYS_HINT = (
    "Set DJANGO_SECRET_KEY, JIEDU_FIELD_ENCRYPTION_KEYS and JIEDU_BLIND_INDEX_KEY, or "
    "JIEDU_ENV=development on a developer machine. See docs/deployment.md."
)


def missing_keys() -> list[str]:
    try:
        secret = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to read an empty SECRET_KEY
        secret = ""
    return [
        name
        for name, value in (
            ("DJANGO_SECRET_KEY", secret),
            ("JIEDU_FIELD_ENCRYPTION_KEYS", settings.FIELD_ENCRYPTION_KEYS),
            ("JIEDU_BLIND_INDEX_KEY", settings.BLIND_INDEX_KEY),
        )
        if not value
    ]


def require_keys() -> None:
    """Called by config/wsgi.py and config/asgi.py: no server without its keys."""
    missing = missing_keys()
    if missing:
        raise ImproperlyConfigured(f"Missing {', '.join(missing)}. {MISSING_KEYS_HINT}")


@register()
def keys_present(app_configs, **kwargs):
    missing = missing_keys()
    if not missing:
        return []
    return [Warning(f"Missing {', '.join(missing)}", hint=MISSING_KEYS_HINT, id="core.W001")]


@register(Tags.security, deploy=True)
def keys_present_for_deploy(app_configs, **kwargs):
    missing = missing_keys()
    if not missing:
        return []
    return [Error(f"Missing {', '.join(missing)}", hint=MISSING_KEYS_HINT, id="core.E001")]
