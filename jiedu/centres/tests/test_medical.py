"""戒毒医疗中心 services: each refusal, the early-release bar on drugs in the facility
(司法部令第127号 Art. 29), idempotent retries, the health permission, and the normal ranges of
身心康复 item 1 (configurable rules; defaults are common clinical reference ranges, no national
figure)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jiedu.centres import rules as centre_rules
from jiedu.centres.models import (
    FacilityDrugTest,
    HealthCondition,
    MedicationOrder,
    VitalSigns,
    WithdrawalCheck,
)
from jiedu.centres.services import medical as services
from jiedu.core import rules
from jiedu.core.refusals import Refusal
from jiedu.measures import services as measures
from jiedu.measures.choices import BlockerCode
from jiedu.people.models import PersonEvent

from . import test_medical_setup as setup
from .test_medical_setup import D, admit

# Shared fixtures (pytest finds them by name in this module).
medic, today, zones = setup.medic, setup.today, setup.zones

pytestmark = pytest.mark.django_db


def refused(excinfo, code, field=None):
    exc = excinfo.value
    assert exc.refusal_code == code
    if field is not None:
        assert exc.refusal_field == field


@pytest.fixture
def stay(cast, zones, today):
    return admit(cast, zones)


# --- Medication --------------------------------------------------------------------------------


def medication(stay, actor, **overrides):
    values = {
        "drug": "丁丙诺啡舌下片",
        "purpose": "withdrawal",
        "dose": "2mg 每日一次",
        "started_on": D("2024-03-02"),
        "prescriber": "王医师",
    }
    values.update(overrides)
    return services.record_medication(stay, actor=actor, **values)


def test_a_medication_is_recorded_and_a_retry_returns_the_same_order(stay, medic):
    order = medication(stay, medic)
    assert order.person_id == stay.person_id
    assert order.recorded_by == str(medic)
    assert order.stopped_on is None
    assert medication(stay, medic).pk == order.pk
    assert MedicationOrder.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"started_on": D("2024-06-16")}, "future_date", "started_on"),
        ({"started_on": D("2024-02-29")}, "before_admission", "started_on"),
        # 禁毒法 Art. 45: narcotic and psychotropic drugs are prescribed by a licensed physician.
        ({"prescriber": "  "}, "required", "prescriber"),
        ({"drug": ""}, "required", "drug"),
        ({"purpose": "fun"}, "invalid_choice", "purpose"),
    ],
)
def test_a_medication_is_refused_when(stay, medic, overrides, code, field):
    with pytest.raises(Refusal) as excinfo:
        medication(stay, medic, **overrides)
    refused(excinfo, code, field)


def test_only_staff_with_the_centre_permission_at_the_facility_record_medication(cast, stay):
    for user in (cast.outsider, cast.medic, cast.auditor):  # cast.medic serves county A
        with pytest.raises(PermissionDenied):
            medication(stay, user)
    assert medication(stay, cast.facility_officer).pk


def test_stopping_a_medication_once_and_again_on_the_same_day(stay, medic):
    order = medication(stay, medic)
    with pytest.raises(Refusal) as excinfo:
        services.stop_medication(order, on=D("2024-03-01"), actor=medic)
    refused(excinfo, "before_start", "on")
    with pytest.raises(Refusal) as excinfo:
        services.stop_medication(order, on=D("2024-06-16"), actor=medic)
    refused(excinfo, "future_date", "on")
    stopped = services.stop_medication(order, on=D("2024-03-20"), actor=medic)
    assert stopped.stopped_on == D("2024-03-20")
    assert services.stop_medication(order, on=D("2024-03-20"), actor=medic).pk == order.pk
    with pytest.raises(Refusal) as excinfo:
        services.stop_medication(order, on=D("2024-03-21"), actor=medic)
    refused(excinfo, "already_stopped", "on")


# --- Withdrawal checks (BJDIAG detox items 3–5) ------------------------------------------------


def check(stay, actor, **overrides):
    values = {
        "checked_on": D("2024-03-05"),
        "acute_symptoms": "mild",
        "protracted_symptoms": ["sleep", "anxiety"],
        "psychiatric_state": "none",
        "examiner": "王医师",
    }
    values.update(overrides)
    return services.record_withdrawal_check(stay, actor=actor, **values)


def test_a_withdrawal_check_keeps_the_symptoms_in_list_order_and_a_retry_is_one_check(stay, medic):
    first = check(stay, medic)
    assert first.protracted_symptoms == ["anxiety", "sleep"]
    assert check(stay, medic).pk == first.pk
    assert check(stay, medic, acute_symptoms="none").pk != first.pk  # a second, different check
    assert WithdrawalCheck.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"protracted_symptoms": ["itching"]}, "invalid_choice", "protracted_symptoms"),
        ({"acute_symptoms": "extreme"}, "invalid_choice", "acute_symptoms"),
        ({"psychiatric_state": "x"}, "invalid_choice", "psychiatric_state"),
        ({"examiner": ""}, "required", "examiner"),
        ({"checked_on": D("2024-06-16")}, "future_date", "checked_on"),
    ],
)
def test_a_withdrawal_check_is_refused_when(stay, medic, overrides, code, field):
    with pytest.raises(Refusal) as excinfo:
        check(stay, medic, **overrides)
    refused(excinfo, code, field)


# --- Vital signs -------------------------------------------------------------------------------

NORMAL = {
    "height_cm": Decimal("172.0"),
    "weight_kg": Decimal("65.0"),
    "respiration": 16,
    "heart_rate": 72,
    "systolic": 118,
    "diastolic": 76,
    "alt": 25,
    "ast": 22,
}


def vitals(stay, actor, **overrides):
    values = {"measured_on": D("2024-04-01"), **NORMAL, **overrides}
    return services.record_vital_signs(stay, actor=actor, **values)


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("heart_rate", 19, False),
        ("heart_rate", 20, True),
        ("heart_rate", 250, True),
        ("heart_rate", 251, False),
        ("respiration", 3, False),
        ("systolic", 301, False),
        ("diastolic", 19, False),
        ("height_cm", Decimal("99.9"), False),
        ("weight_kg", Decimal("251"), False),
        ("alt", 5001, False),
    ],
)
def test_implausible_vital_signs_are_refused_at_their_field(stay, medic, field, value, ok):
    if ok:
        assert vitals(stay, medic, **{field: value}).pk
        return
    with pytest.raises(Refusal) as excinfo:
        vitals(stay, medic, **{field: value})
    refused(excinfo, "implausible_value", field)


def test_diastolic_pressure_must_be_below_systolic(stay, medic):
    with pytest.raises(Refusal) as excinfo:
        vitals(stay, medic, systolic=90, diastolic=90)
    refused(excinfo, "implausible_value", "diastolic")


def test_vital_signs_retried_are_one_record(stay, medic):
    assert vitals(stay, medic).pk == vitals(stay, medic).pk
    assert VitalSigns.objects.count() == 1


# 身心康复 item 1 (domain.md §4.5): each part in the normal range. Defaults: respiration 12–20,
# heart rate 60–100, blood pressure 90–139 / 60–89, ALT and AST ≤ 40, BMI 18.5–27.9.
@pytest.mark.parametrize(
    ("overrides", "failing"),
    [
        ({}, set()),
        ({"respiration": 12}, set()),
        ({"respiration": 21}, {"respiration"}),
        ({"heart_rate": 100}, set()),
        ({"heart_rate": 101}, {"heart_rate"}),
        ({"heart_rate": 59}, {"heart_rate"}),
        ({"systolic": 140}, {"blood_pressure"}),
        ({"diastolic": 90}, {"blood_pressure"}),
        ({"systolic": 89}, {"blood_pressure"}),
        ({"alt": 41}, {"liver_function"}),
        ({"ast": 41}, {"liver_function"}),
        ({"alt": None}, {"liver_function"}),  # not measured: not shown to be in range
        ({"weight_kg": Decimal("82.6")}, set()),  # BMI 27.9
        ({"weight_kg": Decimal("82.9")}, {"weight"}),  # BMI 28.0
        ({"weight_kg": Decimal("54.7")}, set()),  # BMI 18.5
        ({"weight_kg": Decimal("54.4")}, {"weight"}),  # BMI 18.4
    ],
)
def test_vitals_in_range_by_the_default_rules(stay, medic, overrides, failing):
    v = vitals(stay, medic, **overrides)
    result = services.vitals_in_range(v, "male")
    assert set(result) == set(services.VITAL_ITEMS)
    assert {k for k, ok in result.items() if not ok} == failing


def test_the_normal_ranges_are_rules_flagged_as_defaults_and_a_province_may_change_them(
    cast, stay, medic
):
    spec = rules.spec(centre_rules.HEART_RATE_MAX)
    assert spec.fallback and "no national figure" in spec.source
    assert rules.spec(centre_rules.BMI_MAX_X10).default == 279
    v = vitals(stay, medic, heart_rate=105, alt=45)
    assert not services.vitals_in_range(v, "male")["heart_rate"]
    rules.set_rule_value(
        centre_rules.HEART_RATE_MAX,
        cast.province,
        value=110,
        effective_from=D("2024-01-01"),
        source="演示省卫健委参考范围",
        actor=cast.admin,
    )
    rules.set_rule_value(
        centre_rules.ALT_MAX["male"],
        cast.province,
        value=50,
        effective_from=D("2024-01-01"),
        source="演示省检验参考范围（男）",
        actor=cast.admin,
    )
    result = services.vitals_in_range(v, "male")
    assert result["heart_rate"] and result["liver_function"]
    assert not services.vitals_in_range(v, "female")["liver_function"]  # women keep 40


# --- Health records (behind centres.manage_health) ---------------------------------------------


def test_screening_and_conditions_need_the_health_permission(cast, stay, medic):
    with pytest.raises(PermissionDenied):
        services.record_screening(
            stay,
            screened_on=D("2024-03-01"),
            disease="hiv",
            result="negative",
            actor=cast.facility_officer,
        )
    with pytest.raises(PermissionDenied):
        services.record_condition(
            stay,
            kind="chronic",
            description="高血压",
            severity="mild",
            since=D("2020-01-01"),
            actor=cast.facility_leader,
        )
    s = services.record_screening(
        stay, screened_on=D("2024-03-01"), disease="hiv", result="negative", actor=medic
    )
    assert (
        services.record_screening(
            stay, screened_on=D("2024-03-01"), disease="hiv", result="negative", actor=medic
        ).pk
        == s.pk
    )
    with pytest.raises(Refusal) as excinfo:
        services.record_screening(
            stay, screened_on=D("2024-03-01"), disease="flu", result="negative", actor=medic
        )
    refused(excinfo, "invalid_choice", "disease")


def test_a_severe_unresolved_condition_needs_the_special_zone_until_resolved(stay, medic):
    # 禁毒法 Art. 44: care for the severely ill or disabled; 分别管理 by illness.
    assert not services.needs_special_zone(stay)
    services.record_condition(
        stay,
        kind="chronic",
        description="高血压",
        severity="mild",
        since=D("2020-01-01"),
        actor=medic,
    )
    assert not services.needs_special_zone(stay)
    severe = services.record_condition(
        stay,
        kind="infectious",
        description="活动性肺结核",
        severity="severe",
        since=D("2024-03-03"),
        actor=medic,
    )
    assert services.needs_special_zone(stay)
    with pytest.raises(Refusal) as excinfo:
        services.resolve_condition(severe, on=D("2024-03-02"), actor=medic)
    refused(excinfo, "before_start", "on")
    services.resolve_condition(severe, on=D("2024-05-01"), actor=medic)
    assert services.resolve_condition(severe, on=D("2024-05-01"), actor=medic).pk == severe.pk
    with pytest.raises(Refusal) as excinfo:
        services.resolve_condition(severe, on=D("2024-05-02"), actor=medic)
    refused(excinfo, "already_resolved", "on")
    assert not services.needs_special_zone(stay)
    assert HealthCondition.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"since": D("2024-06-16")}, "future_date", "since"),
        ({"description": " "}, "required", "description"),
        ({"kind": "cold"}, "invalid_choice", "kind"),
        ({"severity": "grave"}, "invalid_choice", "severity"),
    ],
)
def test_a_condition_is_refused_when(stay, medic, overrides, code, field):
    values = {
        "kind": "chronic",
        "description": "糖尿病",
        "severity": "mild",
        "since": D("2019-01-01"),
    }
    with pytest.raises(Refusal) as excinfo:
        services.record_condition(stay, actor=medic, **{**values, **overrides})
    refused(excinfo, code, field)


# --- Drug tests in the facility (司法部令第127号 Art. 29) ---------------------------------------


def drug_test(stay, actor, **overrides):
    values = {
        "tested_on": D("2024-05-10"),
        "occasion": "random",
        "sample": "urine",
        "substances": "吗啡、甲基苯丙胺",
        "result": "negative",
        "tester": "李民警",
    }
    values.update(overrides)
    return services.record_drug_test(stay, actor=actor, **values)


def bars(stay):
    return list(stay.measure.blockers.values_list("code", "since"))


def test_a_negative_test_bars_nothing(stay, medic):
    drug_test(stay, medic)
    assert bars(stay) == []
    assert not PersonEvent.objects.filter(code="centres.drug_test.positive").exists()


@pytest.mark.parametrize("result", ["positive", "refused"])
def test_drugs_in_the_facility_bar_early_release_and_go_on_the_timeline(stay, medic, result):
    test = drug_test(stay, medic, result=result)
    assert services.is_use_in_facility(test)
    assert bars(stay) == [(BlockerCode.DRUGS_IN_FACILITY, D("2024-05-10"))]
    event = PersonEvent.objects.get(person=stay.person, code="centres.drug_test.positive")
    assert event.data["on"] == "2024-05-10"
    codes = [
        code for code, _text in measures.early_release_blockers(stay.measure, date(2025, 3, 2))
    ]
    assert BlockerCode.DRUGS_IN_FACILITY in codes
    # A second positive keeps the first bar (one bar per measure, since the first day).
    drug_test(stay, medic, result="positive", tested_on=D("2024-06-01"))
    assert bars(stay) == [(BlockerCode.DRUGS_IN_FACILITY, D("2024-05-10"))]


def test_a_positive_intake_test_finds_use_before_admission_not_in_the_facility(stay, medic):
    test = drug_test(stay, medic, occasion="intake", result="positive", tested_on=D("2024-03-01"))
    assert not services.is_use_in_facility(test)
    assert bars(stay) == []


def test_a_resent_external_id_returns_the_test_already_recorded(stay, medic):
    first = drug_test(stay, medic, result="positive", external_id="DEV-0001")
    again = drug_test(stay, medic, result="positive", external_id="DEV-0001")
    assert again.pk == first.pk
    assert FacilityDrugTest.objects.count() == 1
    assert PersonEvent.objects.filter(code="centres.drug_test.positive").count() == 1
    assert drug_test(stay, medic, external_id="DEV-0002").pk != first.pk


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"tested_on": D("2024-06-16")}, "future_date", "tested_on"),
        ({"tested_on": D("2024-02-01")}, "before_admission", "tested_on"),
        ({"result": "maybe"}, "invalid_choice", "result"),
        ({"sample": "sweat"}, "invalid_choice", "sample"),
        ({"occasion": "party"}, "invalid_choice", "occasion"),
        ({"tester": ""}, "required", "tester"),
    ],
)
def test_a_drug_test_is_refused_when(stay, medic, overrides, code, field):
    with pytest.raises(Refusal) as excinfo:
        drug_test(stay, medic, **overrides)
    refused(excinfo, code, field)
    assert bars(stay) == []


def test_a_drug_test_needs_the_centre_permission_at_the_facility(cast, stay):
    with pytest.raises(PermissionDenied):
        drug_test(stay, cast.outsider, result="positive")
    assert bars(stay) == []
