from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from jiedu.core.audit import AuditedModel
from jiedu.core.permissions import RestrictedQuerySet

from .choices import DIVISION_KINDS, UnitKind


class OrgUnitQuerySet(MP_NodeQuerySet, RestrictedQuerySet):
    def divisions(self):
        return self.filter(kind__in=DIVISION_KINDS)

    def subtree(self, unit):
        """`unit` and every unit below it: one prefix query on the indexed path."""
        return self.filter(path__startswith=unit.path)

    def granted(self, user, perm: str):
        """Active units where `user` holds `perm` (any permission codename, e.g. for pickers)."""
        from jiedu.core.permissions import scope_q

        qs = self.filter(is_active=True)
        q = scope_q(user, perm, "path")
        return qs if q is None else qs.filter(q)


class OrgUnitManager(MP_NodeManager):
    def get_queryset(self):
        return OrgUnitQuerySet(self.model, using=self._db).order_by("path")

    def restrict(self, user, action="view"):
        return self.get_queryset().restrict(user, action)

    def divisions(self):
        return self.get_queryset().divisions()

    def subtree(self, unit):
        return self.get_queryset().subtree(unit)

    def granted(self, user, perm: str):
        return self.get_queryset().granted(user, perm)


class OrgUnit(AuditedModel, MP_Node):
    """组织机构: an administrative division or an agency, one node of the single org tree.

    The materialized path (`path`, from treebeard) makes "this unit and everything below" a prefix
    query on an indexed column, on SQLite and PostgreSQL alike; data scope is built on it.
    """

    code = models.CharField(
        _("机构代码"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9-]+$", _("机构代码只能包含字母、数字和连字符。"), code="code"
            )
        ],
        help_text=_("行政区划填区划代码（6位）或乡镇统计代码；机构自定义唯一代码。"),
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=40, choices=UnitKind.choices)
    division_code = models.CharField(
        _("行政区划代码"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^\d{6}$", _("行政区划代码应为6位数字。"), code="division")],
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit_path = "path"
    audit_exclude = ("updated_at", "numchild")

    objects = OrgUnitManager()

    class Meta:
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        ordering = ["path"]

    def __str__(self):
        return self.name

    @property
    def is_division(self) -> bool:
        return self.kind in DIVISION_KINDS

    @property
    def parent_code(self) -> str | None:
        parent = OrgUnit.objects.get_parent(self)
        return parent.code if parent else None

    def full_name(self) -> str:
        """Names from the province down, e.g. 演示省 东湖市 江岸区."""
        return " ".join(u.name for u in [*OrgUnit.objects.get_ancestors(self), self])
