"""The facts the services keep current equal a rebuild from the records."""

import pytest
from django.core.management import call_command

from jiedu.analytics.models import MeasureFact, MonthlyTally, PersonFact

from .conftest import at

pytestmark = pytest.mark.django_db


def snapshot():
    def rows(model, order):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        return list(model.objects.order_by(*order).values_list(*fields))

    return {
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
