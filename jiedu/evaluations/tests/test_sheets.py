"""The published scoring sheets and the configurable defaults, table-driven (domain.md §4.5)."""

from datetime import date
from decimal import Decimal

import pytest

from jiedu.evaluations import sheets
from jiedu.evaluations.choices import Dimension, DimensionResult
from jiedu.evaluations.models import ScoringSheet

PASS, FAIL = DimensionResult.PASS, DimensionResult.FAIL


def points(sheet, **changed):
    """Full marks on every item, except the ones given."""
    out = {i["code"]: Decimal(str(i["max_points"])) for i in sheet["items"]}
    out.update({k: Decimal(str(v)) for k, v in changed.items()})
    return out


def test_the_published_detox_sheet_is_five_items_of_twenty_all_required():
    sheet = sheets.DETOX_SHEET
    assert [i["max_points"] for i in sheet["items"]] == [20] * 5
    assert all(i["required"] for i in sheet["items"])


@pytest.mark.parametrize(
    ("changed", "total", "result"),
    [
        pytest.param({}, 100, PASS, id="BJDIAG-all-five-items-pass"),
        pytest.param({"drug_test_negative": 0}, 80, FAIL, id="BJDIAG-item1-positive-test"),
        pytest.param({"withdrawal_medication_stopped": 0}, 80, FAIL,
                     id="BJDIAG-item2-medication-still-given"),
        pytest.param({"acute_withdrawal_gone": 0}, 80, FAIL, id="BJDIAG-item3-acute-symptoms"),
        pytest.param({"no_protracted_withdrawal": 0}, 80, FAIL,
                     id="BJDIAG-item4-protracted-symptoms"),
        pytest.param({"no_psychiatric_symptoms": 0}, 80, FAIL,
                     id="BJDIAG-item5-psychiatric-symptoms"),
    ],
)  # fmt: skip
def test_detox_passes_only_with_every_item(changed, total, result):
    sheet = sheets.DETOX_SHEET
    assert sheets.dimension_result(sheet, points(sheet, **changed)) == (Decimal(total), result)


@pytest.mark.parametrize(
    ("changed", "total", "result"),
    [
        pytest.param({}, 100, PASS, id="身心康复-full-100-passes"),
        pytest.param({"vital_signs": 16}, 96, FAIL, id="身心康复-one-vital-sign-out-of-range"),
        pytest.param({"fitness": 0}, 80, FAIL, id="身心康复-fitness-not-reached"),
        pytest.param({"psych_test": 0}, 80, FAIL, id="身心康复-16PF-below-7"),
        pytest.param({"relapse_risk_low": 0}, 80, FAIL, id="身心康复-relapse-risk-not-low"),
        pytest.param({"exam_pass": 0}, 80, FAIL, id="身心康复-exam-below-60"),
    ],
)  # fmt: skip
def test_recovery_passes_only_with_the_full_hundred(changed, total, result):
    sheet = sheets.RECOVERY_SHEET
    assert sheets.dimension_result(sheet, points(sheet, **changed)) == (Decimal(total), result)


@pytest.mark.parametrize(
    ("changed", "result"),
    [
        pytest.param({}, PASS, id="default-clean-record"),
        pytest.param({"monthly_points": 0, "no_segregation": 0}, PASS,
                     id="default-60-with-both-required-items"),
        pytest.param({"no_serious_violation": 0}, FAIL, id="default-serious-violation-required"),
        pytest.param({"no_drugs_in_facility": 0}, FAIL, id="default-drugs-in-facility-required"),
    ],
)  # fmt: skip
def test_the_default_behaviour_sheet(changed, result):
    sheet = sheets.BEHAVIOUR_SHEET
    assert sheets.dimension_result(sheet, points(sheet, **changed))[1] == result


@pytest.mark.parametrize(
    ("changed", "result"),
    [
        pytest.param({}, DimensionResult.GOOD, id="default-100-good"),
        pytest.param({"residence": 0, "community_handover": 10}, DimensionResult.GOOD,
                     id="default-exactly-60-good"),
        pytest.param({"residence": 0, "community_handover": 5}, DimensionResult.FAIR,
                     id="default-55-fair"),
    ],
)  # fmt: skip
def test_the_default_social_sheet_is_good_from_sixty(changed, result):
    sheet = sheets.SOCIAL_SHEET
    assert sheets.dimension_result(sheet, points(sheet, **changed))[1] == result


@pytest.mark.parametrize(
    ("item", "value", "ok"),
    [
        ({"max_points": 20, "step": 20}, "20", True),
        ({"max_points": 20, "step": 20}, "0", True),
        ({"max_points": 20, "step": 20}, "10", False),  # a pass/fail item has no half marks
        ({"max_points": 20, "step": 4}, "16", True),
        ({"max_points": 20, "step": 4}, "18", False),
        ({"max_points": 20, "step": 4}, "24", False),
        ({"max_points": 20, "step": 4}, "-4", False),
    ],
)
def test_item_points_follow_the_sheet_step(item, value, ok):
    assert (sheets.check_points(item, Decimal(value)) is None) is ok


def test_every_shipped_sheet_is_valid():
    for sheet in sheets.SHIPPED.values():
        assert sheets.validate_sheet(sheet) == []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda s: s.update(dimension="mood"), "unknown dimension"),
        (lambda s: s.update(items=[]), "no items"),
        (lambda s: s["items"][1].update(code=s["items"][0]["code"]), "duplicate code"),
        (lambda s: s["items"][0].update(max_points=0), "max_points"),
        (lambda s: s["items"][0].update(step=7), "step"),
        (lambda s: s["items"][0].update(prefill="crystal_ball"), "unknown prefill"),
        (lambda s: s.update({"pass": {}}), "min_total missing"),
        (lambda s: s.update({"pass": {"min_total": 120}}), "exceeds"),
    ],
)
def test_a_broken_sheet_is_reported(change, fragment):
    import copy

    sheet = copy.deepcopy(sheets.DETOX_SHEET)
    change(sheet)
    assert any(fragment in e for e in sheets.validate_sheet(sheet))


@pytest.mark.django_db
def test_a_province_sheet_replaces_the_default_from_its_day(cast):
    own = {**sheets.SOCIAL_SHEET, "pass": {"good_min_total": 80}}
    ScoringSheet.objects.create(
        dimension=Dimension.SOCIAL,
        org_unit=cast.province,
        effective_from=date(2025, 1, 1),
        definition=own,
        source="演示省诊断评估实施细则",
    )
    assert sheets.sheet_for("social", cast.facility, date(2024, 12, 31)) is sheets.SOCIAL_SHEET
    assert sheets.sheet_for("social", cast.facility, date(2025, 1, 1))["pass"] == {
        "good_min_total": 80
    }
    assert sheets.sheet_for("social", cast.county_b, date(2025, 1, 1))["pass"] == {
        "good_min_total": 80
    }
