"""Fetching facility records for a user: 404 when missing and when outside scope alike."""

from django.http import Http404

from jiedu.core.permissions import has_perm
from jiedu.orgs.models import OrgUnit

from .models import Admission
from .services import FACILITY_KINDS


def get_stay_for_user(user, pk: int) -> Admission:
    stay = (
        Admission.objects.restrict(user, "view")
        .select_related("person", "measure", "facility", "zone", "bed", "measure__deciding_organ")
        .filter(pk=pk)
        .first()
    )
    if stay is None:
        raise Http404("stay not found")
    return stay


def get_facility_for_user(user, code: str) -> OrgUnit:
    facility = OrgUnit.objects.filter(code=code, kind__in=FACILITY_KINDS).first()
    if facility is None:
        raise Http404("facility not found")
    if not has_perm(user, "facilities.view_admission", facility):
        raise Http404("facility not in scope")
    return facility
