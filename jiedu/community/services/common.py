"""What every community service shares: the permission check at the case's units, the date
checks, record fields, the case lock and alerts."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.permissions import has_perm_any
from jiedu.core.refusals import Refusal

from ..models import CaseAlert, CommunityCase


def case_units(case: CommunityCase) -> list:
    """The units whose grants reach the case: the township executing it, the unit managing the
    person (two-way control), and the deciding organ."""
    return [case.unit, case.person.managing_unit, case.measure.deciding_organ]


def require(actor, perm: str, case: CommunityCase, message=None) -> None:
    if not has_perm_any(actor, perm, case_units(case)):
        raise PermissionDenied(message or _("您无权办理该社区个案。"))


def check_day(case: CommunityCase, on: date, field: str = "on") -> None:
    """A record's day lies within the measure (from service) and not in the future."""
    if on > clock.today():
        raise Refusal(_("日期不能晚于今天。"), code="future_date", field=field)
    start = case.measure.served_on
    if on < start:
        raise Refusal(
            _("日期不能早于决定书送达日期（%(day)s）。"),
            code="before_measure",
            params={"day": start.isoformat()},
            field=field,
        )
    if case.measure.ended_on is not None and on > case.measure.ended_on:
        raise Refusal(
            _("日期不能晚于措施结束日期（%(day)s）。"),
            code="after_measure",
            params={"day": case.measure.ended_on.isoformat()},
            field=field,
        )


def check_open(case: CommunityCase) -> None:
    from ..choices import CaseState

    if case.state == CaseState.CLOSED:
        raise Refusal(_("该社区个案已结案，不能再登记。"), code="case_closed")


def record_fields(case: CommunityCase, actor) -> dict:
    """The fields every CaseRecord gets from its case and the acting user."""
    return {"case": case, "person_id": case.person_id, "recorded_by": str(actor or "system")}


def lock_case(case: CommunityCase) -> CommunityCase:
    # Two facts recorded at once (a refused test and an absence) must not both miss the breach
    # threshold they cross together: detection runs with the case row locked.
    return (
        CommunityCase.objects.select_for_update(of=("self",))
        .select_related("person", "person__managing_unit", "measure", "unit", "worker")
        .select_related("measure__deciding_organ")
        .get(pk=case.pk)
    )


def source_of(obj) -> str:
    """'<model>:<pk>' — how alerts, credit entries and due items name the record behind them."""
    return f"{obj._meta.model_name}:{obj.pk}"


def zh(value) -> str:
    """Labels stored in data (timeline, evidence) are written in the source language."""
    with translation.override("zh-hans"):
        return str(value)


def raise_alert(case: CommunityCase, kind: str, on: date, *, detail="", source="") -> CaseAlert:
    """An alert for the worker, once per (case, kind, source): a retry raises nothing new."""
    existing = CaseAlert.objects.filter(case=case, kind=kind, source=source).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return CaseAlert.objects.create(
                case=case,
                person_id=case.person_id,
                recorded_by="system",
                kind=kind,
                raised_on=on,
                detail=str(detail)[:300],
                source=source,
            )
    except IntegrityError:
        return CaseAlert.objects.get(case=case, kind=kind, source=source)
