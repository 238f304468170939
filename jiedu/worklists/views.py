"""The work list page: what is due or overdue at one unit, by section."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from jiedu.core import clock
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm
from jiedu.core.views import query_param
from jiedu.orgs.models import OrgUnit

from . import sections


def _units(user):
    """The units whose work lists the user can open: those of their posts that grant it."""
    seen = []
    for m in (
        user.memberships.filter(is_active=True, org_unit__is_active=True)
        .select_related("org_unit", "role")
        .order_by("org_unit__path")
    ):
        if "measures.view_measure" in m.role.permissions and m.org_unit not in seen:
            seen.append(m.org_unit)
    return seen


@login_required
def worklist(request):
    if not has_perm(request.user, "measures.view_measure"):
        raise PermissionDenied
    units = _units(request.user)
    code = query_param(request, "unit", 32)
    if code:
        unit = OrgUnit.objects.filter(code=code, is_active=True).first()
        if unit is None or not has_perm(request.user, "measures.view_measure", unit):
            raise Http404("unit not in scope")
    elif units:
        unit = units[0]
    else:
        unit = None
    today = clock.today()
    found = sections.build(request.user, unit, today) if unit else []
    log_access(
        AccessAction.SEARCH_PERSON,
        user=request.user,
        query=f"worklist:{unit.code}" if unit else "worklist",
        result_count=sum(s.total for s in found),
    )
    return render(
        request,
        "worklists/worklist.html",
        {"unit": unit, "units": units, "sections": found, "today": today},
    )
