from ninja import Router, Schema

from jiedu.core.api import UNAUTHENTICATED

from .models import OrgUnit

router = Router(tags=["org-units"])


class OrgUnitOut(Schema):
    code: str
    name: str
    kind: str
    parent_code: str | None
    division_code: str


@router.get(
    "",
    response={200: list[OrgUnitOut], **UNAUTHENTICATED},
    summary="Org units the caller may see",
    description="Units where the caller holds `orgs.view_orgunit`, in tree order; "
    "`parent_code` is null for the root.",
)
def list_org_units(request):
    units = list(OrgUnit.objects.restrict(request.auth, "view").order_by("path"))
    by_path = {u.path: u for u in units}
    parent_paths = {u.path[: -OrgUnit.steplen] for u in units if u.depth > 1} - by_path.keys()
    by_path.update({u.path: u for u in OrgUnit.objects.filter(path__in=parent_paths)})
    return [
        {
            "code": u.code,
            "name": u.name,
            "kind": u.kind,
            "parent_code": by_path[u.path[: -OrgUnit.steplen]].code if u.depth > 1 else None,
            "division_code": u.division_code,
        }
        for u in units
    ]
