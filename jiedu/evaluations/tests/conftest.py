"""A person in the judicial facility of the cast, with the zones of the unified model, and the
helpers that fill the centres' records through their services."""

import itertools
from datetime import date

import pytest
import time_machine

from jiedu.centres.choices import (
    MedicationPurpose,
    PsychiatricState,
    SampleType,
    Severity,
    TestOccasion,
)
from jiedu.centres.choices import (
    TestResult as DrugTestResult,
)
from jiedu.centres.services import education as edu
from jiedu.centres.services import medical, psychology, training
from jiedu.facilities import services as facilities
from jiedu.facilities.choices import ZoneKind
from jiedu.measures import services as measures
from jiedu.measures.choices import IsolationGround, MeasureKind
from jiedu.testing.cast import make_person
from jiedu.utilities import resident_id

D = date.fromisoformat
_numbers = itertools.count(1)


def at(day):
    return time_machine.travel(D(day) if isinstance(day, str) else day, tick=False)


@pytest.fixture
def zones(cast):
    leader = cast.facility_leader
    return {
        kind: facilities.add_zone(cast.facility, kind=kind, name=name, beds=20, actor=leader)
        for kind, name in [
            (ZoneKind.DETOX, "一区"),
            (ZoneKind.EDUCATION_ADAPTATION, "二区"),
            (ZoneKind.CONSOLIDATION, "三区"),
            (ZoneKind.RETURN_GUIDANCE, "四区"),
        ]
    }


@pytest.fixture
def admit(cast, zones):
    """admit(day) → an open stay of a new person decided and admitted to the detox zone."""

    def build(day="2024-03-01", name="李四"):
        n = next(_numbers)
        birth = D("1988-04-12")
        person = make_person(
            cast.worker_a,
            cast.township_a,
            name,
            birth,
            "male",
            id_number=resident_id.build("990102", birth, (n % 499) * 2 + 1),
        )
        with at(day):
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
            bed = zones[ZoneKind.DETOX].beds.filter(is_active=True).order_by("code")[n % 20]
            return facilities.admit_person(
                measure,
                facility=cast.facility,
                data=facilities.IntakeInput(
                    on=D(day),
                    identity_checked=True,
                    searched_by=["民警甲", "民警乙"],
                    health_summary="体温正常",
                    bed=bed,
                ),
                actor=cast.facility_officer,
            )

    return build


def detox_records(cast, stay, day, *, drug_test=DrugTestResult.NEGATIVE):
    """What the medical centre records over a detox: medication given then stopped, a check with
    no symptoms, a drug test."""
    officer = cast.facility_officer
    start = stay.admitted_on
    with at(start):
        order = medical.record_medication(
            stay,
            drug="洛非西定",
            purpose=MedicationPurpose.WITHDRAWAL,
            dose="0.2mg tid",
            started_on=start,
            prescriber="王医生",
            actor=officer,
        )
    with at(day):
        medical.stop_medication(order, on=D(day), actor=officer)
        medical.record_withdrawal_check(
            stay,
            checked_on=D(day),
            acute_symptoms=Severity.NONE,
            protracted_symptoms=[],
            psychiatric_state=PsychiatricState.NONE,
            examiner="王医生",
            actor=officer,
        )
        medical.record_drug_test(
            stay,
            tested_on=D(day),
            occasion=TestOccasion.ROUTINE,
            sample=SampleType.URINE,
            substances="吗啡、甲基苯丙胺",
            result=drug_test,
            tester="王医生",
            actor=officer,
        )


def recovery_records(cast, stay, day, *, relapse_answers=None):
    """Normal vitals, a passed fitness test, a low relapse-risk result, a theory exam of 80."""
    officer = cast.facility_officer
    with at(day):
        medical.record_vital_signs(
            stay,
            measured_on=D(day),
            height_cm=172,
            weight_kg=66,
            respiration=16,
            heart_rate=72,
            systolic=118,
            diastolic=76,
            alt=25,
            ast=22,
            actor=officer,
        )
        training.record_fitness_test(
            stay,
            tested_on=D(day),
            calisthenics_fluent=True,
            chest_expander_pulls=14,
            push_ups=None,
            sit_ups=None,
            sit_and_reach_cm=None,
            step_index=None,
            tester="赵教官",
            actor=officer,
        )
        instrument = psychology.current_instrument("relapse_risk")
        answers = relapse_answers or low_risk_answers(instrument.definition)
        psychology.record_response(
            stay, instrument=instrument, answered_on=D(day), answers=answers, actor=officer
        )
        edu.record_exam(stay, subject="theory", taken_on=D(day), score=80, actor=officer)


def low_risk_answers(definition) -> dict:
    """Every item at its lowest-risk answer (reverse-scored protective items answered yes)."""
    answers = {}
    for item in definition["items"]:
        values = [o["value"] for o in (item.get("options") or definition["options"])]
        answers[item["number"]] = max(values) if item.get("reverse") else min(values)
    return answers
