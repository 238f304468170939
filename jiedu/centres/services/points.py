"""行为考核与分级管理: daily points, the monthly approval chain, and the grade that follows.

Officers record points day by day (奖分, 扣分, 突出表现, 严重违纪 in five categories,
domain.md §4.5) into the person's month. After the month ends it is submitted and goes step by
step through the approval chain in force for the facility (a province's or a facility's
`ApprovalChain`, else the default below); the last step fixes the month's grade — 宽管, 普管 or
严管 — from the total and the configurable thresholds (司法部令第127号 Art. 16; 戒毒条例 Art. 30:
graded management by conduct).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Count, DecimalField, F, Q, Sum, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from jiedu.centres import points_rules  # imported first: registers the configurable rules
from jiedu.core import clock, rules
from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm
from jiedu.core.refusals import Refusal
from jiedu.facilities.models import Admission
from jiedu.people.events import record_event

from ..choices import POSITIVE_KINDS, ApprovalDecision, Grade, MonthStatus, PointCategory, PointKind
from ..models import ApprovalChain, PointApproval, PointEntry, PointMonth
from .common import check_day, record_fields, require

# The chain a real province uses in its short form (the full one, domain.md §4.5, adds the
# 合议 and 公示 steps); labels are stored as data in the source language.
DEFAULT_CHAIN: list[dict] = [
    {"label": "中队审批", "leader": False},
    {"label": "大队审批", "leader": False},
    {"label": "管理科审批", "leader": False},
    {"label": "所领导审批", "leader": True},
]
DEFAULT_CHAIN_SOURCE = _("默认流程（全国无统一规定；domain.md §4.5 所列流程的简化版）")
MAX_STEPS = 12
LABEL_MAX = 60  # PointApproval.step_label
MAJOR_KINDS = (PointKind.OUTSTANDING, PointKind.SERIOUS_VIOLATION)
ONE_DECIMAL = Decimal("0.1")


# --- Months ------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def previous_month(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


# --- Grade ---------------------------------------------------------------------------------------


def grade_for(total, serious_violations: int, unit=None, on: date | None = None) -> str:
    """The management grade a month's approved points give (configurable thresholds: no
    national figure, domain.md §4.5). Any serious violation makes the month 严管."""
    if serious_violations > 0:
        return Grade.STRICT
    total = Decimal(total)
    if total < rules.value(points_rules.STRICT_BELOW, unit, on):
        return Grade.STRICT
    if total >= rules.value(points_rules.LENIENT_FROM, unit, on):
        return Grade.LENIENT
    return Grade.NORMAL


def current_grade(stay: Admission) -> str:
    """The grade of the stay's latest approved month; 普管 until a month is approved."""
    grade = (
        PointMonth.objects.filter(admission=stay, status=MonthStatus.APPROVED)
        .order_by("-month", "-id")
        .values_list("grade", flat=True)
        .first()
    )
    return grade or Grade.NORMAL


def behaviour_summary(stay: Admission, since: date, until: date) -> dict:
    """行为表现 over the approved months from `since`'s month to `until`'s, for the diagnostic
    evaluation's pre-fill. Months still open or in approval do not count.

    Keys: months_approved, total (Decimal), average_monthly (Decimal to 0.1, None without an
    approved month), serious_violations, latest_grade (Grade value; 普管 without one)."""
    months = list(
        PointMonth.objects.filter(
            admission=stay,
            status=MonthStatus.APPROVED,
            month__gte=month_start(since),
            month__lte=until,
        )
        .order_by("month", "id")
        .values_list("total", "serious_violations", "grade")
    )
    total = sum((m[0] for m in months), Decimal("0"))
    count = len(months)
    return {
        "months_approved": count,
        "total": total,
        "average_monthly": (total / count).quantize(ONE_DECIMAL) if count else None,
        "serious_violations": sum(m[1] for m in months),
        "latest_grade": months[-1][2] if months else Grade.NORMAL,
    }


# --- Approval chains -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedChain:
    steps: list[dict]
    source: str
    effective_from: date | None
    org_unit: object | None  # None = the default chain in code

    @property
    def is_default(self) -> bool:
        return self.org_unit is None


def resolve_chain(unit, on: date | None = None) -> ResolvedChain:
    """The chain in force at `unit` on `on`: the most specific unit's latest version that has
    started, like `core.rules.resolve`; the default chain when no unit above has one."""
    on = on or clock.today()
    paths = rules.ancestor_paths(unit.path, type(unit).steplen)
    row = (
        ApprovalChain.objects.filter(org_unit__path__in=paths, effective_from__lte=on)
        .select_related("org_unit")
        .order_by("-org_unit__depth", "-effective_from", "-id")
        .first()
    )
    if row is None:
        return ResolvedChain([dict(s) for s in DEFAULT_CHAIN], DEFAULT_CHAIN_SOURCE, None, None)
    return ResolvedChain(row.steps, row.source, row.effective_from, row.org_unit)


def resolve_chains(units, on: date | None = None) -> dict[int, ResolvedChain]:
    """`resolve_chain` for many units in one query (an administrator's overview of every
    facility): unit pk → the chain in force there."""
    on = on or clock.today()
    units = list(units)
    paths = {p for u in units for p in rules.ancestor_paths(u.path, type(u).steplen)}
    rows = list(
        ApprovalChain.objects.filter(org_unit__path__in=paths, effective_from__lte=on)
        .select_related("org_unit")
        .order_by("-org_unit__depth", "-effective_from", "-id")
    )
    out = {}
    for unit in units:
        mine = rules.ancestor_paths(unit.path, type(unit).steplen)
        row = next((r for r in rows if r.org_unit.path in mine), None)
        out[unit.pk] = (
            ResolvedChain(row.steps, row.source, row.effective_from, row.org_unit)
            if row is not None
            else ResolvedChain([dict(s) for s in DEFAULT_CHAIN], DEFAULT_CHAIN_SOURCE, None, None)
        )
    return out


def clean_steps(steps) -> list[dict]:
    """A chain's steps in their stored shape, or a refusal saying what is wrong."""
    cleaned = []
    for step in steps or []:
        label = str(step.get("label", "")).strip()
        if not label:
            raise Refusal(_("环节名称不能为空。"), code="step_label_required", field="steps")
        if len(label) > LABEL_MAX:
            raise Refusal(
                _("环节名称不能超过%(n)s个字。"),
                code="step_label_too_long",
                params={"n": LABEL_MAX},
                field="steps",
            )
        cleaned.append({"label": label, "leader": bool(step.get("leader", False))})
    if not 1 <= len(cleaned) <= MAX_STEPS:
        raise Refusal(
            _("审批流程应有1至%(n)s个环节。"),
            code="step_count",
            params={"n": MAX_STEPS},
            field="steps",
        )
    if not cleaned[-1]["leader"]:
        raise Refusal(_("最后一个环节须由所领导审批。"), code="last_step_not_leader", field="steps")
    return cleaned


def set_approval_chain(unit, *, steps, effective_from: date, source: str, actor) -> ApprovalChain:
    """A new version of the monthly approval chain for a province, city or facility
    (administrators with `core.manage_rules` there). Versions are never edited; the same version
    sent twice returns the first."""
    if not has_perm(actor, "core.manage_rules", unit):
        raise PermissionDenied(_("您无权修改该单位的审批流程。"))
    cleaned = clean_steps(steps)
    if not source.strip():
        raise Refusal(_("请写明依据（文件名称和条款）。"), code="required", field="source")
    with acting_as(actor), transaction.atomic():
        existing = ApprovalChain.objects.filter(
            org_unit=unit, effective_from=effective_from
        ).first()
        if existing is not None:
            if existing.steps == cleaned:
                return existing
            raise Refusal(
                _("该单位在该日已有一个版本；请选择另一个生效日期。"),
                code="version_exists",
                field="effective_from",
            )
        return ApprovalChain.objects.create(
            org_unit=unit, effective_from=effective_from, steps=cleaned, source=source.strip()
        )


# --- Daily entries -------------------------------------------------------------------------------


def _points(value, kind: str, stay: Admission, on: date) -> Decimal:
    try:
        points = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise Refusal(_("请填写分值。"), code="invalid", field="points") from None
    if not points.is_finite() or points <= 0:
        raise Refusal(_("分值应大于0。"), code="points_not_positive", field="points")
    if points != points.quantize(ONE_DECIMAL):
        raise Refusal(_("分值最多保留一位小数。"), code="points_precision", field="points")
    key = points_rules.MAJOR_ENTRY_MAX if kind in MAJOR_KINDS else points_rules.ENTRY_MAX
    limit = rules.resolve(key, stay.facility, on)
    if points > limit.value:
        raise Refusal(
            _("单次记分不得超过%(n)s分（%(source)s）。"),
            code="points_over_limit",
            params={"n": limit.value, "source": limit.source},
            field="points",
        )
    return points


def _month_locked(stay: Admission, first: date, actor) -> PointMonth:
    """The stay's month row, created on first use and locked: an entry racing a submission or an
    approval waits, so no entry lands in a month already submitted and the total stays the sum
    of its entries."""
    month, _created = PointMonth.objects.get_or_create(
        admission=stay,
        month=first,
        defaults={"person_id": stay.person_id, "recorded_by": str(actor)},
    )
    return PointMonth.objects.select_for_update().get(pk=month.pk)


def _recount(month: PointMonth) -> None:
    sums = PointEntry.objects.filter(month=month).aggregate(
        total=Coalesce(
            Sum(
                Case(
                    When(kind__in=POSITIVE_KINDS, then=F("points")),
                    default=-F("points"),
                    output_field=DecimalField(max_digits=6, decimal_places=1),
                )
            ),
            Decimal("0"),
            output_field=DecimalField(max_digits=6, decimal_places=1),
        ),
        serious=Count("pk", filter=Q(kind=PointKind.SERIOUS_VIOLATION)),
    )
    month.total = sums["total"]
    month.serious_violations = sums["serious"]
    month.save(update_fields=["total", "serious_violations"])


def record_points(
    stay: Admission, *, on: date, category: str, kind: str, points, reason: str, actor
) -> PointEntry:
    """One day's reward or deduction. Refused once the month is submitted (it must be returned
    first); a retried identical entry returns the one already recorded."""
    require(actor, "centres.manage_record", stay)
    check_day(stay, on)
    if category not in PointCategory.values:
        raise Refusal(_("请选择类别。"), code="invalid_choice", field="category")
    if kind not in PointKind.values:
        raise Refusal(_("请选择类型。"), code="invalid_choice", field="kind")
    points = _points(points, kind, stay, on)
    reason = (reason or "").strip()
    if not reason:
        raise Refusal(_("请填写事由。"), code="required", field="reason")
    with acting_as(actor), transaction.atomic():
        month = _month_locked(stay, month_start(on), actor)
        same = PointEntry.objects.filter(
            month=month, on=on, category=category, kind=kind, points=points, reason=reason
        ).first()
        if same is not None:
            return same
        if month.status != MonthStatus.OPEN:
            raise Refusal(
                _("%(month)s月度考核已提交审批，须退回后才能补录。"),
                code="month_closed",
                params={"month": month.month.strftime("%Y-%m")},
                field="on",
            )
        entry = PointEntry.objects.create(
            **record_fields(stay, actor),
            on=on,
            category=category,
            kind=kind,
            points=points,
            reason=reason,
            month=month,
        )
        _recount(month)
    return entry


# --- The monthly chain ---------------------------------------------------------------------------


def submittable_from(month: PointMonth) -> date:
    """A month goes for approval from its last day, or from the day the person left."""
    last = month_end(month.month)
    left_on = month.admission.left_on
    return min(last, left_on) if left_on is not None else last


def submit_month(month: PointMonth, *, actor) -> PointMonth:
    """提交审批: the chain in force on the month's last day is kept with the month."""
    stay = month.admission
    require(actor, "centres.manage_record", stay)
    with acting_as(actor), transaction.atomic():
        month = PointMonth.objects.select_for_update().select_related("admission").get(pk=month.pk)
        if month.status == MonthStatus.IN_APPROVAL and month.next_step == 0:
            return month  # a retried submission
        if month.status != MonthStatus.OPEN:
            raise Refusal(_("该月考核已提交审批。"), code="not_open")
        if clock.today() < submittable_from(month):
            raise Refusal(
                _("%(month)s月尚未结束，月末（%(day)s）起方可提交审批。"),
                code="month_not_ended",
                params={
                    "month": month.month.strftime("%Y-%m"),
                    "day": submittable_from(month).isoformat(),
                },
            )
        _recount(month)
        month.chain = resolve_chain(stay.facility, month_end(month.month)).steps
        month.next_step = 0
        month.status = MonthStatus.IN_APPROVAL
        month.save(update_fields=["chain", "next_step", "status"])
    return month


def may_decide(month: PointMonth, user, approvals=None) -> bool:
    """Whether `user` may act on the month's current step (for the pages; the service checks
    the same). `approvals`: the month's approvals when already loaded, oldest first."""
    if month.status != MonthStatus.IN_APPROVAL or month.next_step >= len(month.chain):
        return False
    facility = month.admission.facility
    if not has_perm(user, "centres.approve_points", facility):
        return False
    if month.chain[month.next_step].get("leader") and not has_perm(
        user, "facilities.approve_admission", facility
    ):
        return False
    previous = _previous_approver(month, approvals)
    return previous is None or previous != user.pk


def _previous_approver(month: PointMonth, approvals=None):
    """Who approved the step before the current one in this round (a return starts a new round,
    and reaching step k means step k−1's latest approval belongs to it)."""
    if month.next_step == 0:
        return None
    if approvals is None:
        approvals = month.approvals.order_by("decided_at", "id")
    previous = [
        a
        for a in approvals
        if a.step == month.next_step - 1 and a.decision == ApprovalDecision.APPROVE
    ]
    return previous[-1].decided_by_id if previous else None


def decide_step(
    month: PointMonth, *, decision: str, note: str, actor, step: int | None = None
) -> PointMonth:
    """同意 moves the month to the next step; 退回 (with a note) reopens it for correction. The
    last step's approval fixes the grade. `step`: the step the user saw; a retried decision on a
    step the same user already decided returns the month unchanged."""
    note = (note or "").strip()
    if decision not in ApprovalDecision.values:
        raise Refusal(_("请选择审批意见。"), code="invalid_choice", field="decision")
    if decision == ApprovalDecision.RETURN and not note:
        raise Refusal(_("退回须写明原因。"), code="note_required", field="note")
    stay = month.admission
    if not has_perm(actor, "centres.approve_points", stay.facility):
        raise PermissionDenied(_("您无权审批月度行为考核。"))
    with acting_as(actor), transaction.atomic():
        # Two approvers on the same step: the lock makes the second see the step already moved.
        month = (
            PointMonth.objects.select_for_update(of=("self",))
            .select_related("admission__facility", "admission__person")
            .get(pk=month.pk)
        )
        if step is not None and (
            month.status != MonthStatus.IN_APPROVAL or step != month.next_step
        ):
            last = month.approvals.order_by("-decided_at", "-id").first()
            if (
                last
                and last.step == step
                and last.decision == decision
                and last.decided_by_id == actor.pk
            ):
                return month  # a retried decision
            raise Refusal(_("该环节已由他人处理，请刷新页面。"), code="step_moved")
        if month.status != MonthStatus.IN_APPROVAL:
            raise Refusal(_("该月考核不在审批中。"), code="not_in_approval")
        current = month.chain[month.next_step]
        if current.get("leader") and not has_perm(
            actor, "facilities.approve_admission", stay.facility
        ):
            raise PermissionDenied(_("“%(step)s”须由所领导审批。") % {"step": current["label"]})
        if decision == ApprovalDecision.APPROVE and _previous_approver(month) == actor.pk:
            raise Refusal(
                _("同一人不能审批相邻的两个环节，请由其他人员审批“%(step)s”。"),
                code="same_approver",
                params={"step": current["label"]},
            )
        PointApproval.objects.create(
            month=month,
            step=month.next_step,
            step_label=current["label"],
            decision=decision,
            decided_by=actor,
            note=note,
        )
        if decision == ApprovalDecision.RETURN:
            month.status = MonthStatus.OPEN
            month.next_step = 0
            month.save(update_fields=["status", "next_step"])
            return month
        month.next_step += 1
        fields = ["next_step"]
        if month.next_step >= len(month.chain):
            _approve(month, actor)
            fields += ["status", "grade", "approved_on"]
        month.save(update_fields=fields)
    return month


def _approve(month: PointMonth, actor) -> None:
    stay = month.admission
    month.status = MonthStatus.APPROVED
    month.approved_on = clock.today()
    month.grade = grade_for(
        month.total, month.serious_violations, stay.facility, month_end(month.month)
    )
    record_event(
        stay.person,
        "centres.point_month.approved",
        actor=actor,
        org_unit=stay.facility,
        month=month.month.strftime("%Y-%m"),
        total=str(month.total),
        grade=str(Grade(month.grade).label),
    )
