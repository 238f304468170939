"""Decisions on a measure (决定/责令) and the guards of 禁毒法 Art. 38–39; the 社区康复 order
at release (禁毒法 Art. 48)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock, idempotency
from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm
from jiedu.core.refusals import Refusal
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit
from jiedu.people.events import record_event
from jiedu.people.models import Person

from .. import rules
from ..choices import (
    ACTIVE_STATUSES,
    BlockerCode,
    EndReason,
    IsolationGround,
    MeasureKind,
    NoticeKind,
)
from ..models import Measure
from .columns import refresh_clocks
from .common import K, S, _close_open_pauses, _sync_person_unit, _zh, notify_changed
from .notices import (
    _owe_notice,
    add_blocker,
)

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
        notify_changed(measure, "decided", actor)
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
    notify_changed(old, "converted", actor)


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


@dataclass
class CommunityRehabOrder:
    """社区康复 ordered at release by the organ that decided the isolation (禁毒法 Art. 48)."""

    executing_unit: OrgUnit
    term_months: int
    decision_number: str


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
    notify_changed(new, "decided", actor)
    return new
