"""The facts the services keep current equal a rebuild from the records."""

from datetime import date

import pytest
from django.core.management import call_command

from jiedu.analytics import stocks
from jiedu.analytics.models import (
    DailyChange,
    MeasureFact,
    MonthEndStock,
    MonthlyTally,
    PersonFact,
)

from .conftest import at

pytestmark = pytest.mark.django_db


def snapshot():
    def rows(model, order, **exclude):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        return list(model.objects.exclude(**exclude).order_by(*order).values_list(*fields))

    # The upkeep keeps month-end rows up to the latest month read; carry them to this month
    # as the first read would (rows that came to nothing stay at 0: not a difference). Months
    # after the travelled-to today come from writes made at the real today: left out.
    this_month = date(2026, 6, 1)
    stocks._roll_to(this_month)
    return {
        "changes": rows(DailyChange, ["code", "unit_path", "day"], delta=0),
        "month_ends": [
            row
            for row in rows(MonthEndStock, ["month", "code", "unit_path"], value=0)
            if row[2] <= this_month
        ],
        "persons": rows(PersonFact, ["person_id"]),
        "measures": rows(MeasureFact, ["measure_id"]),
        "tallies": rows(MonthlyTally, ["metric", "unit_path", "month"]),
    }


def test_rebuild_equals_the_incremental_facts(cast, province):
    incremental = snapshot()
    assert len(incremental["persons"]) == 7
    assert len(incremental["measures"]) == 9
    assert {r[2] for r in incremental["tallies"]} >= {"tests_due", "tests_done"}
    PersonFact.objects.all().delete()
    MeasureFact.objects.all().delete()
    MonthlyTally.objects.all().delete()
    DailyChange.objects.all().delete()
    MonthEndStock.objects.all().delete()
    with at("2026-06-30"):
        call_command("rebuild_indicators", chunk=3, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert snapshot() == incremental


def test_rebuild_repairs_facts_left_behind(cast, province):
    a1 = province["A1"]
    PersonFact.objects.filter(person=a1).update(control_exit_on=None, unit_path="wrong")
    MonthlyTally.objects.filter(metric="tests_due").update(value=999)
    with at("2026-06-30"):
        from jiedu.analytics.services import rebuild_facts

        counts = rebuild_facts()
    assert counts["persons"] == 7
    fact = PersonFact.objects.get(person=a1)
    assert fact.unit_path == cast.township_a.path
    assert str(fact.control_exit_on) == "2026-03-05"
    assert not MonthlyTally.objects.filter(value=999).exists()
