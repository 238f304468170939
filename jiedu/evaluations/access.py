"""Fetching evaluation records for a user: 404 when missing and when outside scope alike, one
condition per line so that tests can cover each branch."""

from django.http import Http404

from jiedu.core.permissions import has_perm
from jiedu.facilities.models import Admission
from jiedu.facilities.services import FACILITY_KINDS
from jiedu.orgs.models import OrgUnit

from .models import Evaluation, Proposal
from .queries import visible_proposals

# The largest primary key a row can hold; a larger id in a URL names nothing (and SQLite would
# refuse to bind it).
MAX_PK = 2**63 - 1


def _check_pk(pk) -> None:
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk <= MAX_PK:
        raise Http404("id out of range")


VIEW = "evaluations.view_evaluation"


def get_facility_for_user(user, code: str) -> OrgUnit:
    """A facility whose evaluation centre the user works in (or oversees)."""
    facility = OrgUnit.objects.filter(code=code, kind__in=FACILITY_KINDS).first()
    if facility is None:
        raise Http404("facility not found")
    if not has_perm(user, VIEW, facility):
        raise Http404("no evaluation permission at this facility")
    return facility


def get_stay_for_user(user, pk: int) -> Admission:
    """A stay whose evaluation file the user may read: the facility's evaluation permission, not
    the facility's general one."""
    _check_pk(pk)
    stay = (
        Admission.objects.select_related(
            "person", "measure", "facility", "zone", "bed", "measure__deciding_organ"
        )
        .filter(pk=pk)
        .first()
    )
    if stay is None:
        raise Http404("stay not found")
    if not has_perm(user, VIEW, stay.facility):
        raise Http404("stay not in scope")
    return stay


def get_evaluation_for_user(user, pk: int) -> Evaluation:
    _check_pk(pk)
    evaluation = (
        Evaluation.objects.restrict(user, "view")
        .select_related(
            "person", "measure", "admission__facility", "admission__zone", "admission__person"
        )
        .filter(pk=pk)
        .first()
    )
    if evaluation is None:
        raise Http404("evaluation not found")
    return evaluation


def get_proposal_for_user(user, pk: int) -> Proposal:
    """A proposal, seen by the facility that proposes it and the organ that decides it."""
    _check_pk(pk)
    proposal = (
        visible_proposals(user)
        .select_related(
            "evaluation__person",
            "evaluation__admission__facility",
            "measure__deciding_organ",
            "decided_by",
        )
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        raise Http404("proposal not found")
    return proposal
