"""Data scope: a user of county A never reaches county B's people; the city above sees both."""

import pytest
from django.urls import reverse

from jiedu.people import services
from jiedu.people.models import (
    DrugType,
    DrugUse,
    FamilyContact,
    HealthRecord,
    Person,
    PersonAlias,
    PersonPhone,
)
from jiedu.testing.cast import make_person


@pytest.fixture
def people(cast, django_user_model):
    a = make_person(
        cast.worker_a, cast.county_a, "张三丰", aliases=("老张",), phones=("13800000001",)
    )
    b = make_person(cast.outsider, cast.county_b, "李四")
    services.save_drug_use(a, actor=cast.worker_a, drug_type=DrugType.objects.get(code="heroin"))
    services.save_drug_use(b, actor=cast.outsider, drug_type=DrugType.objects.get(code="heroin"))
    services.save_family_contact(a, actor=cast.worker_a, name="张父", relation="parent")
    services.save_family_contact(b, actor=cast.outsider, name="李母", relation="parent")
    services.update_health(a, {"hiv": "negative"}, actor=cast.medic)
    root = django_user_model.objects.create_superuser("root", password="x")
    services.update_health(b, {"hiv": "negative"}, actor=root)
    return a, b


@pytest.mark.parametrize(
    "model", [Person, PersonAlias, PersonPhone, DrugUse, FamilyContact, HealthRecord]
)
def test_a_grant_in_county_a_does_not_reach_county_b_for_every_people_model(cast, people, model):
    a, b = people
    # Health records need their own permission: the county-A medic holds it, the worker not.
    viewer = cast.medic if model is HealthRecord else cast.worker_a
    visible_to_a = model.objects.restrict(viewer, "view")
    person_field = "pk" if model is Person else "person_id"
    seen = set(visible_to_a.values_list(person_field, flat=True))
    assert b.pk not in seen
    assert a.pk in seen


def test_the_city_supervisor_sees_both_counties(cast, people):
    a, b = people
    seen = set(Person.objects.restrict(cast.supervisor, "view").values_list("pk", flat=True))
    assert {a.pk, b.pk} <= seen


def test_a_user_without_any_grant_sees_nothing(cast, people, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert not Person.objects.restrict(nobody, "view").exists()


def test_an_ended_membership_no_longer_grants(cast, people):
    membership = cast.worker_a.memberships.get()
    from jiedu.accounts.services import end_membership

    end_membership(membership, actor=cast.admin)
    cast.worker_a._jiedu_grants = None
    assert not Person.objects.restrict(cast.worker_a, "view").exists()


def test_outsider_cannot_list_search_open_or_edit_a_county_a_person(cast, people, client):
    a, _b = people
    client.force_login(cast.outsider)
    listing = client.get(reverse("people:person_list"))
    assert str(a.uuid) not in listing.content.decode()
    for q in ("zsf", "张三丰", "13800000001", a.id_number):
        page = client.get(reverse("people:person_list"), {"q": q})
        assert str(a.uuid) not in page.content.decode()
        assert page.context["page"].paginator.count == 0
    for name in ("person_detail", "person_edit", "person_history", "person_merge", "photo"):
        assert client.get(reverse(f"people:{name}", args=[a.uuid])).status_code == 404
    assert client.post(reverse("people:reveal_id", args=[a.uuid])).status_code == 404
    assert client.post(reverse("people:family_add", args=[a.uuid]), {}).status_code == 404


def test_supervisor_opens_files_of_both_counties(cast, people, client):
    a, b = people
    client.force_login(cast.supervisor)
    assert client.get(reverse("people:person_detail", args=[a.uuid])).status_code == 200
    assert client.get(reverse("people:person_detail", args=[b.uuid])).status_code == 200


def test_missing_and_forbidden_answer_the_same_404(cast, people, client):
    import uuid

    a, _ = people
    client.force_login(cast.outsider)
    forbidden = client.get(reverse("people:person_detail", args=[a.uuid]))
    missing = client.get(reverse("people:person_detail", args=[uuid.uuid4()]))
    assert forbidden.status_code == missing.status_code == 404
    import re

    def strip_tokens(body: bytes) -> str:
        return re.sub(
            r'(csrfmiddlewaretoken" value="|X-CSRFToken": "|name="next" value=")[^"]+',
            "",
            body.decode(),
        )

    assert strip_tokens(forbidden.content) == strip_tokens(missing.content)


def test_health_records_are_hidden_from_a_worker_without_the_health_permission(cast, people):
    a, _b = people
    assert not HealthRecord.objects.restrict(cast.worker_a, "view").exists()
    assert HealthRecord.objects.restrict(cast.medic, "view").filter(person=a).exists()
