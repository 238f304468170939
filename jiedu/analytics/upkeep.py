"""Keeps the indicator facts current: the records' writes mark persons and units, and once the
transaction commits their facts are recomputed from the records (`facts.py`), once each however
many writes touched them.

Listening here (to `measures.signals.measure_changed` and to the saves of the records the
indicators read) keeps the other apps free of analytics code. Bulk loads that bypass saves
(`generate_synthetic`) end with `rebuild_facts`.
"""

from __future__ import annotations

import logging
import threading

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from jiedu.aftercare.models import FollowUpPlan, FollowUpVisit
from jiedu.centres.models import FacilityDrugTest
from jiedu.community.models import CommunityCase, CommunityDrugTest, DueItem
from jiedu.evaluations.models import Evaluation
from jiedu.measures.signals import measure_changed
from jiedu.people.models import Person

from . import facts

logger = logging.getLogger(__name__)

_pending = threading.local()


def _state(connection):
    """The marks waiting for this transaction's commit. Marks left from a transaction that
    rolled back (its callbacks dropped) are forgotten when the next transaction begins."""
    outer = connection.atomic_blocks[0] if connection.atomic_blocks else None
    if not hasattr(_pending, "persons") or _pending.outer is not outer:
        _pending.persons, _pending.paths, _pending.outer = set(), set(), outer
    return _pending


def _flush_scheduled(connection) -> bool:
    # Django drops the callbacks of a transaction (or savepoint) that rolls back, so whether a
    # flush is pending is read from the connection itself, never from a flag of ours.
    return any(entry[1] is flush for entry in connection.run_on_commit)


def mark(*, persons=(), paths=()) -> None:
    """Recompute the facts of these persons and the tallies of these units after commit."""
    connection = transaction.get_connection()
    state = _state(connection)
    # A flush is pending if marks wait and one is on the connection's list; once a flush has
    # run (commit, or a test running the callbacks) the marks are empty and a new one is due.
    pending = bool(state.persons or state.paths)
    state.persons.update(p for p in persons if p)
    state.paths.update(p for p in paths if p)
    if not connection.in_atomic_block:
        flush()
    elif not pending or not _flush_scheduled(connection):
        transaction.on_commit(flush)


def flush() -> None:
    state = _pending
    persons, paths = state.persons, state.paths
    state.persons, state.paths = set(), set()
    try:
        if persons:
            facts.save_person_facts(sorted(persons))
        if paths:
            facts.save_tallies(paths)
    except Exception:
        # The records are committed; a failed refresh leaves facts behind until the next write
        # of the same person or `manage.py rebuild_indicators`. Never turn a saved write into
        # an error page.
        logger.exception(
            "analytics: refreshing facts failed (persons=%s, units=%s)", persons, paths
        )


def _case_paths(**filters) -> list[str]:
    rows = CommunityCase.objects.filter(**filters).values_list(
        "unit__path", "transferred_from__path"
    )
    return [p for row in rows for p in row if p]


@receiver(measure_changed)
def _on_measure_changed(sender, measure, action, **kwargs):
    mark(persons=[measure.person_id], paths=_case_paths(measure=measure))


@receiver(post_save, sender=Person)
def _on_person_saved(sender, instance, **kwargs):
    mark(persons=[instance.pk])


@receiver(post_save, sender=CommunityDrugTest)
def _on_community_test(sender, instance, **kwargs):
    mark(persons=[instance.person_id], paths=_case_paths(pk=instance.case_id))


@receiver(post_save, sender=DueItem)
def _on_due_item(sender, instance, **kwargs):
    mark(paths=_case_paths(pk=instance.case_id))


@receiver(post_save, sender=FacilityDrugTest)
def _on_facility_test(sender, instance, **kwargs):
    mark(persons=[instance.person_id])


@receiver(post_save, sender=FollowUpVisit)
def _on_visit(sender, instance, **kwargs):
    path = FollowUpPlan.objects.filter(pk=instance.plan_id).values_list("unit__path", flat=True)
    mark(persons=[instance.person_id], paths=list(path))


@receiver(post_save, sender=FollowUpPlan)
def _on_plan(sender, instance, **kwargs):
    mark(persons=[instance.person_id], paths=[instance.unit.path])


@receiver(post_save, sender=Evaluation)
def _on_evaluation(sender, instance, **kwargs):
    path = instance.admission.facility.path
    mark(paths=[path])
