"""Shared set-up of the medical, training and hub tests (no tests here): persons admitted to the
judicial facility through the services, a medic of that facility, a fixed "today"."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
import time_machine

from jiedu.facilities import services as facilities
from jiedu.facilities.choices import PregnancyTest, ZoneKind
from jiedu.measures import services as measures
from jiedu.measures.choices import IsolationGround, MeasureKind
from jiedu.testing.cast import make_person, make_user
from jiedu.utilities import resident_id

D = date.fromisoformat
TODAY = "2024-06-15"
ADMITTED = "2024-03-01"
BIRTH = D("1990-05-17")
_numbers = itertools.count(1)


def at(day: str = TODAY):
    return time_machine.travel(D(day), tick=False)


@pytest.fixture
def today():
    """Every test of these modules runs on 2024-06-15."""
    with at(TODAY):
        yield D(TODAY)


@pytest.fixture
def medic(cast):
    """A medical officer of the judicial facility (centres record + health permissions)."""
    return make_user("facility_medic", cast.facility, "medical_officer", "所内医生")


@pytest.fixture
def zones(cast):
    leader = cast.facility_leader
    return {
        "detox": facilities.add_zone(
            cast.facility, kind=ZoneKind.DETOX, name="一区", beds=20, actor=leader
        ),
        "education": facilities.add_zone(
            cast.facility, kind=ZoneKind.EDUCATION_ADAPTATION, name="二区", beds=20, actor=leader
        ),
        "special": facilities.add_zone(
            cast.facility, kind=ZoneKind.SPECIAL, name="病残专区", beds=5, actor=leader
        ),
    }


def admit(
    cast,
    zones=None,
    *,
    zone="detox",
    name="张三",
    gender="male",
    birth=BIRTH,
    day=ADMITTED,
):
    """A person decided and admitted to cast.facility on `day` (in a free bed of `zone`)."""
    n = next(_numbers)
    seq = (n % 499) * 2 + (1 if gender == "male" else 2)
    person = make_person(
        cast.worker_a,
        cast.township_a,
        name,
        birth,
        gender,
        id_number=resident_id.build("990102", birth, seq),
    )
    with time_machine.travel(D(day), tick=False):
        measure = measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=D(day),
                served_on=D(day),
                executing_unit=cast.facility,
                deciding_organ=cast.deciding_organ,
                decision_number=f"江公强戒决字〔2024〕{n}号",
                ground=IsolationGround.RELAPSE,
            ),
            actor=cast.police,
        )
        bed = None
        if zones is not None:
            from jiedu.facilities.models import Admission

            taken = Admission.objects.filter(left_on__isnull=True).values("bed")
            bed = zones[zone].beds.exclude(pk__in=taken).order_by("code").first()
        return facilities.admit_person(
            measure,
            facility=cast.facility,
            data=facilities.IntakeInput(
                on=D(day),
                identity_checked=True,
                searched_by=["民警甲", "民警乙"],
                bed=bed,
                pregnancy_test=PregnancyTest.NEGATIVE
                if gender == "female"
                else PregnancyTest.NOT_APPLICABLE,
            ),
            actor=cast.facility_officer,
        )
