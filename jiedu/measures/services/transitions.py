"""The legal status machine: every step of a measure after its decision."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm_any
from jiedu.core.refusals import Refusal
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit
from jiedu.people.events import record_event

from .. import rules
from ..choices import (
    ACTIVE_STATUSES,
    COMMUNITY_KINDS,
    BlockerCode,
    EndReason,
    MeasureKind,
    MeasureStatus,
    NoticeKind,
    PauseKind,
)
from ..models import Measure, MeasurePause
from ..signals import measure_terminated
from .columns import refresh_clocks
from .common import (
    K,
    S,
    _check_on,
    _close_open_pauses,
    _sync_person_unit,
    _zh,
    notify_changed,
)
from .decisions import (
    EXECUTING_KINDS,
    CommunityRehabOrder,
    order_community_rehabilitation,
)
from .notices import (
    _owe_admission_notices,
    _owe_notice,
    _refresh_release_notice,
    add_blocker,
)

# The legal status machine: action -> (measures it applies to, statuses it leaves, status it
# enters). Anything else is refused as an illegal transition.
TRANSITIONS = {
    "report": (COMMUNITY_KINDS, (S.ORDERED,), S.IN_PROGRESS),
    "refuse": (COMMUNITY_KINDS, (S.ORDERED,), S.REFUSED),
    "admit": ((K.COMPULSORY_ISOLATION, K.VOLUNTARY), (S.ORDERED,), S.IN_PROGRESS),
    "transfer": ((K.COMPULSORY_ISOLATION,), (S.IN_PROGRESS,), S.IN_PROGRESS),
    "escape": ((K.COMPULSORY_ISOLATION,), (S.IN_PROGRESS,), S.ESCAPED),
    "recapture": ((K.COMPULSORY_ISOLATION,), (S.ESCAPED,), S.IN_PROGRESS),
    "suspend": (COMMUNITY_KINDS, (S.IN_PROGRESS,), S.SUSPENDED),
    "resume": (COMMUNITY_KINDS, (S.SUSPENDED,), S.IN_PROGRESS),
    "release": (tuple(K), (S.IN_PROGRESS,), S.ENDED),
    "terminate": (tuple(K), ACTIVE_STATUSES, S.TERMINATED),
    # 变更执行地 (戒毒条例 Art. 22): the status does not change; the term runs on.
    "change_place": (COMMUNITY_KINDS, (S.ORDERED, S.IN_PROGRESS), None),
}


ACTION_LABELS = {
    "report": _("报到"),
    "refuse": _("登记拒绝执行"),
    "admit": _("入所（开始执行）"),
    "transfer": _("移送司法行政戒毒所"),
    "escape": _("登记脱逃"),
    "recapture": _("登记追回"),
    "suspend": _("中止"),
    "resume": _("恢复执行"),
    "release": _("解除"),
    "terminate": _("终止"),
    "change_place": _("变更执行地"),
}


# 戒毒条例 Art. 24 (community) and Art. 36 (isolation: detention or a sentence does not stop the
# term), Art. 31 (medical parole → community drug rehab): the reasons each measure may end for.
TERMINATION_REASONS = {
    K.COMMUNITY_DRUG_REHAB: (
        EndReason.IMPRISONMENT,
        EndReason.COMPULSORY_EDUCATION,
        EndReason.DEATH,
        EndReason.REVOKED,
    ),
    K.COMMUNITY_REHABILITATION: (
        EndReason.IMPRISONMENT,
        EndReason.COMPULSORY_EDUCATION,
        EndReason.DEATH,
        EndReason.REVOKED,
    ),
    K.COMPULSORY_ISOLATION: (
        EndReason.DEATH,
        EndReason.REVOKED,
        EndReason.MEDICAL_PAROLE_CHANGE,
    ),
    K.VOLUNTARY: (EndReason.AGREEMENT_ENDED, EndReason.DEATH),
}


def _lock(measure: Measure) -> Measure:
    # Two officers acting on one measure at once (escape and release, say) must not both pass
    # the transition check: the second waits here and sees the first's result.
    return (
        # of=self: PostgreSQL cannot lock the nullable side of the deciding-organ outer join.
        Measure.objects.select_for_update(of=("self",))
        .select_related("person", "executing_unit", "deciding_organ")
        .get(pk=measure.pk)
    )


def _check_actor(measure: Measure, actor) -> None:
    """Who may record a step: for a community measure the township executing it, the unit that
    manages the person and the deciding police organ (they work the case together, 戒毒条例
    Art. 17); for compulsory isolation and voluntary treatment only the executing facility or
    clinic — a township cannot record a release."""
    if not can_execute(actor, measure):
        raise PermissionDenied(_("您无权执行该措施的操作。"))


def can_execute(user, measure: Measure) -> bool:
    units = [measure.executing_unit]
    if measure.is_community:
        units += [measure.person.managing_unit, measure.deciding_organ]
    return has_perm_any(user, "measures.execute_measure", units)


def _check_transition(measure: Measure, action: str) -> None:
    kinds, sources, _target = TRANSITIONS[action]
    if measure.kind not in kinds or measure.status not in sources:
        raise Refusal(
            _("%(measure)s当前状态为“%(status)s”，不能%(action)s。"),
            code="illegal_transition",
            # Lazy labels: the message renders in Chinese and in English (core.api.bilingual).
            params={
                "measure": MeasureKind(measure.kind).label,
                "status": MeasureStatus(measure.status).label,
                "action": ACTION_LABELS[action],
            },
        )


def _last_event_day(measure: Measure) -> date:
    days = [
        measure.served_on,
        measure.reported_on,
        measure.admitted_on,
        measure.transferred_on,
    ]
    last_pause = measure.pauses.order_by("-started_on").first()
    if last_pause is not None:
        days += [last_pause.started_on, last_pause.ended_on]
    return max(d for d in days if d is not None)


def _save(measure: Measure) -> Measure:
    refresh_clocks(measure)
    measure.save()
    _refresh_release_notice(measure)
    return measure


def _event(measure: Measure, code: str, actor, **data) -> None:
    record_event(
        measure.person,
        code,
        actor=actor,
        org_unit=measure.executing_unit,
        kind=_zh(measure.get_kind_display()),
        **{k: (v.isoformat() if isinstance(v, date) else _zh(v)) for k, v in data.items()},
    )
    notify_changed(measure, code.rsplit(".", 1)[-1], actor)


def report_in(measure: Measure, *, on: date, actor, late_reason: str = "") -> Measure:
    """报到: the person reports to the township; the term runs from today (戒毒条例 Art. 14, 38).

    After the reporting window a report is taken only with a recorded good reason — without
    one, not reporting in time is a refusal (戒毒条例 Art. 14; 禁毒法 Art. 38).
    """
    with acting_as(actor), transaction.atomic():
        measure = _lock(measure)
        _check_actor(measure, actor)
        if measure.status == S.IN_PROGRESS and measure.reported_on == on:
            return measure
        _check_transition(measure, "report")
        _check_on(on, measure.served_on, _("送达日期"))
        if on > measure.report_due_by and not late_reason.strip():
            raise Refusal(
                _(
                    "报到截止日为%(due)s，已逾期。无正当理由逾期未报到的，视为拒绝接受"
                    "（戒毒条例第十四条）。如有正当理由，请填写。"
                ),
                code="report_overdue",
                params={"due": measure.report_due_by.isoformat()},
                field="late_reason",
            )
        measure.reported_on = on
        measure.late_report_reason = late_reason.strip() if on > measure.report_due_by else ""
        measure.status = S.IN_PROGRESS
        _save(measure)
        _event(measure, "measures.measure.reported", actor, on=on, unit=str(measure.executing_unit))
    return measure


def refuse(measure: Measure, *, on: date, actor) -> Measure:
    """Record that the person did not report in time: a refusal (戒毒条例 Art. 14), which the
    worker reports to the police (禁毒法 Art. 35; 戒毒条例 Art. 21)."""
    with acting_as(actor), transaction.atomic():
        measure = _lock(measure)
        _check_actor(measure, actor)
        if measure.status == S.REFUSED and measure.ended_on == on:
            return measure  # a retry; a refusal on another day is not one
        _check_transition(measure, "refuse")
        _check_on(on, measure.served_on, _("送达日期"))
        if on <= measure.report_due_by:
            raise Refusal(
                _("报到期限至%(due)s，期限届满前不能认定为拒绝报到。"),
                code="report_window_open",
                params={"due": measure.report_due_by.isoformat()},
                field="on",
            )
        measure.status = S.REFUSED
        measure.ended_on = on
        measure.end_reason = EndReason.REFUSAL
        _save(measure)
        _sync_person_unit(measure.person)
        _event(measure, "measures.measure.refused", actor, on=on)
    return measure


def admit(measure: Measure, *, on: date, actor, unit: OrgUnit | None = None) -> Measure:
    """Execution begins: the person enters the facility (or the voluntary clinic)."""
    with acting_as(actor), transaction.atomic():
        measure = _lock(measure)
        if measure.status == S.IN_PROGRESS and measure.admitted_on == on:
            return measure
        if unit is not None and unit != measure.executing_unit:
            if unit.kind not in EXECUTING_KINDS[measure.kind]:
                raise Refusal(
                    _("该单位不能执行此措施。"), code="wrong_unit_kind", field="executing_unit"
                )
            measure.executing_unit = unit
        _check_actor(measure, actor)
        _check_transition(measure, "admit")
        _check_on(on, measure.served_on, _("送达日期"))
        measure.admitted_on = on
        measure.status = S.IN_PROGRESS
        _save(measure)
        if measure.is_isolation:
            _owe_admission_notices(measure, on)
        _sync_person_unit(measure.person)
        _event(measure, "measures.measure.admitted", actor, on=on, unit=str(measure.executing_unit))
    return measure


def transfer(measure: Measure, *, on: date, to_unit: OrgUnit, actor) -> Measure:
    """Move the person from the police facility to a judicial facility (戒毒条例 Art. 27)."""
    with acting_as(actor), transaction.atomic():
        measure = _lock(measure)
        if measure.transferred_on == on and measure.executing_unit_id == to_unit.pk:
            return measure
        _check_actor(measure, actor)
        _check_transition(measure, "transfer")
        if measure.executing_unit.kind != UnitKind.POLICE_FACILITY:
            raise Refusal(
                _("只有在公安机关强制隔离戒毒所执行的人员才需移送司法行政戒毒所。"),
                code="not_in_police_facility",
            )
        if to_unit.kind != UnitKind.JUDICIAL_FACILITY:
            raise Refusal(
                _("应移送至司法行政部门的强制隔离戒毒所。"), code="wrong_unit_kind", field="to_unit"
            )
        _check_on(on, _last_event_day(measure), _("上一次登记的日期"))
        from_unit = measure.executing_unit
        measure.executing_unit = to_unit
        measure.transferred_on = on
        _save(measure)
        _owe_admission_notices(measure, on)
        _sync_person_unit(measure.person)
        _event(
            measure,
            "measures.measure.transferred",
            actor,
            on=on,
            from_unit=str(from_unit),
            unit=str(to_unit),
        )
    return measure


def change_place(measure: Measure, *, on: date, to_unit: OrgUnit, actor, reason: str) -> Measure:
    """变更执行地 (戒毒条例 Art. 22): the community measure moves to another township. The term
    counts continuously; the person reports there within 15 days and signs a new agreement
    (the community case keeps those). A retry (same day, same township) changes nothing."""
    if not reason.strip():
        raise Refusal(_("请填写变更执行地的原因。"), code="required", field="reason")
    with acting_as(actor), transaction.atomic():
        measure = _lock(measure)
        _check_actor(measure, actor)
        if measure.executing_unit_id == to_unit.pk:
            if measure.person.events.filter(
                code="measures.measure.place_changed", data__on=on.isoformat()
            ).exists():
                return measure
            raise Refusal(_("新执行地与现执行地相同。"), code="same_unit", field="to_unit")
        _check_transition(measure, "change_place")
        if to_unit.kind not in EXECUTING_KINDS[measure.kind]:
            raise Refusal(_("新执行地应为乡镇（街道）。"), code="wrong_unit_kind", field="to_unit")
        _check_on(on, _last_event_day(measure), _("上一次登记的日期"))
        from_unit = measure.executing_unit
        measure.executing_unit = to_unit
        _save(measure)
        _sync_person_unit(measure.person)
        _event(
            measure,
            "measures.measure.place_changed",
            actor,
            on=on,
            from_unit=str(from_unit),
            unit=str(to_unit),
            reason=reason.strip(),
        )
    return measure


def _start_pause(measure, action: str, kind: str, *, on: date, actor, reason: str):
    """Open a pause (escape, suspension) and move the measure to its status; a retry of the
    same pause on the same day answers the measure unchanged (returns None)."""
    measure = _lock(measure)
    _check_actor(measure, actor)
    target = TRANSITIONS[action][2]
    retried = measure.pauses.filter(kind=kind, started_on=on, ended_on__isnull=True).exists()
    if measure.status == target and retried:
        return measure, None
    _check_transition(measure, action)
    _check_on(on, _last_event_day(measure), _("上一次登记的日期"))
    pause = MeasurePause.objects.create(measure=measure, kind=kind, started_on=on, reason=reason)
    measure.status = target
    _save(measure)
    return measure, pause


def _end_pause(measure, action: str, kind: str, *, on: date, actor, started_label):
    """Close the open pause: its days are added to the term; a retry answers None."""
    measure = _lock(measure)
    _check_actor(measure, actor)
    last = measure.pauses.filter(kind=kind).order_by("-started_on").first()
    if measure.status == S.IN_PROGRESS and last is not None and last.ended_on == on:
        return measure, None
    _check_transition(measure, action)
    _check_on(on, last.started_on, started_label)
    last.ended_on = on
    last.save()
    measure.status = S.IN_PROGRESS
    _save(measure)
    return measure, last


def escape(measure: Measure, *, on: date, actor, reason: str = "") -> Measure:
    """脱逃: time on escape is not counted and early release is barred (戒毒条例 Art. 32)."""
    with acting_as(actor), transaction.atomic():
        measure, pause = _start_pause(
            measure, "escape", PauseKind.ESCAPE, on=on, actor=actor, reason=reason
        )
        if pause is not None:
            add_blocker(measure, BlockerCode.ESCAPED, on, actor=actor)
            _event(measure, "measures.measure.escaped", actor, on=on)
    return measure


def recapture(measure: Measure, *, on: date, actor) -> Measure:
    """追回: the escape closes and the term end moves by the days away (戒毒条例 Art. 32)."""
    with acting_as(actor), transaction.atomic():
        measure, pause = _end_pause(
            measure, "recapture", PauseKind.ESCAPE, on=on, actor=actor, started_label=_("脱逃日期")
        )
        if pause is not None:
            _event(
                measure,
                "measures.measure.recaptured",
                actor,
                on=on,
                days=str((on - pause.started_on).days),
                term_end=measure.term_end,
            )
    return measure


def suspend(measure: Measure, *, on: date, actor, reason: str) -> Measure:
    """中止: detained or arrested during a community measure (戒毒条例 Art. 24)."""
    if not reason.strip():
        raise Refusal(_("请填写中止原因（如被拘留、逮捕）。"), code="required", field="reason")
    with acting_as(actor), transaction.atomic():
        measure, pause = _start_pause(
            measure, "suspend", PauseKind.SUSPENSION, on=on, actor=actor, reason=reason.strip()
        )
        if pause is not None:
            _event(measure, "measures.measure.suspended", actor, on=on, reason=reason.strip())
    return measure


def resume(measure: Measure, *, on: date, actor) -> Measure:
    """恢复: the suspension ends and its days are added to the term (戒毒条例 Art. 24)."""
    with acting_as(actor), transaction.atomic():
        measure, pause = _end_pause(
            measure, "resume", PauseKind.SUSPENSION, on=on, actor=actor, started_label=_("中止日期")
        )
        if pause is not None:
            _event(measure, "measures.measure.resumed", actor, on=on, term_end=measure.term_end)
    return measure


def early_release_blockers(measure: Measure, on: date) -> list[tuple[str, str]]:
    """(code, reason) for every bar to early release on day `on` (domain.md §4.6)."""
    found = [(b.code, b.get_code_display()) for b in measure.blockers.all()]
    if measure.early_release_from and on < measure.early_release_from:
        found.insert(
            0,
            (
                "less_than_one_year",
                _("执行未满一年，%(day)s起方可提前解除（禁毒法第四十七条）")
                % {"day": measure.early_release_from.isoformat()},
            ),
        )
    return found


def release(
    measure: Measure,
    *,
    on: date,
    actor,
    early: bool = False,
    community_rehab: CommunityRehabOrder | None = None,
) -> Measure:
    """解除: at expiry, or early on an approved proposal; may order 社区康复 (禁毒法 Art. 47–48)."""
    with acting_as(actor), transaction.atomic():
        measure = _lock(measure)
        _check_actor(measure, actor)
        if measure.status == S.ENDED and measure.ended_on == on:
            return measure
        _check_transition(measure, "release")
        _check_on(on, _last_event_day(measure), _("上一次登记的日期"))
        if measure.kind == K.VOLUNTARY:
            reason = EndReason.AGREEMENT_ENDED
        elif early or measure.approved_release_on is not None:
            if not measure.is_isolation:
                raise Refusal(
                    _("只有强制隔离戒毒可以提前解除（禁毒法第四十七条）。"),
                    code="early_release_not_applicable",
                )
            blockers = early_release_blockers(measure, on)
            if blockers:
                raise Refusal(
                    _("不得提前解除：%(reasons)s。"),
                    code="early_release_blocked",
                    params={"reasons": "；".join(_zh(text) for _c, text in blockers)},
                )
            if measure.approved_release_on is None:
                raise Refusal(
                    _("提前解除须经诊断评估提出意见并经决定机关批准（禁毒法第四十七条）。"),
                    code="early_release_not_approved",
                )
            if on < measure.approved_release_on:
                raise Refusal(
                    _("决定机关批准的解除日期为%(day)s。"),
                    code="before_approved_release_day",
                    params={"day": measure.approved_release_on.isoformat()},
                    field="on",
                )
            reason = EndReason.EARLY_RELEASE
        else:
            if on < measure.term_end:
                raise Refusal(
                    _(
                        "期限至%(end)s届满，届满前解除须经诊断评估提出提前解除（禁毒法第四十七条）。"
                    ),
                    code="term_not_ended",
                    params={"end": measure.term_end.isoformat()},
                    field="on",
                )
            reason = EndReason.EXPIRY
        if community_rehab is not None and not measure.is_isolation:
            raise Refusal(
                _("社区康复只能在解除强制隔离戒毒时责令（禁毒法第四十八条）。"),
                code="community_rehab_not_applicable",
            )
        measure.status = S.ENDED
        measure.ended_on = on
        measure.end_reason = reason
        _save(measure)
        _event(measure, "measures.measure.released", actor, on=on, reason=EndReason(reason).label)
        if measure.is_community:
            _owe_notice(
                measure,
                NoticeKind.END_TOWNSHIP,
                owed_by=measure.deciding_organ or measure.executing_unit,
                due_on=on
                + timedelta(
                    days=rule_config.value(rules.END_NOTICE_DAYS, measure.executing_unit, on)
                ),
                recipient=str(measure.executing_unit),
                source=rule_config.resolve(rules.END_NOTICE_DAYS, measure.executing_unit).source,
            )
        if community_rehab is not None:
            order_community_rehabilitation(measure, community_rehab, on=on, actor=actor)
        _sync_person_unit(measure.person)
    return measure


def terminate(measure: Measure, *, on: date, reason: str, actor) -> Measure:
    """终止 for the reasons the law gives each measure (戒毒条例 Art. 24, 31, 36)."""
    with acting_as(actor), transaction.atomic():
        measure = _lock(measure)
        _check_actor(measure, actor)
        if measure.status == S.TERMINATED and measure.ended_on == on:
            return measure
        _check_transition(measure, "terminate")
        allowed = TERMINATION_REASONS[measure.kind]
        if reason not in allowed:
            if measure.is_isolation and reason == EndReason.IMPRISONMENT:
                message = _(
                    "强制隔离戒毒期间被拘留、逮捕或判处刑罚的，期限继续计算，"
                    "剩余期限在释放后继续执行（戒毒条例第三十六条），不终止措施。"
                )
            else:
                message = _("该措施不能以此原因终止。")
            raise Refusal(message, code="termination_reason_not_allowed", field="reason")
        _check_on(on, measure.served_on, _("送达日期"))
        _close_open_pauses(measure, on)
        measure.status = S.TERMINATED
        measure.ended_on = on
        measure.end_reason = reason
        _save(measure)
        measure_terminated.send(sender=Measure, measure=measure, on=on, actor=actor)
        _sync_person_unit(measure.person)
        _event(measure, "measures.measure.terminated", actor, on=on, reason=EndReason(reason).label)
    return measure
