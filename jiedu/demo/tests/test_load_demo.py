import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection

from jiedu.accounts.models import Membership, User
from jiedu.accounts.roles import DEFAULT_ROLES
from jiedu.core.models import ChangeLogEntry
from jiedu.core.permissions import has_perm
from jiedu.demo import province
from jiedu.demo.province import DEMO_PASSWORD
from jiedu.orgs.models import OrgUnit
from jiedu.people import services as people_services
from jiedu.people.models import (
    DrugUse,
    FamilyContact,
    HealthRecord,
    Person,
    PersonAlias,
    PersonEvent,
    PersonPhone,
)
from jiedu.utilities import resident_id

MODELS = (
    OrgUnit,
    User,
    Membership,
    Person,
    PersonAlias,
    PersonPhone,
    DrugUse,
    FamilyContact,
    HealthRecord,
    PersonEvent,
    ChangeLogEntry,
)


def run_load_demo(*args, **options) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo_output(db) -> str:
    return run_load_demo(persons=30)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def test_a_second_run_adds_nothing(demo_output):
    first = counts()
    assert first["Person"] >= 30
    assert first["DrugUse"] > 0 and first["FamilyContact"] > 0 and first["HealthRecord"] > 0

    again = run_load_demo("--persons", "30")

    assert counts() == first
    assert "本次新建 0 份" in again


def test_the_generator_is_reproducible_and_a_larger_run_extends_a_smaller_one():
    small = province.generate_persons(30)
    assert small == province.generate_persons(30)
    large = [s for s in province.generate_persons(60) if "dup" not in s.key]
    assert [s for s in small if "dup" not in s.key] == large[:30]


def test_every_role_has_a_demo_login_and_admin_is_a_superuser(demo_output):
    held = set(
        Membership.objects.filter(user__username__startswith="demo_").values_list(
            "role__code", flat=True
        )
    )
    assert {r["code"] for r in DEFAULT_ROLES} <= held
    assert User.objects.get(username="admin").is_superuser


def test_the_printed_table_lists_every_login_and_the_url(demo_output):
    for username, *_ in province.DEMO_USERS:
        assert username in demo_output
    assert "admin" in demo_output
    assert DEMO_PASSWORD in demo_output
    assert "http://127.0.0.1:8000/" in demo_output


def test_demo_users_can_log_in(demo_output, client):
    for username in ["admin", *(u[0] for u in province.DEMO_USERS)]:
        assert client.login(username=username, password=DEMO_PASSWORD), username
        client.logout()


def test_units_are_synthetic_and_id_numbers_valid_and_unique(demo_output):
    assert all(code.startswith("99") for code in OrgUnit.objects.values_list("code", flat=True))
    persons = list(Person.objects.all())
    numbers = [p.id_number for p in persons if p.id_number]
    assert len(numbers) >= 30
    assert len(set(numbers)) == len(numbers)
    for p in persons:
        if not p.id_number:
            continue
        parsed = resident_id.parse(p.id_number)
        assert parsed.division_code.startswith("99")
        assert (parsed.birth_date, parsed.gender) == (p.birth_date, p.gender)


def test_id_numbers_are_encrypted_in_the_database(demo_output):
    plain = {p.id_number for p in Person.objects.all() if p.id_number}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM people_person")
        stored = [row[0] for row in cursor.fetchall()]
    assert plain
    for value in stored:
        assert not any(number in (value or "") for number in plain)


def test_the_county_worker_sees_only_her_county_and_the_supervisor_the_whole_city(demo_output):
    worker = User.objects.get(username="demo_worker")
    supervisor = User.objects.get(username="demo_supervisor")
    outsider = User.objects.get(username="demo_outsider")
    county_a, county_b, city = unit("990102"), unit("990103"), unit("990100")

    seen_by_worker = Person.objects.restrict(worker, "view")
    assert seen_by_worker.exists()
    assert all(p.managing_unit.path.startswith(county_a.path) for p in seen_by_worker)
    assert not Person.objects.restrict(outsider, "view").filter(pk__in=seen_by_worker).exists()

    seen_by_supervisor = list(Person.objects.restrict(supervisor, "view"))
    paths = [p.managing_unit.path for p in seen_by_supervisor]
    assert all(path.startswith(city.path) for path in paths)
    assert any(path.startswith(county_a.path) for path in paths)
    assert any(path.startswith(county_b.path) for path in paths)
    assert len(seen_by_supervisor) < Person.objects.count()


def test_likely_duplicates_are_there_for_the_merge_screen(demo_output):
    by_key = Counter(Person.objects.values_list("name", "birth_date"))
    pairs = [key for key, n in by_key.items() if n > 1]
    assert 3 <= len(pairs) <= 5
    for name, birth_date in pairs:
        files = list(Person.objects.filter(name=name, birth_date=birth_date))
        assert sum(1 for p in files if not p.id_number) >= 1

    # One pair spans the two counties of 东湖市: the city supervisor can merge it.
    supervisor = User.objects.get(username="demo_supervisor")
    source, target = next(
        files
        for name, birth_date in pairs
        for files in [
            sorted(
                Person.objects.filter(name=name, birth_date=birth_date),
                key=lambda p: bool(p.id_number),
            )
        ]
        if files[0].managing_unit != files[1].managing_unit
    )
    assert has_perm(supervisor, "people.merge_person", source.managing_unit)
    merged = people_services.merge_persons(source, target, actor=supervisor)
    assert merged.pk == target.pk
