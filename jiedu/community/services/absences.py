"""Leave requests (戒毒条例 Art. 19) and absences (Art. 20).

Leave: leaving the county of execution for 3 days or more (the rule
`community.leave.written_report_days`) needs a written report (书面报告) and approval; a shorter
trip needs none — it is still recorded when reported (via the portal or the worker), marked
approved at once, so the worker sees where the person is and the absence that follows is not
unapproved.

Absences: a time away from the county. Whether it was approved is derived from the approved
leave covering it unless the caller says so. An absence is split at the leave's dates: the days
inside the approved leave are one approved absence, and the days before the leave began (left
early) and after its return day (came back late) are each an unapproved absence of their own,
linked to the leave and explained in their note — the overrun counts toward 戒毒条例 Art. 20
like any other unapproved absence. While the person is still away after the return day, the
overrun is counted as of today by `violations.breach_facts` and becomes a row when the return is
recorded.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm_any
from jiedu.core.refusals import Refusal
from jiedu.people.events import record_event

from .. import rules
from ..choices import AlertKind, LeaveStatus
from ..models import Absence, CaseAlert, CommunityCase, LeaveRequest
from .common import (
    case_units,
    check_day,
    check_open,
    lock_case,
    raise_alert,
    record_fields,
    require,
    source_of,
    zh,
)

ONE_DAY = timedelta(days=1)
MANAGE = "community.manage_case"
APPROVE = "community.approve_leave"


# --- Leave -------------------------------------------------------------------------------------


def written_report_days(case: CommunityCase, on: date) -> int:
    """戒毒条例 Art. 19: leaving for this many days or more needs a written report (a province
    may require it for fewer days)."""
    return rule_config.value(rules.LEAVE_WRITTEN_DAYS, case.unit, on)


def needs_approval(case: CommunityCase, leave_on: date, return_on: date, on: date) -> bool:
    days = (return_on - leave_on).days + 1
    return days >= written_report_days(case, on)


def request_leave(
    case, *, leave_on, return_on, destination, reason, actor, via_portal=False, client_id=""
):
    """A leave request (书面报告); from the portal `actor` is None and `via_portal` True.

    3 days or more (戒毒条例 Art. 19) → pending, with an alert for whoever approves leave; a
    shorter trip needs no written request and is recorded as approved at once. The same
    `client_id` sent again returns the first request."""
    if not via_portal:
        require(actor, MANAGE, case, _("您无权为该个案登记请假。"))
    client_id = (client_id or "").strip()[:64]
    if client_id:
        found = LeaveRequest.objects.filter(case=case, client_id=client_id).first()
        if found is not None:
            return found
    check_open(case)
    today = clock.today()
    if leave_on < today:
        raise Refusal(
            _("离开日期不能早于申请日期（%(day)s）；已经离开的，请登记离开记录。"),
            code="leave_in_past",
            params={"day": today.isoformat()},
            field="leave_on",
        )
    if return_on < leave_on:
        raise Refusal(
            _("预计返回日期不能早于离开日期。"), code="return_before_leave", field="return_on"
        )
    ends = case.measure.term_end
    if ends is not None and leave_on > ends:
        raise Refusal(
            _("离开日期晚于措施届满日（%(day)s），无需请假。"),
            code="after_term",
            params={"day": ends.isoformat()},
            field="leave_on",
        )
    destination = (destination or "").strip()
    if not destination:
        raise Refusal(_("请填写前往地点。"), code="required", field="destination")
    pending = needs_approval(case, leave_on, return_on, today)
    fields = record_fields(case, actor)
    if via_portal and actor is None:
        fields["recorded_by"] = zh(_("本人（线上）"))
    leave = LeaveRequest(
        leave_on=leave_on,
        return_on=return_on,
        destination=destination[:100],
        reason=(reason or "").strip()[:300],
        requested_on=today,
        via_portal=via_portal,
        status=LeaveStatus.PENDING if pending else LeaveStatus.APPROVED,
        client_id=client_id,
        **fields,
    )
    if not pending:
        leave.decided_on = today
        leave.decided_by = "system"
        leave.decision_note = str(
            zh(_("离开不足%(n)s日，无需书面请假（戒毒条例第十九条），登记备查"))
            % {"n": written_report_days(case, today)}
        )
    try:
        with acting_as(actor), transaction.atomic():
            leave.save()
            record_event(
                case.person,
                "community.leave.requested",
                actor=actor,
                org_unit=case.unit,
                leave_on=leave_on.isoformat(),
                return_on=return_on.isoformat(),
                days=leave.days,
                destination=leave.destination,
            )
            if pending:
                raise_alert(
                    case,
                    AlertKind.LEAVE_REQUEST,
                    today,
                    detail=_leave_text(leave),
                    source=source_of(leave),
                )
    except IntegrityError:
        # The same client id sent twice at once: the other request recorded it.
        found = client_id and LeaveRequest.objects.filter(case=case, client_id=client_id).first()
        if not found:
            raise
        return found
    return leave


def _leave_text(leave: LeaveRequest) -> str:
    return str(
        zh(_("%(leave_on)s至%(return_on)s（%(days)s日），前往%(destination)s：%(reason)s"))
        % {
            "leave_on": leave.leave_on.isoformat(),
            "return_on": leave.return_on.isoformat(),
            "days": leave.days,
            "destination": leave.destination,
            "reason": leave.reason or "—",
        }
    )


def decide_leave(request: LeaveRequest, *, approve: bool, note: str = "", on: date, actor):
    """Approve or refuse a pending leave request (`community.approve_leave`). Deciding again
    the same way on the same day returns it unchanged."""
    case = request.case
    require(actor, APPROVE, case, _("您无权审批该个案的请假。"))
    status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
    with acting_as(actor), transaction.atomic():
        leave = LeaveRequest.objects.select_for_update().get(pk=request.pk)
        if leave.status == status and leave.decided_on == on:
            return leave
        if leave.status != LeaveStatus.PENDING:
            raise Refusal(
                _("该请假申请当前状态为“%(status)s”，不能再审批。"),
                code="leave_not_pending",
                params={"status": LeaveStatus(leave.status).label},
            )
        if on > clock.today():
            raise Refusal(_("日期不能晚于今天。"), code="future_date", field="on")
        if on < leave.requested_on:
            raise Refusal(
                _("审批日期不能早于申请日期（%(day)s）。"),
                code="before_request",
                params={"day": leave.requested_on.isoformat()},
                field="on",
            )
        leave.status = status
        leave.decided_on = on
        leave.decided_by = str(actor)
        leave.decision_note = (note or "").strip()[:200]
        leave.save(update_fields=["status", "decided_on", "decided_by", "decision_note"])
        _mark_alert_seen(case, leave, actor)
        record_event(
            case.person,
            "community.leave.approved" if approve else "community.leave.rejected",
            actor=actor,
            org_unit=case.unit,
            on=on.isoformat(),
            leave_on=leave.leave_on.isoformat(),
            return_on=leave.return_on.isoformat(),
        )
    return leave


def cancel_leave(request: LeaveRequest, *, actor, via_portal: bool = False):
    """Withdraw a pending or approved request before any absence is recorded on it."""
    case = request.case
    if not via_portal:
        require(actor, MANAGE, case, _("您无权撤回该请假。"))
    with acting_as(actor), transaction.atomic():
        leave = LeaveRequest.objects.select_for_update().get(pk=request.pk)
        if leave.status == LeaveStatus.CANCELLED:
            return leave
        if leave.status not in (LeaveStatus.PENDING, LeaveStatus.APPROVED):
            raise Refusal(
                _("该请假申请当前状态为“%(status)s”，不能撤回。"),
                code="leave_not_open",
                params={"status": LeaveStatus(leave.status).label},
            )
        if leave.absences.exists():
            raise Refusal(_("已按该请假登记离开，不能撤回。"), code="leave_in_use", field="__all__")
        leave.status = LeaveStatus.CANCELLED
        leave.save(update_fields=["status"])
        _mark_alert_seen(case, leave, actor)
        record_event(
            case.person,
            "community.leave.cancelled",
            actor=actor,
            org_unit=case.unit,
            leave_on=leave.leave_on.isoformat(),
            return_on=leave.return_on.isoformat(),
        )
    return leave


def _mark_alert_seen(case, leave, actor) -> None:
    """The leave alert is answered by the decision."""
    alert = CaseAlert.objects.filter(
        case=case, kind=AlertKind.LEAVE_REQUEST, source=source_of(leave), seen_at__isnull=True
    ).first()
    if alert is not None:
        alert.seen_at = timezone.now()
        alert.seen_by = str(actor or "system")
        alert.save(update_fields=["seen_at", "seen_by"])


# --- Absences ----------------------------------------------------------------------------------


def covering_leave(case, left_on: date, until: date) -> LeaveRequest | None:
    """The approved leave that overlaps the days [left_on, until] the most (the earliest on a
    tie), or None."""
    leaves = LeaveRequest.objects.filter(
        case=case, status=LeaveStatus.APPROVED, leave_on__lte=until, return_on__gte=left_on
    ).order_by("leave_on", "id")

    def overlap(leave):
        return (min(leave.return_on, until) - max(leave.leave_on, left_on)).days

    return max(leaves, key=overlap, default=None)


def record_absence(
    case,
    *,
    left_on,
    returned_on=None,
    approved=None,
    leave=None,
    destination="",
    note="",
    external_id="",
    actor,
) -> list[Absence]:
    """离开执行地记录: a time away from the county of execution, from `left_on` to `returned_on`
    (None while away). Returns the rows recorded, in date order: one, or — split at an approved
    leave's dates — the approved part and the unapproved days before or after it.

    `approved` None: derived from the approved leave covering the days (`leave`, or found);
    True/False: as the caller says (another system knows), without a split. Unapproved days
    raise the alert, score `absence_unapproved` and run serious-breach detection (戒毒条例
    Art. 20); an approved leave kept (back by its return day) scores `leave_kept`.
    The same `external_id` sent again returns the rows recorded the first time."""
    require(actor, MANAGE, case, _("您无权为该个案登记离开记录。"))
    external_id = (external_id or "").strip()[:100]
    if external_id:
        found = _recorded_with(case, external_id)
        if found:
            return found
    check_open(case)
    check_day(case, left_on, "left_on")
    if returned_on is not None:
        check_day(case, returned_on, "returned_on")
        if returned_on < left_on:
            raise Refusal(
                _("返回日期不能早于离开日期。"), code="return_before_leave", field="returned_on"
            )
    if leave is not None:
        if leave.case_id != case.pk:
            raise Refusal(_("该请假不属于本个案。"), code="leave_other_case", field="leave")
        if leave.status != LeaveStatus.APPROVED:
            raise Refusal(
                _("该请假未获批准（%(status)s）。"),
                code="leave_not_approved",
                params={"status": LeaveStatus(leave.status).label},
                field="leave",
            )
    if approved and leave is None and not has_perm_any(actor, APPROVE, case_units(case)):
        # Approving leave is the supervisor's (戒毒条例 Art. 19); a worker who says an absence was
        # approved must point at the approved leave, or the Art. 20 count could be dodged.
        raise Refusal(
            _("登记为经批准的离开，须关联已批准的请假，或由有请假审批权限的人员登记。"),
            code="approval_needs_leave",
            field="approved",
        )
    try:
        with acting_as(actor), transaction.atomic():
            case = lock_case(case)
            if approved is None:
                leave = leave or covering_leave(case, left_on, returned_on or clock.today())
                pieces = _split(left_on, returned_on, leave, written_report_days(case, left_on))
            else:
                leave = leave if approved else None
                pieces = [(left_on, returned_on, bool(approved), "")]
            rows = []
            for i, (start, end, ok, why) in enumerate(pieces):
                rows.append(
                    Absence.objects.create(
                        measure=case.measure,
                        left_on=start,
                        returned_on=end,
                        approved=ok,
                        leave=leave if leave is not None and (ok or why) else None,
                        destination=(destination or (leave.destination if leave else ""))[:100],
                        note=_join(why, note),
                        external_id=_piece_id(external_id, i),
                        **record_fields(case, actor),
                    )
                )
            for row in rows:
                record_event(
                    case.person,
                    "community.absence.recorded",
                    actor=actor,
                    org_unit=case.unit,
                    left_on=row.left_on.isoformat(),
                    kind=zh(_("经批准") if row.approved else _("未经批准")),
                    until=_until_text(row),
                )
            _after(case, rows, actor)
    except IntegrityError:
        # The same external id sent twice at once: the other request recorded it.
        found = external_id and _recorded_with(case, external_id)
        if not found:
            raise
        return found
    return rows


def _recorded_with(case, external_id: str) -> list[Absence]:
    first = Absence.objects.filter(case=case, external_id=external_id).first()
    if first is None:
        return []
    rest = Absence.objects.filter(case=case, external_id__startswith=f"{external_id}#")
    return sorted([first, *rest], key=lambda a: (a.left_on, a.pk))


def _piece_id(external_id: str, i: int) -> str:
    """The first row keeps the external id; rows split from it get `<id>#2`, `<id>#3`."""
    if not external_id or i == 0:
        return external_id
    return f"{external_id[:96]}#{i + 1}"


def _join(*parts: str) -> str:
    return "；".join(p for p in (s.strip() for s in parts) if p)[:200]


def _until_text(row: Absence) -> str:
    if row.returned_on is None:
        return zh(_("，尚未返回"))
    return str(zh(_("，%(day)s返回"))) % {"day": row.returned_on.isoformat()}


def _split(
    left_on: date, returned_on: date | None, leave: LeaveRequest | None, short_days: int
) -> list[tuple]:
    """(start, end, approved, why) pieces of one absence at an approved leave's dates. A trip
    back within fewer than `short_days` days needed no written request (戒毒条例 Art. 19), so it
    is not an unauthorised absence."""
    if leave is None:
        if returned_on is not None and (returned_on - left_on).days + 1 < short_days:
            why = str(zh(_("离开不足%(n)s日，无需书面请假（戒毒条例第十九条）"))) % {
                "n": short_days
            }
            return [(left_on, returned_on, True, why)]
        return [(left_on, returned_on, False, "")]
    end = returned_on if returned_on is not None else date.max
    if end < leave.leave_on or left_on > leave.return_on:
        return [(left_on, returned_on, False, "")]
    pieces = []
    start = left_on
    if left_on < leave.leave_on:
        pieces.append(
            (
                left_on,
                leave.leave_on - ONE_DAY,
                False,
                str(zh(_("早于批准的离开日期（%(day)s）离开"))) % {"day": leave.leave_on},
            )
        )
        start = leave.leave_on
    if returned_on is None:
        # Still away: the approved part stays open; days past the return day are counted as an
        # overrun by breach_facts and split off when the return is recorded.
        pieces.append((start, None, True, ""))
    elif returned_on <= leave.return_on:
        pieces.append((start, returned_on, True, ""))
    else:
        pieces.append((start, leave.return_on, True, ""))
        pieces.append((leave.return_on + ONE_DAY, returned_on, False, _overrun_text(leave)))
    return pieces


def _overrun_text(leave: LeaveRequest) -> str:
    return str(zh(_("超过批准的返回日期（%(day)s）返回"))) % {"day": leave.return_on}


def record_return(absence: Absence, *, on: date, actor) -> list[Absence]:
    """The person is back on day `on`. An approved absence back after its leave's return day
    is closed on that day and the days after it become an unapproved absence (the overrun).
    Returns the rows changed or made. Recording the same day again changes nothing."""
    case = absence.case
    require(actor, MANAGE, case, _("您无权为该个案登记返回。"))
    check_day(case, on, "on")
    with acting_as(actor), transaction.atomic():
        case = lock_case(case)
        # Read again under the lock: a retry (or a second clerk) sees the first return.
        absence = (
            Absence.objects.select_for_update(of=("self",))
            .select_related("leave")
            .get(pk=absence.pk)
        )
        if absence.returned_on is not None:
            if absence.returned_on == on or (absence.leave_id and _overrun_of(absence, on)):
                return [absence]
            raise Refusal(
                _("该离开记录已于%(day)s登记返回。"),
                code="already_returned",
                params={"day": absence.returned_on.isoformat()},
                field="on",
            )
        if on < absence.left_on:
            raise Refusal(
                _("返回日期不能早于离开日期（%(day)s）。"),
                code="return_before_leave",
                params={"day": absence.left_on.isoformat()},
                field="on",
            )
        leave = absence.leave
        rows = [absence]
        if absence.approved and leave is not None and on > leave.return_on:
            absence.returned_on = leave.return_on
            absence.save(update_fields=["returned_on"])
            rows.append(
                Absence.objects.create(
                    measure=absence.measure,
                    left_on=leave.return_on + ONE_DAY,
                    returned_on=on,
                    approved=False,
                    leave=leave,
                    destination=absence.destination,
                    note=_overrun_text(leave),
                    external_id=_piece_id(absence.external_id, 1) if absence.external_id else "",
                    **record_fields(case, actor),
                )
            )
        else:
            absence.returned_on = on
            absence.save(update_fields=["returned_on"])
        record_event(
            case.person,
            "community.absence.returned",
            actor=actor,
            org_unit=case.unit,
            on=on.isoformat(),
        )
        _after(case, rows, actor)
    return rows


def _overrun_of(absence: Absence, on: date) -> bool:
    """Whether the return on `on` was already recorded as the overrun split from `absence`."""
    return Absence.objects.filter(
        case_id=absence.case_id,
        leave_id=absence.leave_id,
        approved=False,
        left_on=absence.returned_on + ONE_DAY,
        returned_on=on,
    ).exists()


def _after(case: CommunityCase, rows: list[Absence], actor) -> None:
    """Alerts, credit and serious-breach detection for the rows just recorded or closed."""
    from . import credit, violations

    unapproved = [r for r in rows if not r.approved]
    for row in unapproved:
        source = source_of(row)
        raise_alert(
            case,
            AlertKind.UNAPPROVED_ABSENCE,
            row.left_on,
            detail=_absence_text(row),
            source=source,
        )
        credit.award(case, "absence_unapproved", on=row.left_on, source=source, actor=actor)
    for row in rows:
        leave = row.leave
        kept = (
            row.approved
            and leave is not None
            and row.returned_on is not None
            and row.returned_on <= leave.return_on
            and not unapproved
        )
        if kept:
            # Back by the approved day: the leave was kept.
            credit.award(
                case, "leave_kept", on=row.returned_on, source=source_of(leave), actor=actor
            )
    if unapproved:
        # 戒毒条例 Art. 20: 3 or more unapproved absences, or more than 30 days in all.
        violations.detect_breach(case, on=max(r.left_on for r in unapproved), actor=actor)
    credit.refresh_case(case)


def _absence_text(row: Absence) -> str:
    text = str(zh(_("%(left_on)s擅自离开执行地"))) % {"left_on": row.left_on.isoformat()}
    if row.returned_on is not None:
        text += str(zh(_("，%(day)s返回（%(days)s日）"))) % {
            "day": row.returned_on.isoformat(),
            "days": (row.returned_on - row.left_on).days + 1,
        }
    if row.note:
        text += f"（{row.note}）"
    return text


def current_absence(case) -> Absence | None:
    """The absence still open (the person is away now), if any."""
    return (
        Absence.objects.filter(case=case, returned_on__isnull=True)
        .select_related("leave")
        .order_by("-left_on", "-id")
        .first()
    )
