"""The org tree: subtree queries, allowed parents, management through the UI."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiedu.orgs import services
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit


def test_subtree_is_the_unit_and_everything_below_it(cast):
    codes = set(OrgUnit.objects.subtree(cast.city).values_list("code", flat=True))
    assert codes == {
        "990100",
        "990102",
        "990103",
        "990102001",
        "990103001",
        "990102-GA",
        "990100-GJ01",
        "990100-YL01",
    }
    assert "990000-SF01" not in codes


def test_a_township_cannot_hang_under_a_city(cast):
    with pytest.raises(ValidationError) as exc:
        services.create_unit(
            actor=cast.admin,
            parent=cast.city,
            code="990100999",
            name="错挂街道",
            kind=UnitKind.TOWNSHIP,
        )
    assert "parent" in exc.value.error_dict


def test_only_managers_of_the_parent_may_add_units(cast):
    with pytest.raises(PermissionDenied):
        services.create_unit(
            actor=cast.worker_a,
            parent=cast.county_a,
            code="990102-X",
            name="某站",
            kind=UnitKind.GUIDANCE_STATION,
        )


def test_admin_adds_a_unit_through_the_ui_and_it_is_audited(cast, client):
    from jiedu.core.models import ChangeLogEntry

    client.force_login(cast.admin)
    response = client.post(
        reverse("orgs:unit_create", args=[cast.county_a.code]),
        {"code": "990102-ZDZ", "name": "江岸区社区戒毒康复指导站", "kind": "guidance_station"},
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="990102-ZDZ")
    assert OrgUnit.objects.get_parent(unit) == cast.county_a
    assert ChangeLogEntry.objects.filter(
        object_type="orgs.orgunit", object_id=str(unit.pk)
    ).exists()


def test_a_duplicate_code_is_refused_at_the_code_field(cast, client):
    client.force_login(cast.admin)
    response = client.post(
        reverse("orgs:unit_create", args=[cast.county_a.code]),
        {"code": "990102001", "name": "重复", "kind": "guidance_station"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


def test_a_worker_sees_only_their_part_of_the_tree(cast, client):
    client.force_login(cast.worker_a)
    response = client.get(reverse("orgs:unit_list"))
    codes = {u.code for u, _ in response.context["rows"]}
    assert "990102" in codes and "990103" not in codes
    assert client.get(reverse("orgs:unit_edit", args=["990102"])).status_code == 404
