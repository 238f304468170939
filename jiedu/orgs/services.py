"""Writes to the org tree."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm

from .choices import ALLOWED_PARENTS, UnitKind
from .models import OrgUnit


def _check_parent(kind: str, parent: OrgUnit | None) -> None:
    allowed = ALLOWED_PARENTS[kind]
    if parent is None and allowed:
        raise ValidationError({"parent": _("该类型的机构必须有上级单位。")}, code="parent")
    if parent is not None and parent.kind not in allowed:
        raise ValidationError(
            {
                "parent": _("“%(kind)s”不能设在“%(parent)s”之下。")
                % {"kind": UnitKind(kind).label, "parent": UnitKind(parent.kind).label}
            },
            code="parent",
        )


def create_unit(
    *, actor, parent: OrgUnit | None, code: str, name: str, kind: str, division_code: str = ""
) -> OrgUnit:
    """Add a unit under `parent` (a root province when parent is None: superusers only)."""
    if parent is None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("只有超级管理员可以新建省级根单位。"))
    if parent is not None and not has_perm(actor, "orgs.manage_orgunit", parent):
        raise PermissionDenied(_("您无权在该单位下新建机构。"))
    _check_parent(kind, parent)
    unit = OrgUnit(code=code, name=name, kind=kind, division_code=division_code)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    with acting_as(actor), transaction.atomic():
        if parent is None:
            return OrgUnit.objects.add_root(instance=unit)
        return OrgUnit.objects.add_child(parent, instance=unit)


def update_unit(unit: OrgUnit, *, actor, **changes) -> OrgUnit:
    if not has_perm(actor, "orgs.manage_orgunit", unit):
        raise PermissionDenied(_("您无权修改该机构。"))
    with acting_as(actor), transaction.atomic():
        unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
        for field in ("name", "code", "division_code", "is_active"):
            if field in changes:
                setattr(unit, field, changes[field])
        unit.full_clean(exclude=["path", "depth", "numchild"])
        unit.save()
    return unit


def ensure_unit(
    *, parent: OrgUnit | None, code: str, name: str, kind: str, division_code: str = ""
) -> OrgUnit:
    """Idempotent create used by loaders (demo data, imports): find by code or add."""
    existing = OrgUnit.objects.filter(code=code).first()
    if existing is not None:
        return existing
    _check_parent(kind, parent)
    unit = OrgUnit(code=code, name=name, kind=kind, division_code=division_code)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        return OrgUnit.objects.add_root(instance=unit)
    parent.refresh_from_db()
    return OrgUnit.objects.add_child(parent, instance=unit)
