"""Helpers every part of the measures services shares."""

from __future__ import annotations

from datetime import date

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core.refusals import Refusal
from jiedu.people.models import Person

from ..choices import (
    ACTIVE_STATUSES,
    MeasureKind,
    MeasureStatus,
)
from ..models import Measure
from ..signals import measure_changed

K = MeasureKind
S = MeasureStatus


def _zh(value) -> str:
    """Labels stored in timeline data are written in the source language (Chinese)."""
    with translation.override("zh-hans"):
        return str(value)


def _check_on(on: date, not_before: date | None, what) -> None:
    if on > clock.today():
        raise Refusal(_("日期不能晚于今天。"), code="future_date", field="on")
    if not_before is not None and on < not_before:
        raise Refusal(
            _("日期不能早于%(what)s（%(day)s）。"),
            code="date_before_previous",
            params={"what": _zh(what), "day": not_before.isoformat()},
            field="on",
        )


def _sync_person_unit(person: Person) -> None:
    """Keep `Person.measure_unit` = the unit executing the person's current measure."""
    current = (
        Measure.objects.filter(person=person, status__in=ACTIVE_STATUSES)
        .exclude(kind=K.VOLUNTARY)
        .order_by("-decided_on", "-id")
        .first()
    ) or (
        Measure.objects.filter(person=person, status__in=ACTIVE_STATUSES)
        .order_by("-decided_on", "-id")
        .first()
    )
    unit_id = current.executing_unit_id if current else None
    if person.measure_unit_id != unit_id:
        person.measure_unit_id = unit_id
        person.save(update_fields=["measure_unit"])


def _close_open_pauses(measure: Measure, on: date) -> None:
    for pause in measure.pauses.filter(ended_on__isnull=True):
        pause.ended_on = max(on, pause.started_on)
        pause.save()


def notify_changed(measure: Measure, action: str, actor) -> None:
    """Tell the apps that follow a measure (the community case) that it changed."""
    measure_changed.send(sender=Measure, measure=measure, action=action, actor=actor)
