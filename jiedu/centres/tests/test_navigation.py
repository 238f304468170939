"""A facility's page leads to its centres and its evaluation centre; the deciding organ's menu
leads to the proposals it must decide."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_facility_page_links_the_centres_and_evaluations(cast, client):
    page = reverse("facilities:facility_detail", args=[cast.facility.code])
    client.force_login(cast.facility_officer)
    html = client.get(page).content.decode()
    assert reverse("centres:hub", args=[cast.facility.code]) in html
    assert reverse("evaluations:work", args=[cast.facility.code]) in html
    assert reverse("evaluations:proposal_list") not in html  # the organ's menu entry


def test_the_deciding_organ_has_the_proposals_in_its_menu(cast, client):
    client.force_login(cast.police)
    html = client.get(reverse("worklists:worklist")).content.decode()
    assert reverse("evaluations:proposal_list") in html
