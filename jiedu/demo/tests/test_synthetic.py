"""The synthetic population generator (`generate_synthetic`): its records are what the services
would have stored, the pages open on them, and a seed always gives the same population."""

from __future__ import annotations

import copy

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from jiedu.community.models import CommunityCase, CommunityDrugTest, DueItem
from jiedu.demo import synthetic
from jiedu.demo.synthetic.tree import TreeError, check_province_code
from jiedu.facilities.models import Admission
from jiedu.measures.choices import ACTIVE_STATUSES, MeasureKind
from jiedu.measures.models import Measure
from jiedu.measures.services.columns import refresh_clocks
from jiedu.orgs.models import OrgUnit
from jiedu.people.models import Person
from jiedu.people.services import refresh_search_text
from jiedu.testing.cast import make_user
from jiedu.utilities import resident_id

pytestmark = pytest.mark.django_db

PERSONS = 120
CLOCKS = (
    "term_start", "term_end", "early_release_from", "latest_end_with_extension",
    "transfer_due_from", "transfer_due_by", "police_stage_limit", "report_due_by", "paused_days",
)  # fmt: skip


def _generate(code="980000", persons=PERSONS, seed=7, chunk=70):
    return synthetic.generate(
        persons=persons,
        seed=seed,
        province_code=code,
        chunk=chunk,
        checkin_days=20,
        rebuild=False,
        pipeline=False,
    )


def _persons(code):
    province = OrgUnit.objects.get(code=code)
    return Person.objects.filter(managing_unit__path__startswith=province.path)


def test_generated_records_agree_with_the_services_and_the_pages_open(client):
    result = _generate()
    persons = _persons("980000")
    assert persons.count() == PERSONS
    measures = Measure.objects.filter(person__in=persons)
    kinds = set(measures.values_list("kind", flat=True))
    assert {MeasureKind.COMPULSORY_ISOLATION, MeasureKind.COMMUNITY_DRUG_REHAB} <= kinds
    assert MeasureKind.COMMUNITY_REHABILITATION in kinds
    # Plausible volumes: about one measure per person over the years, items over every term.
    assert PERSONS * 0.4 < measures.count() < PERSONS * 2.5
    assert DueItem.objects.filter(person__in=persons).count() > 10 * CommunityCase.objects.count()
    assert result.rows["people.Person"] == PERSONS

    # Every stored clock is what refresh_clocks computes from the same dates and pauses.
    for measure in measures.select_related("executing_unit"):
        again = refresh_clocks(copy.copy(measure))
        stored = Measure.objects.get(pk=measure.pk)
        assert [getattr(stored, f) for f in CLOCKS] == [getattr(again, f) for f in CLOCKS], (
            measure.pk
        )

    for person in persons.prefetch_related("measures"):
        # measure_unit as _sync_person_unit keeps it.
        open_ = sorted(
            (m for m in person.measures.all() if m.status in ACTIVE_STATUSES),
            key=lambda m: (m.decided_on, m.pk),
            reverse=True,
        )
        current = [m for m in open_ if m.kind != MeasureKind.VOLUNTARY] or open_
        assert person.measure_unit_id == (current[0].executing_unit_id if current else None)
        # search_text and the identity number as create_person stores them.
        text = person.search_text
        refresh_search_text(person)
        assert person.search_text == text
        number = resident_id.parse(person.id_number)
        assert number.birth_date == person.birth_date and number.gender == person.gender
        assert person.id_number.startswith("98")

    # A stay still open holds the measure that runs; a satisfied due item points at its record.
    for stay in Admission.objects.filter(person__in=persons, left_on__isnull=True):
        assert stay.measure.status in ACTIVE_STATUSES
    for test in CommunityDrugTest.objects.filter(due_item__isnull=False)[:50]:
        assert test.due_item.done_by_record == f"communitydrugtest:{test.pk}"
        assert test.due_item.window_start <= test.taken_on <= test.due_item.due_on

    user = make_user(
        "synthetic_supervisor", OrgUnit.objects.get(code="980000"), "township_supervisor"
    )
    client.force_login(user)
    person = persons.filter(measures__kind=MeasureKind.COMMUNITY_DRUG_REHAB).first()
    assert client.get(reverse("people:person_detail", args=[person.uuid])).status_code == 200
    assert client.get(reverse("people:person_list") + "?q=" + person.name).status_code == 200
    case = CommunityCase.objects.filter(person__in=persons).order_by("-opened_on").first()
    assert client.get(reverse("community:case_detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("community:index")).status_code == 200
    measure = measures.filter(kind=MeasureKind.COMPULSORY_ISOLATION).first()
    assert client.get(reverse("measures:measure_detail", args=[measure.pk])).status_code == 200

    # A second run on the same province is refused, and adds nothing.
    with pytest.raises(CommandError, match="already generated"):
        call_command("generate_synthetic", persons=10, province_code="980000", no_facts=True)
    assert _persons("980000").count() == PERSONS


def test_the_same_seed_gives_the_same_population():
    _generate("970000", persons=40, chunk=15)
    _generate("960000", persons=40, chunk=40)

    def facts(code):
        persons = _persons(code).order_by("id")
        return [
            (p.name, p.birth_date, p.gender, p.id_number[6:17],
             sorted((m.kind, m.status, m.decided_on, m.term_end) for m in p.measures.all()))
            for p in persons.prefetch_related("measures")
        ]  # fmt: skip

    assert facts("970000") == facts("960000")


@pytest.mark.parametrize("code", ["990000", "110000", "98000", "981000"])
def test_only_synthetic_province_codes_are_used(code):
    with pytest.raises(TreeError):
        check_province_code(code)
