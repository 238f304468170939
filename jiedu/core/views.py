"""Views and view helpers shared by every app."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from jiedu.core.permissions import grants_for, has_perm

PAGE_SIZE = 50

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def query_param(request, name: str = "q", max_length: int = 200) -> str:
    """A free-text GET parameter as one clean line: control characters (NUL, which PostgreSQL
    cannot store or compare, included) become spaces; at most `max_length` characters."""
    return _CONTROL_CHARS.sub(" ", request.GET.get(name, ""))[:max_length].strip()


def query_id(request, name: str) -> int | None:
    """A GET parameter naming a row id, or None when it is missing or not one: ASCII digits
    only ("²".isdigit() is true, int() refuses it) and short enough for a bigint."""
    raw = request.GET.get(name, "")
    if raw.isascii() and raw.isdigit() and len(raw) < 19:
        return int(raw)
    return None


def next_url(request, fallback: str) -> str:
    """Where to go after a POST: the form's `next` when it stays on this site, else `fallback`
    (never an open redirect: `//evil`, `/\\evil` and other hosts are refused)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def render_list(request, template: str, partial: str, context: dict) -> HttpResponse:
    """Full page, or just the results partial for an htmx request that is not boosted."""
    if request.htmx and not request.htmx.boosted:
        return render(request, partial, context)
    return render(request, template, context)


def apply_validation_error(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form fields it names (or on the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for error in exc.error_list:
            form.add_error(None, error)


@login_required
def home(request):
    memberships = (
        request.user.memberships.filter(is_active=True)
        .select_related("org_unit", "role")
        .order_by("org_unit__path")
    )
    grants = grants_for(request.user)
    shortcuts = []
    if grants.has_anywhere("measures.view_measure"):
        shortcuts.append(("worklists:worklist", _("工作清单")))
    if grants.has_anywhere("people.view_person"):
        shortcuts.append(("people:person_list", _("查询人员")))
    if grants.has_anywhere("people.add_person"):
        shortcuts.append(("people:person_create", _("新建档案")))
    if grants.has_anywhere("core.view_audit"):
        shortcuts.append(("core:audit_user_activity", _("审计查询")))
    if grants.has_anywhere("orgs.view_orgunit"):
        shortcuts.append(("orgs:unit_list", _("组织机构")))
    if grants.has_anywhere("accounts.manage_user"):
        shortcuts.append(("accounts:user_list", _("用户管理")))
    return render(
        request,
        "core/home.html",
        {
            "memberships": memberships,
            "shortcuts": shortcuts,
            "can_view_people": has_perm(request.user, "people.view_person"),
        },
    )
