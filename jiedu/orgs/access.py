from django.http import Http404

from .models import OrgUnit


def get_unit_for_user(user, code: str, action: str = "view") -> OrgUnit:
    unit = OrgUnit.objects.restrict(user, action).filter(code=code).first()
    if unit is None:
        raise Http404("unit not found")
    return unit
