"""The deciding organ's answers to a facility's proposal: 提前解除 or 延长戒毒期限 (禁毒法 Art. 47;
戒毒条例 Art. 33). Each moves the measure's term and owes the notice to the family, employer and
police station within 24 hours of service."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm_any
from jiedu.core.refusals import Refusal

from .. import rules
from ..choices import MeasureStatus, NoticeKind
from ..models import Measure, Notice
from .common import _check_on, _zh
from .transitions import _event, _lock, _save, early_release_blockers


def _check_organ(measure: Measure, actor) -> None:
    organ = measure.deciding_organ
    if organ is None or not has_perm_any(actor, "measures.decide_measure", [organ]):
        raise PermissionDenied(_("只有作出决定的机关可以批准提前解除或延长戒毒期限。"))


def _check_open(measure: Measure) -> None:
    if not measure.is_isolation or measure.status != MeasureStatus.IN_PROGRESS:
        raise Refusal(
            _("只有正在执行的强制隔离戒毒可以提前解除或延长期限。"), code="measure_not_in_progress"
        )


def _decided_before(measure: Measure, kind: str, number: str) -> bool:
    """Whether this decision (its document) has been recorded already: a retried request."""
    return Notice.objects.filter(measure=measure, kind=kind, document=number).exists()


def _owe_decision_notice(measure: Measure, kind: str, decided_on: date, number: str) -> None:
    """Each decision is notified on its own within 24 hours of service (戒毒条例 Art. 33)."""
    Notice.objects.create(
        measure=measure,
        kind=kind,
        document=number,
        owed_by=measure.deciding_organ,
        due_on=decided_on + timedelta(days=rules.PROPOSAL_NOTICE_DAYS.value),
        recipient=_zh(_("家属、所在单位、户籍地派出所")),
        source=rules.PROPOSAL_NOTICE_DAYS.source,
    )


def _check_number(number: str) -> str:
    number = number.strip()
    if not number:
        raise Refusal(_("请填写决定书文号。"), code="required", field="decision_number")
    return number


def approve_early_release(
    measure: Measure, *, release_on: date, decided_on: date, decision_number: str, actor
) -> Measure:
    """提前解除: the organ sets the release day; the term then ends that day. Never before one
    year executed, never for a measure with a blocker (domain.md §4.6)."""
    with acting_as(actor), transaction.atomic():
        measure = _lock(measure)
        _check_organ(measure, actor)
        decision_number = _check_number(decision_number)
        if _decided_before(measure, NoticeKind.EARLY_RELEASE_DECISION, decision_number):
            return measure  # a retried approval
        _check_open(measure)
        if measure.approved_release_on is not None:
            raise Refusal(
                _("已批准于%(day)s提前解除。"),
                code="early_release_already_approved",
                params={"day": measure.approved_release_on.isoformat()},
            )
        _check_on(decided_on, measure.decided_on, _("措施决定日期"))
        if release_on < decided_on:
            raise Refusal(
                _("解除日期不能早于决定日期。"), code="release_before_decision", field="release_on"
            )
        if release_on > measure.term_end:
            raise Refusal(
                _("期限至%(end)s届满，提前解除日期应在此之前。"),
                code="release_after_term",
                params={"end": measure.term_end.isoformat()},
                field="release_on",
            )
        blockers = early_release_blockers(measure, release_on)
        if blockers:
            raise Refusal(
                _("不得提前解除：%(reasons)s。"),
                code="early_release_blocked",
                params={"reasons": "；".join(_zh(text) for _c, text in blockers)},
                field="release_on",
            )
        measure.approved_release_on = release_on
        _save(measure)
        _owe_decision_notice(
            measure, NoticeKind.EARLY_RELEASE_DECISION, decided_on, decision_number
        )
        _event(
            measure,
            "measures.measure.early_release_approved",
            actor,
            on=decided_on,
            release_on=release_on,
            number=decision_number,
        )
    return measure


def extend_term(
    measure: Measure, *, months: int, decided_on: date, decision_number: str, actor
) -> Measure:
    """延长戒毒期限 by `months`; all extensions together at most one year (禁毒法 Art. 47)."""
    cap = rules.ISOLATION_MAX_EXTENSION_MONTHS.value
    with acting_as(actor), transaction.atomic():
        measure = _lock(measure)
        _check_organ(measure, actor)
        decision_number = _check_number(decision_number)
        if _decided_before(measure, NoticeKind.EXTENSION_DECISION, decision_number):
            return measure  # a retried decision
        _check_open(measure)
        _check_on(decided_on, measure.decided_on, _("措施决定日期"))
        if months < 1 or measure.extension_months + months > cap:
            raise Refusal(
                _("延长期限累计不得超过%(cap)s个月（禁毒法第四十七条），已延长%(done)s个月。"),
                code="extension_over_limit",
                params={"cap": cap, "done": measure.extension_months},
                field="months",
            )
        if decided_on > measure.term_end:
            raise Refusal(
                _("延长应在期限届满（%(end)s）前决定（禁毒法第四十七条）。"),
                code="extension_after_expiry",
                params={"end": measure.term_end.isoformat()},
                field="decided_on",
            )
        measure.extension_months += months
        measure.approved_release_on = None
        _save(measure)
        _owe_decision_notice(measure, NoticeKind.EXTENSION_DECISION, decided_on, decision_number)
        _event(
            measure,
            "measures.measure.extended",
            actor,
            on=decided_on,
            months=months,
            term_end=measure.term_end,
            number=decision_number,
        )
    return measure
