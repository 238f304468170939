"""Fetching portal records for a staff user: 404 when missing and when outside scope alike, one
condition per line so that tests can cover each branch. The case-level checks are the community
module's (`community.access`): a check-in is seen where its case is.

The portal's models are scoped with the community permissions (`scope_permission_app =
"community"`, `scope_permission_noun = "case"`): `restrict()` asks for `community.<action>_case`.
"""

from __future__ import annotations

from django.http import Http404

from jiedu.community.access import VIEW, access_units, check_pk
from jiedu.core.permissions import has_perm_any

from .models import CheckIn, EnrolledFace, PortalAccount
from .services import current_case


def restricted(queryset, user, action: str = "view"):
    """`queryset` within what `user` may `action` (`community.<action>_case`)."""
    return queryset.restrict(user, action)


def get_checkin_for_user(user, pk, perm: str = VIEW) -> CheckIn:
    """The check-in `pk`, if `user` sees its case and holds `perm` at one of its units."""
    check_pk(pk)
    checkin = (
        restricted(CheckIn.objects.all(), user)
        .select_related(
            "case",
            "case__person",
            "case__person__managing_unit",
            "case__measure",
            "case__measure__deciding_organ",
            "case__unit",
            "case__transferred_from",
            "account",
        )
        .filter(pk=pk)
        .first()
    )
    if checkin is None:
        raise Http404("check-in not found")
    if not has_perm_any(user, perm, access_units(checkin.case, perm)):
        raise Http404("no permission on this check-in")
    return checkin


def get_account_for_user(user, pk, perm: str = VIEW) -> PortalAccount:
    """The portal account `pk`, if `user` sees the person and holds `perm` on their open case
    (managing an account needs an open case; reading one does not)."""
    check_pk(pk)
    account = (
        restricted(PortalAccount.objects.all(), user)
        .select_related("person", "person__managing_unit")
        .filter(pk=pk)
        .first()
    )
    if account is None:
        raise Http404("account not found")
    if perm == VIEW:
        return account
    case = current_case(account.person)
    if case is None:
        raise Http404("no open case for this account")
    if not has_perm_any(user, perm, access_units(case, perm)):
        raise Http404("no permission on this account")
    return account


def get_face_for_user(user, pk) -> EnrolledFace:
    """An enrolled face photo, if `user` sees the person."""
    check_pk(pk)
    face = (
        restricted(EnrolledFace.objects.all(), user)
        .select_related("account", "account__person")
        .filter(pk=pk)
        .first()
    )
    if face is None:
        raise Http404("face not found")
    return face
