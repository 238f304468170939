"""Portal sign-in: the person's own session, apart from staff authentication.

A portal session stores the account id under its own key (`portal_account_id`) and never calls
`django.contrib.auth.login`, so `request.user` stays anonymous and no staff page, permission or
API token can be reached with it. The other way round, a browser signed in as staff is not a
portal session (signing in to the portal signs staff out). The session also holds a hash of the
account's password, so a password reset by the worker signs out every device that used the old
one (as Django does for staff).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import logout as staff_logout
from django.core.exceptions import PermissionDenied
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf

from .models import PortalAccount

ACCOUNT_KEY = "portal_account_id"
HASH_KEY = "portal_account_hash"
_HASH_SALT = "jiedu.checkins.auth.session-hash"


def _session_hash(account: PortalAccount) -> str:
    return salted_hmac(_HASH_SALT, account.password, algorithm="sha256").hexdigest()


def login(request, account: PortalAccount) -> None:
    """Start a portal session for `account` (after `services.authenticate`)."""
    if request.user.is_authenticated or SESSION_KEY in request.session:
        staff_logout(request)  # one browser session is staff or a person, never both
    request.session.cycle_key()  # no session fixation: a new key for the signed-in session
    request.session[ACCOUNT_KEY] = account.pk
    request.session[HASH_KEY] = _session_hash(account)
    rotate_token(request)


def refresh_session(request, account: PortalAccount) -> None:
    """After the person changed their password: keep this device signed in, with a new key."""
    request.session.cycle_key()
    request.session[HASH_KEY] = _session_hash(account)


def logout(request) -> None:
    request.session.flush()


def get_account(request, *, with_person: bool = True) -> PortalAccount | None:
    """The signed-in portal account, or None (also for a staff session). The API's check-in
    needs only the person's id, so it reads the account without the (wide) person row."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return None
    pk = request.session.get(ACCOUNT_KEY)
    if pk is None:
        return None
    accounts = (
        PortalAccount.objects.select_related("person") if with_person else PortalAccount.objects
    )
    account = accounts.filter(pk=pk, is_active=True).first()
    if account is None or not constant_time_compare(
        request.session.get(HASH_KEY, ""), _session_hash(account)
    ):
        request.session.flush()
        return None
    return account


def portal_login_required(view=None, *, allow_must_change: bool = False):
    """Portal pages: sign in first; change the worker's first password before anything else."""

    def decorate(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            account = get_account(request)
            if account is None:
                login_url = reverse("checkins:login")
                return redirect(f"{login_url}?next={quote(request.get_full_path())}")
            if account.must_change_password and not allow_must_change:
                return redirect("checkins:password")
            request.portal_account = account
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


class PortalSessionAuth(APIKeyCookie):
    """API auth for the person's phone: the portal session cookie, with Django's CSRF check
    (the `X-CSRFToken` header) because a browser sends cookies by itself. No session cookie:
    401 (as for a missing bearer token), so staff tokens get 401 here, never a CSRF error."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = (
        "The person portal's session cookie (sign in at /portal/login/); unsafe methods also "
        "need the CSRF token in the `X-CSRFToken` header."
    )

    def __init__(self):
        super().__init__(csrf=True)

    def _get_key(self, request):
        key = request.COOKIES.get(self.param_name)
        if not key:
            return None
        if check_csrf(request) is not None:
            raise PermissionDenied(_("CSRF校验失败：请刷新本人端页面后重试。"))
        return key

    def authenticate(self, request, key):
        if not key:
            return None
        account = get_account(request, with_person=False)
        if account is None:
            return None
        if account.must_change_password:
            raise PermissionDenied(_("请先在本人端修改初始密码。"))
        return account
