"""Early-release blockers and the notices the law requires (domain.md §4.6, §6.5)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm_any
from jiedu.orgs.choices import UnitKind
from jiedu.people.events import record_event

from .. import rules
from ..choices import (
    ACTIVE_STATUSES,
    NoticeKind,
)
from ..models import EarlyReleaseBlocker, Measure, Notice
from .common import _check_on, _zh


def add_blocker(measure: Measure, code: str, since: date, *, actor, note: str = ""):
    """Bar early release (domain.md §4.6); recording the same bar twice keeps the first.

    A bar that arises after the deciding organ approved an early release withdraws that approval:
    the term runs to its statutory end again (the person may not be released early), and the
    timeline says so for the organ and the facility."""
    from .columns import refresh_clocks

    with acting_as(actor), transaction.atomic():
        blocker, _created = EarlyReleaseBlocker.objects.get_or_create(
            measure=measure, code=code, defaults={"since": since, "note": note}
        )
        # The measure row races the facility's release of the same person.
        locked = Measure.objects.select_for_update().get(pk=measure.pk)
        if locked.approved_release_on is not None and locked.status in ACTIVE_STATUSES:
            withdrawn = locked.approved_release_on
            locked.approved_release_on = None
            refresh_clocks(locked)
            locked.save()
            _refresh_release_notice(locked)
            record_event(
                locked.person,
                "measures.measure.early_release_withdrawn",
                actor=actor,
                org_unit=locked.executing_unit,
                kind=_zh(locked.get_kind_display()),
                release_on=withdrawn.isoformat(),
                reason=_zh(blocker.get_code_display()),
                term_end=locked.term_end.isoformat(),
            )
            measure.approved_release_on, measure.term_end = None, locked.term_end
    return blocker


def _owe_notice(measure, kind, *, owed_by, due_on, recipient, source) -> Notice:
    notice, created = Notice.objects.get_or_create(
        measure=measure,
        kind=kind,
        defaults={
            "owed_by": owed_by,
            "due_on": due_on,
            "recipient": _zh(recipient),
            "source": source,
        },
    )
    if not created and notice.sent_on is None and notice.owed_by_id != owed_by.pk:
        notice.owed_by = owed_by
        notice.due_on = due_on
        notice.save()
    return notice


def _owe_admission_notices(measure: Measure, on: date) -> None:
    unit = measure.executing_unit
    if unit.kind == UnitKind.JUDICIAL_FACILITY:
        rule = rule_config.resolve(rules.FAMILY_LETTER_DAYS, unit, on)
        _owe_notice(
            measure,
            NoticeKind.ADMISSION_FAMILY,
            owed_by=unit,
            due_on=on + timedelta(days=rule.value),
            recipient=_("家属"),
            source=rule.source,
        )
    _refresh_release_notice(measure)


def _refresh_release_notice(measure: Measure) -> None:
    """The release notice to the deciding organ is due N days before the term ends; it follows
    the term end as escapes and extensions move it (戒毒条例 Art. 34)."""
    if not measure.is_isolation or measure.admitted_on is None or measure.deciding_organ is None:
        return
    rule = rule_config.resolve(rules.RELEASE_NOTICE_DAYS, measure.executing_unit)
    due = measure.term_end - timedelta(days=rule.value)
    notice = Notice.objects.filter(measure=measure, kind=NoticeKind.RELEASE_DECIDING_ORGAN).first()
    if notice is None:
        if measure.status in ACTIVE_STATUSES:
            _owe_notice(
                measure,
                NoticeKind.RELEASE_DECIDING_ORGAN,
                owed_by=measure.executing_unit,
                due_on=due,
                recipient=str(measure.deciding_organ),
                source=rule.source,
            )
        return
    if notice.sent_on is None and (
        notice.due_on != due or notice.owed_by_id != measure.executing_unit_id
    ):
        notice.due_on = due
        notice.owed_by = measure.executing_unit
        notice.save()


def record_notice_sent(notice: Notice, *, on: date, actor, method: str = "") -> Notice:
    with acting_as(actor), transaction.atomic():
        notice = (
            Notice.objects.select_for_update(of=("self",))
            .select_related("measure__person")
            .get(pk=notice.pk)
        )
        if not has_perm_any(actor, "measures.execute_measure", [notice.owed_by]):
            raise PermissionDenied(_("该通知应由%(unit)s登记。") % {"unit": notice.owed_by})
        if notice.sent_on is not None:
            return notice
        _check_on(on, notice.measure.served_on, _("送达日期"))
        notice.sent_on = on
        notice.method = method.strip()
        notice.sent_by = str(actor)
        notice.save()
        record_event(
            notice.measure.person,
            "measures.notice.sent",
            actor=actor,
            org_unit=notice.owed_by,
            notice=_zh(notice.get_kind_display()),
            on=on.isoformat(),
            recipient=notice.recipient,
        )
    return notice
