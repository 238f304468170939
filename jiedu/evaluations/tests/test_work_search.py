"""A facility with hundreds of people: the evaluation work page and the centres' hub find one
person by name or pinyin, page the rest, and log the search like any person search."""

import pytest
from django.urls import reverse

from jiedu.core.models import AccessAction, AccessLogEntry

from .conftest import at

pytestmark = pytest.mark.django_db


def test_the_work_page_and_hub_find_a_person_and_log_the_search(cast, admit, client):
    wang = admit("2024-03-01", name="王小明")
    admit("2024-03-01", name="李大山")
    client.force_login(cast.facility_officer)
    work = reverse("evaluations:work", args=[cast.facility.code])
    hub = reverse("centres:hub", args=[cast.facility.code])
    with at("2024-03-20"):
        everyone = client.get(work).context["due"]
        found = client.get(work, {"q": "wxm"}).context["due"]
        hub_found = client.get(hub, {"q": "王小明"}).context["stays"]
    assert {d.stay.person.name for d in everyone} == {"王小明", "李大山"}
    assert {d.stay for d in found} == {wang}  # handbook and admission evaluation
    assert [s.pk for s in hub_found] == [wang.pk]
    searches = AccessLogEntry.objects.filter(action=AccessAction.SEARCH_PERSON)
    assert sorted(searches.values_list("query", flat=True)) == ["wxm", "王小明"]


def test_the_due_list_is_paged(cast, admit, client):
    for n in range(17):  # 3 rows each (handbook, admission and detox-stage evaluations): 51
        admit("2024-03-01", name=f"人员{n}")
    client.force_login(cast.facility_officer)
    work = reverse("evaluations:work", args=[cast.facility.code])
    with at("2024-03-20"):
        first = client.get(work).context["due"]
        second = client.get(work, {"page": 2}).context["due"]
    assert first.paginator.count == 51 and len(first) == 50 and len(second) == 1
