"""The community case follows its measure: opened when a community measure is decided, active
once the person reports in, moved on a change of place, closed when the measure ends."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jiedu.accounts.models import User
from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm
from jiedu.core.refusals import Refusal
from jiedu.measures.choices import COMMUNITY_KINDS, MeasureStatus
from jiedu.measures.models import Measure
from jiedu.people.events import record_event

from .. import rules
from ..choices import CaseState
from ..models import CommunityCase
from .common import lock_case, require, zh

# Measure actions that end the case, and those that only update it.
CLOSING_ACTIONS = ("released", "terminated", "converted")


def case_for_measure(measure: Measure) -> CommunityCase | None:
    return CommunityCase.objects.filter(measure=measure).first()


def open_case(measure: Measure, *, actor) -> CommunityCase:
    """The case of a community measure; made once (a retried decision finds the first)."""
    case, created = CommunityCase.objects.get_or_create(
        measure=measure,
        defaults={
            "person": measure.person,
            "unit": measure.executing_unit,
            "state": CaseState.AWAITING_REPORT,
            "opened_on": measure.served_on,
        },
    )
    if created:
        record_event(
            measure.person,
            "community.case.opened",
            actor=actor,
            org_unit=measure.executing_unit,
            kind=zh(measure.get_kind_display()),
            unit=str(measure.executing_unit),
        )
    return case


def follow_measure(sender, *, measure: Measure, action: str, actor, **kwargs) -> None:
    """`measures.signals.measure_changed` receiver, inside the measure's transaction."""
    if measure.kind not in COMMUNITY_KINDS:
        return
    if action == "decided":
        case = open_case(measure, actor=actor)
    else:
        case = case_for_measure(measure)
        if case is None:  # a measure decided before the community app existed
            case = open_case(measure, actor=actor)
    case = lock_case(case)
    changed = []
    if case.unit_id != measure.executing_unit_id:
        case.transferred_from = case.unit
        case.unit = measure.executing_unit
        changed += ["unit", "transferred_from"]
    state = _state_for(measure, case)
    if state != case.state:
        case.state = state
        changed.append("state")
    if state == CaseState.CLOSED and case.closed_on is None:
        case.closed_on = measure.ended_on or clock.today()
        changed.append("closed_on")
    if changed:
        case.save(update_fields=changed)
    _after_change(case, action, actor)


def _state_for(measure: Measure, case: CommunityCase) -> str:
    if measure.status in (MeasureStatus.ENDED, MeasureStatus.TERMINATED, MeasureStatus.CONVERTED):
        return CaseState.CLOSED
    if measure.status == MeasureStatus.REFUSED:
        # A refusal goes to the police (戒毒条例 Art. 14, 21); the case waits for their decision.
        return CaseState.REFERRED
    if measure.status == MeasureStatus.ORDERED:
        return CaseState.AWAITING_REPORT
    if case.state == CaseState.REFERRED:
        return CaseState.REFERRED  # paused until the police decide (JX §五(七)3)
    return CaseState.ACTIVE


def _after_change(case: CommunityCase, action: str, actor) -> None:
    """What else follows a change of the measure: the due items, referrals and credit/risk."""
    from . import credit, schedule, violations

    schedule.schedule_case(case, actor=actor)
    violations.on_measure_changed(case, action, actor=actor)
    credit.refresh_case(case)


def assign_worker(case: CommunityCase, worker: User, *, actor, on: date | None = None):
    """指派责任专干: who works the case. Returns (case, caseload warning or None): a worker past the
    configured caseload (JX 1:20) is warned about, not refused — a township short of staff must
    still assign someone."""
    on = on or clock.today()
    require(actor, "community.approve_leave", case, _("您无权指派该个案的专干。"))
    if not has_perm(worker, "community.manage_case", case.unit):
        raise Refusal(
            _("%(name)s无权办理该执行地的社区个案，不能指派。"),
            code="worker_not_in_unit",
            params={"name": str(worker)},
            field="worker",
        )
    with acting_as(actor), transaction.atomic():
        case = lock_case(case)
        if case.worker_id != worker.pk:
            case.worker = worker
            case.save(update_fields=["worker"])
            record_event(
                case.person,
                "community.case.worker_assigned",
                actor=actor,
                org_unit=case.unit,
                on=on.isoformat(),
                worker=str(worker),
            )
    return case, caseload_warning(worker, case.unit)


def caseload(worker: User) -> int:
    return CommunityCase.objects.filter(worker=worker).exclude(state=CaseState.CLOSED).count()


def caseload_warning(worker: User, unit) -> str | None:
    """A sentence when `worker` holds more open cases than the caseload rule allows."""
    limit = rule_config.resolve(rules.CASELOAD_MAX, unit)
    n = caseload(worker)
    if n <= limit.value:
        return None
    return _("%(name)s现负责%(n)s人，超过每人%(limit)s人的配比（%(source)s）。") % {
        "name": str(worker),
        "n": n,
        "limit": limit.value,
        "source": limit.source,
    }
