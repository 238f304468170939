"""A small province built through the services, whose figures the tests work out by hand.

Seven persons (today 2026-06-30; township A in county A, township B in county B):

  A1 甲  社戒 decided 2023-03-01, reported 2023-03-05 (on time), released 2026-03-05 at expiry:
         three years from report-in → leaves dynamic control 2026-03-05.
  A2 乙  社戒 decided 2026-01-10, reported 2026-02-10 (late), place changed to township B
         2026-03-01 (the measure moves; the person's managing unit stays A).
  A3 丁  社戒 decided 2026-06-25: still inside the 15-day report window.
  A4 己  社戒 decided 2023-06-01, reported 2023-06-03, positive test 2024-06-10 (the count
         restarts), moved house to township B on 2025-02-01 (managing unit B).
  A5 庚  强戒 decided 2023-01-01 (relapse), admitted, released at expiry 2024-12-31 with 社区康复
         in township A (reported 2025-01-05), positive test 2025-06-01 (relapse within a year),
         re-decided 强戒 2025-07-01 (relapse): in isolation now.
  B1 丙  社戒 decided 2026-02-01 in township B, refused 2026-02-20 (after the report-in deadline).
  B2 戊  社戒 decided 2024-01-05 in township B, reported 2024-01-08, terminated by death
         2025-05-01.
"""

from datetime import date

import pytest
import time_machine
from django.db import transaction
from django.test import TestCase

from jiedu.community.models import CommunityCase
from jiedu.community.services.drug_tests import record_drug_test
from jiedu.facilities import services as facilities
from jiedu.facilities.choices import ZoneKind
from jiedu.measures import services as measures
from jiedu.measures.choices import EndReason, MeasureKind
from jiedu.people import services as people
from jiedu.testing.cast import build_cast, make_person
from jiedu.utilities import resident_id

D = date.fromisoformat
TODAY = "2026-06-30"
_serial = iter(range(1, 500))


def at(day):
    return time_machine.travel(D(day) if isinstance(day, str) else day, tick=False)


def person(cast, name, unit, on):
    n = next(_serial)
    birth = D("1985-04-12")
    with at(on):
        return make_person(
            cast.supervisor,
            unit,
            name,
            birth,
            "male",
            id_number=resident_id.build("990102", birth, n * 2 + 1),
        )


def decide(cast, who, kind, on, unit, ground=""):
    n = next(_serial)
    with at(on):
        return measures.decide_measure(
            measures.MeasureInput(
                person=who,
                kind=kind,
                decided_on=D(on),
                served_on=D(on),
                executing_unit=unit,
                deciding_organ=cast.deciding_organ,
                decision_number=f"江公决字〔{on[:4]}〕{n}号",
                ground=ground,
            ),
            actor=cast.police,
        )


def report(cast, measure, on, late_reason=""):
    with at(on):
        return measures.report_in(measure, on=D(on), actor=cast.supervisor, late_reason=late_reason)


def positive_test(cast, measure, on):
    case = CommunityCase.objects.get(measure=measure)
    with at(on):
        return record_drug_test(
            case,
            actor=cast.supervisor,
            taken_on=D(on),
            sample="urine",
            tier="onsite",
            result="positive",
            results={"methamphetamine": "positive"},
            bottle_a=f"A-{on}",
            bottle_b=f"B-{on}",
            kit="三联尿检板",
            institution="花桥派出所",
            staff_1="王专干",
            staff_2="李民警",
        )


def intake(on, bed):
    return facilities.IntakeInput(
        on=D(on),
        identity_checked=True,
        searched_by=["民警甲", "民警乙"],
        health_summary="体温正常",
        bed=bed,
        property=[],
    )


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The cast and the seven persons, built once per module inside a transaction that is rolled
    back after the module (each test still runs in its own savepoint)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            cast = build_cast()
            yield cast, build_province(cast)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def cast(built, db):
    return built[0]


@pytest.fixture
def province(built, db):
    return built[1]


def build_province(cast):
    """Build the seven persons; the upkeep runs as it would after each commit."""
    K = MeasureKind
    ta, tb = cast.township_a, cast.township_b
    with TestCase.captureOnCommitCallbacks(execute=True):
        with at("2022-12-30"):
            bed = facilities.add_zone(
                cast.facility, kind=ZoneKind.DETOX, name="一区", beds=4, actor=cast.facility_leader
            ).beds.first()
        a5 = person(cast, "庚", ta, "2023-01-01")
        iso = decide(cast, a5, K.COMPULSORY_ISOLATION, "2023-01-01", cast.facility, "relapse")
        with at("2023-01-02"):
            stay = facilities.admit_person(
                iso,
                facility=cast.facility,
                data=intake("2023-01-02", bed),
                actor=cast.facility_leader,
            )
        a1 = person(cast, "甲", ta, "2023-03-01")
        m1 = decide(cast, a1, K.COMMUNITY_DRUG_REHAB, "2023-03-01", ta)
        report(cast, m1, "2023-03-05")
        a4 = person(cast, "己", ta, "2023-06-01")
        m4 = decide(cast, a4, K.COMMUNITY_DRUG_REHAB, "2023-06-01", ta)
        report(cast, m4, "2023-06-03")
        b2 = person(cast, "戊", tb, "2024-01-05")
        mb2 = decide(cast, b2, K.COMMUNITY_DRUG_REHAB, "2024-01-05", tb)
        report(cast, mb2, "2024-01-08")
        positive_test(cast, m4, "2024-06-10")
        with at("2024-12-31"):
            facilities.release_person(
                stay,
                on=D("2024-12-31"),
                actor=cast.facility_leader,
                certificate_number="〔2024〕演强戒解字第9号",
                community_rehab=measures.CommunityRehabOrder(
                    executing_unit=ta, term_months=36, decision_number="江公社康字〔2024〕9号"
                ),
            )
        rehab = iso.__class__.objects.get(previous=iso)
        report(cast, rehab, "2025-01-05")
        with at("2025-02-01"):
            people.update_person(a4, {"managing_unit": tb}, actor=cast.supervisor)
        with at("2025-05-01"):
            measures.terminate(
                mb2, on=D("2025-05-01"), reason=EndReason.DEATH, actor=cast.supervisor
            )
        positive_test(cast, rehab, "2025-06-01")
        decide(cast, a5, K.COMPULSORY_ISOLATION, "2025-07-01", cast.facility, "relapse")
        a2 = person(cast, "乙", ta, "2026-01-10")
        m2 = decide(cast, a2, K.COMMUNITY_DRUG_REHAB, "2026-01-10", ta)
        b1 = person(cast, "丙", tb, "2026-02-01")
        mb1 = decide(cast, b1, K.COMMUNITY_DRUG_REHAB, "2026-02-01", tb)
        with at("2026-02-20"):
            measures.refuse(mb1, on=D("2026-02-20"), actor=cast.supervisor)
        report(cast, m2, "2026-02-10", late_reason="住院治疗")
        with at("2026-03-01"):
            measures.change_place(
                m2, on=D("2026-03-01"), to_unit=tb, actor=cast.supervisor, reason="迁居"
            )
        with at("2026-03-05"):
            measures.release(m1, on=D("2026-03-05"), actor=cast.supervisor)
        a3 = person(cast, "丁", ta, "2026-06-25")
        decide(cast, a3, K.COMMUNITY_DRUG_REHAB, "2026-06-25", ta)
    return {"A1": a1, "A2": a2, "A3": a3, "A4": a4, "A5": a5, "B1": b1, "B2": b2}
