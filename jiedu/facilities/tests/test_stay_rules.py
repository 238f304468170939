"""Rules of a stay in a compulsory-isolation facility, table-driven, each row citing its article:
intake checks and beds (司法部令第127号 Art. 11–15), transfer (戒毒条例 Art. 27), home leave
(司法部令第127号 Art. 24–26), segregation (Art. 28), zone changes (统一模式), medical parole
(戒毒条例 Art. 31) and the facility's capacity figures.
"""

import itertools
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from jiedu.core.refusals import Refusal
from jiedu.facilities import services as facilities
from jiedu.facilities.choices import LeaveGround, PregnancyTest, ReturnTest, StageResult, ZoneKind
from jiedu.facilities.models import Admission, HomeLeave, Segregation
from jiedu.measures import services as measures
from jiedu.measures.choices import BlockerCode, IsolationGround, MeasureKind, MeasureStatus
from jiedu.testing.cast import make_person
from jiedu.utilities import resident_id

pytestmark = pytest.mark.django_db

D = date.fromisoformat
S = MeasureStatus
_numbers = itertools.count(1)


def at(day):
    return time_machine.travel(D(day) if isinstance(day, str) else day, tick=False)


def new_person(cast, name="张三", gender="male"):
    seq = (next(_numbers) % 499) * 2 + (1 if gender == "male" else 2)
    birth = D("1990-05-17")
    return make_person(
        cast.worker_a,
        cast.township_a,
        name,
        birth,
        gender,
        id_number=resident_id.build("990102", birth, seq),
    )


def isolation(cast, person, day="2024-03-01", unit=None):
    with at(day):
        return measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=D(day),
                served_on=D(day),
                executing_unit=unit or cast.facility,
                deciding_organ=cast.deciding_organ,
                decision_number=f"江公强戒决字〔2024〕{next(_numbers)}号",
                ground=IsolationGround.RELAPSE,
            ),
            actor=cast.police,
        )


def intake(day, bed=None, **extra):
    values = {
        "on": D(day),
        "identity_checked": True,
        "searched_by": ["民警甲", "民警乙"],
        "health_summary": "体温正常",
        "bed": bed,
    }
    values.update(extra)
    return facilities.IntakeInput(**values)


@pytest.fixture
def zones(cast):
    leader = cast.facility_leader
    return {
        "detox": facilities.add_zone(
            cast.facility, kind=ZoneKind.DETOX, name="一区", beds=3, actor=leader
        ),
        "education": facilities.add_zone(
            cast.facility, kind=ZoneKind.EDUCATION_ADAPTATION, name="二区", beds=2, actor=leader
        ),
        "special": facilities.add_zone(
            cast.facility, kind=ZoneKind.SPECIAL, name="病残专区", beds=1, actor=leader
        ),
        "police": facilities.add_zone(
            cast.police_facility,
            kind=ZoneKind.DETOX,
            name="脱毒区",
            beds=2,
            actor=cast.police_facility_officer,
        ),
    }


def bed(zones, zone, n=1):
    return zones[zone].beds.get(code=f"{n:03d}")


def admitted(cast, zones, day="2024-03-01", bed_no=1, gender="male", **extra):
    """A person decided and admitted to the judicial facility on `day`, in detox bed `bed_no`."""
    person = new_person(cast, gender=gender)
    measure = isolation(cast, person, day)
    if gender == "female":
        extra.setdefault("pregnancy_test", PregnancyTest.NEGATIVE)
    with at(day):
        stay = facilities.admit_person(
            measure,
            facility=cast.facility,
            data=intake(day, bed(zones, "detox", bed_no) if bed_no else None, **extra),
            actor=cast.facility_officer,
        )
    return stay


# --- Intake (司法部令第127号 Art. 11–15) -------------------------------------------------------


@pytest.mark.parametrize(
    ("gender", "changes", "code"),
    [
        pytest.param("male", {"identity_checked": False}, "identity_not_checked",
                     id="司法部令127-11-identity-not-checked"),
        pytest.param("male", {"searched_by": ["民警甲"]}, "search_needs_two",
                     id="司法部令127-13-one-searcher"),
        pytest.param("male", {"searched_by": ["民警甲", " 民警甲 "]}, "search_needs_two",
                     id="司法部令127-13-the-same-officer-twice"),
        pytest.param("male", {"searched_by": ["民警甲", "  "]}, "search_needs_two",
                     id="司法部令127-13-a-blank-second-name"),
        pytest.param("female", {}, "pregnancy_test_required",
                     id="司法部令127-12-woman-without-pregnancy-test"),
        pytest.param("female", {"pregnancy_test": PregnancyTest.POSITIVE}, "isolation_excluded",
                     id="禁毒法39-司法部令127-12-positive-pregnancy-test"),
        pytest.param("female", {"pregnancy_test": PregnancyTest.NEGATIVE, "breastfeeding": True},
                     "isolation_excluded", id="禁毒法39-司法部令127-12-breastfeeding"),
        pytest.param("female", {"pregnancy_test": PregnancyTest.NEGATIVE}, None,
                     id="司法部令127-12-negative-test-admitted"),
        pytest.param("male", {"searched_by": ["民警甲", "民警乙", "民警丙"]}, None,
                     id="司法部令127-13-three-searchers-admitted"),
    ],
)  # fmt: skip
def test_intake_checks(cast, zones, gender, changes, code):
    person = new_person(cast, "李梅" if gender == "female" else "李强", gender)
    measure = isolation(cast, person)
    data = intake("2024-03-02", bed(zones, "detox"), **changes)
    with at("2024-03-02"):
        if code is None:
            stay = facilities.admit_person(
                measure, facility=cast.facility, data=data, actor=cast.facility_officer
            )
            assert stay.bed == bed(zones, "detox")
            measure.refresh_from_db()
            assert measure.status == S.IN_PROGRESS
            return
        with pytest.raises(Refusal) as exc:
            facilities.admit_person(
                measure, facility=cast.facility, data=data, actor=cast.facility_officer
            )
    assert exc.value.refusal_code == code
    measure.refresh_from_db()
    assert measure.status == S.ORDERED
    assert not Admission.objects.filter(person=person).exists()


@pytest.mark.parametrize(
    ("files_received", "code"),
    [
        pytest.param(False, "files_not_received", id="司法部令127-15-without-the-police-files"),
        pytest.param(True, None, id="戒毒条例27-with-the-police-files"),
    ],
)
def test_transfer_into_the_judicial_facility_needs_the_police_files(
    cast, zones, files_received, code
):
    measure = isolation(cast, new_person(cast), unit=cast.police_facility)
    officer = cast.police_facility_officer
    with at("2024-03-02"):
        stay = facilities.admit_person(
            measure,
            facility=cast.police_facility,
            data=intake("2024-03-02", bed(zones, "police")),
            actor=officer,
        )
    data = intake("2024-06-01", bed(zones, "detox"), files_received=files_received)
    with at("2024-06-01"):
        if code is None:
            new_stay = facilities.transfer_person(
                stay, to_facility=cast.facility, data=data, actor=officer
            )
            assert new_stay.facility == cast.facility
            measure.refresh_from_db()
            assert measure.executing_unit == cast.facility
            return
        with pytest.raises(Refusal) as exc:
            facilities.transfer_person(stay, to_facility=cast.facility, data=data, actor=officer)
    assert exc.value.refusal_code == code
    measure.refresh_from_db()
    assert measure.executing_unit == cast.police_facility
    stay.refresh_from_db()
    assert stay.left_on is None


def test_a_bed_of_another_facility_is_refused(cast, zones):
    measure = isolation(cast, new_person(cast))
    with at("2024-03-02"), pytest.raises(Refusal) as exc:
        facilities.admit_person(
            measure,
            facility=cast.facility,
            data=intake("2024-03-02", bed(zones, "police")),
            actor=cast.facility_officer,
        )
    assert exc.value.refusal_code == "wrong_bed"
    assert not Admission.objects.filter(measure=measure).exists()


def test_a_taken_bed_is_refused_and_freed_by_release(cast, zones):
    first = admitted(cast, zones, "2022-01-03", bed_no=1)
    measure = isolation(cast, new_person(cast, "王五"), "2024-03-01")
    with at("2024-03-02"), pytest.raises(Refusal) as exc:
        facilities.admit_person(
            measure,
            facility=cast.facility,
            data=intake("2024-03-02", bed(zones, "detox", 1)),
            actor=cast.facility_officer,
        )
    assert exc.value.refusal_code == "bed_taken"
    # Released at the end of the term (禁毒法 Art. 47), the bed is free again.
    with at("2024-01-02"):
        facilities.release_person(
            first, on=D("2024-01-02"), actor=cast.facility_leader, certificate_number="解字1号"
        )
    with at("2024-03-02"):
        stay = facilities.admit_person(
            measure,
            facility=cast.facility,
            data=intake("2024-03-02", bed(zones, "detox", 1)),
            actor=cast.facility_officer,
        )
    assert stay.bed == bed(zones, "detox", 1)


# --- Home leave (外出探视, 司法部令第127号 Art. 24–26) ------------------------------------------


@pytest.mark.parametrize(
    ("starts", "due_back", "code"),
    [
        pytest.param("2024-09-01", "2024-09-01", None, id="司法部令127-25-one-day"),
        pytest.param("2024-09-01", "2024-09-10", None, id="司法部令127-25-ten-days-with-travel"),
        pytest.param("2024-09-01", "2024-09-11", "leave_too_long", id="司法部令127-25-eleven-days"),
        pytest.param("2024-09-25", "2024-10-04", None, id="司法部令127-25-ten-days-over-month-end"),
        pytest.param("2024-09-25", "2024-10-05", "leave_too_long",
                     id="司法部令127-25-eleven-days-over-month-end"),
        pytest.param("2024-09-10", "2024-09-09", "invalid_period", id="due-back-before-leaving"),
    ],
)  # fmt: skip
def test_home_leave_is_at_most_ten_days_including_travel(cast, zones, starts, due_back, code):
    stay = admitted(cast, zones)
    with at(starts):
        if code is None:
            leave = facilities.grant_home_leave(
                stay,
                ground=LeaveGround.RELATIVE_ILL,
                starts_on=D(starts),
                due_back_on=D(due_back),
                actor=cast.facility_leader,
            )
            assert (leave.starts_on, leave.due_back_on) == (D(starts), D(due_back))
            return
        with pytest.raises(Refusal) as exc:
            facilities.grant_home_leave(
                stay,
                ground=LeaveGround.RELATIVE_ILL,
                starts_on=D(starts),
                due_back_on=D(due_back),
                actor=cast.facility_leader,
            )
    assert exc.value.refusal_code == code
    assert not HomeLeave.objects.filter(admission=stay).exists()


def test_home_leave_is_granted_by_the_facility_leadership_only(cast, zones):
    # 禁毒法 Art. 46; 司法部令第127号 Art. 24: leave is approved by the facility.
    stay = admitted(cast, zones)
    with at("2024-09-01"), pytest.raises(PermissionDenied):
        facilities.grant_home_leave(
            stay,
            ground=LeaveGround.REWARD,
            starts_on=D("2024-09-01"),
            due_back_on=D("2024-09-03"),
            actor=cast.facility_officer,
        )


@pytest.mark.parametrize(
    ("returned", "test", "escape_days", "blockers", "overstayed"),
    [
        pytest.param("2024-09-08", ReturnTest.NEGATIVE, 0, set(), False,
                     id="司法部令127-26-back-early-negative"),
        pytest.param("2024-09-10", ReturnTest.NEGATIVE, 0, set(), False,
                     id="司法部令127-26-back-on-the-due-day-negative"),
        pytest.param("2024-09-11", ReturnTest.NEGATIVE, 0, {BlockerCode.ESCAPED}, True,
                     id="司法部令127-24-a-day-late-is-an-escape"),
        pytest.param("2024-09-13", ReturnTest.NEGATIVE, 2, {BlockerCode.ESCAPED}, True,
                     id="戒毒条例32-three-days-late-two-days-not-counted"),
        pytest.param("2024-09-10", ReturnTest.POSITIVE, 0,
                     {BlockerCode.RELAPSE_AFTER_HOME_LEAVE}, False,
                     id="司法部令127-26-positive-return-test"),
        pytest.param("2024-09-10", ReturnTest.REFUSED, 0,
                     {BlockerCode.RELAPSE_AFTER_HOME_LEAVE}, False,
                     id="司法部令127-26-refused-return-test"),
        pytest.param("2024-09-13", ReturnTest.POSITIVE, 2,
                     {BlockerCode.ESCAPED, BlockerCode.RELAPSE_AFTER_HOME_LEAVE}, True,
                     id="司法部令127-24-26-late-and-positive"),
    ],
)  # fmt: skip
def test_the_return_from_home_leave(cast, zones, returned, test, escape_days, blockers, overstayed):
    stay = admitted(cast, zones)
    measure = stay.measure
    term_end = measure.term_end
    with at("2024-09-01"):
        leave = facilities.grant_home_leave(
            stay,
            ground=LeaveGround.FAMILY_EVENT,
            starts_on=D("2024-09-01"),
            due_back_on=D("2024-09-10"),
            actor=cast.facility_leader,
        )
    with at(returned):
        facilities.return_from_leave(
            leave, on=D(returned), return_test=test, actor=cast.facility_officer
        )
    leave.refresh_from_db()
    assert leave.returned_on == D(returned)
    assert leave.overstayed is overstayed
    measure.refresh_from_db()
    assert measure.status == S.IN_PROGRESS
    assert measure.paused_days == escape_days
    assert measure.term_end == term_end + timedelta(days=escape_days)
    assert set(measure.blockers.values_list("code", flat=True)) == blockers


# --- Segregation (单独管理, 司法部令第127号 Art. 28) ---------------------------------------------


@pytest.mark.parametrize(
    ("starts", "ends", "code"),
    [
        pytest.param("2024-10-01", "2024-10-01", None, id="司法部令127-28-one-day"),
        pytest.param("2024-10-01", "2024-10-05", None, id="司法部令127-28-five-days"),
        pytest.param("2024-10-01", "2024-10-06", "segregation_too_long",
                     id="司法部令127-28-six-days"),
        pytest.param("2024-10-30", "2024-11-03", None,
                     id="司法部令127-28-five-days-over-month-end"),
        pytest.param("2024-10-05", "2024-10-04", "invalid_period", id="ends-before-it-starts"),
    ],
)  # fmt: skip
def test_segregation_lasts_at_most_five_days(cast, zones, starts, ends, code):
    stay = admitted(cast, zones)
    with at(starts):
        if code is None:
            seg = facilities.segregate(
                stay,
                starts_on=D(starts),
                ends_on=D(ends),
                reason="殴打他人",
                actor=cast.facility_leader,
            )
            assert seg.approved_at is not None
            return
        with pytest.raises(Refusal) as exc:
            facilities.segregate(
                stay,
                starts_on=D(starts),
                ends_on=D(ends),
                reason="殴打他人",
                actor=cast.facility_leader,
            )
    assert exc.value.refusal_code == code
    assert not Segregation.objects.filter(admission=stay).exists()


@pytest.mark.parametrize(
    ("released_early", "next_starts", "code"),
    [
        pytest.param(None, "2024-10-03", "segregation_back_to_back",
                     id="司法部令127-28-overlapping"),
        pytest.param(None, "2024-10-06", "segregation_back_to_back",
                     id="司法部令127-28-the-day-after-the-last-ended"),
        pytest.param(None, "2024-10-07", None, id="司法部令127-28-one-day-between"),
        pytest.param("2024-10-03", "2024-10-04", "segregation_back_to_back",
                     id="司法部令127-28-the-day-after-an-early-end"),
        pytest.param("2024-10-03", "2024-10-05", None,
                     id="司法部令127-28-one-day-after-an-early-end"),
    ],
)  # fmt: skip
def test_segregation_is_not_used_back_to_back(cast, zones, released_early, next_starts, code):
    stay = admitted(cast, zones)
    with at("2024-10-01"):
        first = facilities.segregate(
            stay,
            starts_on=D("2024-10-01"),
            ends_on=D("2024-10-05"),
            reason="打架",
            actor=cast.facility_leader,
        )
    if released_early:
        with at(released_early):
            facilities.end_segregation(first, on=D(released_early), actor=cast.facility_officer)
    ends = D(next_starts) + timedelta(days=2)
    with at(next_starts):
        if code is None:
            facilities.segregate(
                stay,
                starts_on=D(next_starts),
                ends_on=ends,
                reason="再次打架",
                actor=cast.facility_leader,
            )
            assert Segregation.objects.filter(admission=stay).count() == 2
            return
        with pytest.raises(Refusal) as exc:
            facilities.segregate(
                stay,
                starts_on=D(next_starts),
                ends_on=ends,
                reason="再次打架",
                actor=cast.facility_leader,
            )
    assert exc.value.refusal_code == code
    assert Segregation.objects.filter(admission=stay).count() == 1


def test_a_plain_officer_cannot_order_segregation_outside_an_emergency(cast, zones):
    # 司法部令第127号 Art. 28: approved by the facility head.
    stay = admitted(cast, zones)
    with at("2024-10-01"), pytest.raises(PermissionDenied):
        facilities.segregate(
            stay,
            starts_on=D("2024-10-01"),
            ends_on=D("2024-10-03"),
            reason="打架",
            actor=cast.facility_officer,
        )
    assert not Segregation.objects.filter(admission=stay).exists()


def test_emergency_segregation_by_an_officer_awaits_the_leaders_approval(cast, zones):
    # 司法部令第127号 Art. 28: in an emergency, approved within 24 hours afterwards.
    stay = admitted(cast, zones)
    with at("2024-10-01"):
        seg = facilities.segregate(
            stay,
            starts_on=D("2024-10-01"),
            ends_on=D("2024-10-03"),
            reason="自伤风险",
            actor=cast.facility_officer,
            emergency=True,
        )
    assert seg.emergency is True
    assert seg.approved_at is None and seg.approved_by == ""
    with pytest.raises(PermissionDenied):
        facilities.approve_segregation(seg, actor=cast.facility_officer)
    seg.refresh_from_db()
    assert seg.approved_at is None
    facilities.approve_segregation(seg, actor=cast.facility_leader)
    seg.refresh_from_db()
    assert seg.approved_at is not None
    assert seg.approved_by == str(cast.facility_leader)


# --- Zones (统一模式 2018: 分区分期) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("to_zone", "result", "actor", "outcome"),
    [
        pytest.param("education", "", "facility_officer", "stage_evaluation_required",
                     id="统一模式-forward-without-an-evaluation"),
        pytest.param("education", StageResult.FAIL, "facility_officer",
                     "stage_evaluation_required", id="统一模式-forward-after-a-failed-evaluation"),
        pytest.param("education", StageResult.PASS, "facility_officer", None,
                     id="统一模式-forward-after-a-passed-evaluation"),
        pytest.param("education", StageResult.EXCEPTION, "facility_officer", PermissionDenied,
                     id="统一模式-exception-by-an-officer"),
        pytest.param("education", StageResult.EXCEPTION, "facility_leader", None,
                     id="统一模式-exception-approved-by-a-leader"),
        pytest.param("special", "", "facility_officer", None,
                     id="禁毒法44-to-the-sick-and-disabled-zone"),
    ],
)  # fmt: skip
def test_a_zone_change_forward_rests_on_a_stage_evaluation(
    cast, zones, to_zone, result, actor, outcome, no_zone_gates
):
    # Without a gate app the officer's recorded result stands; with the evaluations app the
    # gate reads the evaluations themselves (jiedu/evaluations/tests/test_zone_gates.py).
    stay = admitted(cast, zones)
    call = {
        "to_zone": zones[to_zone],
        "on": D("2024-05-01"),
        "reason": "阶段调整",
        "stage_result": result,
        "evaluation_note": "所务会批准例外" if result == StageResult.EXCEPTION else "",
        "actor": getattr(cast, actor),
        "bed": bed(zones, to_zone),
    }
    with at("2024-05-01"):
        if outcome is None:
            facilities.change_zone(stay, **call)
            stay.refresh_from_db()
            assert (stay.zone, stay.bed) == (zones[to_zone], bed(zones, to_zone))
            return
        expected = Refusal if isinstance(outcome, str) else outcome
        with pytest.raises(expected) as exc:
            facilities.change_zone(stay, **call)
    if isinstance(outcome, str):
        assert exc.value.refusal_code == outcome
    stay.refresh_from_db()
    assert stay.zone == zones["detox"]
    assert stay.zone_changes.count() == 1  # the intake placement only


@pytest.fixture
def no_zone_gates(monkeypatch):
    monkeypatch.setattr("jiedu.facilities.gates.ZONE_GATES", [])


def test_a_zone_change_back_needs_no_evaluation(cast, zones, no_zone_gates):
    stay = admitted(cast, zones)
    with at("2024-05-01"):
        facilities.change_zone(
            stay,
            to_zone=zones["education"],
            on=D("2024-05-01"),
            reason="评估合格",
            stage_result=StageResult.PASS,
            actor=cast.facility_officer,
        )
    with at("2024-06-01"):
        facilities.change_zone(
            stay,
            to_zone=zones["detox"],
            on=D("2024-06-01"),
            reason="复吸倾向，退回",
            stage_result="",
            actor=cast.facility_officer,
        )
    stay.refresh_from_db()
    assert stay.zone == zones["detox"]


# --- Medical parole (所外就医, 戒毒条例 Art. 31) -----------------------------------------------


def test_medical_parole_keeps_the_term_running(cast, zones):
    stay = admitted(cast, zones)
    measure = stay.measure
    term_end = measure.term_end
    with at("2024-08-01"):
        parole = facilities.start_medical_parole(
            stay,
            starts_on=D("2024-08-01"),
            hospital="省人民医院",
            approval_number="演戒管字〔2024〕5号",
            approved_by_unit="演示省戒毒管理局",
            actor=cast.facility_leader,
        )
    with at("2024-09-15"):
        facilities.end_medical_parole(parole, on=D("2024-09-15"), actor=cast.facility_officer)
    measure.refresh_from_db()
    assert measure.status == S.IN_PROGRESS
    assert measure.term_end == term_end
    assert measure.paused_days == 0
    assert not measure.blockers.exists()


# --- Capacity -----------------------------------------------------------------------------------


def test_capacity_counts_beds_occupancy_held_present_and_police(cast, zones):
    facilities.set_facility_profile(cast.facility, police_strength=40, actor=cast.facility_leader)
    released = admitted(cast, zones, "2022-01-03", bed_no=3)
    with at("2024-01-02"):
        facilities.release_person(
            released, on=D("2024-01-02"), actor=cast.facility_leader, certificate_number="解字2号"
        )
    present = admitted(cast, zones, "2024-03-01", bed_no=1)
    on_leave = admitted(cast, zones, "2024-03-01", bed_no=2)
    on_parole = admitted(cast, zones, "2024-03-01", bed_no=None)
    escaped = admitted(cast, zones, "2024-03-01", bed_no=None)
    leaving_later = admitted(cast, zones, "2024-03-01", bed_no=None)
    with at("2024-09-01"):
        facilities.grant_home_leave(
            on_leave,
            ground=LeaveGround.RELATIVE_ILL,
            starts_on=D("2024-09-01"),
            due_back_on=D("2024-09-05"),
            actor=cast.facility_leader,
        )
        # Granted today, leaving in a week: still in the facility today.
        facilities.grant_home_leave(
            leaving_later,
            ground=LeaveGround.REWARD,
            starts_on=D("2024-09-08"),
            due_back_on=D("2024-09-10"),
            actor=cast.facility_leader,
        )
        facilities.start_medical_parole(
            on_parole,
            starts_on=D("2024-09-01"),
            hospital="省人民医院",
            approval_number="演戒管字〔2024〕6号",
            approved_by_unit="演示省戒毒管理局",
            actor=cast.facility_leader,
        )
        measures.escape(escaped.measure, on=D("2024-09-01"), actor=cast.facility_officer)

        c = facilities.capacity(cast.facility)

    assert c.beds == 6  # 3 + 2 + 1; the police facility's beds are not counted
    assert c.occupied == 2  # the released person's bed is free
    assert {z.zone.name: (z.beds, z.occupied) for z in c.zones} == {
        "一区": (3, 2),
        "二区": (2, 0),
        "病残专区": (1, 0),
    }
    assert c.held == 5  # on leave, on parole and on escape are still held
    assert c.present == 2  # the person in bed 1 and the one leaving next week
    assert present.left_on is None
    assert c.police_strength == 40
    assert c.persons_per_officer == pytest.approx(5 / 40)
    assert c.occupancy_rate == pytest.approx(2 / 6)


def test_terminating_an_isolation_measure_closes_the_stay_and_frees_the_bed(cast):
    from jiedu.facilities.choices import LeftReason

    with time_machine.travel(date(2026, 3, 1), tick=False):
        bed = facilities.add_zone(
            cast.facility, kind=ZoneKind.DETOX, name="终止区", beds=1, actor=cast.facility_leader
        ).beds.get()
        person = make_person(cast.worker_a, cast.township_a, "冯终止", date(1970, 1, 1))
        measure = measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind="compulsory_isolation",
                decided_on=date(2026, 2, 1),
                served_on=date(2026, 2, 1),
                executing_unit=cast.facility,
                deciding_organ=cast.deciding_organ,
                decision_number="终1",
            ),
            actor=cast.police,
        )
        facilities.admit_person(
            measure,
            facility=cast.facility,
            data=facilities.IntakeInput(
                on=date(2026, 2, 2), identity_checked=True, searched_by=["甲", "乙"], bed=bed
            ),
            actor=cast.facility_officer,
        )
        measures.terminate(
            measure, on=date(2026, 3, 1), reason="revoked", actor=cast.facility_officer
        )
    stay = Admission.objects.get(measure=measure)
    assert stay.left_on == date(2026, 3, 1)
    assert stay.left_reason == LeftReason.TERMINATED
    assert stay.bed is None
