"""Facility operations: intake, zones and beds, transfer, home leave, segregation, medical parole,
escape and release. Every legal step goes through `measures.services`, so the measure's status
and clocks move with what the facility records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm
from jiedu.core.refusals import Refusal
from jiedu.measures import rules
from jiedu.measures import services as measures
from jiedu.measures.choices import BlockerCode, MeasureStatus
from jiedu.measures.models import Measure
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit
from jiedu.people.events import record_event

from .choices import ZONE_ORDER, LeftReason, PregnancyTest, ReturnTest, StageResult
from .gates import check_zone_gates
from .models import (
    Admission,
    Bed,
    FacilityProfile,
    HomeLeave,
    MedicalParole,
    PropertyItem,
    Segregation,
    Zone,
    ZoneChange,
)

FACILITY_KINDS = (UnitKind.POLICE_FACILITY, UnitKind.JUDICIAL_FACILITY)


def _require(actor, perm: str, facility: OrgUnit) -> None:
    if not has_perm(actor, perm, facility):
        raise PermissionDenied(_("您无权在该戒毒所办理此事项。"))


def _not_future(on: date, field_name: str = "on") -> None:
    if on > clock.today():
        raise Refusal(_("日期不能晚于今天。"), code="future_date", field=field_name)


def _event(stay: Admission, code: str, actor, **data) -> None:
    record_event(
        stay.person,
        code,
        actor=actor,
        org_unit=stay.facility,
        facility=str(stay.facility),
        **{k: (v.isoformat() if isinstance(v, date) else str(v)) for k, v in data.items()},
    )


# --- Facility set-up ---------------------------------------------------------------------------


def set_facility_profile(facility: OrgUnit, *, police_strength: int, actor, admits_gender="both"):
    _require(actor, "facilities.manage_facility", facility)
    with acting_as(actor):
        profile, _c = FacilityProfile.objects.get_or_create(facility=facility)
        profile.police_strength = police_strength
        profile.admits_gender = admits_gender
        profile.save()
    return profile


def add_zone(facility: OrgUnit, *, kind: str, name: str, beds: int, actor) -> Zone:
    """A zone with `beds` numbered beds (name-01 …); adding it again adds nothing."""
    _require(actor, "facilities.manage_facility", facility)
    if facility.kind not in FACILITY_KINDS:
        raise Refusal(_("只有强制隔离戒毒所可以设置分区。"), code="wrong_unit_kind")
    with acting_as(actor), transaction.atomic():
        zone, _c = Zone.objects.get_or_create(facility=facility, name=name, defaults={"kind": kind})
        have = set(zone.beds.values_list("code", flat=True))
        for i in range(1, beds + 1):
            code = f"{i:03d}"
            if code not in have:
                Bed.objects.create(zone=zone, code=code)
    return zone


# --- Intake ------------------------------------------------------------------------------------


@dataclass
class IntakeInput:
    """入所检查 (司法部令第127号 Art. 11–15)."""

    on: date
    identity_checked: bool
    searched_by: list[str]
    health_summary: str = ""
    injuries: str = ""
    pregnancy_test: str = PregnancyTest.NOT_APPLICABLE
    breastfeeding: bool = False
    files_received: bool = False
    bed: Bed | None = None
    property: list[tuple[str, int]] = field(default_factory=list)


def _check_intake(person, facility: OrgUnit, data: IntakeInput, *, transferred: bool) -> None:
    if not data.identity_checked:
        raise Refusal(
            _("入所前须核对身份（司法部令第127号第十一条）。"),
            code="identity_not_checked",
            field="identity_checked",
        )
    names = [n.strip() for n in data.searched_by if n.strip()]
    if len(set(names)) < 2:
        raise Refusal(
            _("人身和物品检查应由两名以上民警进行（司法部令第127号第十三条）。"),
            code="search_needs_two",
            field="searched_by",
        )
    if person.gender == "female":
        if data.pregnancy_test not in (PregnancyTest.NEGATIVE, PregnancyTest.POSITIVE):
            raise Refusal(
                _("女性戒毒人员入所须进行妊娠检测（司法部令第127号第十二条）。"),
                code="pregnancy_test_required",
                field="pregnancy_test",
            )
        if data.pregnancy_test == PregnancyTest.POSITIVE or data.breastfeeding:
            # 禁毒法 Art. 39; 司法部令第127号 Art. 12: not admitted; the police order community
            # drug rehab instead (戒毒条例 Art. 26).
            raise Refusal(
                _(
                    "怀孕或者正在哺乳自己不满一周岁婴儿的妇女不予收治（禁毒法第三十九条；"
                    "司法部令第127号第十二条），应由决定机关责令其接受社区戒毒。"
                ),
                code="isolation_excluded",
                field="pregnancy_test"
                if data.pregnancy_test == PregnancyTest.POSITIVE
                else "breastfeeding",
            )
    if transferred and facility.kind == UnitKind.JUDICIAL_FACILITY and not data.files_received:
        raise Refusal(
            _("接收移送人员应同时接收公安阶段档案材料（司法部令第127号第十五条）。"),
            code="files_not_received",
            field="files_received",
        )
    if data.bed is not None:
        if data.bed.zone.facility_id != facility.pk:
            raise Refusal(_("床位不属于本所。"), code="wrong_bed", field="bed")
        if Admission.objects.filter(bed=data.bed, left_on__isnull=True).exists():
            raise Refusal(_("该床位已有人员。"), code="bed_taken", field="bed")


def _open_stay(measure: Measure, facility: OrgUnit, data: IntakeInput, actor) -> Admission:
    try:
        with transaction.atomic():
            stay = Admission.objects.create(
                person=measure.person,
                measure=measure,
                facility=facility,
                admitted_on=data.on,
                identity_checked=True,
                searched_by="、".join(n.strip() for n in data.searched_by if n.strip()),
                health_summary=data.health_summary,
                injuries=data.injuries,
                pregnancy_test=data.pregnancy_test,
                files_received=data.files_received,
                zone=data.bed.zone if data.bed else None,
                bed=data.bed,
            )
    except IntegrityError:
        # The bed was taken (or the person admitted) by a concurrent request.
        raise Refusal(
            _("该床位已有人员，或该人员已在所内。"), code="bed_taken", field="bed"
        ) from None
    for description, quantity in data.property:
        if description.strip():
            PropertyItem.objects.create(
                admission=stay, description=description.strip(), quantity=quantity or 1
            )
    if data.bed is not None:
        ZoneChange.objects.create(
            admission=stay,
            on=data.on,
            to_zone=data.bed.zone,
            bed=data.bed,
            reason="入所分区",  # stored in the source language, like other saved labels
            recorded_by=str(actor),
        )
    return stay


def admit_person(measure: Measure, *, facility: OrgUnit, data: IntakeInput, actor) -> Admission:
    """入所: intake checks, the stay, its bed and property; the measure starts running."""
    _require(actor, "facilities.manage_admission", facility)
    if facility.kind not in FACILITY_KINDS:
        raise Refusal(_("请选择强制隔离戒毒所。"), code="wrong_unit_kind", field="facility")
    _not_future(data.on)
    with acting_as(actor), transaction.atomic():
        open_stay = Admission.objects.filter(measure=measure, left_on__isnull=True).first()
        if open_stay is not None:
            if open_stay.facility_id == facility.pk and open_stay.admitted_on == data.on:
                return open_stay  # a retried intake
            raise Refusal(
                _("该人员已在%(f)s所内。"),
                code="already_admitted",
                params={"f": str(open_stay.facility)},
            )
        _check_intake(measure.person, facility, data, transferred=False)
        measures.admit(measure, on=data.on, actor=actor, unit=facility)
        return _open_stay(measure, facility, data, actor)


def transfer_person(
    stay: Admission, *, to_facility: OrgUnit, data: IntakeInput, actor
) -> Admission:
    """移送: from the police facility to the judicial facility with the file (戒毒条例 Art. 27)."""
    _require(actor, "facilities.manage_admission", stay.facility)
    _not_future(data.on)
    with acting_as(actor), transaction.atomic():
        stay = Admission.objects.select_for_update().get(pk=stay.pk)
        if stay.left_on is not None:
            new = Admission.objects.filter(measure=stay.measure, facility=to_facility).first()
            if stay.left_reason == LeftReason.TRANSFERRED and new and new.admitted_on == data.on:
                return new  # a retried transfer
            raise Refusal(_("该入所记录已结束。"), code="stay_closed")
        _check_intake(stay.person, to_facility, data, transferred=True)
        measures.transfer(stay.measure, on=data.on, to_unit=to_facility, actor=actor)
        _close_stay(stay, data.on, LeftReason.TRANSFERRED)
        return _open_stay(stay.measure, to_facility, data, actor)


def _close_stay(stay: Admission, on: date, reason: str) -> None:
    stay.left_on = on
    stay.left_reason = reason
    stay.bed = None  # the bed is free for the next person
    stay.save()


# --- Zones -------------------------------------------------------------------------------------


def change_zone(
    stay: Admission,
    *,
    to_zone: Zone,
    on: date,
    reason: str,
    stage_result: str,
    actor,
    bed: Bed | None = None,
    evaluation_note: str = "",
) -> ZoneChange:
    """A zone change rests on a passing stage evaluation; an exception needs a leader (MODEL)."""
    _require(actor, "facilities.manage_admission", stay.facility)
    _not_future(on)
    if to_zone.facility_id != stay.facility_id:
        raise Refusal(_("分区不属于本所。"), code="wrong_zone", field="to_zone")
    if not reason.strip():
        raise Refusal(_("请填写调整原因。"), code="required", field="reason")
    stay.refresh_from_db()  # the zone the person is in now, not when the caller loaded the stay
    moving_on = _is_forward(stay.zone, to_zone)
    if moving_on and stage_result != StageResult.EXCEPTION and _skips_a_zone(stay.zone, to_zone):
        raise Refusal(
            _("分区须依次调整（统一模式：%(order)s），不能越过中间分区，除非经所领导批准例外。"),
            code="zone_skipped",
            params={"order": " → ".join(str(k.label) for k in ZONE_ORDER)},
            field="to_zone",
        )
    if stage_result == StageResult.EXCEPTION:
        _require(actor, "facilities.approve_admission", stay.facility)
        if not evaluation_note.strip():
            raise Refusal(
                _("领导批准例外的，请写明理由。"), code="required", field="evaluation_note"
            )
    elif moving_on:
        gate = check_zone_gates(stay, stay.zone, to_zone, on)
        if gate is not None:
            passed, note = gate
            if not passed:
                raise Refusal(
                    _("转入下一分区须有合格的阶段性评估，或经所领导批准的例外：%(why)s。"),
                    code="stage_evaluation_required",
                    params={"why": note},
                    field="stage_result",
                )
            stage_result, evaluation_note = StageResult.PASS, note
        elif stage_result != StageResult.PASS:
            raise Refusal(
                _("转入下一分区须有合格的阶段性评估结果，或经所领导批准的例外。"),
                code="stage_evaluation_required",
                field="stage_result",
            )
    with acting_as(actor), transaction.atomic():
        stay = Admission.objects.select_for_update().get(pk=stay.pk)
        if stay.left_on is not None:
            raise Refusal(_("该人员已不在本所。"), code="stay_closed")
        if bed is not None:
            if bed.zone_id != to_zone.pk:
                raise Refusal(_("床位不在所选分区。"), code="wrong_bed", field="bed")
            taken = Admission.objects.filter(bed=bed, left_on__isnull=True).exclude(pk=stay.pk)
            if taken.exists():
                raise Refusal(_("该床位已有人员。"), code="bed_taken", field="bed")
        change = ZoneChange.objects.create(
            admission=stay,
            on=on,
            from_zone=stay.zone,
            to_zone=to_zone,
            bed=bed,
            reason=reason.strip(),
            stage_result=stage_result,
            evaluation_note=evaluation_note.strip(),
            recorded_by=str(actor),
        )
        stay.zone = to_zone
        stay.bed = bed
        stay.save()
        _event(stay, "facilities.admission.zone_changed", actor, on=on, zone=to_zone.name)
    return change


def _skips_a_zone(current: Zone, target: Zone) -> bool:
    return ZONE_ORDER.index(target.kind) - ZONE_ORDER.index(current.kind) > 1


def _is_forward(current: Zone | None, target: Zone) -> bool:
    """Whether `target` is a later zone in the flow of the unified model (MODEL 2018)."""
    if current is None or current.kind not in ZONE_ORDER or target.kind not in ZONE_ORDER:
        return False
    return ZONE_ORDER.index(target.kind) > ZONE_ORDER.index(current.kind)


# --- Home leave --------------------------------------------------------------------------------


def grant_home_leave(
    stay: Admission, *, ground: str, starts_on: date, due_back_on: date, actor, destination=""
) -> HomeLeave:
    """外出探视: approved by the facility; at most 10 days including travel (司法部令第127号
    Art. 24–26)."""
    _require(actor, "facilities.approve_admission", stay.facility)
    limit = rules.HOME_LEAVE_MAX_DAYS.value
    if due_back_on < starts_on:
        raise Refusal(_("应回所日期不能早于离所日期。"), code="invalid_period", field="due_back_on")
    if (due_back_on - starts_on).days + 1 > limit:
        raise Refusal(
            _("外出探视时间含路途不得超过%(n)s日（司法部令第127号第二十五条）。"),
            code="leave_too_long",
            params={"n": limit},
            field="due_back_on",
        )
    with acting_as(actor), transaction.atomic():
        stay = (
            Admission.objects.select_for_update(of=("self",))
            .select_related("measure")
            .get(pk=stay.pk)
        )
        if stay.measure.status != MeasureStatus.IN_PROGRESS or stay.left_on is not None:
            raise Refusal(_("该人员当前不在所内执行，不能批准外出探视。"), code="not_in_facility")
        same = stay.home_leaves.filter(starts_on=starts_on, due_back_on=due_back_on).first()
        if same is not None:
            return same
        if stay.home_leaves.filter(returned_on__isnull=True, overstayed=False).exists():
            raise Refusal(_("该人员尚有未回所的外出探视。"), code="leave_open")
        leave = HomeLeave.objects.create(
            admission=stay,
            ground=ground,
            starts_on=starts_on,
            due_back_on=due_back_on,
            approved_by=str(actor),
            destination=destination,
        )
        _event(stay, "facilities.home_leave.granted", actor, on=starts_on, due=due_back_on)
    return leave


def return_from_leave(leave: HomeLeave, *, on: date, return_test: str, actor) -> HomeLeave:
    """Return with a drug test (司法部令第127号 Art. 26). Days past the due day are escape time
    (Art. 24–26 → 戒毒条例 Art. 32); a positive or refused test bars early release (Art. 26)."""
    stay = leave.admission
    _require(actor, "facilities.manage_admission", stay.facility)
    _not_future(on)
    if return_test not in ReturnTest.values:
        raise Refusal(
            _("回所须进行吸毒检测，请填写结果。"), code="return_test_required", field="return_test"
        )
    if on < leave.starts_on:
        raise Refusal(_("回所日期不能早于离所日期。"), code="invalid_period", field="on")
    with acting_as(actor), transaction.atomic():
        leave = HomeLeave.objects.select_for_update().get(pk=leave.pk)
        if leave.returned_on is not None:
            return leave
        measure = stay.measure
        if on > leave.due_back_on:
            escaped_on = leave.due_back_on + timedelta(days=1)
            measure.refresh_from_db()
            if measure.status == MeasureStatus.IN_PROGRESS:
                measures.escape(
                    measure, on=escaped_on, actor=actor, reason=str(_("外出探视逾期未归"))
                )
            measures.recapture(measure, on=on, actor=actor)
            leave.overstayed = True
        leave.returned_on = on
        leave.return_test = return_test
        leave.save()
        if return_test in (ReturnTest.POSITIVE, ReturnTest.REFUSED):
            measures.add_blocker(measure, BlockerCode.RELAPSE_AFTER_HOME_LEAVE, on, actor=actor)
        _event(
            stay,
            "facilities.home_leave.returned",
            actor,
            on=on,
            test=ReturnTest(return_test).label,
        )
    return leave


def record_leave_overstay(leave: HomeLeave, *, actor) -> HomeLeave:
    """The person did not come back: from the day after the due day it is an escape."""
    stay = leave.admission
    _require(actor, "facilities.manage_admission", stay.facility)
    escaped_on = leave.due_back_on + timedelta(days=1)
    if escaped_on > clock.today():
        raise Refusal(_("尚未逾期。"), code="not_overdue")
    with acting_as(actor), transaction.atomic():
        leave = HomeLeave.objects.select_for_update().get(pk=leave.pk)
        if leave.overstayed or leave.returned_on is not None:
            return leave
        measures.escape(stay.measure, on=escaped_on, actor=actor, reason=str(_("外出探视逾期未归")))
        leave.overstayed = True
        leave.save()
    return leave


# --- Segregation -------------------------------------------------------------------------------


def segregate(
    stay: Admission, *, starts_on: date, ends_on: date, reason: str, actor, emergency=False
) -> Segregation:
    """单独管理: ≤ 5 days a time, not back to back, the facility head approves — or, in an
    emergency, approves within 24 hours afterwards (司法部令第127号 Art. 28)."""
    limit = rules.SEGREGATION_MAX_DAYS.value
    if emergency:
        _require(actor, "facilities.manage_admission", stay.facility)
    else:
        _require(actor, "facilities.approve_admission", stay.facility)
    if not reason.strip():
        raise Refusal(_("请填写原因。"), code="required", field="reason")
    if ends_on < starts_on:
        raise Refusal(_("结束日期不能早于开始日期。"), code="invalid_period", field="ends_on")
    if (ends_on - starts_on).days + 1 > limit:
        raise Refusal(
            _("单独管理每次不得超过%(n)s日（司法部令第127号第二十八条）。"),
            code="segregation_too_long",
            params={"n": limit},
            field="ends_on",
        )
    with acting_as(actor), transaction.atomic():
        stay = Admission.objects.select_for_update().get(pk=stay.pk)
        same = stay.segregations.filter(starts_on=starts_on, ends_on=ends_on).first()
        if same is not None:
            return same
        last = stay.segregations.order_by("-starts_on").first()
        if last is not None:
            last_day = last.released_on or last.ends_on
            if starts_on <= last_day + timedelta(days=1):
                raise Refusal(
                    _("单独管理不得连续使用：上一次至%(day)s结束（司法部令第127号第二十八条）。"),
                    code="segregation_back_to_back",
                    params={"day": last_day.isoformat()},
                    field="starts_on",
                )
        approved = not emergency
        _event(stay, "facilities.segregation.started", actor, on=starts_on, until=ends_on)
        return Segregation.objects.create(
            admission=stay,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason.strip(),
            emergency=emergency,
            approved_by=str(actor) if approved else "",
            approved_at=timezone.now() if approved else None,
        )


def approve_segregation(segregation: Segregation, *, actor) -> Segregation:
    _require(actor, "facilities.approve_admission", segregation.admission.facility)
    with acting_as(actor), transaction.atomic():
        segregation = Segregation.objects.select_for_update().get(pk=segregation.pk)
        if segregation.approved_at is None:
            segregation.approved_by = str(actor)
            segregation.approved_at = timezone.now()
            segregation.save()
    return segregation


def end_segregation(segregation: Segregation, *, on: date, actor) -> Segregation:
    _require(actor, "facilities.manage_admission", segregation.admission.facility)
    _not_future(on)
    if on < segregation.starts_on:
        raise Refusal(_("结束日期不能早于开始日期。"), code="invalid_period", field="on")
    with acting_as(actor), transaction.atomic():
        segregation = Segregation.objects.select_for_update().get(pk=segregation.pk)
        if segregation.released_on is None:
            segregation.released_on = min(on, segregation.ends_on)
            segregation.save()
    return segregation


# --- Medical parole ----------------------------------------------------------------------------


def start_medical_parole(
    stay: Admission,
    *,
    starts_on: date,
    hospital: str,
    approval_number: str,
    approved_by_unit: str,
    actor,
) -> MedicalParole:
    """所外就医: approved by the supervising organ; the term keeps running (戒毒条例 Art. 31)."""
    _require(actor, "facilities.approve_admission", stay.facility)
    _not_future(starts_on, "starts_on")
    if not approval_number.strip():
        raise Refusal(_("请填写批准文号。"), code="required", field="approval_number")
    with acting_as(actor), transaction.atomic():
        stay = Admission.objects.select_for_update().get(pk=stay.pk)
        same = stay.medical_paroles.filter(approval_number=approval_number.strip()).first()
        if same is not None:
            return same
        if stay.medical_paroles.filter(returned_on__isnull=True).exists():
            raise Refusal(_("该人员正在所外就医。"), code="parole_open")
        _event(stay, "facilities.medical_parole.started", actor, on=starts_on, hospital=hospital)
        return MedicalParole.objects.create(
            admission=stay,
            starts_on=starts_on,
            hospital=hospital.strip(),
            approval_number=approval_number.strip(),
            approved_by_unit=approved_by_unit.strip(),
        )


def end_medical_parole(parole: MedicalParole, *, on: date, actor) -> MedicalParole:
    _require(actor, "facilities.manage_admission", parole.admission.facility)
    _not_future(on)
    with acting_as(actor), transaction.atomic():
        parole = MedicalParole.objects.select_for_update().get(pk=parole.pk)
        if parole.returned_on is None:
            if on < parole.starts_on:
                raise Refusal(
                    _("回所日期不能早于出所就医日期。"), code="invalid_period", field="on"
                )
            parole.returned_on = on
            parole.save()
    return parole


# --- Release -----------------------------------------------------------------------------------


def release_person(
    stay: Admission,
    *,
    on: date,
    actor,
    certificate_number: str,
    early: bool = False,
    community_rehab: measures.CommunityRehabOrder | None = None,
) -> Admission:
    """出所: the measure ends, property is returned, the certificate is numbered, and a
    社区康复 order hands the person to the township (禁毒法 Art. 48; 戒毒条例 Art. 34)."""
    _require(actor, "facilities.manage_admission", stay.facility)
    if not certificate_number.strip():
        raise Refusal(
            _("请填写解除强制隔离戒毒证明书编号。"), code="required", field="certificate_number"
        )
    with acting_as(actor), transaction.atomic():
        stay = Admission.objects.select_for_update().get(pk=stay.pk)
        if stay.left_on is not None:
            if stay.left_reason == LeftReason.RELEASED and stay.left_on == on:
                return stay
            raise Refusal(_("该入所记录已结束。"), code="stay_closed")
        if stay.home_leaves.filter(returned_on__isnull=True, overstayed=False).exists():
            raise Refusal(_("该人员外出探视尚未回所。"), code="leave_open")
        measures.release(
            stay.measure, on=on, actor=actor, early=early, community_rehab=community_rehab
        )
        for item in stay.property.filter(returned_on__isnull=True):
            item.returned_on = on
            item.save()
        stay.certificate_number = certificate_number.strip()
        _close_stay(stay, on, LeftReason.RELEASED)
        _event(stay, "facilities.admission.released", actor, on=on, number=stay.certificate_number)
    return stay


# --- Capacity ----------------------------------------------------------------------------------


@dataclass
class ZoneLoad:
    zone: Zone
    beds: int
    occupied: int


@dataclass
class Capacity:
    facility: OrgUnit
    zones: list[ZoneLoad]
    beds: int
    occupied: int
    held: int  # open stays (in the facility, on leave, on escape or on medical parole)
    present: int  # of those, physically in the facility
    police_strength: int

    @property
    def occupancy_rate(self) -> float | None:
        return self.occupied / self.beds if self.beds else None

    @property
    def persons_per_officer(self) -> float | None:
        return self.held / self.police_strength if self.police_strength else None


def capacity(facility: OrgUnit) -> Capacity:
    """Beds, occupancy and police strength of one facility, in five queries."""
    from django.db.models import Count, Q

    zones = list(
        Zone.objects.filter(facility=facility, is_active=True).annotate(
            n_beds=Count("beds", filter=Q(beds__is_active=True), distinct=True)
        )
    )
    occupied_by_zone = dict(
        Admission.objects.filter(facility=facility, left_on__isnull=True, bed__isnull=False)
        .values_list("bed__zone")
        .annotate(n=Count("id"))
    )
    stays = Admission.objects.filter(facility=facility, left_on__isnull=True)
    held = stays.count()
    away = (
        stays.filter(
            Q(measure__status=MeasureStatus.ESCAPED)
            | Q(
                # A leave granted ahead of its first day: the person is still here.
                home_leaves__starts_on__lte=clock.today(),
                home_leaves__returned_on__isnull=True,
                home_leaves__overstayed=False,
            )
            | Q(medical_paroles__returned_on__isnull=True, medical_paroles__isnull=False)
        )
        .distinct()
        .count()
    )
    profile = FacilityProfile.objects.filter(facility=facility).first()
    loads = [ZoneLoad(z, z.n_beds, occupied_by_zone.get(z.pk, 0)) for z in zones]
    return Capacity(
        facility=facility,
        zones=loads,
        beds=sum(z.beds for z in loads),
        occupied=sum(z.occupied for z in loads),
        held=held,
        present=held - away,
        police_strength=profile.police_strength if profile else 0,
    )


def close_stay_on_termination(sender, *, measure, on, actor, **kwargs) -> None:
    """A terminated isolation measure (death, revoked decision, change to community drug rehab)
    ends the stay: the bed is freed and the property is due back (receiver of
    `measures.signals.measure_terminated`)."""
    for stay in Admission.objects.select_for_update().filter(measure=measure, left_on__isnull=True):
        _close_stay(stay, on, LeftReason.TERMINATED)
