"""The person page's panel of community cases: shown to whom may see the case, with the
measure, state, township, worker, credit and risk; nothing for others; constant queries."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from jiedu.community.panels import community_panel
from jiedu.community.services import credit
from jiedu.people.panels import PERSON_PANELS, register_panel

from .conftest import D, at


@pytest.fixture(autouse=True)
def registered():
    # CommunityConfig.ready() registers the panel; registering again is a no-op.
    register_panel(community_panel)


def panel_for(user, person) -> str:
    request = RequestFactory().get("/people/")
    request.user = user
    return community_panel(request, person)


def test_the_panel_is_registered_once():
    register_panel(community_panel)
    assert PERSON_PANELS.count(community_panel) == 1


def test_the_worker_sees_the_case_with_its_credit_and_risk(cast, community_case):
    case = community_case()
    credit.award(case, "test_negative", on=D("2024-03-02"), source="a")
    with at("2024-03-05"):
        credit.refresh_case(case)
        html = panel_for(cast.worker_a, case.person)
    assert 'id="community-cases"' in html
    assert reverse("community:case_detail", args=[case.pk]) in html
    assert "社区戒毒" in html
    assert "执行中" in html
    assert str(case.unit) in html
    assert 'data-tier="pass"' in html and "82" in html
    assert 'data-risk="low"' in html


def test_a_serious_breach_is_flagged(cast, community_case):
    case = community_case()
    case.serious_breach_since = D("2024-03-04")
    case.save(update_fields=["serious_breach_since"])
    html = panel_for(cast.worker_a, case.person)
    assert 'data-breach="1"' in html
    assert "2024-03-04" in html


def test_the_outsider_sees_nothing(cast, community_case):
    case = community_case()
    assert panel_for(cast.outsider, case.person) == ""


def test_a_user_without_the_community_permission_sees_nothing(cast, community_case):
    case = community_case()
    # The medical officer may read the person's file in county A but not community cases.
    assert panel_for(cast.medic, case.person) == ""


def test_a_person_without_a_community_case_shows_no_panel(cast):
    from .conftest import new_person

    person = new_person(cast, "王五")
    assert panel_for(cast.worker_a, person) == ""


def test_the_person_page_carries_the_panel(cast, community_case, client):
    case = community_case()
    client.force_login(cast.worker_a)
    with at("2024-03-05"):
        html = client.get(reverse("people:person_detail", args=[case.person.uuid])).content.decode()
    assert 'id="community-cases"' in html


def test_the_panel_takes_the_same_queries_for_one_case_or_three(
    cast, community_measure, reported_case
):
    from jiedu.measures import services as measures

    first = community_measure(served_on="2024-03-01")
    person = first.person
    panel_for(cast.worker_a, person)  # the user's grants are cached after the first call
    one = _count(cast.worker_a, person)
    # A refusal stays on file (its case waits for the police); a new community decision opens a
    # second case, and so on.
    with at("2024-03-20"):
        measures.refuse(first, on=D("2024-03-20"), actor=cast.worker_a)
    second = community_measure(served_on="2024-04-01", person=person)
    with at("2024-04-20"):
        measures.refuse(second, on=D("2024-04-20"), actor=cast.worker_a)
    third = community_measure(served_on="2024-05-01", person=person)
    reported_case(third, on="2024-05-01")
    with at("2024-05-02"):
        three = _count(cast.worker_a, person)
        assert panel_for(cast.worker_a, person).count("data-case=") == 3
    assert three == one


def _count(user, person) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        html = panel_for(user, person)
    assert html
    return len(ctx.captured_queries)


def test_the_panel_is_at_most_one_query(cast, community_case, django_assert_max_num_queries):
    case = community_case()
    panel_for(cast.worker_a, case.person)  # grants cached on the user
    with django_assert_max_num_queries(1):
        panel_for(cast.worker_a, case.person)
