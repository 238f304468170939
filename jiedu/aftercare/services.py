"""Every write of the follow-up after a measure ends (后续照管): the plan opened when a measure
ends by release, its visits, the help given, and its end.

The plan follows the measures (`measures.signals.measure_changed`, connected in
`AftercareConfig.ready`): opened on release from 强制隔离戒毒 (禁毒法 Art. 47; 戒毒条例 Art. 34) and
at the end of 社区戒毒/社区康复 (禁毒法 Art. 33, 48; 戒毒条例 Art. 23, 40); handed to the township
when 社区康复 is ordered at release (禁毒法 Art. 48); closed when a new measure is decided. Three
years without detected drug use end dynamic control (戒毒条例 Art. 7; `control.py`), after which
the plan may be closed as completed.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm_any
from jiedu.core.refusals import Refusal
from jiedu.measures.choices import COMMUNITY_KINDS, EndReason, MeasureKind, MeasureStatus
from jiedu.measures.clocks import add_months
from jiedu.measures.models import Measure
from jiedu.people.events import record_event

from . import rules
from .choices import (
    CloseReason,
    Employment,
    FamilySituation,
    HelpKind,
    PlanStatus,
    VisitMethod,
    VisitStatus,
    VisitTestResult,
)
from .models import FollowUpPlan, FollowUpVisit, HelpRecord

VIEW = "aftercare.view_followup"
MANAGE = "aftercare.manage_followup"

# The measures whose end by release starts a follow-up: release from 强制隔离戒毒 (禁毒法 Art. 47)
# and the end of 社区戒毒/社区康复 (禁毒法 Art. 33, 48). Voluntary treatment (自愿戒毒) neither
# starts one nor, when it begins, ends one.
OPENING_KINDS = (MeasureKind.COMPULSORY_ISOLATION, *COMMUNITY_KINDS)

# What a visit finds that ends the follow-up.
CLOSING_STATUSES = {
    VisitStatus.DEAD: CloseReason.DEAD,
    VisitStatus.MOVED_ABROAD: CloseReason.MOVED_ABROAD,
}

# The fields that make two visit records the same visit (a retried submission).
VISIT_FIELDS = (
    "visited_on",
    "method",
    "contact_made",
    "status",
    "test_result",
    "employment",
    "family_situation",
    "note",
)


def zh(value) -> str:
    """Labels stored in timeline data are written in the source language (Chinese)."""
    with translation.override("zh-hans"):
        return str(value)


def plan_units(plan: FollowUpPlan) -> list:
    """The units whose grants reach the plan: the unit responsible for it and the unit that
    manages the person (户籍地为主、居住地为辅) — the same units `restrict()` reads."""
    return [plan.unit, plan.person.managing_unit]


def require(actor, perm: str, plan: FollowUpPlan, message=None) -> None:
    if not has_perm_any(actor, perm, plan_units(plan)):
        raise PermissionDenied(message or _("您无权办理该人员的后续照管。"))


def can_manage(user, plan: FollowUpPlan) -> bool:
    return has_perm_any(user, MANAGE, plan_units(plan))


def _lock(plan: FollowUpPlan) -> FollowUpPlan:
    # Two submissions of one visit at once (a double click, a retried upload) must not both find
    # the slot empty: the second waits here and then finds the first's record.
    return (
        FollowUpPlan.objects.select_for_update(of=("self",))
        .select_related("person", "person__managing_unit", "unit", "measure")
        .get(pk=plan.pk)
    )


def _check_day(plan: FollowUpPlan, day: date, field: str) -> None:
    if day > clock.today():
        raise Refusal(_("日期不能晚于今天。"), code="future_date", field=field)
    if day < plan.starts_on:
        raise Refusal(
            _("日期不能早于后续照管起算日（%(day)s）。"),
            code="before_plan",
            params={"day": plan.starts_on.isoformat()},
            field=field,
        )
    if plan.closed_on is not None and day > plan.closed_on:
        raise Refusal(
            _("后续照管已于%(day)s结束，不能登记此后的情况。"),
            code="plan_closed",
            params={"day": plan.closed_on.isoformat()},
            field=field,
        )


def _check_choice(value, choices, field: str, message) -> None:
    if value not in choices.values:
        raise Refusal(message, code="invalid_choice", field=field)


# --- The plan ----------------------------------------------------------------------------------


def schedule(starts_on: date, months) -> list[tuple[int, date]]:
    """(month, due day) of each scheduled visit: `starts_on` plus N months; a missing day (31st,
    29 Feb) clamps to the month's end (domain.md §0.2)."""
    return [(m, add_months(starts_on, m)) for m in months]


def responsible_unit(measure: Measure):
    """Who follows the person up: the township executing the 社区康复 ordered at release, if one
    was (禁毒法 Art. 48), else the unit that manages the person's file."""
    follow_on = (
        Measure.objects.filter(previous=measure, kind=MeasureKind.COMMUNITY_REHABILITATION)
        .select_related("executing_unit")
        .order_by("-decided_on", "-id")
        .first()
    )
    if follow_on is not None:
        return follow_on.executing_unit
    return measure.person.managing_unit


def open_plan(measure: Measure, *, actor) -> FollowUpPlan:
    """The follow-up plan of a measure that ended by release, with its scheduled visits at the
    months of the rule in force at the responsible unit on the day of release.

    Made once per measure (a retry returns the first). The end of a 社区康复 ordered at a
    release whose follow-up still runs returns that plan: the person is followed up once, from
    the release (戒毒条例 Art. 7; domain.md §8.3). No permission check: the plan follows a step
    the actor was allowed to record on the measure.
    """
    existing = FollowUpPlan.objects.filter(measure=measure).first()
    if existing is not None:
        return existing
    if (
        measure.kind not in OPENING_KINDS
        or measure.status != MeasureStatus.ENDED
        or measure.ended_on is None
    ):
        raise Refusal(
            _("只有解除（期满或提前解除）的戒毒措施才开始后续照管。"),
            code="measure_not_released",
        )
    if measure.previous_id is not None and measure.kind == MeasureKind.COMMUNITY_REHABILITATION:
        running = FollowUpPlan.objects.filter(
            measure_id=measure.previous_id, status=PlanStatus.OPEN
        ).first()
        if running is not None:
            return running
    unit = responsible_unit(measure)
    plan_rule = rules.visit_months(unit, measure.ended_on)
    with acting_as(actor), transaction.atomic():
        plan = FollowUpPlan(
            person=measure.person,
            measure=measure,
            unit=unit,
            starts_on=measure.ended_on,
            visit_months=plan_rule.months,
            plan_source=plan_rule.source[:200],
        )
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError:
            # The same release recorded twice at once: the other transaction made the plan.
            return FollowUpPlan.objects.get(measure=measure)
        for month, due_on in schedule(plan.starts_on, plan.visit_months):
            FollowUpVisit(plan=plan, person_id=plan.person_id, month=month, due_on=due_on).save()
        record_event(
            measure.person,
            "aftercare.plan.opened",
            actor=actor,
            org_unit=unit,
            on=plan.starts_on.isoformat(),
            measure=zh(measure.get_kind_display()),
            unit=str(unit),
            months="、".join(str(m) for m in plan.visit_months),
        )
    return plan


def _close(plan: FollowUpPlan, *, on: date, reason: str, actor) -> FollowUpPlan:
    plan.status = PlanStatus.CLOSED
    plan.closed_on = on
    plan.close_reason = reason
    plan.save(update_fields=["status", "closed_on", "close_reason"])
    record_event(
        plan.person,
        "aftercare.plan.closed",
        actor=actor,
        org_unit=plan.unit,
        on=on.isoformat(),
        reason=zh(CloseReason(reason).label),
    )
    return plan


def close_plan(plan: FollowUpPlan, *, on: date, reason: str, actor) -> FollowUpPlan:
    """结束后续照管: three years without detected relapse (戒毒条例 Art. 7), death, departure, or
    handover to another place. Completion is refused while the person is still under dynamic
    control. Closing again with the same day and reason returns the plan unchanged."""
    from .control import person_control

    require(actor, MANAGE, plan)
    _check_choice(reason, CloseReason, "reason", _("请选择结束原因。"))
    with acting_as(actor), transaction.atomic():
        plan = _lock(plan)
        if plan.status == PlanStatus.CLOSED:
            if plan.closed_on == on and plan.close_reason == reason:
                return plan
            raise Refusal(
                _("该后续照管已于%(day)s结束（%(reason)s）。"),
                code="plan_closed",
                params={
                    "day": plan.closed_on.isoformat(),
                    "reason": CloseReason(plan.close_reason).label,
                },
            )
        _check_day(plan, on, "on")
        if reason == CloseReason.COMPLETED:
            state = person_control(plan.person, on)
            if state.in_control:
                if state.exit_on is None:
                    raise Refusal(
                        _("该人员正在执行强制隔离戒毒，仍在动态管控中。"),
                        code="control_not_ended",
                        field="reason",
                    )
                raise Refusal(
                    _(
                        "戒断未满三年：自%(start)s（%(kind)s）起算，%(exit)s届满后方可解除动态"
                        "管控（戒毒条例第七条）。"
                    ),
                    code="control_not_ended",
                    params={
                        "start": state.start_on.isoformat(),
                        "kind": state.start_label,
                        "exit": state.exit_on.isoformat(),
                    },
                    field="reason",
                )
        return _close(plan, on=on, reason=reason, actor=actor)


# --- Following the measures --------------------------------------------------------------------


def follow_measure(sender, *, measure: Measure, action: str, actor, **kwargs) -> None:
    """`measures.signals.measure_changed` receiver, inside the measure's transaction."""
    if action == "released" and measure.kind in OPENING_KINDS:
        open_plan(measure, actor=actor)
    elif action == "decided":
        _new_measure(measure, actor)
    elif action == "place_changed" and measure.kind == MeasureKind.COMMUNITY_REHABILITATION:
        # 变更执行地 (戒毒条例 Art. 22): the new township takes the follow-up with the 社区康复.
        for plan in _open_plans(measure.person_id):
            if plan.measure_id == measure.previous_id:
                _hand_over(plan, measure, actor, _("社区康复变更执行地"))
    elif action == "terminated" and measure.end_reason == EndReason.DEATH:
        for plan in _open_plans(measure.person_id):
            _close(
                plan, on=max(measure.ended_on, plan.starts_on), reason=CloseReason.DEAD, actor=actor
            )


def _open_plans(person_id: int) -> list[FollowUpPlan]:
    return list(
        FollowUpPlan.objects.select_for_update(of=("self",))
        .filter(person_id=person_id, status=PlanStatus.OPEN)
        .select_related("person", "unit")
        .order_by("id")
    )


def _new_measure(new: Measure, actor) -> None:
    """A new measure for a person under follow-up. 社区康复 ordered at the release that opened the
    plan hands it to the township (禁毒法 Art. 48); any other new measure (a relapse found,
    禁毒法 Art. 38) ends it — the next release opens a new one. Voluntary treatment does not."""
    if new.kind not in OPENING_KINDS:
        return
    for plan in _open_plans(new.person_id):
        if new.kind == MeasureKind.COMMUNITY_REHABILITATION and new.previous_id == plan.measure_id:
            _hand_over(plan, new, actor, _("解除强制隔离戒毒时责令社区康复"))
            continue
        _close(
            plan,
            on=max(new.decided_on, plan.starts_on),
            reason=CloseReason.NEW_MEASURE,
            actor=actor,
        )


def _hand_over(plan: FollowUpPlan, rehab: Measure, actor, reason) -> None:
    """The township executing the 社区康复 ordered at release follows the person up."""
    if plan.unit_id == rehab.executing_unit_id:
        return
    plan.unit = rehab.executing_unit
    plan.save(update_fields=["unit"])
    record_event(
        plan.person,
        "aftercare.plan.unit_changed",
        actor=actor,
        org_unit=rehab.executing_unit,
        unit=str(rehab.executing_unit),
        reason=zh(reason),
    )


# --- Visits ------------------------------------------------------------------------------------


def _same_visit(visit: FollowUpVisit, data: dict) -> bool:
    return all(getattr(visit, name) == data[name] for name in VISIT_FIELDS)


def _check_visit(data: dict) -> None:
    _check_choice(data["method"], VisitMethod, "method", _("请选择回访方式。"))
    _check_choice(data["status"], VisitStatus, "status", _("请选择回访时的现状。"))
    _check_choice(data["test_result"], VisitTestResult, "test_result", _("请选择检测结果。"))
    _check_choice(data["employment"], Employment, "employment", _("请选择就业情况。"))
    _check_choice(
        data["family_situation"], FamilySituation, "family_situation", _("请选择家庭情况。")
    )
    if data["status"] == VisitStatus.LOST_CONTACT and data["contact_made"]:
        raise Refusal(
            _("已联系上本人的，现状不能登记为失联。"), code="contact_contradiction", field="status"
        )
    if not data["contact_made"] and data["test_result"] != VisitTestResult.NOT_TESTED:
        raise Refusal(
            _("未联系上本人，不能登记检测结果。"), code="test_without_contact", field="test_result"
        )
    if (
        data["test_result"] == VisitTestResult.POSITIVE
        and data["status"] != VisitStatus.RELAPSED
        and data["status"] not in CLOSING_STATUSES
    ):
        raise Refusal(
            _("检测结果为阳性的，现状应登记为复吸。"), code="positive_not_relapsed", field="status"
        )


def record_visit(
    target: FollowUpVisit | FollowUpPlan,
    *,
    visited_on: date,
    method: str,
    contact_made: bool,
    status: str,
    test_result: str = VisitTestResult.NOT_TESTED,
    employment: str = Employment.UNKNOWN,
    family_situation: str = FamilySituation.UNKNOWN,
    note: str = "",
    actor,
    external_id: str = "",
    extra: bool = False,
) -> FollowUpVisit:
    """回访: fill a scheduled visit, or — given the plan — the earliest scheduled visit not yet
    done whose day has come (or comes within the rule's early days), else add an extra visit
    (`extra=True` always adds one).

    Idempotent: the same `external_id`, or the same visit sent again, returns the first record.
    A visit that finds the person dead or gone abroad ends the follow-up.
    """
    plan = target.plan if isinstance(target, FollowUpVisit) else target
    require(actor, MANAGE, plan)
    data = {
        "visited_on": visited_on,
        "method": method,
        "contact_made": bool(contact_made),
        "status": status,
        "test_result": test_result,
        "employment": employment,
        "family_situation": family_situation,
        "note": (note or "").strip(),
    }
    external_id = (external_id or "").strip()
    if len(external_id) > 100:
        raise Refusal(_("外部编号最多100个字符。"), code="max_length", field="external_id")
    _check_visit(data)
    with acting_as(actor), transaction.atomic():
        plan = _lock(plan)
        if external_id:
            known = FollowUpVisit.objects.filter(plan=plan, external_id=external_id).first()
            if known is not None:
                if _same_visit(known, data):
                    return known
                raise Refusal(
                    _("外部编号%(id)s已用于另一次回访记录。"),
                    code="external_id_conflict",
                    params={"id": external_id},
                    field="external_id",
                )
        if isinstance(target, FollowUpVisit):
            visit = FollowUpVisit.objects.get(pk=target.pk)
            if visit.plan_id != plan.pk:
                raise Refusal(_("该回访不属于此照管计划。"), code="wrong_plan", field="visit")
            if visit.is_done:
                if _same_visit(visit, data):
                    return visit
                raise Refusal(
                    _("该次回访已于%(day)s登记。"),
                    code="visit_recorded",
                    params={"day": visit.visited_on.isoformat()},
                    field="visit",
                )
        else:
            for done in FollowUpVisit.objects.filter(plan=plan, visited_on=visited_on):
                if _same_visit(done, data):
                    return done  # the same visit submitted again
            visit = None
        _check_day(plan, visited_on, "visited_on")
        early = rule_config.value(rules.EARLY_FILL_DAYS, plan.unit, visited_on)
        if (
            visit is not None
            and visit.due_on is not None
            and visited_on < visit.due_on - timedelta(days=early)
        ):
            raise Refusal(
                _("该次回访应于%(day)s进行；提前%(n)s天以上的回访请登记为计划外回访。"),
                code="visit_too_early",
                params={"day": visit.due_on.isoformat(), "n": early},
                field="visited_on",
            )
        if visit is None and not extra:
            visit = (
                FollowUpVisit.objects.filter(
                    plan=plan,
                    visited_on__isnull=True,
                    due_on__isnull=False,
                    due_on__lte=visited_on + timedelta(days=early),
                )
                .order_by("due_on", "id")
                .first()
            )
        if visit is None:
            visit = FollowUpVisit(plan=plan, person_id=plan.person_id)
        for name, value in data.items():
            setattr(visit, name, value)
        visit.visitor = str(actor)
        visit.external_id = external_id
        visit.save()
        record_event(
            plan.person,
            "aftercare.visit.recorded",
            actor=actor,
            org_unit=plan.unit,
            on=visited_on.isoformat(),
            method=zh(visit.get_method_display()),
            status=zh(visit.get_status_display()),
            test=zh(visit.get_test_result_display()),
        )
        reason = CLOSING_STATUSES.get(status)
        if reason is not None and plan.status == PlanStatus.OPEN:
            _close(plan, on=visited_on, reason=reason, actor=actor)
    return visit


# --- Help --------------------------------------------------------------------------------------


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise Refusal(_("请填写有效的金额。"), code="invalid", field="amount") from None
    if not amount.is_finite() or amount < 0:
        raise Refusal(_("金额不能为负数。"), code="negative_amount", field="amount")
    if amount >= Decimal("100000000"):
        raise Refusal(_("金额过大。"), code="too_large", field="amount")
    return amount.quantize(Decimal("0.01"))


def record_help(
    plan: FollowUpPlan,
    *,
    kind: str,
    given_on: date,
    provider: str = "",
    amount=None,
    description: str = "",
    actor,
) -> HelpRecord:
    """帮扶: help given to the person (jobs, hardship, schooling, legal aid). The same record
    sent again returns the first."""
    require(actor, MANAGE, plan)
    _check_choice(kind, HelpKind, "kind", _("请选择帮扶类别。"))
    amount = _amount(amount)
    provider = (provider or "").strip()[:100]
    description = (description or "").strip()
    if kind == HelpKind.OTHER and not description:
        raise Refusal(_("“其他帮扶”请写明帮扶内容。"), code="required", field="description")
    with acting_as(actor), transaction.atomic():
        plan = _lock(plan)
        same = HelpRecord.objects.filter(
            plan=plan,
            kind=kind,
            given_on=given_on,
            provider=provider,
            amount=amount,
            description=description,
        ).first()
        if same is not None:
            return same
        _check_day(plan, given_on, "given_on")
        record = HelpRecord(
            plan=plan,
            person_id=plan.person_id,
            kind=kind,
            given_on=given_on,
            provider=provider,
            amount=amount,
            description=description,
            recorded_by=str(actor),
        )
        record.save()
        record_event(
            plan.person,
            "aftercare.help.recorded",
            actor=actor,
            org_unit=plan.unit,
            on=given_on.isoformat(),
            kind=zh(record.get_kind_display()),
            provider=f"（{provider}）" if provider else "",
        )
    return record
