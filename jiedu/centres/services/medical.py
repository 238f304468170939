"""戒毒医疗中心: medication, withdrawal checks, vital signs, infectious screening, conditions and
drug tests in the facility (禁毒法 Art. 43–45; 戒毒条例 Art. 30; domain.md §3.5, §4.5).

A retried identical record (double click, resubmitted form) returns the record already made.
The pure helpers at the end (`vitals_in_range`, `normal_ranges`, `needs_special_zone`) are what
the evaluation pre-fill reads for 身心康复 item 1 and the special zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from jiedu.centres import rules  # importing registers the centres' rules
from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.refusals import Refusal
from jiedu.facilities.models import Admission
from jiedu.measures import services as measures
from jiedu.measures.choices import BlockerCode
from jiedu.people.events import record_event

from ..choices import (
    PROTRACTED_SYMPTOMS,
    ConditionKind,
    ConditionSeverity,
    Disease,
    MedicationPurpose,
    PsychiatricState,
    SampleType,
    ScreeningResult,
    Severity,
    TestOccasion,
    TestResult,
)
from ..models import (
    FacilityDrugTest,
    HealthCondition,
    InfectionScreening,
    MedicationOrder,
    VitalSigns,
    WithdrawalCheck,
)
from .common import check_day, record_fields, require

MANAGE = "centres.manage_record"
MANAGE_HEALTH = "centres.manage_health"

PROTRACTED_CODES = tuple(code for code, _label in PROTRACTED_SYMPTOMS)

# Values no living adult has: a typing error, refused at the field. Not the normal ranges (those
# are configurable rules, see `normal_ranges`).
PLAUSIBLE: dict[str, tuple[Decimal, Decimal]] = {
    "height_cm": (Decimal(100), Decimal(230)),
    "weight_kg": (Decimal(25), Decimal(250)),
    "respiration": (Decimal(4), Decimal(60)),
    "heart_rate": (Decimal(20), Decimal(250)),
    "systolic": (Decimal(50), Decimal(300)),
    "diastolic": (Decimal(20), Decimal(200)),
    "alt": (Decimal(0), Decimal(5000)),
    "ast": (Decimal(0), Decimal(5000)),
}


def _text(value: str, field: str, label) -> str:
    value = (value or "").strip()
    if not value:
        raise Refusal(_("请填写%(f)s。"), code="required", params={"f": label}, field=field)
    return value


def _choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise Refusal(_("请选择有效的选项。"), code="invalid_choice", field=field)
    return value


def _not_future(on: date, field: str) -> None:
    if on > clock.today():
        raise Refusal(_("日期不能晚于今天。"), code="future_date", field=field)


# --- Medication (禁毒法 Art. 45: licensed physicians prescribe) ----------------------------------


def record_medication(
    stay: Admission, *, drug: str, purpose: str, dose: str, started_on: date, prescriber: str, actor
) -> MedicationOrder:
    """A medication given during the stay. Withdrawal medication stays open until stopped
    (BJDIAG detox item 2: "medication that controls or relieves withdrawal has stopped")."""
    require(actor, MANAGE, stay)
    drug = _text(drug, "drug", _("药品"))
    prescriber = _text(prescriber, "prescriber", _("处方医师"))
    _choice(purpose, MedicationPurpose, "purpose")
    check_day(stay, started_on, "started_on")
    with acting_as(actor), transaction.atomic():
        same = MedicationOrder.objects.filter(
            admission=stay, drug=drug, purpose=purpose, started_on=started_on, stopped_on=None
        ).first()
        if same is not None:
            return same  # a retried entry
        return MedicationOrder.objects.create(
            drug=drug,
            purpose=purpose,
            dose=(dose or "").strip(),
            started_on=started_on,
            prescriber=prescriber,
            **record_fields(stay, actor),
        )


def stop_medication(order: MedicationOrder, *, on: date, actor) -> MedicationOrder:
    stay = order.admission
    require(actor, MANAGE, stay)
    check_day(stay, on, "on")
    if on < order.started_on:
        raise Refusal(
            _("停药日期不能早于开始日期（%(day)s）。"),
            code="before_start",
            params={"day": order.started_on.isoformat()},
            field="on",
        )
    with acting_as(actor), transaction.atomic():
        # Two officers stopping the same order at once: the second sees the first's day.
        order = MedicationOrder.objects.select_for_update().get(pk=order.pk)
        if order.stopped_on is not None:
            if order.stopped_on == on:
                return order
            raise Refusal(
                _("该用药已于%(day)s停止。"),
                code="already_stopped",
                params={"day": order.stopped_on.isoformat()},
                field="on",
            )
        order.stopped_on = on
        order.save(update_fields=["stopped_on"])
    return order


# --- Withdrawal (BJDIAG detox items 3–5) --------------------------------------------------------


def record_withdrawal_check(
    stay: Admission,
    *,
    checked_on: date,
    acute_symptoms: str,
    protracted_symptoms: list[str],
    psychiatric_state: str,
    examiner: str,
    actor,
    note: str = "",
) -> WithdrawalCheck:
    require(actor, MANAGE, stay)
    check_day(stay, checked_on, "checked_on")
    _choice(acute_symptoms, Severity, "acute_symptoms")
    _choice(psychiatric_state, PsychiatricState, "psychiatric_state")
    unknown = set(protracted_symptoms) - set(PROTRACTED_CODES)
    if unknown:
        raise Refusal(_("请选择有效的选项。"), code="invalid_choice", field="protracted_symptoms")
    symptoms = [c for c in PROTRACTED_CODES if c in set(protracted_symptoms)]
    examiner = _text(examiner, "examiner", _("检查医师"))
    values = {
        "checked_on": checked_on,
        "acute_symptoms": acute_symptoms,
        "protracted_symptoms": symptoms,
        "psychiatric_state": psychiatric_state,
        "examiner": examiner,
        "note": (note or "").strip(),
    }
    with acting_as(actor), transaction.atomic():
        for same in WithdrawalCheck.objects.filter(admission=stay, checked_on=checked_on):
            if all(getattr(same, k) == v for k, v in values.items()):
                return same  # a retried entry
        return WithdrawalCheck.objects.create(**values, **record_fields(stay, actor))


# --- Vital signs (身心康复 item 1) --------------------------------------------------------------

VITAL_LABELS = {
    "height_cm": _("身高"),
    "weight_kg": _("体重"),
    "respiration": _("呼吸"),
    "heart_rate": _("心率"),
    "systolic": _("收缩压"),
    "diastolic": _("舒张压"),
    "alt": _("谷丙转氨酶ALT"),
    "ast": _("谷草转氨酶AST"),
}


def _check_plausible(values: dict) -> None:
    for field, (low, high) in PLAUSIBLE.items():
        value = values.get(field)
        if value is None:
            if field in ("alt", "ast"):
                continue
            raise Refusal(
                _("请填写%(f)s。"), code="required", params={"f": VITAL_LABELS[field]}, field=field
            )
        if not low <= Decimal(str(value)) <= high:
            raise Refusal(
                _("%(f)s应在%(low)s至%(high)s之间，请核对。"),
                code="implausible_value",
                params={"f": VITAL_LABELS[field], "low": low, "high": high},
                field=field,
            )
    if values["diastolic"] >= values["systolic"]:
        raise Refusal(
            _("舒张压应低于收缩压，请核对。"), code="implausible_value", field="diastolic"
        )


def record_vital_signs(
    stay: Admission,
    *,
    measured_on: date,
    height_cm,
    weight_kg,
    respiration: int,
    heart_rate: int,
    systolic: int,
    diastolic: int,
    actor,
    alt: int | None = None,
    ast: int | None = None,
) -> VitalSigns:
    require(actor, MANAGE, stay)
    check_day(stay, measured_on, "measured_on")
    values = {
        "height_cm": Decimal(str(height_cm)).quantize(Decimal("0.1")),
        "weight_kg": Decimal(str(weight_kg)).quantize(Decimal("0.1")),
        "respiration": respiration,
        "heart_rate": heart_rate,
        "systolic": systolic,
        "diastolic": diastolic,
        "alt": alt,
        "ast": ast,
    }
    _check_plausible(values)
    with acting_as(actor), transaction.atomic():
        for same in VitalSigns.objects.filter(admission=stay, measured_on=measured_on):
            if all(getattr(same, k) == v for k, v in values.items()):
                return same  # a retried entry
        return VitalSigns.objects.create(
            measured_on=measured_on, **values, **record_fields(stay, actor)
        )


# --- Health records: behind centres.manage_health ---------------------------------------------


def record_screening(
    stay: Admission, *, screened_on: date, disease: str, result: str, actor, method: str = ""
) -> InfectionScreening:
    """传染病筛查 (禁毒法 Art. 44: isolation for infectious disease)."""
    require(actor, MANAGE_HEALTH, stay)
    check_day(stay, screened_on, "screened_on")
    _choice(disease, Disease, "disease")
    _choice(result, ScreeningResult, "result")
    with acting_as(actor), transaction.atomic():
        same = InfectionScreening.objects.filter(
            admission=stay, screened_on=screened_on, disease=disease, result=result
        ).first()
        if same is not None:
            return same
        return InfectionScreening.objects.create(
            screened_on=screened_on,
            disease=disease,
            result=result,
            method=(method or "").strip(),
            **record_fields(stay, actor),
        )


def record_condition(
    stay: Admission, *, kind: str, description: str, severity: str, since: date, actor
) -> HealthCondition:
    """慢性病、残疾、精神障碍、需隔离的传染病. A severe one puts the person in the special zone for
    the sick and disabled (禁毒法 Art. 44: 分别管理). It may have been diagnosed before intake."""
    require(actor, MANAGE_HEALTH, stay)
    _choice(kind, ConditionKind, "kind")
    _choice(severity, ConditionSeverity, "severity")
    description = _text(description, "description", _("诊断"))
    _not_future(since, "since")
    with acting_as(actor), transaction.atomic():
        same = HealthCondition.objects.filter(
            admission=stay, kind=kind, description=description, since=since, resolved_on=None
        ).first()
        if same is not None:
            if same.severity != severity:
                same.severity = severity  # the same diagnosis, re-graded
                same.save(update_fields=["severity"])
            return same
        return HealthCondition.objects.create(
            kind=kind,
            description=description,
            severity=severity,
            since=since,
            **record_fields(stay, actor),
        )


def resolve_condition(condition: HealthCondition, *, on: date, actor) -> HealthCondition:
    stay = condition.admission
    require(actor, MANAGE_HEALTH, stay)
    _not_future(on, "on")
    if on < condition.since:
        raise Refusal(
            _("日期不能早于确诊日期（%(day)s）。"),
            code="before_start",
            params={"day": condition.since.isoformat()},
            field="on",
        )
    with acting_as(actor), transaction.atomic():
        condition = HealthCondition.objects.select_for_update().get(pk=condition.pk)
        if condition.resolved_on is not None:
            if condition.resolved_on == on:
                return condition
            raise Refusal(
                _("该记录已于%(day)s解除。"),
                code="already_resolved",
                params={"day": condition.resolved_on.isoformat()},
                field="on",
            )
        condition.resolved_on = on
        condition.save(update_fields=["resolved_on"])
    return condition


def needs_special_zone(stay: Admission) -> bool:
    """Whether a severe, unresolved condition puts the person in the special zone (病残专区).

    Reads health records without a permission check: callers show the answer only to users with
    centres.view_health at the facility."""
    return HealthCondition.objects.filter(
        admission=stay, severity=ConditionSeverity.SEVERE, resolved_on__isnull=True
    ).exists()


# --- Drug tests in the facility (司法部令第127号 Art. 29) -------------------------------------


# The intake test is taken at admission (司法部令第127号 Art. 12: health check on entry); a short
# window allows for a sample taken the day after a late-evening admission.
INTAKE_TEST_WINDOW = timedelta(days=3)


def is_use_in_facility(test: FacilityDrugTest) -> bool:
    """A positive or refused test after intake means drugs in the facility; the intake test
    finds what the person used before admission."""
    return test.occasion != TestOccasion.INTAKE and test.result in (
        TestResult.POSITIVE,
        TestResult.REFUSED,
    )


def record_drug_test(
    stay: Admission,
    *,
    tested_on: date,
    occasion: str,
    sample: str,
    substances: str,
    result: str,
    tester: str,
    actor,
    external_id: str = "",
) -> FacilityDrugTest:
    """所内毒品检测. Hiding or using drugs in the facility bars early release and is a ground for
    extension (司法部令第127号 Art. 29): a positive or refused test after intake adds the bar to
    the measure and an event to the person's timeline. A device or other system resending the
    same `external_id` gets the test already recorded."""
    require(actor, MANAGE, stay)
    external_id = (external_id or "").strip()
    if external_id:
        existing = FacilityDrugTest.objects.filter(admission=stay, external_id=external_id).first()
        if existing is not None:
            return existing
    check_day(stay, tested_on, "tested_on")
    _choice(occasion, TestOccasion, "occasion")
    _choice(sample, SampleType, "sample")
    _choice(result, TestResult, "result")
    if occasion == TestOccasion.INTAKE and tested_on > stay.admitted_on + INTAKE_TEST_WINDOW:
        # An "intake" test later in the stay would hide drugs used in the facility (Art. 29).
        raise Refusal(
            _("入所检测应在入所后%(days)s日内进行；此后的检测请选择定期、随机或疑似吸毒检测。"),
            code="intake_test_too_late",
            params={"days": INTAKE_TEST_WINDOW.days},
            field="occasion",
        )
    tester = _text(tester, "tester", _("检测人"))
    substances = (substances or "").strip()
    if not external_id:
        # A form submitted twice: the same test by the same tester on the same day is one test.
        same = FacilityDrugTest.objects.filter(
            admission=stay,
            external_id="",
            tested_on=tested_on,
            occasion=occasion,
            sample=sample,
            substances=substances,
            result=result,
            tester=tester,
        ).first()
        if same is not None:
            return same
    try:
        with acting_as(actor), transaction.atomic():
            test = FacilityDrugTest.objects.create(
                tested_on=tested_on,
                occasion=occasion,
                sample=sample,
                substances=substances,
                result=result,
                tester=tester,
                external_id=external_id,
                **record_fields(stay, actor),
            )
            if is_use_in_facility(test):
                measures.add_blocker(
                    stay.measure,
                    BlockerCode.DRUGS_IN_FACILITY,
                    since=tested_on,
                    actor=actor,
                    # stored in the source language, like other saved labels
                    note=f"所内毒品检测{'阳性' if result == TestResult.POSITIVE else '拒绝检测'}"
                    f"（{tested_on.isoformat()}，{stay.facility}）",
                )
                record_event(
                    stay.person,
                    "centres.drug_test.positive",
                    actor=actor,
                    org_unit=stay.facility,
                    on=tested_on.isoformat(),
                    result=result,
                    facility=str(stay.facility),
                )
    except IntegrityError:
        # The same external id sent twice at once: the other request recorded it.
        existing = FacilityDrugTest.objects.filter(admission=stay, external_id=external_id).first()
        if existing is None or not external_id:
            raise
        return existing
    return test


# --- Normal ranges (身心康复 item 1; configurable rules, see centres.rules) ---------------------


@dataclass(frozen=True)
class NormalRanges:
    respiration: tuple[int, int]
    heart_rate: tuple[int, int]
    systolic: tuple[int, int]
    diastolic: tuple[int, int]
    alt_max: dict[str, int]
    ast_max: dict[str, int]
    bmi_x10: tuple[int, int]


def normal_ranges(unit=None, on: date | None = None) -> NormalRanges:
    """The normal ranges in force at `unit` (a facility) on `on`: resolve them once for a page."""

    keys = [
        rules.RESPIRATION_MIN, rules.RESPIRATION_MAX, rules.HEART_RATE_MIN, rules.HEART_RATE_MAX,
        rules.SYSTOLIC_MIN, rules.SYSTOLIC_MAX, rules.DIASTOLIC_MIN, rules.DIASTOLIC_MAX,
        *rules.ALT_MAX.values(), *rules.AST_MAX.values(), rules.BMI_MIN_X10, rules.BMI_MAX_X10,
    ]  # fmt: skip
    v = rule_config.values(keys, unit, on).__getitem__

    return NormalRanges(
        respiration=(v(rules.RESPIRATION_MIN), v(rules.RESPIRATION_MAX)),
        heart_rate=(v(rules.HEART_RATE_MIN), v(rules.HEART_RATE_MAX)),
        systolic=(v(rules.SYSTOLIC_MIN), v(rules.SYSTOLIC_MAX)),
        diastolic=(v(rules.DIASTOLIC_MIN), v(rules.DIASTOLIC_MAX)),
        alt_max={sex: v(key) for sex, key in rules.ALT_MAX.items()},
        ast_max={sex: v(key) for sex, key in rules.AST_MAX.items()},
        bmi_x10=(v(rules.BMI_MIN_X10), v(rules.BMI_MAX_X10)),
    )


VITAL_ITEMS = ("weight", "respiration", "heart_rate", "blood_pressure", "liver_function")
VITAL_ITEM_LABELS = {
    "weight": _("体重（BMI）"),
    "respiration": _("呼吸"),
    "heart_rate": _("心率"),
    "blood_pressure": _("血压"),
    "liver_function": _("肝功能"),
}


def vitals_in_range(v: VitalSigns, sex: str, ranges: NormalRanges | None = None) -> dict[str, bool]:
    """The five parts of 身心康复 item 1 (4 points each): weight (as BMI), respiration, heart
    rate, blood pressure (systolic and diastolic), liver function (ALT and AST). Liver function
    not measured counts as not shown to be in range. `ranges` defaults to the rules in force at
    the stay's facility on the day measured; pass them in when checking many records. A sex other
    than male/female takes the stricter of the two liver ceilings."""
    if ranges is None:
        ranges = normal_ranges(v.admission.facility, v.measured_on)

    def within(value, bounds):
        return bounds[0] <= value <= bounds[1]

    def ceiling(per_sex):
        return per_sex.get(sex, min(per_sex.values()))

    liver = (
        v.alt is not None
        and v.ast is not None
        and v.alt <= ceiling(ranges.alt_max)
        and v.ast <= ceiling(ranges.ast_max)
    )
    return {
        "weight": within(round(v.bmi * 10), ranges.bmi_x10),
        "respiration": within(v.respiration, ranges.respiration),
        "heart_rate": within(v.heart_rate, ranges.heart_rate),
        "blood_pressure": within(v.systolic, ranges.systolic)
        and within(v.diastolic, ranges.diastolic),
        "liver_function": liver,
    }
