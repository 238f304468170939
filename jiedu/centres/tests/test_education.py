"""教育矫正中心: every refusal of the services, the legal floors at their boundaries (入所教育 ≥1
month, 司法部令第127号 Art. 45; 回归社会教育 ≥1 week before release, Art. 51; monthly talks,
Art. 47), the work page and the education file, the API, scope and query counts."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from jiedu.accounts.models import User
from jiedu.accounts.services import issue_token
from jiedu.centres.choices import CourseCategory, ExamSubject
from jiedu.centres.models import Attendance, CaseOfficer, Course, CourseSession, Exam, Talk
from jiedu.centres.services import education as edu
from jiedu.core.refusals import Refusal
from jiedu.facilities import services as facilities
from jiedu.measures import services as measures
from jiedu.measures.choices import IsolationGround, MeasureKind
from jiedu.testing.cast import make_person
from jiedu.utilities import resident_id

pytestmark = pytest.mark.django_db

D = date.fromisoformat
_numbers = itertools.count(1)


def day_of(day) -> date:
    return D(day) if isinstance(day, str) else day


def at(day):
    return time_machine.travel(day_of(day), tick=False)


def admitted(cast, day="2024-03-01", name="张三", facility=None, officer=None):
    """A person decided and admitted on `day` (to the judicial facility unless told)."""
    n = next(_numbers)
    birth = D("1990-05-17")
    person = make_person(
        cast.worker_a,
        cast.township_a,
        f"{name}{n}",
        birth,
        "male",
        id_number=resident_id.build("990102", birth, (n % 499) * 2 + 1),
    )
    facility = facility or cast.facility
    with at(day):
        measure = measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=D(day),
                served_on=D(day),
                executing_unit=facility,
                deciding_organ=cast.deciding_organ,
                decision_number=f"江公强戒决字〔2024〕{n}号",
                ground=IsolationGround.RELAPSE,
            ),
            actor=cast.police,
        )
        return facilities.admit_person(
            measure,
            facility=facility,
            data=facilities.IntakeInput(
                on=D(day), identity_checked=True, searched_by=["民警甲", "民警乙"]
            ),
            actor=officer or cast.facility_officer,
        )


def refused(code, field=None):
    """pytest.raises for a Refusal with `code` (and the field it is shown at)."""

    class _Check:
        def __enter__(self):
            self.ctx = pytest.raises(Refusal)
            self.info = self.ctx.__enter__()
            return self.info

        def __exit__(self, *exc):
            result = self.ctx.__exit__(*exc)
            assert self.info.value.refusal_code == code, self.info.value
            if field is not None:
                assert self.info.value.refusal_field == field
            return result

    return _Check()


@pytest.fixture
def course(cast):
    return edu.add_course(
        cast.facility,
        title="入所教育课",
        category=CourseCategory.ADMISSION,
        actor=cast.facility_officer,
    )


def session(cast, course, day, stays, hours="2", teacher="王教官", topic="", per_person=None):
    with at(day):
        return edu.record_session(
            course,
            held_on=day_of(day),
            hours=hours,
            teacher=teacher,
            topic=topic,
            attendees=[(s, (per_person or {}).get(s.pk)) for s in stays],
            actor=cast.facility_officer,
        )


# --- Courses -----------------------------------------------------------------------------------


def test_a_course_is_added_once(cast):
    first = edu.add_course(
        cast.facility, title=" 法制课 ", category=CourseCategory.LEGAL, actor=cast.facility_officer
    )
    again = edu.add_course(
        cast.facility, title="法制课", category=CourseCategory.LEGAL, actor=cast.facility_officer
    )
    assert first.pk == again.pk and first.title == "法制课"
    assert Course.objects.count() == 1


@pytest.mark.parametrize(
    ("title", "category", "code", "field"),
    [
        ("", CourseCategory.LEGAL, "required", "title"),
        ("法制课", "cooking", "invalid_category", "category"),
        ("入所教育课", CourseCategory.LEGAL, "course_exists", "title"),
    ],
)
def test_course_refusals(cast, course, title, category, code, field):
    with refused(code, field):
        edu.add_course(cast.facility, title=title, category=category, actor=cast.facility_officer)


def test_a_course_needs_a_facility_and_the_permission(cast):
    with pytest.raises(PermissionDenied):
        edu.add_course(cast.facility, title="课", category="legal", actor=cast.outsider)
    root = User.objects.create_superuser("root", password="x")
    with refused("wrong_unit_kind"):
        edu.add_course(cast.county_a, title="课", category="legal", actor=root)


# --- Sessions and attendance -------------------------------------------------------------------


def test_a_session_records_attendance_with_the_session_hours_by_default(cast, course):
    a, b = admitted(cast), admitted(cast)
    s = session(cast, course, "2024-03-05", [a, b], hours="2.5", per_person={b.pk: Decimal("1")})
    rows = {r.admission_id: r.hours for r in Attendance.objects.filter(session=s)}
    assert rows == {a.pk: Decimal("2.5"), b.pk: Decimal("1.0")}
    assert Attendance.objects.get(admission=a).person_id == a.person_id
    # A retried submission of the same class changes nothing.
    again = session(cast, course, "2024-03-05", [a, b], hours="2.5")
    assert again.pk == s.pk
    assert CourseSession.objects.count() == 1 and Attendance.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"hours": "0"}, "invalid_hours", "hours"),
        ({"hours": "12.5"}, "invalid_hours", "hours"),
        ({"hours": "abc"}, "invalid_hours", "hours"),
        ({"teacher": "  "}, "required", "teacher"),
        ({"held_on": D("2024-03-06")}, "future_date", "held_on"),
        ({"held_on": D("2024-02-29")}, "not_in_facility", "attendees"),
        ({"attendees": []}, "no_attendees", "attendees"),
        ({"duplicate": True}, "duplicate_attendee", "attendees"),
        ({"present": Decimal("3")}, "invalid_attendance_hours", "attendees"),
    ],
)
def test_session_refusals(cast, course, changes, code, field):
    stay = admitted(cast)
    attendees = [(stay, changes.pop("present", None))]
    if changes.pop("duplicate", False):
        attendees.append((stay, None))
    args = {
        "held_on": D("2024-03-05"),
        "hours": "2",
        "teacher": "王教官",
        "attendees": attendees,
    } | changes
    with at("2024-03-05"), refused(code, field):
        edu.record_session(course, actor=cast.facility_officer, **args)


def test_a_session_refuses_persons_of_another_facility_and_closed_courses(cast, course):
    here = admitted(cast)
    there = admitted(cast, facility=cast.police_facility, officer=cast.police_facility_officer)
    with at("2024-03-05"), refused("wrong_facility", "attendees"):
        edu.record_session(
            course,
            held_on=D("2024-03-05"),
            hours=2,
            teacher="王",
            attendees=[(here, None), (there, None)],
            actor=cast.facility_officer,
        )
    course.is_active = False
    course.save()
    with at("2024-03-05"), refused("course_inactive", "course"):
        edu.record_session(
            course,
            held_on=D("2024-03-05"),
            hours=2,
            teacher="王",
            attendees=[(here, None)],
            actor=cast.facility_officer,
        )


def test_a_session_needs_the_permission_at_the_facility(cast, course):
    stay = admitted(cast)
    for user in (cast.outsider, cast.police_facility_officer, cast.auditor):
        with at("2024-03-05"), pytest.raises(PermissionDenied):
            edu.record_session(
                course,
                held_on=D("2024-03-05"),
                hours=2,
                teacher="王",
                attendees=[(stay, None)],
                actor=user,
            )


# --- 入所教育 ≥ 1 month (司法部令第127号 Art. 45) -------------------------------------------------


@pytest.mark.parametrize(
    ("days", "complete"),
    [
        pytest.param(["2024-03-01", "2024-03-31"], False, id="MOJ127-45-one-day-short"),
        pytest.param(["2024-03-01", "2024-04-01"], True, id="MOJ127-45-exactly-one-month"),
        pytest.param(["2024-03-01", "2024-03-15", "2024-04-10"], True, id="MOJ127-45-more"),
        pytest.param(["2024-03-01"], False, id="MOJ127-45-one-class"),
        pytest.param([], False, id="MOJ127-45-not-started"),
    ],
)
def test_admission_education_needs_a_full_calendar_month(cast, course, days, complete):
    stay = admitted(cast, "2024-03-01")
    for day in days:
        session(cast, course, day, [stay])
    status = edu.admission_education_status(stay, D("2024-04-15"))
    assert status["complete"] is complete
    assert status["started_on"] == (D(days[0]) if days else None)
    assert status["hours"] == Decimal(2 * len(days))
    assert status["due_by"] == D("2024-04-01")  # a month after the start (or admission)
    assert status["overdue"] is (not complete)


def test_admission_education_month_clamps_at_the_month_end(cast, course):
    stay = admitted(cast, "2024-01-31")
    session(cast, course, "2024-01-31", [stay])
    session(cast, course, "2024-02-28", [stay])
    assert not edu.admission_education_status(stay, D("2024-03-01"))["complete"]
    session(cast, course, "2024-02-29", [stay])  # 2024-01-31 + 1 month = 2024-02-29
    assert edu.admission_education_status(stay, D("2024-03-01"))["complete"]


def test_zero_hours_attendance_does_not_count_as_education(cast, course):
    stay, other = admitted(cast, "2024-03-01"), admitted(cast, "2024-03-01")
    session(cast, course, "2024-03-01", [stay, other], per_person={other.pk: Decimal("0")})
    session(cast, course, "2024-04-01", [stay, other])
    assert edu.admission_education_status(stay, D("2024-04-02"))["complete"]
    assert not edu.admission_education_status(other, D("2024-04-02"))["complete"]


# --- 回归社会教育 ≥ 1 week before release (司法部令第127号 Art. 51) ---------------------------


@pytest.mark.parametrize(
    ("offset", "complete"),
    [
        pytest.param(8, True, id="MOJ127-51-eight-days-before"),
        pytest.param(7, True, id="MOJ127-51-exactly-seven-days-before"),
        pytest.param(6, False, id="MOJ127-51-one-day-short"),
        pytest.param(None, False, id="MOJ127-51-not-started"),
    ],
)
def test_return_education_starts_a_week_before_the_term_end(cast, offset, complete):
    stay = admitted(cast, "2024-03-01")
    stay.measure.refresh_from_db()
    term_end = stay.measure.term_end
    course = edu.add_course(
        cast.facility, title="回归课", category="return_to_society", actor=cast.facility_officer
    )
    if offset is not None:
        session(cast, course, term_end - timedelta(days=offset), [stay])
    status = edu.return_education_status(stay, term_end - timedelta(days=3))
    assert status["due_by"] == term_end - timedelta(days=7)
    assert status["complete"] is complete
    assert status["overdue"] is (not complete)


def test_return_education_is_not_overdue_before_its_last_start_day(cast):
    stay = admitted(cast, "2024-03-01")
    term_end = stay.measure.term_end
    assert not edu.return_education_status(stay, term_end - timedelta(days=7))["overdue"]
    assert edu.return_education_status(stay, term_end - timedelta(days=6))["overdue"]


# --- Officer in charge and monthly talks (司法部令第127号 Art. 47) ---------------------------


def test_a_new_officer_ends_the_current_assignment_the_day_before(cast):
    stay = admitted(cast, "2024-03-01")
    with at("2024-05-01"):
        first = edu.assign_case_officer(
            stay, officer=cast.facility_officer, since=D("2024-03-02"), actor=cast.facility_leader
        )
        again = edu.assign_case_officer(
            stay, officer=cast.facility_officer, since=D("2024-03-02"), actor=cast.facility_leader
        )
        assert again.pk == first.pk
        second = edu.assign_case_officer(
            stay, officer=cast.facility_leader, since=D("2024-04-10"), actor=cast.facility_leader
        )
    first.refresh_from_db()
    assert first.until == D("2024-04-09") and second.until is None
    assert edu.current_case_officer(stay).pk == second.pk


@pytest.mark.parametrize(
    ("officer", "since", "code", "field"),
    [
        ("worker_a", "2024-03-10", "not_facility_staff", "officer"),
        ("police_facility_officer", "2024-03-10", "not_facility_staff", "officer"),
        ("facility_leader", "2024-02-20", "before_admission", "since"),
        ("facility_leader", "2024-06-01", "future_date", "since"),
        ("facility_officer", "2024-03-10", "already_assigned", "officer"),
        ("facility_leader", "2024-03-02", "since_before_current", "since"),
        ("facility_leader", "2024-03-01", "since_before_current", "since"),
    ],
)
def test_case_officer_refusals(cast, officer, since, code, field):
    stay = admitted(cast, "2024-03-01")
    with at("2024-05-01"):
        edu.assign_case_officer(
            stay, officer=cast.facility_officer, since=D("2024-03-02"), actor=cast.facility_leader
        )
        with refused(code, field):
            edu.assign_case_officer(
                stay, officer=getattr(cast, officer), since=D(since), actor=cast.facility_leader
            )


def test_case_officer_needs_the_permission(cast):
    stay = admitted(cast, "2024-03-01")
    with at("2024-05-01"), pytest.raises(PermissionDenied):
        edu.assign_case_officer(
            stay, officer=cast.facility_officer, since=D("2024-03-02"), actor=cast.medic
        )


def test_a_talk_recorded_twice_is_kept_once(cast):
    stay = admitted(cast, "2024-03-01")
    with at("2024-03-20"):
        args = {"officer": cast.facility_officer, "held_on": D("2024-03-20"), "topic": "适应"}
        first = edu.record_talk(stay, summary="情绪稳定", actor=cast.facility_officer, **args)
        again = edu.record_talk(stay, summary="情绪稳定", actor=cast.facility_officer, **args)
    assert first.pk == again.pk and Talk.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"officer": "worker_a"}, "not_facility_staff", "officer"),
        ({"topic": " "}, "required", "topic"),
        ({"summary": ""}, "required", "summary"),
        ({"held_on": D("2024-03-21")}, "future_date", "held_on"),
        ({"held_on": D("2024-02-01")}, "before_admission", "held_on"),
    ],
)
def test_talk_refusals(cast, changes, code, field):
    stay = admitted(cast, "2024-03-01")
    args = {
        "officer": "facility_officer",
        "held_on": D("2024-03-20"),
        "topic": "适应",
        "summary": "情绪稳定",
    } | changes
    args["officer"] = getattr(cast, args["officer"])
    with at("2024-03-20"), refused(code, field):
        edu.record_talk(stay, actor=cast.facility_officer, **args)
    with at("2024-03-20"), pytest.raises(PermissionDenied):
        edu.record_talk(stay, actor=cast.outsider, **(args | {"officer": cast.facility_officer}))


@pytest.mark.parametrize(
    ("talks", "today", "overdue", "due"),
    [
        pytest.param([], "2024-04-05", False, None, id="MOJ127-47-no-talk-on-the-due-day"),
        pytest.param([], "2024-04-06", True, "2024-04-05", id="MOJ127-47-no-talk-a-day-late"),
        pytest.param(["2024-04-01"], "2024-05-01", False, None, id="MOJ127-47-talk-due-day"),
        pytest.param(["2024-04-01"], "2024-05-02", True, "2024-05-01", id="MOJ127-47-talk-late"),
        pytest.param(
            ["2024-03-20", "2024-04-20"], "2024-05-20", False, None, id="MOJ127-47-latest-counts"
        ),
        pytest.param(
            ["2024-01-31"], "2024-04-06", True, "2024-04-05", id="MOJ127-47-talk-before-start"
        ),
    ],
)
def test_talks_are_due_monthly(cast, talks, today, overdue, due):
    stay = admitted(cast, "2024-01-05")
    with at("2024-03-05"):
        edu.assign_case_officer(
            stay, officer=cast.facility_officer, since=D("2024-03-05"), actor=cast.facility_leader
        )
    for day in talks:
        with at(day):
            edu.record_talk(
                stay,
                officer=cast.facility_officer,
                held_on=D(day),
                topic="谈话",
                summary="……",
                actor=cast.facility_officer,
            )
    rows = edu.overdue_talks(cast.facility, D(today))
    if overdue:
        [row] = rows
        assert (row.stay.pk, row.officer.pk, row.due_on) == (
            stay.pk,
            cast.facility_officer.pk,
            D(due),
        )
        assert row.last_talk_on == (D(talks[-1]) if talks and talks[-1] >= "2024-03-05" else None)
    else:
        assert rows == []


def test_another_officers_talk_does_not_count(cast):
    stay = admitted(cast, "2024-03-01")
    with at("2024-03-20"):
        edu.assign_case_officer(
            stay, officer=cast.facility_officer, since=D("2024-03-01"), actor=cast.facility_leader
        )
        edu.record_talk(
            stay,
            officer=cast.facility_leader,
            held_on=D("2024-03-20"),
            topic="谈话",
            summary="……",
            actor=cast.facility_leader,
        )
    [row] = edu.overdue_talks(cast.facility, D("2024-04-02"))
    assert row.last_talk_on is None and row.due_on == D("2024-04-01")


def test_overdue_talks_is_one_query(cast, django_assert_num_queries):
    stays = [admitted(cast, "2024-03-01") for _ in range(3)]
    with at("2024-03-01"):
        for stay in stays:
            edu.assign_case_officer(
                stay,
                officer=cast.facility_officer,
                since=D("2024-03-01"),
                actor=cast.facility_leader,
            )
    with django_assert_num_queries(1):
        rows = edu.overdue_talks(cast.facility, D("2024-05-01"))
        assert {r.stay.person.name for r in rows} == {s.person.name for s in stays}


# --- Exams and hours ---------------------------------------------------------------------------


def test_exams_and_hours(cast, course):
    stay = admitted(cast, "2024-03-01")
    legal = edu.add_course(
        cast.facility, title="法制课", category="legal", actor=cast.facility_officer
    )
    session(cast, course, "2024-03-02", [stay], hours="2")
    session(cast, course, "2024-03-03", [stay], hours="1.5")
    session(cast, legal, "2024-03-03", [stay], hours="3")
    assert edu.education_hours(stay) == {"admission": Decimal("3.5"), "legal": Decimal("3.0")}
    with at("2024-04-01"):
        edu.record_exam(
            stay, subject="theory", taken_on=D("2024-03-20"), score=55, actor=cast.facility_officer
        )
        last = edu.record_exam(
            stay,
            subject="theory",
            taken_on=D("2024-04-01"),
            score="72.5",
            actor=cast.facility_officer,
        )
        edu.record_exam(
            stay, subject="legal", taken_on=D("2024-03-25"), score=90, actor=cast.facility_officer
        )
        again = edu.record_exam(
            stay,
            subject="theory",
            taken_on=D("2024-04-01"),
            score=72.5,
            actor=cast.facility_officer,
        )
    assert again.pk == last.pk and Exam.objects.count() == 3
    assert edu.latest_exam(stay, ExamSubject.THEORY).score == Decimal("72.5")
    assert edu.latest_exam(stay).pk == last.pk
    assert edu.latest_exam(stay, "vocational") is None


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"subject": "cooking"}, "invalid_subject", "subject"),
        ({"score": 100.5}, "invalid_score", "score"),
        ({"score": -1}, "invalid_score", "score"),
        ({"score": "x"}, "invalid_score", "score"),
        ({"taken_on": D("2024-04-02")}, "future_date", "taken_on"),
        ({"same_day_other_score": True}, "exam_exists", "score"),
    ],
)
def test_exam_refusals(cast, changes, code, field):
    stay = admitted(cast, "2024-03-01")
    args = {"subject": "theory", "taken_on": D("2024-04-01"), "score": 60}
    with at("2024-04-01"):
        if changes.pop("same_day_other_score", False):
            edu.record_exam(stay, actor=cast.facility_officer, **args)
            changes = {"score": 61}
        with refused(code, field):
            edu.record_exam(stay, actor=cast.facility_officer, **(args | changes))
        with pytest.raises(PermissionDenied):
            edu.record_exam(stay, actor=cast.outsider, **args)


# --- Pages -------------------------------------------------------------------------------------


def work_url(cast):
    return f"/centres/{cast.facility.code}/education/"


def file_url(stay):
    return f"/centres/stays/{stay.pk}/education/"


def test_the_work_page_lists_what_is_due(client, cast, course):
    mine = admitted(cast, "2024-01-02", name="甲")
    theirs = admitted(cast, "2024-01-02", name="乙")
    with at("2024-01-02"):
        edu.assign_case_officer(
            theirs, officer=cast.facility_leader, since=D("2024-01-02"), actor=cast.facility_leader
        )
        edu.assign_case_officer(
            mine, officer=cast.facility_officer, since=D("2024-01-02"), actor=cast.facility_leader
        )
    session(cast, course, "2024-01-03", [mine])
    client.force_login(cast.facility_officer)
    with at("2024-03-01"):
        response = client.get(work_url(cast))
    assert response.status_code == 200
    page = response.content.decode()
    talks = page[page.index('id="overdue-talks"') : page.index('id="admission-pending"')]
    # The logged-in officer's own people come first.
    assert talks.index(mine.person.name) < talks.index(theirs.person.name)
    pending = page[page.index('id="admission-pending"') : page.index('id="return-pending"')]
    assert mine.person.name in pending and theirs.person.name in pending
    assert 'id="session-form"' in page and 'id="course-form"' in page


def test_the_work_page_lists_persons_near_release_without_return_education(client, cast):
    stay = admitted(cast, "2024-03-01")
    term_end = stay.measure.term_end
    client.force_login(cast.facility_officer)
    with at(term_end - timedelta(days=31)):
        page = client.get(work_url(cast)).content.decode()
    section = page[page.index('id="return-pending"') : page.index('id="sessions"')]
    assert stay.person.name not in section
    with at(term_end - timedelta(days=30)):
        page = client.get(work_url(cast)).content.decode()
    section = page[page.index('id="return-pending"') : page.index('id="sessions"')]
    assert stay.person.name in section


def test_the_session_form_records_a_class_and_its_attendance(client, cast, course):
    a, b, c = (admitted(cast, "2024-03-01") for _ in range(3))
    client.force_login(cast.facility_officer)
    data = {
        "session-course": course.pk,
        "session-held_on": "2024-03-05",
        "session-hours": "2",
        "session-teacher": "王教官",
        "session-topic": "戒毒常识",
        "session-attendees": [a.pk, b.pk],
        f"session-hours_{b.pk}": "1.5",
        f"session-hours_{c.pk}": "2",  # not ticked: ignored
    }
    url = f"/centres/{cast.facility.code}/education/session/"
    with at("2024-03-05"):
        response = client.post(url, data)
        assert response.status_code == 302
        assert {r.admission_id: r.hours for r in Attendance.objects.all()} == {
            a.pk: Decimal("2.0"),
            b.pk: Decimal("1.5"),
        }
        # A double click adds nothing.
        assert client.post(url, data).status_code == 302
        assert Attendance.objects.count() == 2
        bad = client.post(url, data | {"session-held_on": "2024-02-20"})
    assert bad.status_code == 422
    assert "上课当日不在所内" in bad.content.decode()
    assert 'id="field-attendees"' in bad.content.decode()


def test_the_course_form(client, cast):
    client.force_login(cast.facility_officer)
    url = f"/centres/{cast.facility.code}/education/course/"
    response = client.post(url, {"course-title": "法制课", "course-category": "legal"})
    assert response.status_code == 302 and Course.objects.get().title == "法制课"
    bad = client.post(url, {"course-title": "法制课", "course-category": "moral"})
    assert bad.status_code == 422 and "本所已有同名课程" in bad.content.decode()


def test_the_education_file_records_officer_talks_and_exams(client, cast, course):
    stay = admitted(cast, "2024-03-01")
    session(cast, course, "2024-03-02", [stay])
    client.force_login(cast.facility_officer)
    with at("2024-04-01"):
        page = client.get(file_url(stay))
        assert page.status_code == 200
        assert "入所教育课" in page.content.decode()
        assert (
            client.post(
                file_url(stay) + "officer/",
                {"officer-officer": cast.facility_officer.pk, "officer-since": "2024-03-02"},
            ).status_code
            == 302
        )
        assert (
            client.post(
                file_url(stay) + "talk/",
                {
                    "talk-officer": cast.facility_officer.pk,
                    "talk-held_on": "2024-03-30",
                    "talk-topic": "适应情况",
                    "talk-summary": "情绪稳定",
                },
            ).status_code
            == 302
        )
        assert (
            client.post(
                file_url(stay) + "exam/",
                {"exam-subject": "theory", "exam-taken_on": "2024-03-31", "exam-score": "88"},
            ).status_code
            == 302
        )
        bad = client.post(
            file_url(stay) + "officer/",
            {"officer-officer": cast.facility_officer.pk, "officer-since": "2024-02-01"},
        )
        page = client.get(file_url(stay)).content.decode()
    assert bad.status_code == 422
    assert "日期不能早于入所日期" in bad.content.decode()
    assert CaseOfficer.objects.get().officer == cast.facility_officer
    assert "适应情况" in page and "88.0" in page


def test_the_file_offers_only_facility_staff_as_officers(client, cast):
    stay = admitted(cast, "2024-03-01")
    client.force_login(cast.facility_leader)
    page = client.get(file_url(stay)).content.decode()
    form = page[page.index('id="record-officer"') :]
    form = form[: form.index("</form>")]
    assert str(cast.facility_officer) in form
    assert str(cast.worker_a) not in form and str(cast.police_facility_officer) not in form


@pytest.mark.parametrize("user", ["outsider", "medic", "police_facility_officer", "auditor"])
def test_other_units_get_404(client, cast, user):
    stay = admitted(cast, "2024-03-01")
    client.force_login(getattr(cast, user))
    assert client.get(work_url(cast)).status_code == 404
    assert client.get(file_url(stay)).status_code == 404
    assert client.post(file_url(stay) + "exam/", {}).status_code == 404
    assert client.post(work_url(cast) + "course/", {}).status_code == 404
    assert client.post(work_url(cast) + "session/", {}).status_code == 404
    assert client.get("/centres/NOPE/education/").status_code == 404


def _populate(cast, n):
    course = Course.objects.first() or edu.add_course(
        cast.facility, title="入所教育课", category="admission", actor=cast.facility_officer
    )
    stays = [admitted(cast, "2024-01-02") for _ in range(n)]
    with at("2024-01-02"):
        for stay in stays:
            edu.assign_case_officer(
                stay,
                officer=cast.facility_officer,
                since=D("2024-01-02"),
                actor=cast.facility_leader,
            )
    session(cast, course, "2024-02-20", stays)
    return stays


def test_the_work_page_and_file_do_a_constant_number_of_queries(
    client, cast, django_assert_max_num_queries
):
    _populate(cast, 1)
    client.force_login(cast.facility_officer)
    with at("2024-03-01"), django_assert_max_num_queries(20) as one:
        assert client.get(work_url(cast)).status_code == 200
    stays = _populate(cast, 6)
    with at("2024-03-01"), django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(work_url(cast)).status_code == 200
    with at("2024-03-01"), django_assert_max_num_queries(25):
        assert client.get(file_url(stays[0])).status_code == 200


# --- API ---------------------------------------------------------------------------------------


def test_the_api_answers_a_persons_education(client, cast, course):
    stay = admitted(cast, "2024-03-01")
    session(cast, course, "2024-03-02", [stay])
    session(cast, course, "2024-04-02", [stay])
    with at("2024-04-02"):
        edu.assign_case_officer(
            stay, officer=cast.facility_officer, since=D("2024-03-02"), actor=cast.facility_leader
        )
        edu.record_talk(
            stay,
            officer=cast.facility_officer,
            held_on=D("2024-03-30"),
            topic="谈话",
            summary="……",
            actor=cast.facility_officer,
        )
        edu.record_exam(
            stay, subject="theory", taken_on=D("2024-04-01"), score=80, actor=cast.facility_officer
        )
    _t, raw = issue_token(actor=cast.facility_officer, user=cast.facility_officer, days=None)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    with at("2024-04-02"):
        response = client.get(f"/api/v1/centres/stays/{stay.pk}/education", **headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["hours_by_category"] == [{"category": "admission", "hours": 4.0}]
    assert body["admission_education"]["complete"] is True
    assert body["case_officer"]["officer"] == str(cast.facility_officer)
    assert [t["topic"] for t in body["talks"]] == ["谈话"]
    assert [e["score"] for e in body["exams"]] == [80.0]
    assert len(body["attendance"]) == 2

    _t, other = issue_token(actor=cast.outsider, user=cast.outsider, days=None)
    response = client.get(
        f"/api/v1/centres/stays/{stay.pk}/education", HTTP_AUTHORIZATION=f"Bearer {other}"
    )
    assert response.status_code == 404
