"""/api/v1/measures: a compulsory isolation from decision to release with 社区康复 through the
API, every clock checked at each step; refusals as 422 with the rule's code; scope (404 alike for
missing and forbidden); idempotent decisions; access log; query counts. Every answer is checked
against the committed OpenAPI document.

Expected dates are worked out by hand from the conventions of `measures/clocks.py` (domain.md
§0.2): a term of N counted from D ends the day before the same calendar day N later; "within N
after D" ends on D + N; days on escape or suspended are added back."""

from __future__ import annotations

import json
from datetime import date

import pytest
import time_machine

from jiedu.accounts.services import issue_token
from jiedu.core.models import AccessLogEntry
from jiedu.core.tests.openapi_contract import assert_documented
from jiedu.facilities import services as facilities
from jiedu.measures import services
from jiedu.measures.models import Measure
from jiedu.testing.cast import make_person

pytestmark = pytest.mark.django_db

LIST = "/api/v1/measures"
DETAIL = "/api/v1/measures/{id}"
ACTION = "/api/v1/measures/{id}/{action}"
CLOCKS = (
    "term_start",
    "term_end",
    "early_release_from",
    "latest_end_with_extension",
    "transfer_due_from",
    "transfer_due_by",
    "police_stage_limit",
    "report_due_by",
    "paused_days",
)
NO_CLOCKS = dict.fromkeys(CLOCKS) | {"paused_days": 0}
ISOLATION_SOURCES = {
    "term_start": "戒毒条例 Art. 27",
    "term_end": "禁毒法 Art. 47；戒毒条例 Art. 32",
    "early_release_from": "禁毒法 Art. 47",
    "latest_end_with_extension": "禁毒法 Art. 47",
    "transfer_due_from": "戒毒条例 Art. 27",
    "transfer_due_by": "戒毒条例 Art. 27",
    "police_stage_limit": "戒毒条例 Art. 27",
}
COMMUNITY_SOURCES = {
    "report_due_by": "戒毒条例 Art. 14, 38",
    "term_start": "戒毒条例 Art. 14",
    "term_end": "禁毒法 Art. 33, 48；戒毒条例 Art. 24",
}


def at(day: str):
    return time_machine.travel(date.fromisoformat(day), tick=False)


class Api:
    """The Django test client speaking JSON with a bearer token; answers checked against the
    OpenAPI document."""

    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def get(self, url, **params):
        return self.client.get(url, params, **self.headers)

    def post(self, url, data, **headers):
        body = data if isinstance(data, str) else json.dumps(data)
        return self.client.post(
            url, body, content_type="application/json", **self.headers, **headers
        )

    def measure(self, measure_id: int) -> dict:
        response = self.get(DETAIL.format(id=measure_id))
        assert response.status_code == 200, response.content.decode()[:500]
        return assert_documented(response, "get", DETAIL)

    def act(self, measure_id: int, action: str, data: dict, status: int = 200) -> dict:
        response = self.post(ACTION.format(id=measure_id, action=action), data)
        assert response.status_code == status, response.content.decode()[:800]
        return assert_documented(response, "post", ACTION.format(id="{id}", action=action))


@pytest.fixture
def api_as(client):
    """`api_as(user)`: an API client holding a token of `user` that does not expire while the
    test travels through the years of a measure."""

    def make(user):
        _token, raw = issue_token(actor=user, user=user, days=None)
        return Api(client, raw)

    return make


def clocks(body: dict) -> dict:
    return {field: body[field] for field in CLOCKS}


def refusal(response, code: str, field: str | None = None) -> dict:
    assert response.status_code == 422, response.content.decode()[:800]
    body = response.json()
    assert body["code"] == code
    assert body["message"] and body["message_en"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body["errors"]
    return body


def isolation_decision(cast, who, **overrides) -> dict:
    data = {
        "person": str(who.uuid),
        "kind": "compulsory_isolation",
        "decided_on": "2024-03-15",
        "served_on": "2024-03-15",
        "deciding_organ": cast.deciding_organ.code,
        "executing_unit": cast.police_facility.code,
        "decision_number": "江公强戒决字〔2024〕7号",
        "ground": "relapse",
    }
    data.update(overrides)
    return data


INTAKE = {"identity_checked": True, "searched_by": ["民警甲", "民警乙"]}


def decided_isolation(cast, api_as, person=None) -> int:
    """A compulsory isolation decided on 2024-03-15 for a man managed by township A."""
    with at("2024-03-15"):
        person = person or make_person(cast.worker_a, cast.township_a, "李四", date(1988, 3, 1))
        response = api_as(cast.police).post(LIST, isolation_decision(cast, person))
    assert response.status_code == 201, response.content.decode()[:800]
    return response.json()["id"]


def admitted_isolation(cast, api_as) -> int:
    measure_id = decided_isolation(cast, api_as)
    with at("2024-03-18"):
        api_as(cast.police_facility_officer).act(
            measure_id, "admit", {"on": "2024-03-18", **INTAKE}
        )
    return measure_id


# -- the whole way through -----------------------------------------------------------------


def test_compulsory_isolation_through_the_api_from_decision_to_community_rehab_report(cast, api_as):
    police = api_as(cast.police)
    police_facility = api_as(cast.police_facility_officer)
    facility = api_as(cast.facility_officer)
    worker = api_as(cast.worker_a)

    # Decision, 2024-03-15 (禁毒法 Art. 47; 戒毒条例 Art. 27).
    with at("2024-03-15"):
        person = make_person(cast.worker_a, cast.township_a, "李四", date(1988, 3, 1))
        response = police.post(LIST, isolation_decision(cast, person))
        assert response.status_code == 201
        body = assert_documented(response, "post", LIST)
    measure_id = body["id"]
    assert body["person"] == str(person.uuid)
    assert body["person_name"] == "李四"
    assert body["kind"] == "compulsory_isolation"
    assert body["status"] == "ordered"
    assert body["deciding_organ"] == "990102-GA"
    assert body["executing_unit"] == cast.police_facility.code
    assert body["term_months"] == 24
    decided = {
        **NO_CLOCKS,
        "term_start": "2024-03-15",
        "term_end": "2026-03-14",  # 2 years, the day before 2026-03-15
        "early_release_from": "2025-03-15",  # 1 year after the decision
        "latest_end_with_extension": "2027-03-14",  # + at most 1 year
        "transfer_due_from": "2024-06-15",  # 3 months
        "transfer_due_by": "2024-09-15",  # 6 months
        "police_stage_limit": "2025-03-15",  # never after 12 months
    }
    assert clocks(body) == decided
    assert body["clock_sources"] == ISOLATION_SOURCES
    assert [b["code"] for b in body["early_release_blockers"]] == ["less_than_one_year"]
    assert "2025-03-15" in body["early_release_blockers"][0]["message"]
    assert body["pauses"] == []
    # 禁毒法 Art. 40: the family, employer and police station within 24 hours of service.
    assert [(n["kind"], n["due_on"], n["sent_on"]) for n in body["notices"]] == [
        ("decision_served", "2024-03-16", None)
    ]

    # Admission to the police facility, 2024-03-18: the term already runs from the decision.
    with at("2024-03-18"):
        body = police_facility.act(measure_id, "admit", {"on": "2024-03-18", **INTAKE})
    assert body["status"] == "in_progress"
    assert body["admitted_on"] == "2024-03-18"
    assert clocks(body) == decided
    assert ("release_deciding_organ", "2026-03-11") in [
        (n["kind"], n["due_on"]) for n in body["notices"]
    ]  # 戒毒条例 Art. 34: 3 days before the term ends

    # Transfer to the judicial facility, 2024-07-01, inside the 3–6 month window.
    with at("2024-07-01"):
        body = police_facility.act(
            measure_id,
            "transfer",
            {"on": "2024-07-01", "to_unit": cast.facility.code, "files_received": True, **INTAKE},
        )
        assert body["executing_unit"] == cast.facility.code
        assert body["transferred_on"] == "2024-07-01"
        assert clocks(body) == decided
        assert ("admission_family", "2024-07-06") in [
            (n["kind"], n["due_on"]) for n in body["notices"]
        ]  # 司法部令第127号 Art. 15: 5 days
        # The police facility no longer executes it: out of its scope.
        assert police_facility.get(DETAIL.format(id=measure_id)).status_code == 404

    # Escape, 2025-01-10: an open escape is not yet counted; early release is barred.
    with at("2025-01-10"):
        body = facility.act(measure_id, "escape", {"on": "2025-01-10", "reason": "外出就医时脱逃"})
    assert body["status"] == "escaped"
    assert clocks(body) == decided
    assert body["pauses"] == [{"kind": "escape", "started_on": "2025-01-10", "ended_on": None}]
    assert [b["code"] for b in body["early_release_blockers"]] == [
        "less_than_one_year",
        "escaped",
    ]

    # Recapture, 2025-01-30: 20 days away move the term end (戒毒条例 Art. 32).
    with at("2025-01-30"):
        body = facility.act(measure_id, "recapture", {"on": "2025-01-30"})
    assert body["status"] == "in_progress"
    recaptured = {
        **decided,
        "term_end": "2026-04-03",  # 2026-03-14 + 20 days
        "latest_end_with_extension": "2027-04-03",
        "paused_days": 20,
    }
    assert clocks(body) == recaptured
    assert body["pauses"] == [
        {"kind": "escape", "started_on": "2025-01-10", "ended_on": "2025-01-30"}
    ]
    assert ("release_deciding_organ", "2026-03-31") in [
        (n["kind"], n["due_on"]) for n in body["notices"]
    ]  # follows the term end

    # After a year, early release is still barred by the escape.
    with at("2025-06-01"):
        assert [b["code"] for b in facility.measure(measure_id)["early_release_blockers"]] == [
            "escaped"
        ]
        response = facility.post(
            ACTION.format(id=measure_id, action="release"),
            {"on": "2025-06-01", "early": True, "certificate_number": "〔2025〕演强戒解字第9号"},
        )
        refusal(response, "early_release_blocked")

    # Release at the end of the term with a 社区康复 order (禁毒法 Art. 48).
    with at("2026-04-03"):
        body = facility.act(
            measure_id,
            "release",
            {
                "on": "2026-04-03",
                "certificate_number": "〔2026〕演强戒解字第3号",
                "community_rehab": {
                    "executing_unit": cast.township_a.code,
                    "term_months": 36,
                    "decision_number": "江公社康字〔2026〕3号",
                },
            },
        )
    assert body["status"] == "ended"
    assert body["ended_on"] == "2026-04-03"
    assert body["end_reason"] == "expiry"
    assert clocks(body) == recaptured
    rehab_id = body["followed_by"]
    assert rehab_id is not None

    with at("2026-04-03"):
        rehab = worker.measure(rehab_id)
    assert rehab["kind"] == "community_rehabilitation"
    assert rehab["status"] == "ordered"
    assert rehab["previous"] == measure_id
    assert rehab["deciding_organ"] == "990102-GA"
    assert rehab["executing_unit"] == cast.township_a.code
    assert rehab["decided_on"] == rehab["served_on"] == "2026-04-03"
    assert rehab["term_months"] == 36
    ordered = {**NO_CLOCKS, "report_due_by": "2026-04-18"}  # 戒毒条例 Art. 38: 15 days
    assert clocks(rehab) == ordered
    assert rehab["clock_sources"] == COMMUNITY_SOURCES
    assert rehab["early_release_blockers"] == []
    assert [(n["kind"], n["due_on"]) for n in rehab["notices"]] == [
        ("handover_township", "2026-04-06")
    ]

    # Reporting in on 2026-04-10 starts the 36 months (戒毒条例 Art. 14, 38).
    with at("2026-04-10"):
        body = worker.act(rehab_id, "report", {"on": "2026-04-10"})
    assert body["status"] == "in_progress"
    assert body["reported_on"] == "2026-04-10"
    assert clocks(body) == {
        **ordered,
        "term_start": "2026-04-10",
        "term_end": "2029-04-09",
    }

    with at("2026-04-10"):
        listed = assert_documented(worker.get(LIST, person=str(person.uuid)), "get", LIST)
    assert [m["id"] for m in listed["items"]] == [rehab_id, measure_id]
    assert listed["count"] == 2


def test_a_community_drug_rehab_is_suspended_and_resumed_and_the_days_are_added_back(cast, api_as):
    worker = api_as(cast.worker_a)
    with at("2024-01-10"):
        person = make_person(cast.worker_a, cast.township_a, "王五", date(1992, 8, 8))
        response = api_as(cast.police).post(
            LIST,
            {
                "person": str(person.uuid),
                "kind": "community_drug_rehab",
                "decided_on": "2024-01-10",
                "served_on": "2024-01-10",
                "deciding_organ": cast.deciding_organ.code,
                "executing_unit": cast.township_a.code,
                "decision_number": "江公社戒字〔2024〕2号",
            },
        )
        body = assert_documented(response, "post", LIST)
    measure_id = body["id"]
    assert body["term_months"] == 36  # 禁毒法 Art. 33
    assert clocks(body) == {**NO_CLOCKS, "report_due_by": "2024-01-25"}

    # Late without a reason is a refusal to be recorded, not a report (戒毒条例 Art. 14).
    with at("2024-01-26"):
        response = worker.post(ACTION.format(id=measure_id, action="report"), {"on": "2024-01-26"})
        refusal(response, "report_overdue", "late_reason")
        body = worker.act(measure_id, "report", {"on": "2024-01-26", "late_reason": "住院治疗"})
    reported = {
        **NO_CLOCKS,
        "report_due_by": "2024-01-25",
        "term_start": "2024-01-26",
        "term_end": "2027-01-25",
    }
    assert clocks(body) == reported

    with at("2024-05-01"):
        response = worker.post(ACTION.format(id=measure_id, action="suspend"), {"on": "2024-05-01"})
        refusal(response, "required", "reason")
        body = worker.act(measure_id, "suspend", {"on": "2024-05-01", "reason": "被行政拘留"})
    assert body["status"] == "suspended"
    assert clocks(body) == reported
    with at("2024-05-16"):
        body = worker.act(measure_id, "resume", {"on": "2024-05-16"})
    assert body["status"] == "in_progress"
    assert clocks(body) == {**reported, "term_end": "2027-02-09", "paused_days": 15}
    assert body["pauses"] == [
        {"kind": "suspension", "started_on": "2024-05-01", "ended_on": "2024-05-16"}
    ]

    # Death ends a community measure (戒毒条例 Art. 24).
    with at("2024-06-01"):
        body = worker.act(measure_id, "terminate", {"on": "2024-06-01", "reason": "death"})
    assert (body["status"], body["end_reason"], body["ended_on"]) == (
        "terminated",
        "death",
        "2024-06-01",
    )


# -- refusals ------------------------------------------------------------------------------


def test_recapture_without_an_escape_is_an_illegal_transition_in_both_languages(cast, api_as):
    measure_id = admitted_isolation(cast, api_as)
    with at("2024-04-01"):
        response = api_as(cast.police_facility_officer).post(
            ACTION.format(id=measure_id, action="recapture"), {"on": "2024-04-01"}
        )
    body = refusal(response, "illegal_transition")
    assert_documented(response, "post", ACTION.format(id="{id}", action="recapture"))
    assert "执行中" in body["message"] and "追回" in body["message"]
    assert "In progress" in body["message_en"] and "执行中" not in body["message_en"]
    assert body["errors"][0]["field"] == "__all__"
    assert Measure.objects.get(pk=measure_id).status == "in_progress"


def test_a_pregnant_woman_is_refused_compulsory_isolation_and_nothing_is_saved(cast, api_as):
    with at("2024-03-15"):
        person = make_person(cast.worker_a, cast.township_a, "陈芳", date(1995, 2, 2), "female")
        response = api_as(cast.police).post(LIST, isolation_decision(cast, person, pregnant=True))
    body = refusal(response, "isolation_excluded", "pregnant")
    assert_documented(response, "post", LIST)
    assert "禁毒法第三十九条" in body["message"]
    assert not Measure.objects.filter(person=person).exists()


def test_a_woman_is_admitted_only_with_a_pregnancy_test(cast, api_as):
    with at("2024-03-15"):
        person = make_person(cast.worker_a, cast.township_a, "陈芳", date(1995, 2, 2), "female")
    measure_id = decided_isolation(cast, api_as, person)
    officer = api_as(cast.police_facility_officer)
    url = ACTION.format(id=measure_id, action="admit")
    with at("2024-03-18"):
        refusal(officer.post(url, {"on": "2024-03-18", **INTAKE}), "pregnancy_test_required")
        response = officer.post(url, {"on": "2024-03-18", **INTAKE, "pregnancy_test": "positive"})
        refusal(response, "isolation_excluded", "pregnancy_test")
        officer.act(
            measure_id, "admit", {"on": "2024-03-18", **INTAKE, "pregnancy_test": "negative"}
        )


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"searched_by": ["民警甲"]}, "search_needs_two", "searched_by"),
        ({"identity_checked": False}, "identity_not_checked", "identity_checked"),
        ({"facility": "NO-SUCH-UNIT"}, "unknown_unit", "facility"),
        ({"on": "2024-03-20"}, "future_date", "on"),
        ({"on": "2024-03-14"}, "date_before_previous", "on"),
    ],
)
def test_admission_refusals_name_the_request_field(cast, api_as, body, code, field):
    measure_id = decided_isolation(cast, api_as)
    with at("2024-03-18"):
        response = api_as(cast.police_facility_officer).post(
            ACTION.format(id=measure_id, action="admit"), {"on": "2024-03-18", **INTAKE, **body}
        )
    refusal(response, code, field)
    assert_documented(response, "post", ACTION.format(id="{id}", action="admit"))
    assert Measure.objects.get(pk=measure_id).status == "ordered"


def test_a_transfer_into_a_judicial_facility_needs_the_police_stage_file(cast, api_as):
    measure_id = admitted_isolation(cast, api_as)
    with at("2024-07-01"):
        response = api_as(cast.police_facility_officer).post(
            ACTION.format(id=measure_id, action="transfer"),
            {"on": "2024-07-01", "to_unit": cast.facility.code, **INTAKE},
        )
    refusal(response, "files_not_received", "files_received")
    assert Measure.objects.get(pk=measure_id).executing_unit == cast.police_facility


def test_a_retried_transfer_returns_the_measure_and_opens_no_second_stay(cast, api_as):
    measure_id = admitted_isolation(cast, api_as)
    officer = api_as(cast.police_facility_officer)
    body = {"on": "2024-07-01", "to_unit": cast.facility.code, "files_received": True, **INTAKE}
    with at("2024-07-01"):
        officer.act(measure_id, "transfer", body)
        # The sender no longer sees the measure; the receiving facility retries safely.
        assert (
            officer.post(ACTION.format(id=measure_id, action="transfer"), body).status_code == 404
        )
        again = api_as(cast.facility_leader).act(measure_id, "transfer", body)
    assert again["transferred_on"] == "2024-07-01"
    measure = Measure.objects.get(pk=measure_id)
    assert measure.admissions.count() == 2
    assert measure.admissions.filter(left_on__isnull=True).get().facility == cast.facility


def test_a_community_rehab_order_out_of_range_is_refused_at_its_field(cast, api_as):
    measure_id = admitted_isolation(cast, api_as)
    with at("2026-03-14"):
        response = api_as(cast.police_facility_officer).post(
            ACTION.format(id=measure_id, action="release"),
            {
                "on": "2026-03-14",
                "certificate_number": "〔2026〕公强戒解字第1号",
                "community_rehab": {
                    "executing_unit": cast.township_a.code,
                    "term_months": 48,
                    "decision_number": "江公社康字〔2026〕1号",
                },
            },
        )
    refusal(response, "term_out_of_range", "community_rehab.term_months")
    measure = Measure.objects.get(pk=measure_id)
    assert measure.status == "in_progress"
    assert measure.admissions.get().left_on is None


def test_isolation_release_needs_the_certificate_number(cast, api_as):
    measure_id = admitted_isolation(cast, api_as)
    with at("2026-03-14"):
        response = api_as(cast.police_facility_officer).post(
            ACTION.format(id=measure_id, action="release"), {"on": "2026-03-14"}
        )
    refusal(response, "required", "certificate_number")


def test_detention_does_not_terminate_compulsory_isolation(cast, api_as):
    measure_id = admitted_isolation(cast, api_as)
    with at("2024-05-01"):
        response = api_as(cast.police_facility_officer).post(
            ACTION.format(id=measure_id, action="terminate"),
            {"on": "2024-05-01", "reason": "imprisonment"},
        )
    body = refusal(response, "termination_reason_not_allowed", "reason")
    assert "第三十六条" in body["message"]


def test_a_decision_with_an_unknown_unit_code_is_refused_at_that_field(cast, api_as):
    with at("2024-03-15"):
        person = make_person(cast.worker_a, cast.township_a)
        response = api_as(cast.police).post(
            LIST, isolation_decision(cast, person, executing_unit="990000-XX99")
        )
    refusal(response, "unknown_unit", "executing_unit")
    assert_documented(response, "post", LIST)


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"decided_on": "2024-03-16", "served_on": "2024-03-16"}, "future_date", "decided_on"),
        ({"served_on": "2024-03-14"}, "served_before_decided", "served_on"),
        ({"decided_on": "1980-01-01", "served_on": "1980-01-01"}, "before_birth", "decided_on"),
        ({"term_months": 30}, "fixed_term", "term_months"),
        ({"decision_number": ""}, "required", "decision_number"),
        ({"deciding_organ": None}, "required", "deciding_organ"),
        ({"executing_unit": "990102001"}, "wrong_unit_kind", "executing_unit"),
    ],
)
def test_decisions_the_law_does_not_allow_are_refused_at_the_field(
    cast, api_as, overrides, code, field
):
    with at("2024-03-15"):
        person = make_person(cast.worker_a, cast.township_a)
        response = api_as(cast.police).post(LIST, isolation_decision(cast, person, **overrides))
    refusal(response, code, field)
    assert not Measure.objects.filter(person=person).exists()


def test_a_decision_outside_the_callers_organ_is_403(cast, api_as):
    with at("2024-03-15"):
        person = make_person(cast.worker_a, cast.township_a)
        response = api_as(cast.worker_a).post(LIST, isolation_decision(cast, person))
    assert response.status_code == 403
    assert_documented(response, "post", LIST)


def test_a_community_worker_cannot_admit_to_a_facility(cast, api_as):
    measure_id = decided_isolation(cast, api_as)
    with at("2024-03-18"):
        response = api_as(cast.worker_a).post(
            ACTION.format(id=measure_id, action="admit"), {"on": "2024-03-18", **INTAKE}
        )
    assert response.status_code == 403
    assert_documented(response, "post", ACTION.format(id="{id}", action="admit"))


# -- scope ---------------------------------------------------------------------------------


def test_outsider_gets_404_on_a_measure_in_another_county_for_reads_and_actions(cast, api_as):
    measure_id = admitted_isolation(cast, api_as)
    outsider = api_as(cast.outsider)
    with at("2024-04-01"):
        response = outsider.get(DETAIL.format(id=measure_id))
        assert response.status_code == 404
        assert_documented(response, "get", DETAIL)
        for action, body in [
            ("escape", {"on": "2024-04-01"}),
            ("release", {"on": "2024-04-01"}),
            ("terminate", {"on": "2024-04-01", "reason": "death"}),
        ]:
            response = outsider.post(ACTION.format(id=measure_id, action=action), body)
            assert response.status_code == 404, action
            assert_documented(response, "post", ACTION.format(id="{id}", action=action))
        listed = assert_documented(outsider.get(LIST), "get", LIST)
    assert listed == {"items": [], "count": 0}
    assert Measure.objects.get(pk=measure_id).status == "in_progress"


def test_a_missing_measure_and_one_out_of_scope_answer_alike(cast, api_as):
    measure_id = decided_isolation(cast, api_as)
    outsider = api_as(cast.outsider)
    forbidden = outsider.get(DETAIL.format(id=measure_id))
    missing = outsider.get(DETAIL.format(id=measure_id + 1000))
    huge = outsider.get(DETAIL.format(id=2**70))
    assert forbidden.status_code == missing.status_code == huge.status_code == 404
    assert forbidden.json() == missing.json() == huge.json()


def test_a_viewer_without_execute_permission_gets_404_on_actions(cast, api_as):
    measure_id = admitted_isolation(cast, api_as)
    auditor = api_as(cast.auditor)
    with at("2024-04-01"):
        assert auditor.get(DETAIL.format(id=measure_id)).status_code == 200
        response = auditor.post(ACTION.format(id=measure_id, action="escape"), {"on": "2024-04-01"})
    assert response.status_code == 404


def test_a_decision_for_a_person_the_caller_cannot_see_is_404(cast, api_as):
    with at("2024-03-15"):
        person = make_person(cast.outsider, cast.township_b)
        response = api_as(cast.police).post(LIST, isolation_decision(cast, person))
    assert response.status_code == 404
    assert_documented(response, "post", LIST)
    assert not Measure.objects.exists()


# -- idempotency, lists, audit -------------------------------------------------------------


def test_a_retried_decision_with_the_same_idempotency_key_returns_the_same_measure(cast, api_as):
    police = api_as(cast.police)
    with at("2024-03-15"):
        person = make_person(cast.worker_a, cast.township_a)
        first = police.post(LIST, isolation_decision(cast, person), HTTP_IDEMPOTENCY_KEY="k-1")
        again = police.post(
            LIST,
            isolation_decision(cast, person, decision_number="江公强戒决字〔2024〕8号"),
            HTTP_IDEMPOTENCY_KEY="k-1",
        )
    assert first.status_code == 201
    assert again.status_code == 200
    assert_documented(again, "post", LIST)
    assert again.json()["id"] == first.json()["id"]
    assert Measure.objects.filter(person=person).count() == 1


def test_the_same_decision_document_sent_twice_returns_the_first_measure(cast, api_as):
    police = api_as(cast.police)
    with at("2024-03-15"):
        person = make_person(cast.worker_a, cast.township_a)
        first = police.post(LIST, isolation_decision(cast, person))
        again = police.post(LIST, isolation_decision(cast, person))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Measure.objects.filter(person=person).count() == 1


def test_list_filters_and_paginates(cast, api_as):
    with at("2024-03-15"):
        a = make_person(cast.worker_a, cast.township_a, "甲一", date(1980, 1, 1))
        b = make_person(cast.worker_a, cast.township_a, "乙二", date(1981, 1, 1))
        police = api_as(cast.police)
        police.post(LIST, isolation_decision(cast, a))
        police.post(
            LIST,
            {
                "person": str(b.uuid),
                "kind": "community_drug_rehab",
                "decided_on": "2024-03-14",
                "served_on": "2024-03-15",
                "deciding_organ": cast.deciding_organ.code,
                "executing_unit": cast.township_a.code,
                "decision_number": "江公社戒字〔2024〕5号",
            },
        )
        supervisor = api_as(cast.supervisor)
        everything = assert_documented(supervisor.get(LIST), "get", LIST)
        isolation = assert_documented(
            supervisor.get(LIST, kind="compulsory_isolation"), "get", LIST
        )
        at_township = supervisor.get(LIST, executing_unit=cast.township_a.code).json()
        of_b = supervisor.get(LIST, person=str(b.uuid), status="ordered").json()
        page = supervisor.get(LIST, limit=1, offset=1).json()
    assert everything["count"] == 2
    assert [m["person_name"] for m in everything["items"]] == ["甲一", "乙二"]  # newest first
    assert [m["person_name"] for m in isolation["items"]] == ["甲一"]
    assert [m["person_name"] for m in at_township["items"]] == ["乙二"]
    assert [m["kind"] for m in of_b["items"]] == ["community_drug_rehab"]
    assert page["count"] == 2 and [m["person_name"] for m in page["items"]] == ["乙二"]
    response = supervisor.get(LIST, kind="no_such_kind")
    assert response.status_code == 422
    assert_documented(response, "get", LIST)


def test_the_list_runs_a_fixed_number_of_queries(cast, api_as, django_assert_max_num_queries):
    supervisor = api_as(cast.supervisor)
    with at("2024-03-15"):
        for i in range(6):
            person = make_person(cast.worker_a, cast.township_a, f"人员{i}", date(1980 + i, 1, 1))
            api_as(cast.police).post(
                LIST, isolation_decision(cast, person, decision_number=f"江公强戒决字〔2024〕{i}号")
            )
        supervisor.get(LIST)  # warm the token and grants
        with django_assert_max_num_queries(5):
            response = supervisor.get(LIST)
    assert response.json()["count"] == 6


def test_every_read_of_a_measure_is_written_to_the_access_log(cast, api_as):
    measure_id = decided_isolation(cast, api_as)
    person_pk = Measure.objects.get(pk=measure_id).person_id
    supervisor = api_as(cast.supervisor)
    before = AccessLogEntry.objects.count()
    supervisor.measure(measure_id)
    supervisor.get(LIST, kind="compulsory_isolation")
    rows = list(AccessLogEntry.objects.order_by("id")[before:])
    assert [(r.action, r.person_pk, r.channel, r.username) for r in rows[:1]] == [
        ("view_person", person_pk, "api", "supervisor")
    ]
    assert rows[1].action == "search_person"
    assert rows[1].query == "measures kind=compulsory_isolation"
    assert rows[1].result_count == 1


@pytest.mark.parametrize(
    "body",
    [
        {"on": "0001-01-01"},
        {"on": "9999-12-31"},
        {"on": "2024-02-30"},
        {"on": "2024-04-01", "reason": "x" * 201},
        {"on": "2024-04-01", "reason": "a\x00b"},
        "{not json",
    ],
)
def test_odd_action_bodies_get_4xx_never_500(cast, api_as, body):
    measure_id = admitted_isolation(cast, api_as)
    with at("2024-04-01"):
        response = api_as(cast.police_facility_officer).post(
            ACTION.format(id=measure_id, action="escape"), body
        )
    assert response.status_code in (400, 422), response.content.decode()[:500]
    assert_documented(response, "post", ACTION.format(id="{id}", action="escape"))


@pytest.mark.parametrize(
    "overrides",
    [
        {"decided_on": "0001-01-01", "served_on": "0001-01-01"},
        {"served_on": "9999-12-31"},
        {"term_months": 10**9},
        {"kind": "community_rehabilitation", "term_months": 600},
        {"kind": "voluntary", "executing_unit": "990100-YL01", "term_months": 0},
        {"decision_number": "号" * 61},
        {"person": "not-a-uuid"},
    ],
)
def test_odd_decisions_get_4xx_never_500(cast, api_as, overrides):
    with at("2024-03-15"):
        person = make_person(cast.worker_a, cast.township_a)
        response = api_as(cast.police).post(LIST, isolation_decision(cast, person, **overrides))
    assert 400 <= response.status_code < 500, response.content.decode()[:500]
    assert_documented(response, "post", LIST)


def test_a_community_rehab_order_reusing_an_earlier_decision_number_is_refused(cast, api_as):
    order = {
        "executing_unit": cast.township_a.code,
        "term_months": 36,
        "decision_number": "江公社康字〔2022〕1号",
    }
    # A first isolation released with a 社区康复 order; a relapse brings a second isolation.
    first = decided_isolation(cast, api_as)
    police_facility = api_as(cast.police_facility_officer)
    with at("2024-03-18"):
        police_facility.act(first, "admit", {"on": "2024-03-18", **INTAKE})
    with at("2026-03-14"):
        police_facility.act(
            first,
            "release",
            {"on": "2026-03-14", "certificate_number": "解1", "community_rehab": order},
        )
    person = Measure.objects.get(pk=first).person
    with at("2026-05-04"):
        second = services.decide_measure(
            services.MeasureInput(
                person=person,
                kind="compulsory_isolation",
                decided_on=date(2026, 5, 4),
                served_on=date(2026, 5, 4),
                executing_unit=cast.police_facility,
                deciding_organ=cast.deciding_organ,
                decision_number="江公强戒决字〔2026〕2号",
                ground="drug_use_in_community",
            ),
            actor=cast.police,
        )
        facilities.admit_person(
            second,
            facility=cast.police_facility,
            data=facilities.IntakeInput(on=date(2026, 5, 4), **INTAKE),
            actor=cast.police_facility_officer,
        )
    with at("2028-05-03"):
        response = police_facility.post(
            ACTION.format(id=second.pk, action="release"),
            {"on": "2028-05-03", "certificate_number": "解2", "community_rehab": order},
        )
    refusal(response, "decision_number_taken", "community_rehab.decision_number")
    assert Measure.objects.get(pk=second.pk).status == "in_progress"
