"""POST/GET /api/v1/absences: 201 then 200 on the same `external_id`, refusals as 422 at the
field, 404 alike for a missing measure and one outside scope, 403 for a caller who may only
read, the serious breach and its counts in the answer, the split of an overrun, and the paged
list with its access log."""

import json

import pytest

from jiedu.community.models import Absence
from jiedu.community.services import absences
from jiedu.community.tests.conftest import ApiClient, D, at
from jiedu.core.models import AccessLogEntry

pytestmark = pytest.mark.django_db

TODAY = "2024-06-15"
URL = "/api/v1/absences"


@pytest.fixture
def api_as(client):
    return lambda user: ApiClient(client, user, URL)


@pytest.fixture
def today():
    with at(TODAY):
        yield D(TODAY)


@pytest.fixture
def case(community_case, today):
    return community_case(reported_on="2024-03-05")


def body(case, **overrides):
    data = {
        "measure": case.measure_id,
        "left_on": "2024-04-01",
        "returned_on": "2024-04-03",
        "approved": False,
        "destination": "广州",
        "note": "外出务工",
        "external_id": "sys-1",
    }
    data.update(overrides)
    return data


def test_an_absence_is_created_then_a_retry_returns_it(cast, case, api_as):
    api = api_as(cast.worker_a)
    first = api.post(body(case))
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["absence"]["days"] == 3
    assert data["absence"]["approved"] is False
    assert data["split"] == []
    assert data["serious_breach"] is False
    assert data["serious_breach_counts"]["unapproved_absences"] == 1
    assert data["serious_breach_counts"]["unapproved_days_away"] == 3
    assert data["serious_breach_counts"]["thresholds"] == {
        "refused_or_evaded_tests": 3,
        "unapproved_absences": 3,
        "unapproved_days_away": 30,
    }
    again = api.post(body(case))
    assert again.status_code == 200
    assert again.json()["absence"]["id"] == data["absence"]["id"]
    assert Absence.objects.filter(case=case).count() == 1


def test_the_third_absence_answers_serious_breach_with_its_referral(cast, case, api_as):
    api = api_as(cast.worker_a)
    for i, start in enumerate(("2024-04-01", "2024-05-01")):
        response = api.post(body(case, left_on=start, returned_on=start, external_id=f"s{i}"))
        assert response.status_code == 201
    third = api.post(body(case, left_on="2024-06-01", returned_on="2024-06-02", external_id="s3"))
    data = third.json()
    assert third.status_code == 201
    assert data["serious_breach"] is True
    assert data["serious_breach_counts"]["met"] == ["absences"]
    assert data["serious_breach_counts"]["since"] == "2024-06-01"
    assert data["referral"] is not None


def test_overrun_of_an_approved_leave_is_answered_as_a_split(cast, case, api_as):
    with at("2024-04-08"):
        leave = absences.request_leave(
            case,
            leave_on=D("2024-04-10"),
            return_on=D("2024-04-14"),
            destination="广州",
            reason="探亲",
            actor=cast.worker_a,
        )
        absences.decide_leave(leave, approve=True, on=D("2024-04-08"), actor=cast.supervisor)
    response = api_as(cast.worker_a).post(
        body(case, left_on="2024-04-10", returned_on="2024-04-16", approved=None)
    )
    data = response.json()
    assert response.status_code == 201
    assert (data["absence"]["approved"], data["absence"]["returned_on"]) == (True, "2024-04-14")
    assert [(s["left_on"], s["returned_on"], s["approved"]) for s in data["split"]] == [
        ("2024-04-15", "2024-04-16", False)
    ]
    assert data["split"][0]["external_id"] == "sys-1#2"
    assert data["serious_breach_counts"]["unapproved_days_away"] == 2


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"left_on": "2024-06-20"}, "left_on", "future_date"),
        ({"left_on": "2024-02-01", "returned_on": None}, "left_on", "before_measure"),
        ({"returned_on": "2024-03-20"}, "returned_on", "return_before_leave"),
        ({"left_on": "not a date"}, "left_on", None),
    ],
)
def test_refusals_are_422_at_the_field(cast, case, api_as, overrides, field, code):
    response = api_as(cast.worker_a).post(body(case, **overrides))
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert errors[0]["field"] == field
    if code:
        assert response.json()["code"] == code


def test_missing_and_out_of_scope_measures_are_404(cast, case, api_as):
    assert api_as(cast.worker_a).post(body(case, measure=999_999)).status_code == 404
    assert api_as(cast.outsider).post(body(case)).status_code == 404
    assert api_as(cast.outsider).get(measure=case.measure_id).status_code == 404
    assert Absence.objects.count() == 0


def test_the_police_may_read_but_not_record(cast, case, api_as):
    assert api_as(cast.police).post(body(case)).status_code == 403
    assert api_as(cast.police).get(measure=case.measure_id).status_code == 200


def test_without_a_token_401(case, client):
    assert (
        client.post(URL, json.dumps(body(case)), content_type="application/json").status_code == 401
    )


def test_list_is_paged_newest_first_and_logged(cast, case, api_as, django_assert_max_num_queries):
    api = api_as(cast.worker_a)
    for i, start in enumerate(("2024-04-01", "2024-05-01", "2024-06-01")):
        api.post(body(case, left_on=start, returned_on=start, external_id=f"p{i}"))
    before = AccessLogEntry.objects.count()
    with django_assert_max_num_queries(10):
        response = api.get(measure=case.measure_id, limit=2)
    data = response.json()
    assert response.status_code == 200
    assert data["count"] == 3
    assert [a["left_on"] for a in data["items"]] == ["2024-06-01", "2024-05-01"]
    assert AccessLogEntry.objects.count() == before + 1
