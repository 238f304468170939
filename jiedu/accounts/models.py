import hashlib

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import AuditedModel
from jiedu.core.permissions import PERMISSIONS


class User(AuditedModel, AbstractUser):
    """用户: a staff member who signs in. What they may see comes only from memberships."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    audit_exclude = ("updated_at", "last_login")
    audit_redact = ("password",)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self):
        return self.display_name or self.username


class Role(AuditedModel):
    """角色: a named set of permission codenames (see core.permissions.PERMISSIONS)."""

    code = models.SlugField(_("角色代码"), max_length=50, unique=True)
    name = models.CharField(_("角色名称"), max_length=50)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    permissions = models.JSONField(_("权限"), default=list)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["code"]

    def __str__(self):
        # Seeded names are marked with gettext_noop in roles.py, so they translate here.
        return gettext(self.name)

    def clean(self):
        unknown = sorted(set(self.permissions) - PERMISSIONS.keys())
        if unknown:
            raise ValidationError(
                {"permissions": _("未知的权限：%(p)s") % {"p": ", ".join(unknown)}}
            )

    def permission_labels(self) -> list[str]:
        return [str(PERMISSIONS[p]) for p in self.permissions if p in PERMISSIONS]


class Membership(AuditedModel):
    """岗位: a user holds a role in an org unit; it covers that unit and everything below it."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("用户")
    )
    org_unit = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("所在单位"),
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("角色")
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "org_unit", "role"], name="membership_unique_user_unit_role"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.org_unit} · {self.role}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(AuditedModel):
    """API令牌: a bearer token for /api/v1/. Only its SHA-256 is stored; it acts as its user."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("用途"), max_length=100, blank=True)
    prefix = models.CharField(_("前缀"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    audit_exclude = ("last_used_at",)
    audit_redact = ("token_hash",)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
