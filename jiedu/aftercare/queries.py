"""What is due in the follow-up, as queries: the next scheduled visit of each plan, the plans of a
unit with it, and the visits due soon or overdue for the work list.

The next visit of a plan is its earliest scheduled visit not yet done: a missed visit stays due
until a visit is recorded for it (a visit that found nobody counts — `contact_made` is False).
Overdue is a comparison with today, made when the page opens; nothing waits for a job.
"""

from __future__ import annotations

from datetime import date

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from .choices import PlanStatus
from .models import FollowUpPlan, FollowUpVisit


def _open_slots(plan_ref="pk"):
    return FollowUpVisit.objects.filter(
        plan=OuterRef(plan_ref), visited_on__isnull=True, due_on__isnull=False
    )


def with_next_visit(plans: QuerySet, today: date) -> QuerySet:
    """Plans annotated with `next_due`, `next_month` (the next scheduled visit, None when all
    are done), `last_visited_on` and `urgency` (0 overdue, 1 scheduled, 2 none or closed)."""
    slots = _open_slots().order_by("due_on", "id")
    last = (
        FollowUpVisit.objects.filter(plan=OuterRef("pk"), visited_on__isnull=False)
        .order_by("-visited_on", "-id")
        .values("visited_on")[:1]
    )
    return plans.annotate(
        next_due=Subquery(slots.values("due_on")[:1]),
        next_month=Subquery(slots.values("month")[:1]),
        last_visited_on=Subquery(last),
    ).annotate(
        urgency=Case(
            When(status=PlanStatus.CLOSED, then=Value(2)),
            When(next_due__lt=today, then=Value(0)),
            When(next_due__isnull=False, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )


def counts_by_unit(plans: QuerySet, today: date, soon: date) -> dict[int, dict]:
    """{unit id: {"open", "overdue", "soon"}} of the open plans in `plans`, in one query."""
    overdue = Exists(_open_slots().filter(due_on__lt=today))
    due_soon = Exists(_open_slots().filter(due_on__gte=today, due_on__lte=soon))
    rows = (
        plans.filter(status=PlanStatus.OPEN)
        .values("unit")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(overdue)),
            soon=Count("id", filter=Q(due_soon)),
        )
        .order_by()
    )
    return {row["unit"]: row for row in rows}


def next_visits(plan_ids, until: date) -> QuerySet:
    """The next scheduled visit of each plan in `plan_ids` when it is due by `until` (overdue
    ones included), oldest first — one row per plan."""
    first_open = (
        FollowUpVisit.objects.filter(
            plan=OuterRef("plan"), visited_on__isnull=True, due_on__isnull=False
        )
        .order_by("due_on", "id")
        .values("id")[:1]
    )
    return (
        FollowUpVisit.objects.filter(
            plan_id__in=plan_ids,
            plan__status=PlanStatus.OPEN,
            visited_on__isnull=True,
            due_on__isnull=False,
            due_on__lte=until,
        )
        .filter(id=Subquery(first_open))
        .select_related("person", "plan__unit")
        .order_by("due_on", "id")
    )


def visit_state(visit: FollowUpVisit, plan: FollowUpPlan, today: date, soon: date) -> str:
    """done | overdue | due (within the due-soon days) | upcoming | cancelled (the plan ended
    before the visit was made) | extra (an unscheduled visit)."""
    if visit.visited_on is not None:
        return "done" if visit.due_on is not None else "extra"
    if plan.status == PlanStatus.CLOSED:
        return "cancelled"
    if visit.due_on < today:
        return "overdue"
    if visit.due_on <= soon:
        return "due"
    return "upcoming"
