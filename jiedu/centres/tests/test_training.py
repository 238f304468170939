"""康复训练中心 services: fitness tests graded by sex and age against the standards table
(a configurable default shaped like the 国民体质测定标准 — there is no national standard for
facilities), the overall pass of 身心康复 item 2 (calisthenics fluent OR ≥10 chest-expander pulls
in one minute; provincial sheet, domain.md §4.5), refusals, idempotent retries, permissions."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from jiedu.centres import fitness
from jiedu.centres import rules as centre_rules
from jiedu.centres.models import FitnessTest, TrainingSession
from jiedu.centres.services import training as services
from jiedu.core import rules
from jiedu.core.refusals import Refusal

from . import test_medical_setup as setup
from .test_medical_setup import D, admit

pytestmark = pytest.mark.django_db

today, zones = setup.today, setup.zones

NOTHING = {
    "calisthenics_fluent": None,
    "chest_expander_pulls": None,
    "push_ups": None,
    "sit_ups": None,
    "sit_and_reach_cm": None,
    "step_index": None,
}


@pytest.fixture
def stay(cast, zones, today):
    return admit(cast, zones, name="孙三")  # a man born 1990-05-17: 34 on 2024-06-15


def fitness_test(stay, actor, **values):
    return services.record_fitness_test(
        stay,
        tested_on=values.pop("tested_on", D("2024-04-01")),
        tester=values.pop("tester", "体能教官"),
        actor=actor,
        **{**NOTHING, **values},
    )


# 身心康复 item 2: fluent radio calisthenics, OR at least 10 chest-expander pulls in a minute.
@pytest.mark.parametrize(
    ("values", "passed"),
    [
        ({"calisthenics_fluent": True}, True),
        ({"calisthenics_fluent": False}, False),
        ({"chest_expander_pulls": 10}, True),
        ({"chest_expander_pulls": 9}, False),
        ({"calisthenics_fluent": False, "chest_expander_pulls": 10}, True),
        ({"calisthenics_fluent": True, "chest_expander_pulls": 0}, True),
        ({"push_ups": 50, "sit_ups": 50}, False),  # strong, but neither item of the sheet
    ],
)
def test_the_overall_result_is_item_2_of_the_sheet(cast, stay, values, passed):
    test = fitness_test(stay, cast.facility_officer, **values)
    assert test.passed is passed
    assert test.grades["overall"] == ("pass" if passed else "fail")


# Age bands of the default table: (16–24), (25–29), (30–34) … (60+); push-ups for a man of
# 30–34 pass from 16, of 16–24 from 20; a woman of 30–34 from 6.
@pytest.mark.parametrize(
    ("gender", "birth", "push_ups", "grade"),
    [
        ("male", "1990-05-17", 16, "pass"),  # 33 on 2024-04-01
        ("male", "1990-05-17", 15, "fail"),
        ("male", "2003-01-01", 19, "fail"),  # 21
        ("male", "2003-01-01", 20, "pass"),
        ("female", "1990-05-17", 6, "pass"),
        ("female", "1990-05-17", 5, "fail"),
        ("male", "1963-01-01", 5, "pass"),  # 61
    ],
)
def test_graded_items_follow_sex_and_age_band(cast, zones, today, gender, birth, push_ups, grade):
    stay = admit(cast, zones, gender=gender, birth=D(birth))
    test = fitness_test(stay, cast.facility_officer, push_ups=push_ups)
    assert test.grades == {"push_ups": grade, "overall": "fail"}


def test_the_age_on_the_test_day_decides_the_band(cast, zones, today):
    stay = admit(cast, zones, birth=D("1994-04-02"))  # 29 on 2024-04-01, 30 on 2024-04-02
    assert fitness.threshold("push_ups", "male", 29) == 18
    assert fitness_test(stay, cast.facility_officer, push_ups=17).grades["push_ups"] == "fail"
    later = fitness_test(stay, cast.facility_officer, push_ups=17, tested_on=D("2024-04-02"))
    assert later.grades["push_ups"] == "pass"


def test_decimal_items_and_an_unknown_sex_is_recorded_but_not_graded(cast, stay):
    test = fitness_test(
        stay, cast.facility_officer, sit_and_reach_cm="1.0", step_index="48.9", sit_ups=21
    )
    assert test.grades == {
        "sit_and_reach_cm": "pass",  # man 30–34: ≥ 1.0 cm
        "step_index": "fail",  # ≥ 49.0
        "sit_ups": "pass",  # ≥ 21
        "overall": "fail",
    }
    assert fitness.threshold("push_ups", "unknown", 30) is None


def test_the_standards_and_the_item_2_threshold_are_configurable(cast, stay):
    assert rules.spec(centre_rules.CHEST_EXPANDER_PASS).fallback
    assert "国民体质测定标准" in str(fitness.SOURCE)
    with override_settings(JIEDU_FITNESS_STANDARDS={"push_ups": {"male": (5,) * 9}}):
        assert fitness_test(stay, cast.facility_officer, push_ups=5).grades["push_ups"] == "pass"
    rules.set_rule_value(
        centre_rules.CHEST_EXPANDER_PASS,
        cast.province,
        value=15,
        effective_from=D("2024-01-01"),
        source="演示省身心康复评估标准",
        actor=cast.admin,
    )
    test = fitness_test(stay, cast.facility_officer, chest_expander_pulls=12)
    assert not test.passed


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({}, "no_items", "calisthenics_fluent"),
        ({"push_ups": 151}, "implausible_value", "push_ups"),
        ({"chest_expander_pulls": 151}, "implausible_value", "chest_expander_pulls"),
        ({"sit_and_reach_cm": "55"}, "implausible_value", "sit_and_reach_cm"),
        ({"step_index": "10"}, "implausible_value", "step_index"),
        ({"push_ups": 10, "tester": " "}, "required", "tester"),
        ({"push_ups": 10, "tested_on": D("2024-06-16")}, "future_date", "tested_on"),
        ({"push_ups": 10, "tested_on": D("2024-02-28")}, "before_admission", "tested_on"),
    ],
)
def test_a_fitness_test_is_refused_when(cast, stay, values, code, field):
    with pytest.raises(Refusal) as excinfo:
        fitness_test(stay, cast.facility_officer, **values)
    assert excinfo.value.refusal_code == code
    assert excinfo.value.refusal_field == field
    assert FitnessTest.objects.count() == 0


def test_a_retried_fitness_test_is_one_record(cast, stay):
    first = fitness_test(stay, cast.facility_officer, chest_expander_pulls=12)
    assert fitness_test(stay, cast.facility_officer, chest_expander_pulls=12).pk == first.pk
    assert fitness_test(stay, cast.facility_officer, chest_expander_pulls=13).pk != first.pk


def test_training_sessions(cast, stay):
    officer = cast.facility_officer
    session = services.record_training(
        stay, held_on=D("2024-04-01"), kind="calisthenics", minutes=40, note="", actor=officer
    )
    assert session.minutes == 40
    again = services.record_training(
        stay, held_on=D("2024-04-01"), kind="calisthenics", minutes=40, note="", actor=officer
    )
    assert again.pk == session.pk
    for minutes in (0, 481):
        with pytest.raises(Refusal) as excinfo:
            services.record_training(
                stay, held_on=D("2024-04-01"), kind="ball", minutes=minutes, actor=officer
            )
        assert excinfo.value.refusal_field == "minutes"
    with pytest.raises(Refusal) as excinfo:
        services.record_training(stay, held_on=D("2024-04-01"), kind="x", minutes=5, actor=officer)
    assert excinfo.value.refusal_field == "kind"
    assert TrainingSession.objects.count() == 1


def test_training_records_need_the_centre_permission_at_the_facility(cast, stay):
    for user in (cast.outsider, cast.medic, cast.auditor):
        with pytest.raises(PermissionDenied):
            fitness_test(stay, user, chest_expander_pulls=12)
        with pytest.raises(PermissionDenied):
            services.record_training(
                stay, held_on=D("2024-04-01"), kind="ball", minutes=30, actor=user
            )
