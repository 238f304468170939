"""Writing the audit trail.

Change log: `AuditedModel.save()` and `.delete()` write one `ChangeLogEntry` per object write, in
the same transaction, with the before/after of the fields that changed. The actor and request id
come from `core.context` (set by middleware, the API auth and `acting_as` in services). Queryset
`update()`/`delete()` and `bulk_*` bypass it, so services never use them on audited models.

Access log: `log_access()` for every read of people's data that the UI or API serves.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.db import models, transaction

from . import context
from .models import AccessLogEntry, ChangeAction, ChangeLogEntry

REDACTED = "［已加密］"


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _actor_fields() -> dict:
    actor = context.current_actor()
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"user_id": actor.pk, "username": actor.get_username()}
    return {"user_id": None, "username": "system"}


class AuditedModel(models.Model):
    """Base for every model whose writes must appear in the change log."""

    audit_exclude: tuple[str, ...] = ("updated_at",)
    audit_redact: tuple[str, ...] = ()  # logged as changed, value never written

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._audit_snapshot = instance._audit_values()
        return instance

    def _audit_values(self) -> dict:
        deferred = self.get_deferred_fields()
        values = {}
        for field in self._meta.concrete_fields:
            if field.attname in deferred or field.name in self.audit_exclude:
                continue
            values[field.attname] = getattr(self, field.attname)
        return values

    def audit_person_pk(self) -> int | None:
        """The person this object concerns, so it shows in that person's history."""
        return None

    def audit_repr(self) -> str:
        return str(self)[:200]

    def _audit_diff(self, before: dict, after: dict) -> dict:
        redacted = {
            f.attname
            for f in self._meta.concrete_fields
            if getattr(f, "audit_redacted", False) or f.name in self.audit_redact
        }
        changes = {}
        for name in before.keys() | after.keys():
            old, new = before.get(name), after.get(name)
            if old == new:
                continue
            if name in redacted:
                changes[name] = {
                    "before": REDACTED if old else None,
                    "after": REDACTED if new else None,
                }
            else:
                changes[name] = {"before": _jsonable(old), "after": _jsonable(new)}
        return changes

    def _write_change(self, action: str, changes: dict) -> None:
        ChangeLogEntry.objects.create(
            action=action,
            object_type=self._meta.label_lower,
            object_id=str(self.pk),
            object_repr=self.audit_repr(),
            person_pk=self.audit_person_pk(),
            changes=changes,
            request_id=context.current_request_id(),
            **_actor_fields(),
        )

    def save(self, *args, **kwargs):  # noqa: DJ012 (helpers above are used by it)
        creating = self._state.adding
        before = {} if creating else getattr(self, "_audit_snapshot", {})
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            after = self._audit_values()
            if creating:
                before = dict.fromkeys(after)
            changes = self._audit_diff(before, after)
            if creating or changes:
                action = ChangeAction.CREATE if creating else ChangeAction.UPDATE
                self._write_change(action, changes)
        self._audit_snapshot = after

    def delete(self, *args, **kwargs):
        before = self._audit_values()
        pk = self.pk
        with transaction.atomic(using=kwargs.get("using")):
            person_pk = self.audit_person_pk()
            result = super().delete(*args, **kwargs)
            ChangeLogEntry.objects.create(
                action=ChangeAction.DELETE,
                object_type=self._meta.label_lower,
                object_id=str(pk),
                object_repr=self.audit_repr(),
                person_pk=person_pk,
                changes=self._audit_diff(before, dict.fromkeys(before)),
                request_id=context.current_request_id(),
                **_actor_fields(),
            )
        return result


def log_access(
    action: str,
    *,
    user=None,
    person_pk: int | None = None,
    query: str = "",
    result_count: int | None = None,
    channel: str = "web",
) -> AccessLogEntry:
    actor = user if user is not None else context.current_actor()
    return AccessLogEntry.objects.create(
        action=action,
        person_pk=person_pk,
        query=query[:500],
        result_count=result_count,
        channel=channel,
        request_id=context.current_request_id(),
        user_id=getattr(actor, "pk", None),
        username=actor.get_username() if actor is not None else "system",
    )
