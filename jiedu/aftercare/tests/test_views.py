"""The follow-up pages: the index, a unit's list (overdue first, filters, paging, a fixed number of
queries), the plan page and its forms (refusals at the field, in Chinese), the person panel —
scoped: an outsider in county B gets 404 and sees nothing."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedu.aftercare.choices import PlanStatus
from jiedu.aftercare.models import FollowUpPlan, HelpRecord
from jiedu.aftercare.panels import aftercare_panel
from jiedu.core.models import AccessLogEntry

from .conftest import D, at, new_person, released_plan

pytestmark = pytest.mark.django_db

TODAY = "2024-04-10"  # the plan's first visit (due 2024-03-29) is overdue


def list_url(unit):
    return reverse("aftercare:plan_list", args=[unit.code])


def plan_url(plan):
    return reverse("aftercare:plan_detail", args=[plan.pk])


def get(client, user, url, **params):
    client.force_login(user)
    with at(TODAY):
        return client.get(url, params)


def post(client, user, url, data):
    client.force_login(user)
    with at(TODAY):
        return client.post(url, data)


# --- Index and list -----------------------------------------------------------------------------


def test_the_index_lists_the_units_with_their_counts(client, cast, plan):
    page = get(client, cast.supervisor, reverse("aftercare:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-unit="{cast.township_a.code}"' in html
    assert 'class="danger">1<' in html  # one plan with an overdue visit


def test_the_index_takes_a_user_with_one_unit_straight_to_its_list(client, cast):
    page = get(client, cast.outsider, reverse("aftercare:index"))
    assert page.status_code == 302
    assert page["Location"] == list_url(cast.county_b)


def test_the_list_shows_overdue_plans_first(client, cast, plan):
    later = released_plan(
        cast, new_person(cast, "李四"), decided="2022-03-16"
    )  # first visit 2024-04-15
    page = get(client, cast.worker_a, list_url(cast.township_a))
    assert page.status_code == 200
    rows = [p.pk for p in page.context["page"]]
    assert rows == [plan.pk, later.pk]
    html = page.content.decode()
    assert "逾期" in html and plan.person.name in html and "李四" in html
    assert AccessLogEntry.objects.filter(query=f"aftercare:{cast.township_a.code}").exists()


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"due": "overdue"}, ["张三"]),
        ({"due": "soon"}, ["李四"]),
        ({"status": "closed"}, ["王五"]),
        ({"status": "all"}, ["张三", "李四", "王五"]),
        ({}, ["张三", "李四"]),
        # Search by name, with the other filters.
        ({"q": "李四"}, ["李四"]),
        ({"q": "王五", "status": "all"}, ["王五"]),
        ({"q": "王五"}, []),
    ],
)
def test_the_list_filters(client, cast, plan, params, expected):
    released_plan(cast, new_person(cast, "李四"), decided="2022-03-16")  # first visit 2024-04-15
    closed = released_plan(cast, new_person(cast, "王五"), decided="2022-03-05")
    with at("2024-03-10"):
        from jiedu.aftercare.services import close_plan

        close_plan(closed, on=D("2024-03-10"), reason="transferred", actor=cast.worker_a)
    page = get(client, cast.worker_a, list_url(cast.township_a), **params)
    assert sorted(p.person.name for p in page.context["page"]) == sorted(expected)


def test_the_list_reads_a_fixed_number_of_queries(client, cast, plan):
    url = list_url(cast.township_a)
    get(client, cast.worker_a, url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        get(client, cast.worker_a, url)
    for name in ("李四", "王五", "赵六"):
        released_plan(cast, new_person(cast, name))
    with CaptureQueriesContext(connection) as four:
        page = get(client, cast.worker_a, url)
    assert page.context["page"].paginator.count == 4
    assert len(four) == len(one)


def test_an_outsider_gets_404_on_the_list_and_the_plan(client, cast, plan):
    assert get(client, cast.outsider, list_url(cast.township_a)).status_code == 404
    assert get(client, cast.outsider, list_url(cast.county_a)).status_code == 404
    assert get(client, cast.outsider, plan_url(plan)).status_code == 404
    outsider_list = get(client, cast.outsider, list_url(cast.county_b))
    assert outsider_list.context["page"].paginator.count == 0


def test_a_missing_plan_and_an_absurd_id_are_404(client, cast, plan):
    assert get(client, cast.worker_a, f"/aftercare/plans/{plan.pk + 100}/").status_code == 404
    assert get(client, cast.worker_a, f"/aftercare/plans/{2**64}/").status_code == 404
    assert get(client, cast.worker_a, "/aftercare/nope/").status_code == 404


# --- The plan page ------------------------------------------------------------------------------


def test_the_plan_page_shows_visits_help_and_the_control_state(client, cast, plan):
    page = get(client, cast.worker_a, plan_url(plan))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-state="overdue"' in html and 'data-state="upcoming"' in html
    assert 'data-in-control="1"' in html
    assert "2027-02-28" in html  # three years after release (戒毒条例 Art. 7)
    assert 'id="visit-form"' in html and 'id="help-form"' in html and 'id="close-form"' in html
    assert AccessLogEntry.objects.filter(
        action="view_person", person_pk=plan.person_id, user_id=cast.worker_a.pk
    ).exists()


def test_a_reader_sees_the_page_without_forms(client, cast, plan):
    html = get(client, cast.auditor, plan_url(plan)).content.decode()
    assert 'id="visits"' in html
    assert 'id="visit-form"' not in html and 'id="close-form"' not in html


def visit_data(plan, **changes):
    slot = plan.visits.get(month=1)
    data = {
        "visit-visit": str(slot.pk),
        "visit-visited_on": "2024-04-08",
        "visit-method": "home",
        "visit-contact_made": "on",
        "visit-status": "abstinent",
        "visit-test_result": "negative",
        "visit-employment": "employed",
        "visit-family_situation": "stable",
        "visit-note": "",
    }
    data.update(changes)
    return data


def test_the_worker_records_a_visit_through_the_form(client, cast, plan):
    url = reverse("aftercare:visit_record", args=[plan.pk])
    response = post(client, cast.worker_a, url, visit_data(plan))
    assert response.status_code == 302
    slot = plan.visits.get(month=1)
    assert slot.visited_on == D("2024-04-08")
    again = post(client, cast.worker_a, url, visit_data(plan))  # a double submission
    assert again.status_code == 302
    assert plan.visits.filter(visited_on__isnull=False).count() == 1


def test_a_future_visit_is_refused_at_its_field_in_chinese(client, cast, plan):
    url = reverse("aftercare:visit_record", args=[plan.pk])
    response = post(
        client, cast.worker_a, url, visit_data(plan, **{"visit-visited_on": "2024-05-01"})
    )
    assert response.status_code == 422
    form = response.context["visit_form"]
    assert form.errors["visited_on"] == ["日期不能晚于今天。"]
    blank = post(client, cast.worker_a, url, visit_data(plan, **{"visit-status": ""}))
    assert blank.context["visit_form"].errors["status"] == ["请选择回访时的现状。"]


def test_help_and_closing_through_the_forms(client, cast, plan):
    help_url = reverse("aftercare:help_record", args=[plan.pk])
    data = {
        "help-kind": "legal_aid",
        "help-given_on": "2024-04-01",
        "help-provider": "法律援助中心",
    }
    assert post(client, cast.worker_a, help_url, data).status_code == 302
    assert HelpRecord.objects.filter(plan=plan, kind="legal_aid").exists()
    bad = post(client, cast.worker_a, help_url, {**data, "help-amount": "-5"})
    assert bad.status_code == 422
    assert bad.context["help_form"].errors["amount"] == ["金额不能为负数。"]
    close_url = reverse("aftercare:plan_close", args=[plan.pk])
    early = post(client, cast.worker_a, close_url, {"close-on": TODAY, "close-reason": "completed"})
    assert early.status_code == 422
    assert "戒断未满三年" in early.context["close_form"].errors["reason"][0]
    done = post(
        client, cast.worker_a, close_url, {"close-on": TODAY, "close-reason": "transferred"}
    )
    assert done.status_code == 302
    assert FollowUpPlan.objects.get(pk=plan.pk).status == PlanStatus.CLOSED


def test_a_reader_cannot_post(client, cast, plan):
    url = reverse("aftercare:visit_record", args=[plan.pk])
    assert post(client, cast.auditor, url, visit_data(plan)).status_code == 404
    assert post(client, cast.outsider, url, visit_data(plan)).status_code == 404
    assert not plan.visits.filter(visited_on__isnull=False).exists()


# --- The person panel ---------------------------------------------------------------------------


def panel_for(user, person) -> str:
    request = RequestFactory().get("/people/")
    request.user = user
    with at(TODAY):
        return aftercare_panel(request, person)


def test_the_person_panel_shows_the_plan_next_visit_and_control(cast, plan):
    html = panel_for(cast.worker_a, plan.person)
    assert 'id="aftercare-plans"' in html
    assert plan_url(plan) in html
    assert "2024-03-29" in html and "逾期" in html
    assert 'data-in-control="1"' in html


def test_the_person_panel_is_hidden_without_the_permission(cast, plan):
    assert panel_for(cast.medic, plan.person) == ""  # reads the file, not the follow-up
    assert panel_for(cast.outsider, plan.person) == ""


def test_the_person_page_carries_the_panel(client, cast, plan):
    html = get(
        client, cast.worker_a, reverse("people:person_detail", args=[plan.person.uuid])
    ).content.decode()
    assert 'id="aftercare-plans"' in html


def test_the_navigation_links_to_the_follow_up_for_those_who_may_see_it(client, cast, plan):
    assert 'href="/aftercare/"' in get(client, cast.worker_a, "/").content.decode()
    assert 'href="/aftercare/"' not in get(client, cast.medic, "/").content.decode()
