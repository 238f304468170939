"""Which units' figures a user may open (`analytics.view_indicator`)."""

from __future__ import annotations

from django.http import Http404

from jiedu.core.permissions import grants_for, has_perm
from jiedu.orgs.models import OrgUnit

VIEW = "analytics.view_indicator"


def get_unit_for_user(user, code: str) -> OrgUnit:
    """The unit `code` when the user may see its figures; 404 for missing and forbidden alike."""
    unit = OrgUnit.objects.filter(code=code, is_active=True).first()
    if unit is None:
        raise Http404("unit not found")
    if not has_perm(user, VIEW, unit):
        raise Http404("no indicator permission at this unit")
    return unit


def top_units(user) -> list[OrgUnit]:
    """The highest units where the user holds the permission (their grants' own units; the
    roots of the tree for a superuser)."""
    paths = grants_for(user).paths(VIEW)
    units = OrgUnit.objects.filter(is_active=True)
    units = units.filter(depth=1) if paths is None else units.filter(path__in=paths)
    return list(units.order_by("path"))
