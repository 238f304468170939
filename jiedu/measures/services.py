"""Every write to a measure: decisions, the legal status machine, clocks, blockers and notices.

Each action checks the actor's permission at the measure's unit, refuses what the law does not
allow (a `Refusal` with a code and a message that says why), runs in one transaction with the
measure row locked, recomputes the clock columns through `measures.clocks`, and writes the
person's timeline. A retried action (same action, same day) returns the measure unchanged, so a
client retrying on a bad network never makes a second escape or release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock, idempotency
from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm, has_perm_any
from jiedu.core.refusals import Refusal
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit
from jiedu.people.events import record_event
from jiedu.people.models import Person

from . import clocks, rules
from .choices import (
    ACTIVE_STATUSES,
    COMMUNITY_KINDS,
    BlockerCode,
    EndReason,
    IsolationGround,
    MeasureKind,
    MeasureStatus,
    MethadoneStatus,
    NoticeKind,
    PauseKind,
)
from .models import EarlyReleaseBlocker, Measure, MeasurePause, MethadoneTreatment, Notice
from .signals import measure_terminated

K = MeasureKind
S = MeasureStatus

# Which org-unit kinds may decide and execute each measure (禁毒法 Art. 33, 36, 38, 48;
# 戒毒条例 Art. 4, 5, 13, 25, 37).
DECIDING_KINDS = {
    K.COMMUNITY_DRUG_REHAB: (UnitKind.DECIDING_AUTHORITY,),
    K.COMPULSORY_ISOLATION: (UnitKind.DECIDING_AUTHORITY,),
    K.COMMUNITY_REHABILITATION: (UnitKind.DECIDING_AUTHORITY,),
    K.VOLUNTARY: (),
}
EXECUTING_KINDS = {
    K.COMMUNITY_DRUG_REHAB: (UnitKind.TOWNSHIP, UnitKind.TOWNSHIP_OFFICE),
    K.COMPULSORY_ISOLATION: (UnitKind.POLICE_FACILITY, UnitKind.JUDICIAL_FACILITY),
    K.COMMUNITY_REHABILITATION: (UnitKind.TOWNSHIP, UnitKind.TOWNSHIP_OFFICE),
    K.VOLUNTARY: (UnitKind.REHAB_MEDICAL_INSTITUTION,),
}

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
# A new isolation decision converts the community measure it follows (禁毒法 Art. 38).
CONVERSION_REASONS = {
    IsolationGround.REFUSED_COMMUNITY: EndReason.REFUSAL,
    IsolationGround.DRUG_USE_IN_COMMUNITY: EndReason.DRUG_USE,
    IsolationGround.SERIOUS_BREACH: EndReason.SERIOUS_BREACH,
    IsolationGround.RELAPSE: EndReason.DRUG_USE,
    IsolationGround.SEVERE_ADDICTION: EndReason.DRUG_USE,
    IsolationGround.VOLUNTARY_ENTRY: EndReason.DRUG_USE,
}
DEFAULT_TERM_MONTHS = {
    K.COMMUNITY_DRUG_REHAB: 12 * rules.COMMUNITY_TERM_YEARS.value,  # 禁毒法 Art. 33
    K.COMPULSORY_ISOLATION: 12 * rules.ISOLATION_TERM_YEARS.value,  # 禁毒法 Art. 47
}


def _zh(value) -> str:
    """Labels stored in timeline data are written in the source language (Chinese)."""
    with translation.override("zh-hans"):
        return str(value)


# --- Decisions ---------------------------------------------------------------------------------


@dataclass
class MeasureInput:
    person: Person
    kind: str
    decided_on: date
    served_on: date
    executing_unit: OrgUnit
    deciding_organ: OrgUnit | None = None
    decision_number: str = ""
    ground: str = ""
    term_months: int | None = None
    # Facts the guards need (禁毒法 Art. 39): pregnancy, breast-feeding an own infant under 1.
    pregnant: bool = False
    breastfeeding: bool = False
    minor_reason: str = ""
    note: str = ""


DECIDE_SCOPE = "measures.decide_measure"


def _check_units(data: MeasureInput) -> None:
    allowed = DECIDING_KINDS[data.kind]
    if allowed:
        if data.deciding_organ is None:
            raise Refusal(_("请选择决定机关。"), code="required", field="deciding_organ")
        if data.deciding_organ.kind not in allowed:
            raise Refusal(
                _("决定机关应为县级以上公安机关（禁毒法第三十三条、第三十八条）。"),
                code="wrong_unit_kind",
                field="deciding_organ",
            )
    if data.executing_unit.kind not in EXECUTING_KINDS[data.kind]:
        labels = "、".join(_zh(UnitKind(k).label) for k in EXECUTING_KINDS[data.kind])
        raise Refusal(
            _("该措施的执行单位应为：%(kinds)s。"),
            code="wrong_unit_kind",
            params={"kinds": labels},
            field="executing_unit",
        )


def _check_term(data: MeasureInput) -> int:
    if data.kind in DEFAULT_TERM_MONTHS:
        fixed = DEFAULT_TERM_MONTHS[data.kind]
        if data.term_months not in (None, 0, fixed):
            raise Refusal(
                _("该措施的期限由法律规定为%(months)s个月，不能另行设定。"),
                code="fixed_term",
                params={"months": fixed},
                field="term_months",
            )
        return fixed
    months = data.term_months or 0
    if data.kind == K.COMMUNITY_REHABILITATION and not 1 <= months <= 36:
        raise Refusal(
            _("社区康复期限应为1至36个月（禁毒法第四十八条：不超过三年）。"),
            code="term_out_of_range",
            field="term_months",
        )
    if data.kind == K.VOLUNTARY and not 1 <= months <= 60:
        raise Refusal(
            _("请按自愿戒毒协议填写治疗期限（1至60个月，戒毒条例第十条）。"),
            code="term_out_of_range",
            field="term_months",
        )
    return months


def _check_dates(data: MeasureInput) -> None:
    today = clock.today()
    if data.decided_on < data.person.birth_date:
        raise Refusal(_("决定日期不能早于出生日期。"), code="before_birth", field="decided_on")
    if data.decided_on > today:
        raise Refusal(_("决定日期不能晚于今天。"), code="future_date", field="decided_on")
    if data.served_on < data.decided_on:
        raise Refusal(
            _("送达日期不能早于决定日期。"), code="served_before_decided", field="served_on"
        )
    if data.served_on > today:
        raise Refusal(_("送达日期不能晚于今天。"), code="future_date", field="served_on")


def age_on(birth_date: date, day: date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def check_isolation_guards(data: MeasureInput) -> bool:
    """The exclusions of 禁毒法 Art. 39; returns whether the person is a minor under 16."""
    person = data.person
    if person.gender == "female" and (data.pregnant or data.breastfeeding):
        # 禁毒法 Art. 39; 戒毒条例 Art. 26: not subject to compulsory isolation; the police must
        # order community drug rehab instead.
        raise Refusal(
            _(
                "怀孕或者正在哺乳自己不满一周岁婴儿的妇女，不适用强制隔离戒毒（禁毒法第三十九条）。"
                "应当责令其接受社区戒毒（戒毒条例第二十六条）。"
            ),
            code="isolation_excluded",
            field="pregnant" if data.pregnant else "breastfeeding",
        )
    minor = age_on(person.birth_date, data.decided_on) < rules.MINOR_EXEMPTION_AGE.value
    if minor and not data.minor_reason.strip():
        # 禁毒法 Art. 39: a minor under 16 may be exempted — the decision must show it was weighed.
        raise Refusal(
            _(
                "该人员决定时未满十六周岁，可以不适用强制隔离戒毒（禁毒法第三十九条）。"
                "如仍决定强制隔离戒毒，请填写理由。"
            ),
            code="minor_exemption_review",
            field="minor_reason",
        )
    return minor


def decided_with_key(actor, key: str | None) -> Measure | None:
    return idempotency.result_for_key(actor, DECIDE_SCOPE, key, Measure)


def decide_measure(data: MeasureInput, *, actor, idempotency_key: str | None = None) -> Measure:
    """Record a decision on a measure (决定/责令), applying the guards of 禁毒法 Art. 38–39.

    A compulsory-isolation decision converts the person's open community measure (禁毒法 Art. 38).
    The same decision document sent twice, or the same idempotency key, returns the first measure.
    """
    if DECIDING_KINDS.get(data.kind) and data.deciding_organ is None:
        # Asked before the permission check, which would otherwise answer for the executing unit.
        raise Refusal(_("请选择决定机关。"), code="required", field="deciding_organ")
    organ_or_unit = data.deciding_organ or data.executing_unit
    if not has_perm(actor, "measures.decide_measure", organ_or_unit):
        raise PermissionDenied(_("您无权以该机关名义作出戒毒措施决定。"))
    if data.kind not in K.values:
        raise Refusal(_("未知的措施种类。"), code="invalid_choice", field="kind")
    previous = decided_with_key(actor, idempotency_key)
    if previous is not None:
        return previous
    number = data.decision_number.strip()
    if number:
        same = Measure.objects.filter(
            person=data.person, kind=data.kind, decision_number=number
        ).first()
        if same is not None:
            return same
    elif data.kind != K.VOLUNTARY:
        raise Refusal(_("请填写决定书文号。"), code="required", field="decision_number")
    _check_units(data)
    _check_dates(data)
    term_months = _check_term(data)
    minor = False
    if data.kind == K.COMPULSORY_ISOLATION:
        minor = check_isolation_guards(data)
        if data.ground and data.ground not in IsolationGround.values:
            raise Refusal(_("未知的决定理由。"), code="invalid_choice", field="ground")
    with acting_as(actor), transaction.atomic():
        claim, previous = idempotency.claim(actor, DECIDE_SCOPE, idempotency_key, Measure)
        if previous is not None:
            return previous
        # Two decisions for one person at once would both pass the "open measure" check below.
        person = Person.objects.select_for_update().get(pk=data.person.pk)
        open_measures = list(
            Measure.objects.select_for_update()
            .filter(person=person, status__in=(*ACTIVE_STATUSES, S.REFUSED))
            .exclude(kind=K.VOLUNTARY)
        )
        converted = _resolve_open_measures(data, open_measures)
        measure = Measure(
            person=person,
            kind=data.kind,
            status=S.IN_PROGRESS if data.kind == K.VOLUNTARY else S.ORDERED,
            deciding_organ=data.deciding_organ,
            decision_number=number,
            decided_on=data.decided_on,
            served_on=data.served_on,
            executing_unit=data.executing_unit,
            ground=data.ground if data.kind == K.COMPULSORY_ISOLATION else "",
            term_months=term_months,
            minor_under_16=minor,
            minor_reason=data.minor_reason.strip() if minor else "",
            note=data.note,
            previous=converted[0] if converted else None,
        )
        if data.kind == K.VOLUNTARY:
            measure.admitted_on = data.served_on  # the agreement is signed: treatment starts
        refresh_clocks(measure)
        try:
            with transaction.atomic():
                measure.save()
        except IntegrityError:
            # A concurrent submission of the same decision document won the race.
            same = Measure.objects.filter(
                person=data.person, kind=data.kind, decision_number=number
            ).first()
            if same is None:
                raise
            return same
        for old in converted:
            _convert(old, measure, data, actor)
        if data.kind == K.COMPULSORY_ISOLATION:
            _add_reg38_blocker(measure, actor)
            _owe_notice(
                measure,
                NoticeKind.DECISION_SERVED,
                owed_by=data.deciding_organ,
                due_on=data.served_on + timedelta(days=rules.DECISION_NOTICE_DAYS.value),
                recipient=_("家属、所在单位、户籍地派出所"),
                source=rules.DECISION_NOTICE_DAYS.source,
            )
        _sync_person_unit(person)
        record_event(
            person,
            "measures.measure.decided",
            actor=actor,
            org_unit=data.deciding_organ or data.executing_unit,
            organ=str(data.deciding_organ or data.executing_unit),
            kind=_zh(measure.get_kind_display()),
            number=number or "—",
            decided_on=data.decided_on.isoformat(),
        )
        idempotency.complete(claim, measure)
    return measure


def _resolve_open_measures(data: MeasureInput, open_measures: list[Measure]) -> list[Measure]:
    """Which open measures the new decision converts; refuses a decision that collides."""
    converted = []
    for old in open_measures:
        if data.kind == K.COMPULSORY_ISOLATION and old.is_community:
            converted.append(old)
            continue
        if old.status == S.REFUSED:
            # A refusal stays on file; a later isolation decision rests on it (禁毒法 Art. 38).
            if data.kind == K.COMPULSORY_ISOLATION:
                converted.append(old)
            continue
        raise Refusal(
            _("该人员已有未结束的%(kind)s（%(number)s），不能同时作出该决定。"),
            code="measure_active",
            params={"kind": MeasureKind(old.kind).label, "number": old.decision_number or "—"},
            field="kind",
        )
    return converted


def _convert(old: Measure, new: Measure, data: MeasureInput, actor) -> None:
    reason = CONVERSION_REASONS.get(data.ground, EndReason.DRUG_USE)
    if old.status == S.REFUSED:
        reason = EndReason.REFUSAL
    _close_open_pauses(old, data.decided_on)
    old.status = S.CONVERTED
    old.ended_on = data.decided_on
    old.end_reason = old.end_reason or reason
    old.save()
    record_event(
        old.person,
        "measures.measure.converted",
        actor=actor,
        org_unit=data.deciding_organ,
        kind=_zh(old.get_kind_display()),
        new_kind=_zh(new.get_kind_display()),
        reason=_zh(EndReason(old.end_reason).label),
    )


def _add_reg38_blocker(measure: Measure, actor) -> None:
    """戒毒条例 Art. 38: refusing or seriously breaching 社区康复 and then relapsing — the new
    compulsory isolation cannot end early."""
    # The bar needs both: the last 社区康复 before this decision was refused or seriously breached,
    # and this decision rests on renewed drug use (not on the refusal itself).
    if measure.ground not in (IsolationGround.RELAPSE, IsolationGround.DRUG_USE_IN_COMMUNITY):
        return
    last = (
        Measure.objects.filter(
            person=measure.person,
            kind=K.COMMUNITY_REHABILITATION,
            decided_on__lte=measure.decided_on,
        )
        .exclude(pk=measure.pk)
        .order_by("-decided_on", "-id")
        .first()
    )
    if last is not None and last.end_reason in (EndReason.REFUSAL, EndReason.SERIOUS_BREACH):
        add_blocker(
            measure, BlockerCode.COMMUNITY_REHAB_BREACH_RELAPSE, measure.decided_on, actor=actor
        )


# --- Clocks ------------------------------------------------------------------------------------


def _pauses(measure: Measure, kind: str) -> list[clocks.Interval]:
    if measure.pk is None:
        return []
    return [
        clocks.Interval(p.started_on, p.ended_on)
        for p in measure.pauses.filter(kind=kind).order_by("started_on", "id")
    ]


def refresh_clocks(measure: Measure) -> Measure:
    """Recompute the clock columns from the anchor dates and the pauses (not saved here).

    An open pause counts 0 days until it ends: while a person is on escape the end date is not
    yet known, and the status says so.
    """
    if measure.kind == K.COMPULSORY_ISOLATION:
        unit = measure.executing_unit
        window = (
            rule_config.value(rules.POLICE_PHASE_MIN, unit, measure.decided_on),
            rule_config.value(rules.POLICE_PHASE_MAX, unit, measure.decided_on),
        )
        if window[0] > window[1]:
            window = (window[1], window[1])
        c = clocks.isolation_clocks(
            measure.decided_on,
            escapes=_pauses(measure, PauseKind.ESCAPE),
            extension_months=measure.extension_months,
            police_stage_months=window,
        )
        measure.term_start = c.term_start
        measure.term_end = c.term_end
        measure.early_release_from = c.early_release_from
        measure.latest_end_with_extension = c.latest_end_with_extension
        measure.transfer_due_from = c.transfer_due_from
        measure.transfer_due_by = c.transfer_due_by
        measure.police_stage_limit = c.police_stage_limit
        measure.paused_days = c.escape_days
    elif measure.kind in COMMUNITY_KINDS:
        # The reporting rule in force where and when the decision was served.
        days = rule_config.value(rules.REPORT_IN_DAYS, measure.executing_unit, measure.served_on)
        c = clocks.community_clocks(
            measure.served_on,
            reported_on=measure.reported_on,
            term_years=0,
            term_months=measure.term_months,
            report_in_days=days,
            suspensions=_pauses(measure, PauseKind.SUSPENSION),
        )
        measure.report_due_by = c.report_due_by
        measure.term_start = c.term_start
        measure.term_end = c.term_end
        measure.paused_days = c.suspended_days
    else:  # voluntary: the agreement's term from the signing
        start = measure.admitted_on or measure.served_on
        measure.term_start = start
        measure.term_end = clocks.term_last_day(start, months=measure.term_months)
    return measure


def clock_rows(measure: Measure) -> list[tuple[str, str, date | None, str]]:
    """(field, label, date, legal source) for every clock of `measure`, for pages and the API."""
    field_label = {f.name: f.verbose_name for f in Measure._meta.fields}
    if measure.kind == K.COMPULSORY_ISOLATION:
        rows = [
            ("term_start", "戒毒条例 Art. 27"),
            ("term_end", "禁毒法 Art. 47；戒毒条例 Art. 32"),
            ("early_release_from", "禁毒法 Art. 47"),
            ("latest_end_with_extension", "禁毒法 Art. 47"),
            ("transfer_due_from", "戒毒条例 Art. 27"),
            ("transfer_due_by", "戒毒条例 Art. 27"),
            ("police_stage_limit", "戒毒条例 Art. 27"),
        ]
    elif measure.kind in COMMUNITY_KINDS:
        rows = [
            ("report_due_by", "戒毒条例 Art. 14, 38"),
            ("term_start", "戒毒条例 Art. 14"),
            ("term_end", "禁毒法 Art. 33, 48；戒毒条例 Art. 24"),
        ]
    else:
        rows = [("term_start", "戒毒条例 Art. 10"), ("term_end", "戒毒条例 Art. 10")]
    return [(f, field_label[f], getattr(measure, f), src) for f, src in rows]


# --- The status machine ------------------------------------------------------------------------


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


def _check_on(on: date, not_before: date | None, what) -> None:
    if on > clock.today():
        raise Refusal(_("日期不能晚于今天。"), code="future_date", field="on")
    if not_before is not None and on < not_before:
        raise Refusal(
            _("日期不能早于%(what)s（%(day)s）。"),
            code="date_before_previous",
            params={"what": _zh(what), "day": not_before.isoformat()},
            field="on",
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


def _sync_person_unit(person: Person) -> None:
    """Keep `Person.measure_unit` = the unit executing the person's current measure."""
    current = (
        Measure.objects.filter(person=person, status__in=ACTIVE_STATUSES)
        .exclude(kind=K.VOLUNTARY)
        .order_by("-decided_on", "-id")
        .first()
    ) or (
        Measure.objects.filter(person=person, status__in=ACTIVE_STATUSES)
        .order_by("-decided_on", "-id")
        .first()
    )
    unit_id = current.executing_unit_id if current else None
    if person.measure_unit_id != unit_id:
        person.measure_unit_id = unit_id
        person.save(update_fields=["measure_unit"])


def _event(measure: Measure, code: str, actor, **data) -> None:
    record_event(
        measure.person,
        code,
        actor=actor,
        org_unit=measure.executing_unit,
        kind=_zh(measure.get_kind_display()),
        **{k: (v.isoformat() if isinstance(v, date) else _zh(v)) for k, v in data.items()},
    )


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


@dataclass
class CommunityRehabOrder:
    """社区康复 ordered at release by the organ that decided the isolation (禁毒法 Art. 48)."""

    executing_unit: OrgUnit
    term_months: int
    decision_number: str


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
        elif early:
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


def order_community_rehabilitation(
    isolation: Measure, order: CommunityRehabOrder, *, on: date, actor
) -> Measure:
    """The 社区康复 order at release and the handover to the township (一延伸)."""
    data = MeasureInput(
        person=isolation.person,
        kind=K.COMMUNITY_REHABILITATION,
        decided_on=on,
        served_on=on,
        executing_unit=order.executing_unit,
        deciding_organ=isolation.deciding_organ,
        decision_number=order.decision_number,
        term_months=order.term_months,
    )
    _check_units(data)
    _check_term(data)
    number = order.decision_number.strip()
    if not number:
        raise Refusal(_("请填写社区康复决定书文号。"), code="required", field="decision_number")
    if Measure.objects.filter(
        person=isolation.person, kind=K.COMMUNITY_REHABILITATION, decision_number=number
    ).exists():
        # The unique decision-document constraint would otherwise fail as a server error.
        raise Refusal(
            _("该人员已有文号为%(number)s的社区康复决定。"),
            code="decision_number_taken",
            params={"number": number},
            field="decision_number",
        )
    new = Measure(
        person=isolation.person,
        kind=K.COMMUNITY_REHABILITATION,
        deciding_organ=isolation.deciding_organ,
        decision_number=number,
        decided_on=on,
        served_on=on,
        executing_unit=order.executing_unit,
        term_months=order.term_months,
        previous=isolation,
    )
    refresh_clocks(new)
    new.save()
    days = rule_config.resolve(rules.HANDOVER_DAYS, isolation.executing_unit, on)
    _owe_notice(
        new,
        NoticeKind.HANDOVER_TOWNSHIP,
        owed_by=isolation.executing_unit,
        due_on=on + timedelta(days=days.value),
        recipient=str(order.executing_unit),
        source=days.source,
    )
    record_event(
        isolation.person,
        "measures.measure.decided",
        actor=actor,
        org_unit=isolation.deciding_organ,
        organ=str(isolation.deciding_organ),
        kind=_zh(new.get_kind_display()),
        number=number,
        decided_on=on.isoformat(),
    )
    return new


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


def _close_open_pauses(measure: Measure, on: date) -> None:
    for pause in measure.pauses.filter(ended_on__isnull=True):
        pause.ended_on = max(on, pause.started_on)
        pause.save()


# --- Blockers and notices ----------------------------------------------------------------------


def add_blocker(measure: Measure, code: str, since: date, *, actor, note: str = ""):
    """Bar early release (domain.md §4.6); recording the same bar twice keeps the first."""
    with acting_as(actor):
        blocker, _created = EarlyReleaseBlocker.objects.get_or_create(
            measure=measure, code=code, defaults={"since": since, "note": note}
        )
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


# --- Methadone maintenance ---------------------------------------------------------------------


def start_methadone_treatment(
    person: Person,
    *,
    clinic: OrgUnit,
    started_on: date,
    actor,
    clinic_number: str = "",
    daily_dose_mg: int | None = None,
) -> MethadoneTreatment:
    """Enrol a person in maintenance treatment (禁毒法 Art. 51; 戒毒条例 Art. 12).

    Recorded by the clinic or by the unit that follows the person (the participant's data is
    filed with the police, 戒毒条例 Art. 12).
    """
    if not has_perm_any(actor, "measures.execute_measure", [clinic, *person.scope_units()]):
        raise PermissionDenied(_("您无权登记该人员的维持治疗。"))
    if clinic.kind != UnitKind.REHAB_MEDICAL_INSTITUTION:
        raise Refusal(_("维持治疗门诊应为戒毒医疗机构。"), code="wrong_unit_kind", field="clinic")
    _check_on(started_on, None, "")
    with acting_as(actor), transaction.atomic():
        existing = MethadoneTreatment.objects.filter(
            person=person, status=MethadoneStatus.IN_TREATMENT
        ).first()
        if existing is not None:
            if existing.clinic_id == clinic.pk and existing.started_on == started_on:
                return existing
            raise Refusal(
                _("该人员正在%(clinic)s接受维持治疗。"),
                code="treatment_active",
                params={"clinic": str(existing.clinic)},
            )
        treatment = MethadoneTreatment.objects.create(
            person=person,
            clinic=clinic,
            started_on=started_on,
            clinic_number=clinic_number,
            daily_dose_mg=daily_dose_mg,
            filed_with_police_on=None,
        )
        record_event(
            person,
            "measures.methadone.started",
            actor=actor,
            org_unit=clinic,
            on=started_on.isoformat(),
            clinic=str(clinic),
        )
    return treatment
