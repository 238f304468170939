"""The centres' hub of a facility, the page of one stay listing its centre files, and the
"五中心记录" section of the person page."""

import pytest
from django.urls import reverse

from jiedu.centres.panels import centres_panel
from jiedu.centres.views import hub
from jiedu.core.models import AccessLogEntry

from . import test_medical_setup as setup
from .test_medical_setup import admit

pytestmark = pytest.mark.django_db

medic, today, zones = setup.medic, setup.today, setup.zones


def test_the_hub_links_the_centres_work_pages_that_exist_and_lists_the_persons(
    cast, zones, today, client
):
    stay = admit(cast, zones, name="周四")
    client.force_login(cast.facility_officer)
    response = client.get(reverse("centres:hub", args=[cast.facility.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("centres:medical_work", args=[cast.facility.code]) in html
    assert reverse("centres:training_work", args=[cast.facility.code]) in html
    assert reverse("evaluations:work", args=[cast.facility.code]) in html
    assert reverse("centres:stay_file", args=[stay.pk]) in html and "周四" in html
    labels = [label for label, _url in hub.work_links(cast.facility)]
    assert "戒毒医疗中心" in [str(x) for x in labels]


def test_a_centre_without_pages_yet_is_left_out_not_an_error(cast):
    links = dict(hub.work_links(cast.facility))
    assert all(url.startswith("/") for url in links.values())
    assert hub._link("centres:nonexistent_work", cast.facility.code) is None


def test_the_stay_page_lists_the_centre_files_and_is_logged(cast, zones, today, client):
    stay = admit(cast, zones)
    client.force_login(cast.facility_officer)
    response = client.get(reverse("centres:stay_file", args=[stay.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("centres:medical_file", args=[stay.pk]) in html
    assert reverse("centres:training_file", args=[stay.pk]) in html
    assert reverse("evaluations:stay", args=[stay.pk]) in html
    assert AccessLogEntry.objects.filter(person_pk=stay.person_id).exists()


def test_users_of_other_units_get_404(cast, zones, today, client):
    stay = admit(cast, zones)
    for user in (cast.outsider, cast.medic, cast.worker_a, cast.auditor):
        client.force_login(user)
        assert client.get(reverse("centres:hub", args=[cast.facility.code])).status_code == 404
        assert client.get(reverse("centres:stay_file", args=[stay.pk])).status_code == 404
    client.force_login(cast.facility_officer)
    assert client.get(reverse("centres:hub", args=[cast.township_a.code])).status_code == 404


def test_the_person_panel_shows_the_stays_the_user_may_see(cast, zones, today, rf):
    stay = admit(cast, zones)
    request = rf.get("/")
    request.user = cast.facility_officer
    html = centres_panel(request, stay.person)
    assert "五中心记录" in html
    assert reverse("centres:medical_file", args=[stay.pk]) in html
    assert reverse("centres:stay_file", args=[stay.pk]) in html
    for user in (cast.worker_a, cast.medic, cast.outsider):  # no centre permission there
        request.user = user
        assert centres_panel(request, stay.person) == ""


def test_the_person_page_carries_the_panel(cast, zones, today, client):
    stay = admit(cast, zones)
    client.force_login(cast.facility_officer)
    html = client.get(reverse("people:person_detail", args=[stay.person.uuid])).content.decode()
    assert "五中心记录" in html
    client.force_login(cast.worker_a)  # sees the person, not the facility's centre records
    html = client.get(reverse("people:person_detail", args=[stay.person.uuid])).content.decode()
    assert "五中心记录" not in html
