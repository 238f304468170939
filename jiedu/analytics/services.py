"""Rebuilding the indicator facts from the records (`manage.py rebuild_indicators`)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

from jiedu.aftercare.control import PkRange
from jiedu.people.models import Person

from . import facts, stocks
from .models import DailyChange, MeasureFact, MonthEndStock, MonthlyTally, PersonFact


def rebuild_facts(*, chunk: int = 5000, progress: Callable[[str], None] | None = None) -> dict:
    """Recompute every fact row from the records, chunk by chunk of persons, then every monthly
    tally in one grouped pass. Returns the row counts. Safe to run while users work: each chunk is
    an upsert of rows computed by the same code the upkeep uses."""
    say = progress or (lambda message: None)
    # Every file, merged ones too: a merged file loses its person row but its measures stay
    # counted (the measure happened) under their own person.
    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        block = ids[start : start + chunk]
        facts.save_person_facts(PkRange(block[0], block[-1]), stocks=False)
        say(f"persons {min(start + chunk, len(ids))}/{len(ids)}")
    tallies = facts.compute_tallies(None)
    with transaction.atomic():
        MonthlyTally.objects.all().delete()
        MonthlyTally.objects.bulk_create(tallies, batch_size=5000)
    say(f"tallies {len(tallies)}")
    running = stocks.rebuild()
    say(f"running totals {running['changes']} changes, {running['month_ends']} month ends")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (PersonFact, MeasureFact, MonthlyTally, DailyChange, MonthEndStock):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return {
        "persons": PersonFact.objects.count(),
        "measures": MeasureFact.objects.count(),
        "tallies": len(tallies),
        **running,
    }
