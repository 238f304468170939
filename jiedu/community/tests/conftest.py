"""Shared fixtures of the community tests: a decided community measure for a new person in the
cast's township A, reporting it in, and the day helper.

    def test_x(cast, community_measure, reported_case):
        measure = community_measure()                 # 社区戒毒, served 2024-03-01
        case = reported_case(measure, on="2024-03-05")  # reported in → active case
"""

import itertools
import json
from datetime import date

import pytest
import time_machine

from jiedu.community.models import CommunityCase
from jiedu.measures import services as measures
from jiedu.measures.choices import MeasureKind
from jiedu.testing.cast import make_person
from jiedu.utilities import resident_id

D = date.fromisoformat
SERVED = "2024-03-01"
_numbers = itertools.count(1)


def day(value) -> date:
    return D(value) if isinstance(value, str) else value


def at(value):
    """`with at("2024-03-05"): ...` — the clock stands still on that day."""
    return time_machine.travel(day(value), tick=False)


def new_person(cast, name="张三", unit=None):
    n = next(_numbers)
    birth = D("1990-05-17")
    return make_person(
        cast.worker_a,
        unit or cast.township_a,
        name,
        birth,
        "male",
        id_number=resident_id.build("990102", birth, (n % 499) * 2 + 1),
    )


def decide_community(
    cast, *, kind, served_on=SERVED, name="张三", person=None, unit=None, term_months=None
):
    served = day(served_on)
    unit = unit or cast.township_a
    person = person or new_person(cast, name)
    n = next(_numbers)
    word = "社戒" if kind == MeasureKind.COMMUNITY_DRUG_REHAB else "社康"
    with at(served):
        return measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=kind,
                decided_on=served,
                served_on=served,
                executing_unit=unit,
                deciding_organ=cast.deciding_organ,
                decision_number=f"江公{word}决字〔{served.year}〕{n}号",
                term_months=term_months,
            ),
            actor=cast.police,
        )


@pytest.fixture
def community_measure(cast):
    """community_measure(served_on="2024-03-01", name="张三", person=None, unit=None) → a decided
    社区戒毒 measure (status ordered) of a new person managed by township A; its case is open
    and awaiting report."""

    def build(served_on=SERVED, name="张三", person=None, unit=None):
        return decide_community(
            cast,
            kind=MeasureKind.COMMUNITY_DRUG_REHAB,
            served_on=served_on,
            name=name,
            person=person,
            unit=unit,
        )

    return build


@pytest.fixture
def rehab_measure(cast):
    """rehab_measure(served_on=..., term_months=36, ...) → a decided 社区康复 measure."""

    def build(served_on=SERVED, name="李四", person=None, unit=None, term_months=36):
        return decide_community(
            cast,
            kind=MeasureKind.COMMUNITY_REHABILITATION,
            served_on=served_on,
            name=name,
            person=person,
            unit=unit,
            term_months=term_months,
        )

    return build


def case_of(measure) -> CommunityCase:
    return CommunityCase.objects.select_related("measure", "person", "unit").get(measure=measure)


@pytest.fixture
def reported_case(cast):
    """reported_case(measure, on=None, actor=None) → the CommunityCase after the person reported
    in (default: on the day of service, recorded by cast.worker_a); the case is active."""

    def build(measure, on=None, actor=None):
        on = day(on) if on is not None else measure.served_on
        with at(on):
            measures.report_in(measure, on=on, actor=actor or cast.worker_a)
        return case_of(measure)

    return build


@pytest.fixture
def community_case(community_measure, reported_case):
    """community_case(served_on=..., reported_on=None, **kw) → an active 社区戒毒 case."""

    def build(served_on=SERVED, reported_on=None, **kwargs):
        measure = community_measure(served_on=served_on, **kwargs)
        return reported_case(measure, on=reported_on)

    return build


class ApiClient:
    """JSON calls to one endpoint with a bearer token of `user` (the API tests' caller)."""

    def __init__(self, client, user, url):
        from jiedu.accounts.services import issue_token

        _token, raw = issue_token(actor=user, user=user, days=None)
        self.client = client
        self.url = url
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, url=None, **params):
        return self.client.get(url or self.url, params, **self.headers)

    def post(self, data):
        body = data if isinstance(data, str) else json.dumps(data)
        return self.client.post(self.url, body, content_type="application/json", **self.headers)
