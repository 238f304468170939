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
    return caseloads([worker], unit)[0][2]


def caseloads(workers, unit) -> list[tuple[User, int, str | None]]:
    """(worker, open cases, warning or None) for each of `workers`, in two queries whatever
    their number: the counts and the caseload rule at `unit` (JX 1:20)."""
    from django.db.models import Count

    workers = list(workers)
    counts = dict(
        CommunityCase.objects.filter(worker__in=workers)
        .exclude(state=CaseState.CLOSED)
        .values_list("worker")
        .annotate(n=Count("id"))
        .values_list("worker", "n")
    )
    limit = rule_config.resolve(rules.CASELOAD_MAX, unit)
    rows = []
    for worker in workers:
        n = counts.get(worker.pk, 0)
        warning = None
        if n > limit.value:
            warning = _("%(name)s现负责%(n)s人，超过每人%(limit)s人的配比（%(source)s）。") % {
                "name": str(worker),
                "n": n,
                "limit": limit.value,
                "source": limit.source,
            }
        rows.append((worker, n, warning))
    return rows


def workers_at(unit, perm: str = "community.manage_case", *, covering: bool = False) -> list[User]:
    """The users who hold `perm` in the county of `unit` (at the county, its townships or
    below) — whose caseload a township watches. With `covering`, only those whose grant covers
    `unit` itself (whom its cases may be assigned to). One query."""
    from jiedu.accounts.models import Membership
    from jiedu.orgs.choices import UnitKind

    county = unit
    if unit.kind not in (UnitKind.COUNTY, UnitKind.CITY, UnitKind.PROVINCE):
        above = rule_config.ancestor_paths(unit.path, type(unit).steplen)[:-1]
        county = (
            type(unit)
            .objects.filter(path__in=above, kind=UnitKind.COUNTY)
            .order_by("-depth")
            .first()
        ) or unit
    rows = (
        Membership.objects.filter(
            is_active=True,
            user__is_active=True,
            org_unit__is_active=True,
            org_unit__path__startswith=county.path,
        )
        .select_related("user", "role")
        .order_by("user__username")
    )
    seen: dict[int, User] = {}
    for m in rows:
        if covering and not unit.path.startswith(m.org_unit.path):
            continue
        if perm in m.role.permissions and m.user_id not in seen:
            seen[m.user_id] = m.user
    return list(seen.values())


def mark_alert_seen(alert, *, actor):
    """The worker has read the alert (once: a second click keeps the first reader)."""
    from django.utils import timezone

    require(actor, "community.manage_case", alert.case, _("您无权处理该个案的提醒。"))
    if alert.seen_at is not None:
        return alert
    with acting_as(actor), transaction.atomic():
        alert.seen_at = timezone.now()
        alert.seen_by = str(actor)
        alert.save(update_fields=["seen_at", "seen_by"])
    return alert
