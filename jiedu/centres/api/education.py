"""/api/v1/centres/stays/{id}/education: one person's education file for this stay — hours by
category, the legal education floors, the officer in charge, talks and exams."""

from __future__ import annotations

from datetime import date

from ninja import Router, Schema

from jiedu.core.api import INVALID, UNAUTHENTICATED, ErrorOut
from jiedu.core.audit import log_access
from jiedu.core.clock import today
from jiedu.core.models import AccessAction

from ..access import get_stay_for_user
from ..models import Attendance, CaseOfficer, Exam, Talk
from ..services import education as services

router = Router()


class HoursOut(Schema):
    category: str
    hours: float


class EducationStatusOut(Schema):
    started_on: date | None
    hours: float
    complete: bool
    due_by: date | None
    overdue: bool


class AttendanceOut(Schema):
    held_on: date
    course: str
    category: str
    hours: float


class CaseOfficerOut(Schema):
    officer: str
    since: date
    until: date | None


class TalkOut(Schema):
    held_on: date
    officer: str
    topic: str
    summary: str


class ExamOut(Schema):
    subject: str
    taken_on: date
    score: float


class EducationOut(Schema):
    stay: int
    person: str
    hours_by_category: list[HoursOut]
    admission_education: EducationStatusOut
    return_education: EducationStatusOut
    case_officer: CaseOfficerOut | None
    case_officers: list[CaseOfficerOut]
    attendance: list[AttendanceOut]
    talks: list[TalkOut]
    exams: list[ExamOut]


def _status(s: dict) -> dict:
    return {**s, "hours": float(s["hours"])}


def _officer(o: CaseOfficer) -> dict:
    return {"officer": str(o.officer), "since": o.since, "until": o.until}


@router.get(
    "/stays/{stay_id}/education",
    response={200: EducationOut, 404: ErrorOut, **UNAUTHENTICATED, **INVALID},
    summary="A person's education file (教育矫正) for one stay",
    description="Attended hours by course category, 入所教育 (complete after a full calendar "
    "month of classes, 司法部令第127号 Art. 45) and 回归社会教育 (started at least 7 days before "
    "the term end, Art. 51), the officer in charge, individual talks (Art. 47) and exams. "
    "404 both when there is no such stay and when the caller may not view the centre's records "
    "there. Every call is written to the access log.",
)
def get_education(request, stay_id: int):
    user = request.auth
    stay = get_stay_for_user(user, stay_id)
    log_access(AccessAction.VIEW_PERSON, user=user, person_pk=stay.person_id, channel="api")
    day = today()
    officers = list(
        CaseOfficer.objects.restrict(user, "view").filter(admission=stay).select_related("officer")
    )
    current = next((o for o in officers if o.until is None), None)
    return {
        "stay": stay.pk,
        "person": str(stay.person.uuid),
        "hours_by_category": [
            {"category": c, "hours": float(h)} for c, h in services.education_hours(stay).items()
        ],
        "admission_education": _status(services.admission_education_status(stay, day)),
        "return_education": _status(services.return_education_status(stay, day)),
        "case_officer": _officer(current) if current else None,
        "case_officers": [_officer(o) for o in officers],
        "attendance": [
            {
                "held_on": a.session.held_on,
                "course": a.session.course.title,
                "category": a.session.course.category,
                "hours": float(a.hours),
            }
            for a in Attendance.objects.restrict(user, "view")
            .filter(admission=stay)
            .select_related("session__course")
        ],
        "talks": [
            {
                "held_on": t.held_on,
                "officer": str(t.officer),
                "topic": t.topic,
                "summary": t.summary,
            }
            for t in Talk.objects.restrict(user, "view")
            .filter(admission=stay)
            .select_related("officer")
        ],
        "exams": [
            {"subject": e.subject, "taken_on": e.taken_on, "score": float(e.score)}
            for e in Exam.objects.restrict(user, "view").filter(admission=stay)
        ],
    }
