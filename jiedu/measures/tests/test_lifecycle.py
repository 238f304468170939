"""End to end through the services: decision → admission → transfer → home leave → escape →
recapture → release with a community rehabilitation order, every clock checked at each step,
with the audit trail and the timeline showing each step."""

from datetime import date

import pytest
import time_machine

from jiedu.core.models import ChangeLogEntry
from jiedu.core.refusals import Refusal
from jiedu.facilities import services as facilities
from jiedu.facilities.choices import LeaveGround, ReturnTest, StageResult, ZoneKind
from jiedu.facilities.models import Admission
from jiedu.measures import services
from jiedu.measures.choices import (
    BlockerCode,
    EndReason,
    MeasureKind,
    MeasureStatus,
    NoticeKind,
)
from jiedu.measures.models import Measure
from jiedu.people.models import PersonEvent
from jiedu.testing.cast import make_person

pytestmark = pytest.mark.django_db


def at(day: str):
    return time_machine.travel(date.fromisoformat(day), tick=False)


def intake(on, bed=None, **extra):
    return facilities.IntakeInput(
        on=on,
        identity_checked=True,
        searched_by=["民警甲", "民警乙"],
        health_summary="体温正常",
        bed=bed,
        property=[("手机", 1), ("钱包", 1)],
        **extra,
    )


def test_compulsory_isolation_from_decision_to_release_with_community_rehab(cast, monkeypatch):
    judicial_bed = facilities.add_zone(
        cast.facility, kind=ZoneKind.DETOX, name="一区", beds=2, actor=cast.facility_leader
    ).beds.first()
    education_zone = facilities.add_zone(
        cast.facility,
        kind=ZoneKind.EDUCATION_ADAPTATION,
        name="二区",
        beds=2,
        actor=cast.facility_leader,
    )
    police_bed = facilities.add_zone(
        cast.police_facility,
        kind=ZoneKind.DETOX,
        name="脱毒区",
        beds=2,
        actor=cast.police_facility_officer,
    ).beds.first()

    with at("2024-02-29"):
        person = make_person(cast.worker_a, cast.township_a, "李四", date(1988, 3, 1))
        measure = services.decide_measure(
            services.MeasureInput(
                person=person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=date(2024, 2, 29),
                served_on=date(2024, 2, 29),
                executing_unit=cast.police_facility,
                deciding_organ=cast.deciding_organ,
                decision_number="江公强戒决字〔2024〕1号",
                ground="relapse",
            ),
            actor=cast.police,
        )
    # 禁毒法 Art. 47; 戒毒条例 Art. 27 — decided on 29 February.
    assert measure.status == MeasureStatus.ORDERED
    assert measure.term_start == date(2024, 2, 29)
    assert measure.term_end == date(2026, 2, 28)
    assert measure.early_release_from == date(2025, 2, 28)
    assert measure.latest_end_with_extension == date(2027, 2, 28)
    assert measure.transfer_due_from == date(2024, 5, 29)
    assert measure.transfer_due_by == date(2024, 8, 29)
    assert measure.police_stage_limit == date(2025, 2, 28)
    decision_notice = measure.notices.get(kind=NoticeKind.DECISION_SERVED)
    assert decision_notice.due_on == date(2024, 3, 1)  # 禁毒法 Art. 40: within 24 hours

    with at("2024-03-01"):
        stay = facilities.admit_person(
            measure,
            facility=cast.police_facility,
            data=intake(date(2024, 3, 1), police_bed),
            actor=cast.police_facility_officer,
        )
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.IN_PROGRESS
    person.refresh_from_db()
    assert person.measure_unit == cast.police_facility
    assert stay.property.count() == 2

    with at("2024-07-01"):
        judicial_stay = facilities.transfer_person(
            stay,
            to_facility=cast.facility,
            data=intake(date(2024, 7, 1), judicial_bed, files_received=True),
            actor=cast.police_facility_officer,
        )
    measure.refresh_from_db()
    assert measure.executing_unit == cast.facility
    assert measure.transferred_on == date(2024, 7, 1)
    family = measure.notices.get(kind=NoticeKind.ADMISSION_FAMILY)
    assert family.due_on == date(2024, 7, 6)  # 司法部令第127号 Art. 15: 5 days
    assert family.owed_by == cast.facility
    person.refresh_from_db()
    assert person.measure_unit == cast.facility
    stay.refresh_from_db()
    assert stay.left_on == date(2024, 7, 1) and stay.bed is None

    # The zone gate of the evaluations app is tested there; here the officer's result stands.
    monkeypatch.setattr("jiedu.facilities.gates.ZONE_GATES", [])
    with at("2024-09-01"):
        facilities.change_zone(
            judicial_stay,
            to_zone=education_zone,
            on=date(2024, 9, 1),
            reason="阶段评估合格",
            stage_result=StageResult.PASS,
            actor=cast.facility_officer,
        )
        leave = facilities.grant_home_leave(
            judicial_stay,
            ground=LeaveGround.RELATIVE_ILL,
            starts_on=date(2024, 9, 1),
            due_back_on=date(2024, 9, 10),
            actor=cast.facility_leader,
        )
    # Back two days late: those days are escape time (司法部令第127号 Art. 24–26).
    with at("2024-09-12"):
        facilities.return_from_leave(
            leave,
            on=date(2024, 9, 12),
            return_test=ReturnTest.NEGATIVE,
            actor=cast.facility_officer,
        )
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.IN_PROGRESS
    assert measure.paused_days == 1  # escaped 9-11, recaptured 9-12
    assert measure.term_end == date(2026, 3, 1)

    with at("2025-01-10"):
        services.escape(measure, on=date(2025, 1, 10), actor=cast.facility_officer)
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.ESCAPED
    with at("2025-01-30"):
        services.recapture(measure, on=date(2025, 1, 30), actor=cast.facility_officer)
    measure.refresh_from_db()
    assert measure.paused_days == 21
    assert measure.term_end == date(2026, 3, 21)
    assert measure.latest_end_with_extension == date(2027, 3, 21)
    assert set(measure.blockers.values_list("code", flat=True)) == {BlockerCode.ESCAPED}
    release_notice = measure.notices.get(kind=NoticeKind.RELEASE_DECIDING_ORGAN)
    assert release_notice.due_on == date(2026, 3, 18)  # 戒毒条例 Art. 34: 3 days before

    # Early release is barred after an escape (戒毒条例 Art. 32).
    with at("2025-06-01"), pytest.raises(Refusal) as refused:
        services.release(measure, on=date(2025, 6, 1), actor=cast.facility_leader, early=True)
    assert refused.value.refusal_code == "early_release_blocked"

    with at("2026-03-21"):
        facilities.release_person(
            judicial_stay,
            on=date(2026, 3, 21),
            actor=cast.facility_leader,
            certificate_number="〔2026〕演强戒解字第1号",
            community_rehab=services.CommunityRehabOrder(
                executing_unit=cast.township_a,
                term_months=36,
                decision_number="江公社康字〔2026〕1号",
            ),
        )
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.ENDED
    assert measure.end_reason == EndReason.EXPIRY
    rehab = Measure.objects.get(previous=measure)
    assert rehab.kind == MeasureKind.COMMUNITY_REHABILITATION
    assert rehab.status == MeasureStatus.ORDERED
    assert rehab.report_due_by == date(2026, 4, 5)  # 戒毒条例 Art. 38: 15 days
    handover = rehab.notices.get(kind=NoticeKind.HANDOVER_TOWNSHIP)
    assert handover.owed_by == cast.facility
    person.refresh_from_db()
    assert person.measure_unit == cast.township_a
    judicial_stay.refresh_from_db()
    assert not judicial_stay.property.filter(returned_on__isnull=True).exists()

    with at("2026-04-02"):
        services.report_in(rehab, on=date(2026, 4, 2), actor=cast.worker_a)
    rehab.refresh_from_db()
    assert rehab.term_start == date(2026, 4, 2)
    assert rehab.term_end == date(2029, 4, 1)

    codes = list(PersonEvent.objects.filter(person=person).values_list("code", flat=True))
    for code in (
        "measures.measure.decided",
        "measures.measure.admitted",
        "measures.measure.transferred",
        "facilities.home_leave.granted",
        "facilities.home_leave.returned",
        "measures.measure.escaped",
        "measures.measure.recaptured",
        "measures.measure.released",
        "facilities.admission.released",
        "measures.measure.reported",
    ):
        assert code in codes, code
    logged = ChangeLogEntry.objects.filter(person_pk=person.pk)
    assert logged.filter(object_type="measures.measure", action="update").count() >= 6
    assert logged.filter(object_type="facilities.admission").exists()
    assert logged.filter(object_type="measures.measurepause").exists()
    assert Admission.objects.filter(person=person).count() == 2
