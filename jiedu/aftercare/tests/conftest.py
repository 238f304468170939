"""Shared helpers of the aftercare tests: persons of the cast's township A whose measures end, made
through the measures and facilities services so that the plans open the way they do in use.

    plan = released_plan(cast)  # 强戒 decided 2022-03-01, released 2024-02-29 → plan
"""

import itertools
from datetime import date, timedelta

import pytest
import time_machine

from jiedu.aftercare.models import FollowUpPlan
from jiedu.facilities import services as facilities
from jiedu.measures import services as measures
from jiedu.measures.choices import IsolationGround, MeasureKind
from jiedu.testing.cast import make_person
from jiedu.utilities import resident_id

D = date.fromisoformat
_numbers = itertools.count(1)

ISOLATION_DECIDED = "2022-03-01"
RELEASED = D("2024-02-29")  # the last day of the two-year term (禁毒法 Art. 47)


def day(value) -> date:
    return D(value) if isinstance(value, str) else value


def at(value):
    """`with at("2024-03-05"): ...` — the clock stands still on that day."""
    return time_machine.travel(day(value), tick=False)


def new_person(cast, name="张三", unit=None, registered="2021-01-05"):
    n = next(_numbers)
    birth = D("1988-06-17")
    with at(registered):
        return make_person(
            cast.worker_a,
            unit or cast.township_a,
            name,
            birth,
            "male",
            id_number=resident_id.build("990102", birth, (n % 499) * 2 + 1),
        )


def decide(cast, person, kind, on, *, unit=None, ground="", term_months=None):
    on = day(on)
    n = next(_numbers)
    if unit is None:
        unit = cast.facility if kind == MeasureKind.COMPULSORY_ISOLATION else cast.township_a
    with at(on):
        return measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=kind,
                decided_on=on,
                served_on=on,
                executing_unit=unit,
                deciding_organ=cast.deciding_organ,
                decision_number=f"江公决字〔{on.year}〕{n}号",
                ground=ground,
                term_months=term_months,
            ),
            actor=cast.police,
        )


def release_isolation(cast, person=None, *, decided=ISOLATION_DECIDED, rehab_unit=None):
    """强戒 decided on `decided`, admitted the next day, released on the term's last day; with
    `rehab_unit`, 社区康复 ordered at release to that township."""
    person = person or new_person(cast)
    measure = decide(
        cast, person, MeasureKind.COMPULSORY_ISOLATION, decided, ground=IsolationGround.RELAPSE
    )
    admitted = day(decided) + timedelta(days=1)
    with at(admitted):
        stay = facilities.admit_person(
            measure,
            facility=cast.facility,
            data=facilities.IntakeInput(
                on=admitted, identity_checked=True, searched_by=["民警甲", "民警乙"]
            ),
            actor=cast.facility_officer,
        )
    measure.refresh_from_db()
    end = measure.term_end
    order = None
    if rehab_unit is not None:
        order = measures.CommunityRehabOrder(
            executing_unit=rehab_unit,
            term_months=12,
            decision_number=f"江公社康字〔{end.year}〕{next(_numbers)}号",
        )
    with at(end):
        facilities.release_person(
            stay,
            on=end,
            actor=cast.facility_leader,
            certificate_number=f"解字{measure.pk}",
            community_rehab=order,
        )
    measure.refresh_from_db()
    return measure


def end_community(cast, person=None, *, served="2021-03-01", kind=None, term_months=None):
    """社区戒毒 (or `kind`) served and reported on `served`, released at expiry."""
    person = person or new_person(cast)
    kind = kind or MeasureKind.COMMUNITY_DRUG_REHAB
    measure = decide(cast, person, kind, served, term_months=term_months)
    with at(served):
        measure = measures.report_in(measure, on=day(served), actor=cast.worker_a)
    end = measure.term_end
    with at(end):
        measure = measures.release(measure, on=end, actor=cast.worker_a)
    return measure


def released_plan(cast, person=None, **kwargs) -> FollowUpPlan:
    measure = release_isolation(cast, person, **kwargs)
    return FollowUpPlan.objects.select_related("person", "unit").get(measure=measure)


@pytest.fixture
def plan(cast):
    """The plan of a person released from 强戒 on 2024-02-29 (managed by township A)."""
    return released_plan(cast)
