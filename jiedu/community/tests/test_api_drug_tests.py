"""POST/GET /api/v1/drug-tests: auth (401 without a token), scope (404 alike for a missing
measure, one outside scope and one without a community case), idempotent `external_id` (201
then 200; other contents 422), refusals as 422 with field and code, the referral and serious
breach in the answer, and the paged list."""

import json
from datetime import date

import pytest
from django.db import connection

from jiedu.accounts.services import issue_token
from jiedu.community.models import CommunityDrugTest, Referral
from jiedu.community.tests.conftest import ApiClient, at
from jiedu.core.models import AccessLogEntry

pytestmark = pytest.mark.django_db

D = date.fromisoformat
TODAY = "2024-06-15"
URL = "/api/v1/drug-tests"


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
        "taken_on": "2024-06-10",
        "sample": "urine",
        "tier": "onsite",
        "result": "negative",
        "results": {"methamphetamine": "negative", "morphine": "negative"},
        "kit": "三联尿检板 20240501",
        "staff": ["王专干", "李民警"],
        "external_id": "dev-1",
    }
    data.update(overrides)
    return data


def positive(case, **overrides):
    values = {
        "result": "positive",
        "results": {"methamphetamine": "positive", "morphine": "negative"},
        "bottle_a": "A-1",
        "bottle_b": "B-1",
    }
    values.update(overrides)
    return body(case, **values)


def test_a_test_is_created_then_a_retry_returns_it(cast, case, api_as):
    api = api_as(cast.worker_a)
    first = api.post(body(case))
    assert first.status_code == 201, first.content
    again = api.post(body(case))
    assert again.status_code == 200
    assert again.json() == first.json()
    out = first.json()
    assert out["result"] == "negative"
    assert out["staff"] == ["王专干", "李民警"]
    assert out["measure"] == case.measure_id
    assert out["serious_breach"] is False
    assert out["referral"] is None
    assert CommunityDrugTest.objects.count() == 1


def test_the_same_external_id_with_other_contents_is_refused(cast, case, api_as):
    api = api_as(cast.worker_a)
    assert api.post(body(case)).status_code == 201
    response = api.post(body(case, kit="另一批号"))
    assert response.status_code == 422
    assert response.json()["code"] == "external_id_conflict"
    assert response.json()["errors"][0]["field"] == "external_id"


def test_a_positive_answers_its_clocks_and_the_referral(cast, case, api_as):
    response = api_as(cast.worker_a).post(positive(case))
    assert response.status_code == 201
    out = response.json()
    assert out["retain_until"] == "2024-12-10"  # 吸毒检测程序规定 Art. 8: ≥6 months
    assert out["objection_due_by"] == "2024-06-13"  # Art. 12: 3 days
    assert out["use_window_from"] is None
    referral = Referral.objects.get(case=case)
    assert out["referral"] == referral.pk
    assert referral.reason == "positive_test"
    assert out["serious_breach"] is False


def test_a_positive_hair_result_answers_its_window(cast, case, api_as):
    data = positive(
        case,
        sample="hair",
        tier="lab",
        institution="市禁毒检测中心",
        hair_segment_cm=3,
        bottle_a="",
        bottle_b="",
    )
    out = api_as(cast.worker_a).post(data).json()
    assert out["use_window_from"] == "2023-12-10"  # HAIR Art. 10: the 6 months before
    assert out["hair_segment_cm"] == 3


def test_the_third_refusal_answers_the_serious_breach(cast, case, api_as):
    api = api_as(cast.worker_a)
    refusal = {"result": "refused", "results": {}, "staff": ["王专干"], "note": "拒绝留样"}
    for n, day in enumerate(("2024-05-10", "2024-05-20"), start=1):
        out = api.post(body(case, taken_on=day, external_id=f"r-{n}", **refusal)).json()
        assert out["serious_breach"] is False
        assert out["referral"] is None
    third = api.post(body(case, taken_on="2024-06-10", external_id="r-3", **refusal))
    assert third.status_code == 201
    out = third.json()
    # 戒毒条例 Art. 20: 3 or more refused or evaded tests.
    assert out["serious_breach"] is True
    referral = Referral.objects.get(case=case, reason="serious_breach")
    assert out["referral"] == referral.pk
    assert api.post(body(case, taken_on="2024-06-10", external_id="r-3", **refusal)).json() == out


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"staff": ["王专干"]}, 422, "two_staff_required", "staff"),
        ({"staff": ["王专干", "王专干"]}, 422, "two_staff_required", "staff"),
        ({"staff": []}, 422, "validation_error", "staff"),
        ({"staff": ["a", "b", "c"]}, 422, "validation_error", "staff"),
        ({"result": "positive"}, 422, "results_mismatch", "result"),
        ({"result": "maybe"}, 422, "validation_error", "result"),
        (
            {"results": {"methamphetamine": "unclear"}},
            422,
            "validation_error",
            "results.methamphetamine",
        ),
        ({"taken_on": "2024-06-16"}, 422, "future_date", "taken_on"),
        ({"hair_segment_cm": 3}, 422, "hair_only", "hair_segment_cm"),
        ({"checks": 999999}, 422, "unknown_test", "checks"),
        ({"kit": "a\nb"}, 422, "validation_error", "kit"),
    ],
)
def test_refusals_answer_422_at_their_field(cast, case, api_as, overrides, status, code, field):
    response = api_as(cast.worker_a).post(body(case, **overrides))
    assert response.status_code == status, response.content
    out = response.json()
    assert out["code"] == code
    assert field in [e["field"] for e in out["errors"]]
    assert out["message"] and out["message_en"]
    assert not CommunityDrugTest.objects.exists()


def test_a_positive_on_site_without_bottles_is_refused(cast, case, api_as):
    response = api_as(cast.worker_a).post(positive(case, bottle_b=""))
    assert response.status_code == 422
    assert response.json()["code"] == "bottles_required"
    assert response.json()["errors"][0]["field"] == "bottle_b"


def test_a_re_test_at_the_lab_tests_institution_is_refused(cast, case, api_as):
    api = api_as(cast.worker_a)
    onsite = api.post(positive(case, external_id="1")).json()
    lab = api.post(
        positive(
            case,
            tier="lab",
            checks=onsite["id"],
            taken_on="2024-06-12",
            institution="东湖市禁毒检测中心",
            bottle_a="",
            bottle_b="",
            external_id="2",
        )
    ).json()
    response = api.post(
        body(
            case,
            tier="lab_retest",
            checks=lab["id"],
            taken_on="2024-06-14",
            institution="东湖市禁毒检测中心",
            external_id="3",
        )
    )
    assert response.status_code == 422
    assert response.json()["code"] == "same_institution"
    assert response.json()["errors"][0]["field"] == "institution"


def test_without_a_token_the_answer_is_401(client, case):
    response = client.post(URL, json.dumps(body(case)), content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert client.get(URL, {"measure": case.measure_id}).status_code == 401


def test_the_outsider_gets_404_for_post_and_list(cast, case, api_as):
    api = api_as(cast.outsider)
    response = api.post(body(case))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api.get(URL, measure=case.measure_id).status_code == 404
    assert not CommunityDrugTest.objects.exists()


def test_a_missing_measure_or_one_without_a_community_case_is_404(cast, case, api_as):
    api = api_as(cast.worker_a)
    assert api.post(body(case, measure=case.measure_id + 1000)).status_code == 404
    assert api.post(body(case, measure=2**63 - 1)).status_code == 404
    assert api.post(body(case, measure=2**63)).status_code == 422
    assert api.get(URL, measure=2**63).status_code == 422
    assert api.get(URL).status_code == 422  # the measure is required


def test_the_police_may_read_but_not_record(cast, case, api_as):
    api_as(cast.worker_a).post(body(case))
    police = api_as(cast.police)
    response = police.post(body(case, external_id="dev-2"))
    assert response.status_code == 403
    listed = police.get(URL, measure=case.measure_id)
    assert listed.status_code == 200
    assert listed.json()["count"] == 1


def test_the_list_is_paged_newest_first_and_logged(cast, case, api_as):
    api = api_as(cast.worker_a)
    for n, day in enumerate(("2024-05-01", "2024-06-01", "2024-06-10"), start=1):
        assert api.post(body(case, taken_on=day, external_id=f"p-{n}")).status_code == 201
    first = api.get(URL, measure=case.measure_id, limit=2)
    assert first.status_code == 200
    out = first.json()
    assert out["count"] == 3
    assert [t["taken_on"] for t in out["items"]] == ["2024-06-10", "2024-06-01"]
    rest = api.get(URL, measure=case.measure_id, limit=2, offset=2).json()
    assert [t["taken_on"] for t in rest["items"]] == ["2024-05-01"]
    assert (
        AccessLogEntry.objects.filter(
            user_id=cast.worker_a.pk, person_pk=case.person_id, channel="api"
        ).count()
        == 2
    )
    three = count_queries(lambda: api.get(URL, measure=case.measure_id, limit=50))
    for n, day in enumerate(("2024-06-11", "2024-06-12", "2024-06-13"), start=4):
        assert api.post(body(case, taken_on=day, external_id=f"p-{n}")).status_code == 201
    response = None

    def six():
        nonlocal response
        response = api.get(URL, measure=case.measure_id, limit=50)

    assert 0 < count_queries(six) <= three
    assert len(response.json()["items"]) == 6


def count_queries(request) -> int:
    """The number of SQL queries `request()` makes (counted as they run: the query log is emptied
    by every request the test client makes)."""
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        request()
    return count


def test_a_malformed_body_is_400(cast, case, api_as):
    response = api_as(cast.worker_a).post("{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"


# --- Fuzz: no server error, every answer as documented -----------------------------------------


@pytest.fixture
def wsgi_app():
    """Django's WSGI app sharing the test's transaction (as in core/tests/test_openapi.py)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from jiedu.core.tests.test_openapi import CallerApp

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield CallerApp()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(operation, generation, tokens, app, case, seen) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    from jiedu.core.tests.test_openapi import CHECKS

    near = st.dates(D("2024-03-01"), D("2024-06-15")).map(date.isoformat)

    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        generated=operation.as_strategy(generation_mode=generation),
        token=st.sampled_from(tokens),
        data=st.data(),
    )
    def run(generated, token, data):
        steered = generation == GenerationMode.POSITIVE and data.draw(st.booleans())
        if steered:
            # Steer half of the valid requests at the case, so they reach the service.
            if isinstance(generated.body, dict):
                generated.body.update(
                    measure=case.measure_id,
                    taken_on=data.draw(near),
                    sample="urine",
                    tier="onsite",
                    result=data.draw(st.sampled_from(["negative", "refused", "evaded"])),
                    results={},
                    staff=["甲", "乙"],
                    note="本人拒绝留样",
                    bottle_a="",
                    bottle_b="",
                    hair_segment_cm=None,
                    checks=None,
                )
            elif isinstance(generated.query, dict):
                generated.query["measure"] = case.measure_id
        app.token = tokens[0] if steered else token
        response = generated.call()
        seen.add((operation.method.upper(), response.status_code))
        generated.validate_response(response, checks=CHECKS)

    run()


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_fuzzed_requests_get_no_server_error_and_match_the_schema(cast, case, wsgi_app, mode):
    import schemathesis
    from schemathesis import GenerationMode

    generation = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [
        op for op in (result.ok() for result in schema.get_all_operations()) if op.path == URL
    ]
    assert {op.method.upper() for op in operations} == {"GET", "POST"}
    users = (cast.worker_a, cast.police, cast.outsider)
    tokens = [issue_token(actor=u, user=u)[1] for u in users]
    seen: set[tuple[str, int]] = set()
    for operation in operations:
        _fuzz(operation, generation, tokens, wsgi_app, case, seen)
    assert all(status < 500 for _method, status in seen), seen
    if generation == GenerationMode.POSITIVE:
        assert {("GET", 200), ("POST", 201)} <= seen, seen
