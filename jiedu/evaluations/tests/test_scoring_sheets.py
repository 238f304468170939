"""Administrators give a province its own sheet for a dimension (domain.md §4.5: only two sheets
are published); evaluations started from its effective day use it."""

import copy
import json

import pytest
from django.urls import reverse

from jiedu.evaluations import services, sheets
from jiedu.evaluations.choices import EvaluationKind

from .conftest import D, at

pytestmark = pytest.mark.django_db


def stricter_social_sheet() -> dict:
    sheet = copy.deepcopy(sheets.SOCIAL_SHEET)
    sheet["name_zh"] = "社会环境与适应能力评估表（演示省）"
    sheet["pass"] = {"good_min_total": 80}
    return sheet


def test_an_administrator_adds_a_province_sheet_that_new_evaluations_use(cast, admit, client):
    client.force_login(cast.admin)
    page = reverse("evaluations:scoring_sheets")
    assert client.get(page).status_code == 200
    form = {
        "dimension": "social",
        "org_unit": cast.province.pk,
        "effective_from": "2024-01-01",
        "definition": "{not json",
        "source": "演示省强制隔离戒毒诊断评估实施细则",
    }
    response = client.post(page, form)
    assert "不是有效的JSON" in response.content.decode()
    broken = {**stricter_social_sheet(), "pass": {"good_min_total": 120}}
    response = client.post(page, {**form, "definition": json.dumps(broken)})
    assert "exceeds" in response.content.decode()
    response = client.post(page, {**form, "definition": json.dumps(stricter_social_sheet())})
    assert response.status_code == 302
    again = client.post(page, {**form, "definition": json.dumps(stricter_social_sheet())})
    assert again.status_code == 302  # a retried form adds no second version

    stay = admit("2024-03-01")
    with at("2024-03-02"):
        services.open_handbook(stay, opened_on=D("2024-03-02"), actor=cast.facility_officer)
        evaluation = services.start_evaluation(
            stay, EvaluationKind.ADMISSION, on=D("2024-03-02"), actor=cast.facility_officer
        )
    assert evaluation.sheets["social"]["pass"] == {"good_min_total": 80}


def test_only_rule_administrators_reach_the_sheets(cast, client):
    page = reverse("evaluations:scoring_sheets")
    for user in (cast.facility_officer, cast.facility_leader, cast.police):
        client.force_login(user)
        assert client.get(page).status_code == 403


def test_a_sheet_for_a_unit_outside_the_administrators_scope_is_refused(cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.set_scoring_sheet(
            "social",
            cast.province,
            definition=stricter_social_sheet(),
            effective_from=D("2024-01-01"),
            source="x",
            actor=cast.facility_leader,
        )
