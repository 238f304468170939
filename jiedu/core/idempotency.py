"""Idempotency keys: a retried create (double click, network retry) returns the first result.

Used inside the caller's transaction: `claim()` inserts the key first, so of two concurrent
requests with one key the second waits on the unique row, then finds the first's result.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import IdempotencyRecord


def result_for_key(actor, scope: str, key: str | None, model):
    """The object an earlier request by `actor` with `key` created, if any."""
    if not key:
        return None
    record = IdempotencyRecord.objects.filter(user_id=actor.pk, scope=scope, key=key).first()
    if record is None or not record.result_id:
        return None
    return model.objects.filter(pk=record.result_id).first()


def claim(actor, scope: str, key: str | None, model):
    """Claim `key` (no key: nothing to claim). Returns (claim, previous): a claim to complete
    with `complete()`, or the object an earlier request already made with this key."""
    if not key:
        return None, None
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user_id=actor.pk, scope=scope, key=key, result_id=""
            )
    except IntegrityError:
        previous = result_for_key(actor, scope, key, model)
        if previous is None:
            raise
        return None, previous
    return record, None


def complete(record, obj) -> None:
    if record is not None:
        IdempotencyRecord.objects.filter(pk=record.pk).update(result_id=str(obj.pk))
