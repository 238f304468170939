"""The API's OpenAPI document: committed, current, and honoured by the running API.

1. The document served at /api/v1/openapi.json equals docs/api/openapi.json (`make openapi`).
2. Schemathesis fuzzes every operation through the WSGI app, as real users with data in scope,
   with valid and with invalid requests: no answer is a server error, and every answer has a
   documented status code, content type and body shape.
"""

from __future__ import annotations

import difflib
import json
import re
from datetime import date, timedelta

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jiedu.accounts.services import issue_token
from jiedu.core.clock import today
from jiedu.core.management.commands.export_openapi import default_path, render
from jiedu.facilities import services as facilities
from jiedu.measures import services as measures
from jiedu.people import services as people_services
from jiedu.testing.cast import make_person

MAX_EXAMPLES = 25  # per operation and generation mode; the file runs in well under a minute


def test_committed_openapi_document_matches_the_served_one(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    served = render(response.json())
    path = default_path()
    committed = path.read_text(encoding="utf-8") if path.exists() else ""
    if served != committed:
        diff = difflib.unified_diff(
            committed.splitlines(), served.splitlines(), "committed", "served", lineterm="", n=2
        )
        pytest.fail(
            "docs/api/openapi.json is out of date with the API: run `make openapi` and commit "
            "the result.\n" + "\n".join(list(diff)[:60]),
            pytrace=False,
        )


def test_export_openapi_command_writes_the_served_document(client, tmp_path):
    from django.core.management import call_command

    target = tmp_path / "openapi.json"
    call_command("export_openapi", str(target))
    assert target.read_text(encoding="utf-8") == render(client.get("/api/v1/openapi.json").json())
    assert target.read_text(encoding="utf-8").endswith("}\n")


class CallerApp:
    """Django's WSGI app, called with `token` as the bearer token when one is set.

    Adding the header here rather than on the generated case keeps schemathesis' negative cases
    (a dropped or mangled `Authorization` header among them) from turning into 401s.
    """

    def __init__(self):
        self.django = WSGIHandler()
        self.token: str | None = None

    def __call__(self, environ, start_response):
        if self.token:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        return self.django(environ, start_response)


@pytest.fixture
def wsgi_app():
    """The WSGI app, sharing the test's database transaction.

    A real WSGI request ends with `close_old_connections`, which would close the connection
    holding the test transaction; Django's test client unhooks it in the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield CallerApp()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(cast):
    """Persons in and out of the callers' scope, a health record, and two callers' tokens."""
    mine = make_person(cast.worker_a, cast.county_a, "张三", date(1990, 5, 17), aliases=("小张",))
    other = make_person(cast.worker_a, cast.township_a, "李四", date(1985, 1, 2), "female")
    theirs = make_person(cast.outsider, cast.county_b, "王五", date(1979, 12, 31))
    people_services.update_health(mine, {"hiv": "negative"}, actor=cast.medic)
    day = today()
    isolation = measures.decide_measure(
        measures.MeasureInput(
            person=mine,
            kind="compulsory_isolation",
            decided_on=day - timedelta(days=100),
            served_on=day - timedelta(days=100),
            executing_unit=cast.police_facility,
            deciding_organ=cast.deciding_organ,
            decision_number="fuzz-1",
        ),
        actor=cast.police,
    )
    facilities.admit_person(
        isolation,
        facility=cast.police_facility,
        data=facilities.IntakeInput(
            on=day - timedelta(days=99), identity_checked=True, searched_by=["甲", "乙"]
        ),
        actor=cast.police_facility_officer,
    )
    community = measures.decide_measure(
        measures.MeasureInput(
            person=other,
            kind="community_drug_rehab",
            decided_on=day - timedelta(days=5),
            served_on=day - timedelta(days=5),
            executing_unit=cast.township_a,
            deciding_organ=cast.deciding_organ,
            decision_number="fuzz-2",
        ),
        actor=cast.police,
    )
    free = make_person(cast.worker_a, cast.township_a, "赵六", date(1991, 6, 1))
    users = (cast.worker_a, cast.medic, cast.police, cast.police_facility_officer)
    tokens = [issue_token(actor=user, user=user)[1] for user in users]
    return {
        "uuids": [str(p.uuid) for p in (mine, other, theirs)],
        "units": [u.code for u in (cast.county_a, cast.township_a, cast.county_b)],
        "measure_ids": [isolation.pk, community.pk],
        # Decisions that fit: a person without an open measure, the unit kind each measure needs.
        "decision": {
            "persons": [str(free.uuid), str(other.uuid)],
            "organ": cast.deciding_organ.code,
            "executing": {
                "compulsory_isolation": cast.police_facility.code,
                "community_drug_rehab": cast.township_a.code,
                "community_rehabilitation": cast.township_a.code,
            },
        },
        "measure_units": [
            u.code
            for u in (cast.deciding_organ, cast.township_a, cast.police_facility, cast.facility)
        ],
        "tokens": tokens,
    }


def _realistic(case, world, draw):
    """Steer most generated creates and changes into ones the services accept, so the fuzz
    reaches the handlers' success paths and not only their validation."""
    if not isinstance(case.body, dict) or draw(st.integers(0, 3)) == 0:
        return case
    if "/measures" in case.operation.path:
        return _realistic_measure(case, world, draw)
    body = case.body
    body["org_unit"] = draw(st.sampled_from(world["units"]))
    body["id_type"], body["id_number"] = "none", ""
    body["nationality"] = "CN"
    body["ethnicity"] = draw(st.sampled_from(["", "01", "05"]))
    body["birth_date"] = draw(st.dates(date(1900, 1, 1), date(2010, 12, 31))).isoformat()
    for field in ("hukou_division", "residence_division"):
        body[field] = draw(st.sampled_from([None, *world["units"][::2]]))
    body["phones"] = draw(st.lists(st.sampled_from(["13800138000", "0571-87654321"]), max_size=2))
    if case.method.upper() == "PATCH":
        for field in list(body):  # a change touches a few fields, not all of them
            if draw(st.booleans()):
                del body[field]
    return case


def _realistic_measure(case, world, draw):
    """Decisions and actions with dates near today, persons and units that exist."""
    body = case.body
    near = st.dates(today() - timedelta(days=400), today()).map(date.isoformat)
    if case.operation.path.endswith("/measures"):
        decision = world["decision"]
        body["person"] = draw(st.sampled_from(decision["persons"]))
        body["kind"] = draw(st.sampled_from(sorted(decision["executing"])))
        body["executing_unit"] = decision["executing"][body["kind"]]
        body["deciding_organ"] = decision["organ"]
        body["decision_number"] = f"fuzz-{draw(st.integers(3, 10**6))}"
        body["term_months"] = draw(st.integers(1, 36)) if "rehabilitation" in body["kind"] else None
        body["pregnant"] = body["breastfeeding"] = False
        body["decided_on"] = body["served_on"] = draw(near)
        return case
    body["on"] = draw(near)
    for field in ("to_unit", "facility"):
        if field in body:
            body[field] = draw(st.sampled_from(world["measure_units"]))
    if "searched_by" in body:
        body["searched_by"] = ["甲", "乙"]
    return case


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _fuzz(operation, mode, world, app) -> set[int]:
    """Run generated requests against one operation; return the status codes seen."""
    strategies = [operation.as_strategy(generation_mode=mode)]
    if "{id}" in operation.path:
        # Mostly ids that exist (in and out of scope), not only random ones.
        if "/persons/" in operation.path:
            ids = world["uuids"]
        elif "/measures/" in operation.path:
            ids = world["measure_ids"]
        else:
            ids = []  # evaluations and proposals: numbers the fuzz draws
        strategies += [
            operation.as_strategy(generation_mode=mode, path_parameters={"id": id_}) for id_ in ids
        ]
    seen: set[int] = set()

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies), token=st.sampled_from(world["tokens"]), data=st.data())
    def run(case, token, data):
        if mode == GenerationMode.POSITIVE:
            case = _realistic(case, world, data.draw)
        app.token = token
        response = case.call()
        seen.add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    run()
    return seen


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzed_requests_get_no_server_error_and_match_the_schema(api_world, wsgi_app, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = {op.label: op for op in (result.ok() for result in schema.get_all_operations())}
    assert set(operations) == {
        "GET /api/v1/org-units",
        "GET /api/v1/persons",
        "POST /api/v1/persons",
        "GET /api/v1/persons/{id}",
        "PATCH /api/v1/persons/{id}",
        "GET /api/v1/measures",
        "POST /api/v1/measures",
        "GET /api/v1/measures/{id}",
        *(
            f"POST /api/v1/measures/{{id}}/{action}"
            for action in (
                "report",
                "admit",
                "transfer",
                "escape",
                "recapture",
                "suspend",
                "resume",
                "release",
                "terminate",
            )
        ),
        "GET /api/v1/centres/instruments",
        *(
            f"{method} /api/v1/centres/stays/{{stay_id}}/{path}"
            for method, path in (
                ("GET", "drug-tests"),
                ("POST", "drug-tests"),
                ("GET", "education"),
                ("POST", "instrument-responses"),
                ("GET", "medical"),
                ("GET", "points"),
                ("GET", "psychology"),
                ("GET", "training"),
            )
        ),
        "GET /api/v1/evaluations",
        "GET /api/v1/evaluations/due",
        "GET /api/v1/evaluations/proposals",
        "GET /api/v1/evaluations/proposals/{id}",
        "GET /api/v1/evaluations/{id}",
        "GET /api/v1/drug-tests",
        "POST /api/v1/drug-tests",
        "GET /api/v1/absences",
        "POST /api/v1/absences",
        "GET /api/v1/checkins",
        "POST /api/v1/checkins",
    }
    seen = {label: _fuzz(op, mode, api_world, wsgi_app) for label, op in operations.items()}

    assert all(status < 500 for statuses in seen.values() for status in statuses), seen
    if mode == GenerationMode.POSITIVE:
        # The fuzz got past authentication and validation into every handler's success path.
        assert 201 in seen["POST /api/v1/persons"], seen
        assert 200 in seen["PATCH /api/v1/persons/{id}"], seen
        assert 200 in seen["GET /api/v1/persons/{id}"], seen
        assert 200 in seen["GET /api/v1/measures/{id}"], seen
    else:
        assert {400, 422} <= seen["POST /api/v1/persons"], seen


def test_requests_without_a_token_are_refused_as_documented(api_world, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    for result in schema.get_all_operations():
        operation = result.ok()
        names = re.findall(r"{(\w+)}", operation.path)
        values = {"id": api_world["uuids"][0]}  # a person id; every other id is a number
        case = operation.Case(
            path_parameters={n: values.get(n, 1) for n in names} or None,
            body={} if operation.method in ("post", "patch") else NOT_SET,
        )
        wsgi_app.token = "jd_not-a-token"
        response = case.call()
        assert response.status_code == 401, (operation.label, response.text)
        case.validate_response(response, checks=CHECKS)
        assert set(json.loads(response.text)) >= {"code", "message", "message_en"}
