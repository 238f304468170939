"""/api/v1/centres/stays/{stay_id}/points: one stay's behaviour points — months with their
entries and approvals, and the current management grade (分级管理)."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Prefetch
from ninja import Router, Schema, Status

from jiedu.core.api import INVALID, UNAUTHENTICATED, ErrorOut
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction

from ..access import get_stay_for_user
from ..models import PointApproval, PointEntry, PointMonth
from ..services import points as services

router = Router()


class StepOut(Schema):
    label: str
    leader: bool


class EntryOut(Schema):
    id: int
    on: date
    category: str
    kind: str
    points: float
    signed_points: float
    reason: str
    recorded_by: str


class ApprovalOut(Schema):
    step: int
    step_label: str
    decision: str
    decided_by: str
    decided_at: datetime
    note: str


class MonthOut(Schema):
    id: int
    month: date
    status: str
    total: float
    serious_violations: int
    grade: str
    approved_on: date | None
    chain: list[StepOut]
    next_step: int
    step_label: str
    entries: list[EntryOut]
    approvals: list[ApprovalOut]


class StayPointsOut(Schema):
    stay_id: int
    current_grade: str
    months: list[MonthOut]


def _month(m: PointMonth) -> dict:
    return {
        "id": m.pk,
        "month": m.month,
        "status": m.status,
        "total": float(m.total),
        "serious_violations": m.serious_violations,
        "grade": m.grade,
        "approved_on": m.approved_on,
        "chain": [{"label": s["label"], "leader": bool(s.get("leader"))} for s in m.chain],
        "next_step": m.next_step,
        "step_label": m.step_label,
        "entries": [
            {
                "id": e.pk,
                "on": e.on,
                "category": e.category,
                "kind": e.kind,
                "points": float(e.points),
                "signed_points": float(e.signed_points),
                "reason": e.reason,
                "recorded_by": e.recorded_by,
            }
            for e in m.entries.all()
        ],
        "approvals": [
            {
                "step": a.step,
                "step_label": a.step_label,
                "decision": a.decision,
                "decided_by": str(a.decided_by),
                "decided_at": a.decided_at,
                "note": a.note,
            }
            for a in m.approvals.all()
        ],
    }


@router.get(
    "/stays/{stay_id}/points",
    response={200: StayPointsOut, 404: ErrorOut, **UNAUTHENTICATED, **INVALID},
    summary="One stay's behaviour points",
    description="The stay's months (newest first) with their daily entries, the approval chain "
    "kept at submission and each step's decision, and `current_grade` — the grade of the latest "
    "approved month (`lenient` 宽管, `normal` 普管, `strict` 严管; `normal` until a month is "
    "approved). 404 both when there is no such stay and when the caller may not view the "
    "facility's centre records. Every call is written to the access log.",
)
def stay_points(request, stay_id: int):
    user = request.auth
    stay = get_stay_for_user(user, stay_id)
    log_access(AccessAction.VIEW_PERSON, user=user, person_pk=stay.person_id, channel="api")
    months = (
        PointMonth.objects.restrict(user, "view")
        .filter(admission=stay)
        .prefetch_related(
            Prefetch(
                "entries", queryset=PointEntry.objects.restrict(user, "view").order_by("on", "id")
            ),
            Prefetch(
                "approvals",
                queryset=PointApproval.objects.select_related("decided_by").order_by(
                    "decided_at", "id"
                ),
            ),
        )
        .order_by("-month", "-id")
    )
    return Status(
        200,
        {
            "stay_id": stay.pk,
            "current_grade": services.current_grade(stay),
            "months": [_month(m) for m in months],
        },
    )
