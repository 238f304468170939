"""Writes to users, memberships and API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm

from .models import ApiToken, Membership, Role, User, hash_token

TOKEN_PREFIX = "jd_"


def create_user(
    *,
    actor,
    username: str,
    display_name: str,
    password: str,
    phone: str = "",
    org_unit=None,
    role: Role | None = None,
) -> User:
    """A new staff account; with `org_unit` and `role`, its first membership too."""
    if org_unit is None or not has_perm(actor, "accounts.manage_user", org_unit):
        raise PermissionDenied(_("您无权在该单位新建用户。"))
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("该用户名已被使用。")}, code="unique")
    with acting_as(actor), transaction.atomic():
        user = User(username=username, display_name=display_name, phone=phone)
        user.set_password(password)
        user.save()
        if role is not None:
            Membership.objects.create(user=user, org_unit=org_unit, role=role)
    return user


def add_membership(*, actor, user: User, org_unit, role: Role) -> Membership:
    if not has_perm(actor, "accounts.manage_user", org_unit):
        raise PermissionDenied(_("您无权在该单位分配岗位。"))
    if user.pk == actor.pk and not actor.is_superuser:
        # Separation of duties: an administrator cannot widen their own access (e.g. to files).
        raise PermissionDenied(_("不能给自己分配岗位，请由其他管理员办理。"))
    with acting_as(actor), transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, org_unit=org_unit, role=role
        )
        if not created and not membership.is_active:
            membership.is_active = True
            membership.save()
    return membership


def end_membership(membership: Membership, *, actor) -> None:
    if not has_perm(actor, "accounts.manage_user", membership.org_unit):
        raise PermissionDenied(_("您无权修改该岗位。"))
    with acting_as(actor), transaction.atomic():
        membership.is_active = False
        membership.save()


def set_user_active(user: User, active: bool, *, actor) -> User:
    units = [m.org_unit for m in user.memberships.select_related("org_unit")]
    if not units or not all(has_perm(actor, "accounts.manage_user", u) for u in units):
        raise PermissionDenied(_("您无权停用或启用该用户。"))
    with acting_as(actor), transaction.atomic():
        user.is_active = active
        user.save()
    return user


def issue_token(
    *, actor, user: User, name: str = "", days: int | None = 365
) -> tuple[ApiToken, str]:
    """Create an API token for `user`; the plain token is returned once and never stored."""
    if actor.pk != user.pk and not has_perm(actor, "accounts.manage_token"):
        raise PermissionDenied(_("您无权为其他用户签发令牌。"))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with acting_as(actor), transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[:10],
            token_hash=hash_token(raw),
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
    return token, raw


def revoke_token(token: ApiToken, *, actor) -> None:
    if actor.pk != token.user_id and not has_perm(actor, "accounts.manage_token"):
        raise PermissionDenied(_("您无权吊销该令牌。"))
    with acting_as(actor), transaction.atomic():
        token.revoked_at = timezone.now()
        token.save()


def authenticate_token(raw: str) -> User | None:
    token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(raw or "")).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # bookkeeping, not audited
    return token.user
