"""What every centre service shares: the permission check at the stay's facility, the date
checks, and the creation of a record with its stay, person and recorder."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.permissions import has_perm
from jiedu.core.refusals import Refusal
from jiedu.facilities.models import Admission


def require(actor, perm: str, stay: Admission) -> None:
    if not has_perm(actor, perm, stay.facility):
        raise PermissionDenied(_("您无权在该戒毒所录入此记录。"))


def check_day(stay: Admission, on: date, field: str = "on") -> None:
    """A record's day lies within the stay and not in the future."""
    if on > clock.today():
        raise Refusal(_("日期不能晚于今天。"), code="future_date", field=field)
    if on < stay.admitted_on:
        raise Refusal(
            _("日期不能早于入所日期（%(day)s）。"),
            code="before_admission",
            params={"day": stay.admitted_on.isoformat()},
            field=field,
        )
    if stay.left_on is not None and on > stay.left_on:
        raise Refusal(
            _("日期不能晚于出所日期（%(day)s）。"),
            code="after_leaving",
            params={"day": stay.left_on.isoformat()},
            field=field,
        )


def record_fields(stay: Admission, actor) -> dict:
    """The fields every CentreRecord gets from its stay and the acting user."""
    return {"admission": stay, "person_id": stay.person_id, "recorded_by": str(actor)}
