"""Fetching follow-up records for a user: 404 when missing and when outside scope alike, one
condition per line so that tests can cover each branch."""

from django.http import Http404

from jiedu.core.permissions import has_perm, has_perm_any
from jiedu.orgs.models import OrgUnit

from .models import FollowUpPlan
from .services import VIEW, plan_units

# The largest primary key a row can hold; a larger id in a URL names nothing (and SQLite would
# refuse to bind it).
MAX_PK = 2**63 - 1


def check_pk(pk) -> None:
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk <= MAX_PK:
        raise Http404("id out of range")


def get_plan_for_user(user, pk, perm: str = VIEW) -> FollowUpPlan:
    """The plan `pk`, if `user` may see it and holds `perm` at one of its units; else Http404."""
    check_pk(pk)
    plan = (
        FollowUpPlan.objects.restrict(user, "view")
        .select_related(
            "person",
            "person__managing_unit",
            "person__hukou_division",
            "measure",
            "measure__executing_unit",
            "unit",
        )
        .filter(pk=pk)
        .first()
    )
    if plan is None:
        raise Http404("plan not found")
    if not has_perm_any(user, perm, plan_units(plan)):
        raise Http404("no permission on this plan")
    return plan


def get_unit_for_user(user, code: str, perm: str = VIEW) -> OrgUnit:
    """A unit whose follow-up list the user may open."""
    unit = OrgUnit.objects.filter(code=code, is_active=True).first()
    if unit is None:
        raise Http404("unit not found")
    if not has_perm(user, perm, unit):
        raise Http404("no follow-up permission at this unit")
    return unit
