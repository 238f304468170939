"""/api/v1/absences: time away from the county of execution (离开执行地记录), from the township's
staff or another system, and the absences of one community measure.

Scope as on the pages: 404 alike for a missing measure, one outside the caller's scope and one
without a community case. The same `external_id` again returns the first absence (200). Every
read of a person's absences is written to the access log.
"""

from django.http import Http404
from ninja import Field as NField
from ninja import Query, Router, Schema, Status

from jiedu.core import clock
from jiedu.core.api import INVALID, MALFORMED_BODY, UNAUTHENTICATED, ErrorOut
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction

from ..access import MAX_PK, get_case_for_user
from ..choices import ReferralReason, ReferralStatus
from ..models import Absence, CommunityCase, Referral
from ..services import absences as services
from ..services import violations
from .schemas_absences import AbsenceCreated, AbsenceIn, AbsenceList

router = Router(tags=["community"])


class ListParams(Schema):
    measure: int = NField(ge=1, le=MAX_PK, description="Id of the community measure")
    limit: int = NField(50, ge=1, le=200)
    offset: int = NField(0, ge=0, le=10_000_000)


def _case_for_measure(user, measure_id: int, perm: str = "community.view_case") -> CommunityCase:
    """The community case of measure `measure_id`, if `user` may see it; 404 otherwise."""
    pk = (
        CommunityCase.objects.restrict(user, "view")
        .filter(measure_id=measure_id)
        .values_list("pk", flat=True)
        .first()
    )
    if pk is None:
        raise Http404("no community case for this measure in scope")
    return get_case_for_user(user, pk, perm)


def absence_out(a: Absence, case: CommunityCase, today) -> dict:
    end = a.returned_on or today
    return {
        "id": a.pk,
        "measure": a.measure_id,
        "case": a.case_id,
        "person": case.person.uuid,
        "person_name": case.person.name,
        "left_on": a.left_on,
        "returned_on": a.returned_on,
        "days": max((end - a.left_on).days + 1, 0),
        "approved": a.approved,
        "leave": a.leave_id,
        "destination": a.destination,
        "note": a.note,
        "external_id": a.external_id,
        "recorded_by": a.recorded_by,
        "created_at": a.created_at,
    }


def breach_counts(facts: violations.BreachFacts) -> dict:
    return {
        **facts.counts(),
        "thresholds": facts.threshold_dict(),
        "met": list(facts.met),
        "since": facts.since,
    }


@router.post(
    "",
    response={
        201: AbsenceCreated,
        200: AbsenceCreated,
        403: ErrorOut,
        404: ErrorOut,
        **MALFORMED_BODY,
        **UNAUTHENTICATED,
        **INVALID,
    },
    summary="Record an absence from the county of execution",
    description="离开执行地: the person left the county (县、市、区) of execution on `left_on` and "
    "came back on `returned_on` (null while away). Days count inclusively. Without `approved` "
    "the approved leave covering the days decides: days inside it are approved, days before "
    "it or after its return day become an unapproved absence of their own (listed in `split`). "
    "An unapproved absence raises an alert for the worker and counts toward a serious breach "
    "(戒毒条例 Art. 20: 3 or more unapproved absences, or more than 30 days away in total); the "
    "answer carries `serious_breach` with the counts and the open `referral`. Sending the same "
    "`external_id` again returns the absence already recorded (200) instead of a second one "
    "(201). 404 when the measure is missing, outside the caller's scope or has no community "
    "case; 403 when the caller may see but not record absences; 422 with the refusal's `code` "
    "and `field` (e.g. `future_date`, `before_measure`, `return_before_leave`, `case_closed`).",
)
def create_absence(request, payload: AbsenceIn):
    user = request.auth
    case = _case_for_measure(user, payload.measure)
    external_id = payload.external_id.strip()
    known = bool(external_id) and (
        Absence.objects.filter(case=case, external_id=external_id).exists()
    )
    rows = services.record_absence(
        case,
        left_on=payload.left_on,
        returned_on=payload.returned_on,
        approved=payload.approved,
        destination=payload.destination,
        note=payload.note,
        external_id=external_id,
        actor=user,
    )
    today = clock.today()
    facts = violations.breach_facts(case, today)
    referral = (
        Referral.objects.filter(
            case=case,
            reason=ReferralReason.SERIOUS_BREACH,
            status__in=(ReferralStatus.DRAFT, ReferralStatus.REPORTED),
        )
        .values_list("pk", flat=True)
        .first()
    )
    body = {
        "absence": absence_out(rows[0], case, today),
        "split": [absence_out(a, case, today) for a in rows[1:]],
        "serious_breach": facts.serious,
        "serious_breach_counts": breach_counts(facts),
        "referral": referral,
    }
    return Status(200 if known else 201, body)


@router.get(
    "",
    response={200: AbsenceList, 404: ErrorOut, **UNAUTHENTICATED, **INVALID},
    summary="Absences of one community measure",
    description="Newest first; `count` is the number of absences, `items` one page of them. "
    "404 when the measure is missing, outside the caller's scope or has no community case. "
    "Every call is written to the access log.",
)
def list_absences(request, params: Query[ListParams]):
    user = request.auth
    case = _case_for_measure(user, params.measure)
    log_access(AccessAction.VIEW_PERSON, user=user, person_pk=case.person_id, channel="api")
    rows = Absence.objects.restrict(user, "view").filter(case=case)
    count = rows.count()
    page = rows.order_by("-left_on", "-id")[params.offset : params.offset + params.limit]
    today = clock.today()
    return Status(200, {"items": [absence_out(a, case, today) for a in page], "count": count})
