"""/api/v1/evaluations: evaluations with their scored items, the proposals they lead to, and what
is due at a facility — read-only, scoped like the pages (强制隔离戒毒诊断评估办法; 禁毒法
Art. 47; 戒毒条例 Art. 33).

Evaluations are the facility's (Evaluation.objects.restrict(user, "view")); a proposal is seen
by the facility that proposes and by the organ that decides it — the organ only once the
facility committee has sent it (a draft is still the facility's own business).
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404
from django.utils import translation
from ninja import Field as NField
from ninja import Query, Router, Schema

from jiedu.core import clock
from jiedu.core.api import INVALID, UNAUTHENTICATED, ErrorOut
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm
from jiedu.measures.access import MAX_PK

from . import queries
from .access import get_evaluation_for_user, get_facility_for_user, get_proposal_for_user
from .choices import ProposalStatus
from .models import Evaluation, Proposal
from .schemas import (
    DueList,
    EvaluationDetail,
    EvaluationList,
    KindLiteral,
    ProposalDetail,
    ProposalList,
    ProposalStatusLiteral,
    StatusLiteral,
    UnitCode,
)

router = Router(tags=["evaluations"])

VIEW_PROPOSAL = "evaluations.view_proposal"
SCOPE_NOTE = " 404 both when there is none and when it is outside the caller's scope."
LOGGED = " Every call is written to the access log."


class EvaluationListParams(Schema):
    limit: int = NField(50, ge=1, le=200)
    offset: int = NField(0, ge=0, le=10_000_000)
    stay_id: int | None = NField(None, ge=1, le=MAX_PK, description="The stay (入所记录)")
    person_id: UUID | None = NField(None, description="The person's id")
    kind: KindLiteral | None = None
    status: StatusLiteral | None = None


class ProposalListParams(Schema):
    limit: int = NField(50, ge=1, le=200)
    offset: int = NField(0, ge=0, le=10_000_000)
    status: ProposalStatusLiteral | None = None


class DueParams(Schema):
    facility: UnitCode = NField(description="Code of the facility")
    within_days: int = NField(14, ge=0, le=180, description="Also what falls due this soon")


# --- Shapes ------------------------------------------------------------------------------------


def _summary(e: Evaluation) -> dict:
    return {
        "id": e.pk,
        "person_id": e.person.uuid,
        "person_name": e.person.name,
        "stay_id": e.admission_id,
        "kind": e.kind,
        "status": e.status,
        "evaluated_on": e.evaluated_on,
        "detox_result": e.detox_result or None,
        "recovery_result": e.recovery_result or None,
        "behaviour_result": e.behaviour_result or None,
        "social_result": e.social_result or None,
        "passed": e.passed,
        "opinion": e.opinion or None,
        "community_rehab_recommended": e.community_rehab_recommended,
        "community_rehab_years": e.community_rehab_years,
    }


def _proposal_summary(p: Proposal, today) -> dict:
    return {
        "id": p.pk,
        "kind": p.kind,
        "status": p.status,
        "proposed_release_on": p.proposed_release_on,
        "proposed_extension_months": p.proposed_extension_months,
        "committee_on": p.committee_on,
        "submitted_on": p.submitted_on,
        "decision_due_by": p.decision_due_by,
        # 戒毒条例 Art. 33: the organ decides within 7 days of receipt.
        "overdue": p.status == ProposalStatus.SUBMITTED
        and p.decision_due_by is not None
        and today > p.decision_due_by,
        "decided_on": p.decided_on,
        "decision_number": p.decision_number,
        "approved_release_on": p.approved_release_on,
        "approved_extension_months": p.approved_extension_months,
    }


def _proposal_item(p: Proposal, today) -> dict:
    e = p.evaluation
    return {
        **_proposal_summary(p, today),
        "evaluation_id": e.pk,
        "stay_id": e.admission_id,
        "person_id": e.person.uuid,
        "person_name": e.person.name,
        "facility": e.admission.facility.code,
        "deciding_organ": p.measure.deciding_organ.code if p.measure.deciding_organ else None,
    }


def _proposal_of(e: Evaluation) -> Proposal | None:
    try:
        return e.proposal
    except Proposal.DoesNotExist:
        return None


def _pk(value: int) -> int:
    # A path id beyond the database's integer range is simply not there (SQLite would raise).
    if not 0 < value <= MAX_PK:
        raise Http404("id out of range")
    return value


# --- Scope -------------------------------------------------------------------------------------


def _evaluations(user):
    return Evaluation.objects.restrict(user, "view")


def _proposals(user):
    return queries.visible_proposals(user)


def _with_relations(qs):
    return qs.select_related(
        "evaluation__person", "evaluation__admission__facility", "measure__deciding_organ"
    )


# --- Evaluations -------------------------------------------------------------------------------


@router.get(
    "",
    response={200: EvaluationList, **UNAUTHENTICATED, **INVALID},
    summary="List evaluations in scope",
    description="诊断评估 of the stays at the facilities in the caller's scope, newest first; "
    "filter by `stay_id`, `person_id`, `kind`, `status`. `count` is the number of matches, "
    "`items` one page of them. A stay or person outside the scope gives an empty list." + LOGGED,
)
def list_evaluations(request, params: Query[EvaluationListParams]):
    filters = {}
    if params.stay_id is not None:
        filters["admission_id"] = params.stay_id
    if params.person_id is not None:
        filters["person__uuid"] = params.person_id
    if params.kind is not None:
        filters["kind"] = params.kind
    if params.status is not None:
        filters["status"] = params.status
    qs = _evaluations(request.auth).filter(**filters)
    count = qs.count()
    rows = qs.select_related("person").order_by("-evaluated_on", "-id")[
        params.offset : params.offset + params.limit
    ]
    log_access(
        AccessAction.SEARCH_PERSON,
        user=request.auth,
        query=" ".join(["evaluations", *(f"{k}={v}" for k, v in filters.items())]),
        result_count=count,
        channel="api",
    )
    return {"items": [_summary(e) for e in rows], "count": count}


@router.get(
    "/proposals",
    response={200: ProposalList, **UNAUTHENTICATED, **INVALID},
    summary="List proposals in scope",
    description="提前解除 and 延长 proposals the caller may see: the proposing facility sees all "
    "of its own, the deciding organ those the facility committee has sent (`submitted`, then "
    "`approved` or `rejected`). With `status=submitted` the list is the organ's work queue, the "
    "most urgent `decision_due_by` first (戒毒条例 Art. 33: within 7 days of receipt); otherwise "
    "newest first. `overdue` is computed against today." + LOGGED,
)
def list_proposals(request, params: Query[ProposalListParams]):
    qs = _proposals(request.auth)
    if params.status == ProposalStatus.SUBMITTED:
        qs = queries.proposals_for_organ(qs)
    elif params.status is not None:
        qs = qs.filter(status=params.status)
    count = qs.count()
    rows = _with_relations(qs)[params.offset : params.offset + params.limit]
    today = clock.today()
    log_access(
        AccessAction.SEARCH_PERSON,
        user=request.auth,
        query=f"evaluations proposals status={params.status or ''}",
        result_count=count,
        channel="api",
    )
    return {"items": [_proposal_item(p, today) for p in rows], "count": count}


@router.get(
    "/proposals/{id}",
    response={200: ProposalDetail, 404: ErrorOut, **UNAUTHENTICATED, **INVALID},
    summary="Open a proposal",
    description="The proposal with its reasons, the committee's and the organ's decisions."
    + SCOPE_NOTE
    + LOGGED,
)
def get_proposal(request, id: int):
    user = request.auth
    p = get_proposal_for_user(user, _pk(id))
    facility = p.evaluation.admission.facility
    if p.status not in queries.REACHED_ORGAN and not has_perm(user, VIEW_PROPOSAL, facility):
        raise Http404("proposal not yet sent to the deciding organ")
    log_access(
        AccessAction.VIEW_PERSON,
        user=request.auth,
        person_pk=p.evaluation.person_id,
        channel="api",
    )
    return {
        **_proposal_item(p, clock.today()),
        "reasons": p.reasons,
        "committee_by": p.committee_by,
        "committee_note": p.committee_note,
        "decided_by": p.decided_by.get_username() if p.decided_by else None,
        "decision_note": p.decision_note,
    }


@router.get(
    "/due",
    response={200: DueList, 404: ErrorOut, **UNAUTHENTICATED, **INVALID},
    summary="What is due at a facility",
    description="Handbooks (诊断评估手册, within 7 days of admission) and evaluations due by "
    "today + `within_days` for the people in the facility now, the earliest first; `overdue` "
    "when the day has passed. 404 when there is no such facility (a unit of another kind "
    "included) or the caller may not view its evaluations." + LOGGED,
)
def list_due(request, params: Query[DueParams]):
    user = request.auth
    facility = get_facility_for_user(user, params.facility)
    today = clock.today()
    rows = queries.due_for_stays(
        queries.open_stays(facility).restrict(user, "view"), today, within_days=params.within_days
    )
    log_access(
        AccessAction.SEARCH_PERSON,
        user=user,
        query=f"evaluations due facility={facility.code}",
        result_count=len(rows),
        channel="api",
    )
    with translation.override("zh-hans"):
        items = [
            {
                "stay_id": row.stay.pk,
                "person_id": row.stay.person.uuid,
                "person_name": row.stay.person.name,
                "kind": row.kind,
                "label": str(row.label),
                "due_on": row.due_on,
                "overdue": row.overdue,
            }
            for row in rows
        ]
    return {"items": items, "count": len(items)}


@router.get(
    "/{id}",
    response={200: EvaluationDetail, 404: ErrorOut, **UNAUTHENTICATED, **INVALID},
    summary="Open an evaluation with its items",
    description="The evaluation with every sheet item — what the centres' records suggested "
    "(`suggested_points`, `basis`) and what the evaluator confirmed (`points`, "
    "`override_reason`) — the dimension totals and results (诊断评估办法 Art. 6), the opinion "
    "(Art. 3) and its proposal, if any and the caller may view proposals." + SCOPE_NOTE + LOGGED,
)
def get_evaluation(request, id: int):
    e = get_evaluation_for_user(request.auth, _pk(id))
    log_access(AccessAction.VIEW_PERSON, user=request.auth, person_pk=e.person_id, channel="api")
    # The medical officer views evaluations but not proposals (roles.py).
    can_see_proposal = has_perm(request.auth, VIEW_PROPOSAL, e.admission.facility)
    proposal = _proposal_of(e) if can_see_proposal else None
    return {
        **_summary(e),
        "measure_id": e.measure_id,
        "evaluator": e.evaluator,
        "dimensions": e.dimensions,
        "scores": {d: float(total) for d, total in e.scores.items()},
        "summary": e.summary,
        "completed_at": e.completed_at,
        "items": [
            {
                "id": i.pk,
                "dimension": i.dimension,
                "code": i.code,
                "label": i.label,
                "max_points": float(i.max_points),
                "suggested_points": _float(i.suggested_points),
                "basis": i.basis,
                "points": _float(i.points),
                "override_reason": i.override_reason,
            }
            for i in e.items.all()
        ],
        "proposal": _proposal_summary(proposal, clock.today()) if proposal else None,
    }


def _float(value) -> float | None:
    return None if value is None else float(value)
