"""Fetching a stay for a centre's page: 404 when missing and when outside the user's scope alike.

Centre records hang off the stay (facilities.Admission); a user sees them only with the centre
permission at the stay's facility, and the health records only with the health permission.
"""

from django.http import Http404

from jiedu.core.permissions import has_perm
from jiedu.facilities.models import Admission
from jiedu.facilities.services import FACILITY_KINDS
from jiedu.orgs.models import OrgUnit


def get_facility_for_user(user, code: str, perm: str = "centres.view_record") -> OrgUnit:
    """The facility with `code` if `user` holds `perm` there; 404 for missing and forbidden."""
    facility = OrgUnit.objects.filter(code=code, kind__in=FACILITY_KINDS).first()
    if facility is None:
        raise Http404("facility not found")
    if not has_perm(user, perm, facility):
        raise Http404("no centre permission at this facility")
    return facility


def get_stay_for_user(user, pk: int, perm: str = "centres.view_record") -> Admission:
    stay = (
        Admission.objects.restrict(user, "view")
        .select_related("person", "measure", "facility", "zone", "bed")
        .filter(pk=pk)
        .first()
    )
    if stay is None:
        raise Http404("stay not found")
    if not has_perm(user, perm, stay.facility):
        raise Http404("no centre permission at this facility")
    return stay
