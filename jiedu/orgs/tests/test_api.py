"""/api/v1/org-units: the units a token's user may see, with their parent's code."""

from __future__ import annotations

import pytest

from jiedu.accounts.services import issue_token
from jiedu.core.tests.openapi_contract import assert_documented

URL = "/api/v1/org-units"


@pytest.fixture
def units_of(client):
    """`units_of(user)`: the org-units answer for a fresh token of `user`, by unit code."""

    def fetch(user) -> dict[str, dict]:
        _token, raw = issue_token(actor=user, user=user)
        response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 200, response.content
        body = assert_documented(response, "get", URL)
        codes = [unit["code"] for unit in body]
        assert len(codes) == len(set(codes))
        return {unit["code"]: unit for unit in body}

    return fetch


def test_a_county_worker_sees_only_the_county_and_the_units_below_it(cast, units_of):
    units = units_of(cast.worker_a)
    assert set(units) == {cast.county_a.code, cast.township_a.code, cast.deciding_organ.code}


def test_the_outsider_sees_county_b_and_nothing_of_county_a(cast, units_of):
    units = units_of(cast.outsider)
    assert set(units) == {cast.county_b.code, cast.township_b.code}


def test_the_city_supervisor_sees_both_counties_but_not_the_province_or_its_facility(
    cast, units_of
):
    units = units_of(cast.supervisor)
    assert set(units) == {
        cast.city.code,
        cast.county_a.code,
        cast.county_b.code,
        cast.township_a.code,
        cast.township_b.code,
        cast.deciding_organ.code,
        cast.police_facility.code,
        cast.clinic.code,
    }


def test_the_admin_at_the_province_sees_every_unit(cast, units_of):
    units = units_of(cast.admin)
    assert set(units) == {
        u.code
        for u in (
            cast.province,
            cast.city,
            cast.county_a,
            cast.county_b,
            cast.township_a,
            cast.township_b,
            cast.facility,
            cast.police_facility,
            cast.deciding_organ,
            cast.clinic,
        )
    }


def test_each_unit_carries_code_name_kind_and_parent_code(cast, units_of):
    units = units_of(cast.worker_a)
    county = units[cast.county_a.code]
    assert county == {
        "code": "990102",
        "name": "江岸区",
        "kind": "county",
        "parent_code": cast.city.code,  # the parent is named even though it is out of scope
        "division_code": "990102",
    }
    township = units[cast.township_a.code]
    assert township["parent_code"] == cast.county_a.code
    assert township["kind"] == "township"
    assert township["name"] == "花桥街道"


def test_the_root_unit_has_no_parent_code(cast, units_of):
    units = units_of(cast.admin)
    assert units[cast.province.code]["parent_code"] is None
    assert units[cast.facility.code]["parent_code"] == cast.province.code


def test_units_come_in_tree_order(cast, client):
    _token, raw = issue_token(actor=cast.admin, user=cast.admin)
    body = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    codes = [unit["code"] for unit in body]
    assert codes.index(cast.city.code) < codes.index(cast.county_a.code)
    assert codes.index(cast.county_a.code) < codes.index(cast.township_a.code)


def test_org_units_need_a_token(cast, client):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer jd_nope"}):
        response = client.get(URL, **headers)
        assert response.status_code == 401
        body = assert_documented(response, "get", URL)
        assert body["code"] == "unauthenticated"
        assert body["message"] and body["message_en"]
