"""Fetching community records for a user: 404 when missing and when outside scope alike, one
condition per line so that tests can cover each branch."""

from django.http import Http404

from jiedu.core.permissions import has_perm, has_perm_any
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit

from .models import CommunityCase
from .services.common import case_units

# The largest primary key a row can hold; a larger id in a URL names nothing (and SQLite would
# refuse to bind it).
MAX_PK = 2**63 - 1

VIEW = "community.view_case"

# Units whose case list a user opens: the township, its 禁毒办, and the county above them.
CASE_LIST_KINDS = (UnitKind.TOWNSHIP, UnitKind.TOWNSHIP_OFFICE, UnitKind.COUNTY)


def check_pk(pk) -> None:
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk <= MAX_PK:
        raise Http404("id out of range")


def access_units(case: CommunityCase, perm: str) -> list:
    """Where a grant of `perm` reaches the case. Reading also reaches the township the case was
    transferred from (neither side loses the history, 戒毒条例 Art. 22); acting does not."""
    units = case_units(case)
    if perm == VIEW:
        units.append(case.transferred_from)
    return units


def get_case_for_user(user, pk, perm: str = VIEW) -> CommunityCase:
    """The case `pk`, if `user` may see it and holds `perm` at one of its units; else Http404."""
    check_pk(pk)
    case = (
        CommunityCase.objects.restrict(user, "view")
        .select_related(
            "person",
            "person__managing_unit",
            "person__hukou_division",
            "measure",
            "measure__deciding_organ",
            "unit",
            "transferred_from",
            "worker",
        )
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404("case not found")
    if not has_perm_any(user, perm, access_units(case, perm)):
        raise Http404("no permission on this case")
    return case


def get_record_for_user(model, user, pk, perm: str = VIEW):
    """A record of `model` (a CaseRecord: a test, an absence, a team member …) by `pk`, with its
    case attached (`record.case`), if `user` sees it and holds `perm` on the case; else
    Http404 — the same answer for missing and forbidden."""
    check_pk(pk)
    record = model.objects.restrict(user, "view").filter(pk=pk).first()
    if record is None:
        raise Http404(f"{model._meta.model_name} not found")
    record.case = get_case_for_user(user, record.case_id, perm)
    return record


def get_unit_for_user(user, code: str, perm: str = VIEW) -> OrgUnit:
    """A township (its office, or a county) whose community cases the user may list."""
    unit = OrgUnit.objects.filter(code=code, kind__in=CASE_LIST_KINDS).first()
    if unit is None:
        raise Http404("unit not found")
    if not has_perm(user, perm, unit):
        raise Http404("no community permission at this unit")
    return unit
