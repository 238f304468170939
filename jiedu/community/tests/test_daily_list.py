"""What is due: the queries (overdue is a query, never a job), the worker's daily list, a
township's schedule, a case's full schedule, the contact form and the plan page."""

import secrets
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiedu.community.choices import AlertKind, DueKind, DueStatus
from jiedu.community.models import CommunityCase, Contact, DueItem, SchedulePlan
from jiedu.community.services import cases as case_services
from jiedu.community.services import schedule
from jiedu.community.services.common import raise_alert
from jiedu.community.tests.conftest import at
from jiedu.testing.cast import PASSWORD

pytestmark = pytest.mark.django_db
D = date.fromisoformat
REPORTED = D("2024-03-05")
PLANNED = {"scheduled_test", "talk", "home_visit", "self_report"}


class FirstDays:
    """A predictable stand-in for secrets.SystemRandom: the first days of each year."""

    def sample(self, population, k):
        return list(population)[:k]


@pytest.fixture(autouse=True)
def fixed_draws(monkeypatch):
    # Year 1's random tests fall on 2024-03-05, -06 and -07.
    monkeypatch.setattr(secrets, "SystemRandom", FirstDays)


@pytest.fixture
def case_for(cast, community_measure, reported_case):
    """case_for(name, worker=cast.worker_a) → an active case assigned to `worker`."""

    def build(name="张三", worker=None, unit=None):
        case = reported_case(community_measure(name=name, unit=unit), on=REPORTED)
        if worker is not False:
            with at(REPORTED):
                case, _warning = case_services.assign_worker(
                    case, worker or cast.worker_a, actor=cast.supervisor
                )
        return case

    return build


def kinds(queryset):
    return sorted(i.kind for i in queryset)


# --- The queries ---------------------------------------------------------------------------------


def test_due_today_overdue_and_the_next_seven_days_on_given_days(cast, case_for):
    case = case_for()
    cases = CommunityCase.objects.filter(pk=case.pk)
    # On the report day: the first random test is due today; the next two in the coming days.
    assert kinds(schedule.due_today(cases, D("2024-03-05"))) == ["random_test"]
    assert [i.due_on for i in schedule.due_within(cases, D("2024-03-05"))] == [
        D("2024-03-06"),
        D("2024-03-07"),
    ]
    assert not schedule.overdue(cases, D("2024-03-05")).exists()
    # 2024-04-04 is the last day of month 1: the test, talk, visit and self-report are due.
    assert kinds(schedule.due_today(cases, D("2024-04-04"))) == sorted(PLANNED)
    assert kinds(schedule.overdue(cases, D("2024-04-04"))) == ["random_test"] * 3
    assert kinds(schedule.due_within(cases, D("2024-03-28"))) == sorted(PLANNED)
    assert not schedule.due_within(cases, D("2024-03-27")).exists()
    # A test on 2024-04-01 satisfies month 1's test: it is neither due nor overdue any more.
    schedule.satisfy(case, [DueKind.SCHEDULED_TEST], D("2024-04-01"), source="t:1")
    assert kinds(schedule.overdue(cases, D("2024-04-06"))) == sorted(
        ["random_test"] * 3 + ["talk", "home_visit", "self_report"]
    )
    assert (
        schedule.open_items(cases).count()
        == DueItem.objects.filter(case=case, status=DueStatus.OPEN).count()
    )


def test_the_queries_take_a_units_cases_in_two_queries(cast, case_for, django_assert_num_queries):
    case_for("甲")
    case_for("乙", worker=False)
    cases = CommunityCase.objects.filter(unit=cast.township_a)
    # The case ids, then the items with their person, case and township (schedule.case_ids).
    with django_assert_num_queries(2):
        rows = list(schedule.overdue(cases, D("2024-04-06")))
        assert {r.person.name for r in rows} == {"甲", "乙"}
        assert all(r.case.unit == cast.township_a for r in rows)


# --- Pages ---------------------------------------------------------------------------------------


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def section(html, key):
    return html.split(f'id="section-{key}"')[1].split("</section>")[0]


def test_the_workers_daily_list_shows_today_overdue_next_days_and_new_alerts(
    client, cast, case_for
):
    mine = case_for("王一")
    case_for("李二", worker=False)
    with at("2024-04-06"):
        raise_alert(mine, AlertKind.POSITIVE_TEST, D("2024-04-06"), detail="吗啡阳性", source="x:1")
        page = login(client, cast.worker_a).get("/community/my/")
    assert page.status_code == 200
    html = page.content.decode()
    overdue = section(html, "overdue")
    assert "王一" in overdue and "李二" not in overdue
    assert 'id="section-overdue" data-count="7"' in html  # 3 random tests + month 1's four
    assert "随机抽检" in overdue
    assert '<span class="badge danger">32</span>' in overdue  # due 2024-03-05, 32 days ago
    assert '<span class="badge danger">2</span>' in overdue  # month 1 ended 2024-04-04
    assert "王一" not in section(html, "next_days")  # month 2 ends 2024-05-04
    alerts = section(html, "alerts")
    assert "吗啡阳性" in alerts and "检测阳性" in alerts

    # The toggle shows every open case the user may see.
    with at("2024-04-06"):
        everyone = client.get("/community/my/", {"all": "1"}).content.decode()
    assert "李二" in section(everyone, "overdue")


def test_the_daily_list_reads_a_constant_number_of_queries(client, cast, case_for):
    case_for("甲")
    login(client, cast.worker_a)
    with at("2024-04-06"), CaptureQueriesContext(connection) as one:
        assert client.get("/community/my/").status_code == 200
    for name in ("乙", "丙", "丁"):
        case = case_for(name)
        raise_alert(case, AlertKind.FACE_REVIEW, D("2024-04-06"), source=f"c:{name}")
    with at("2024-04-06"), CaptureQueriesContext(connection) as four:
        html = client.get("/community/my/").content.decode()
    assert all(name in section(html, "overdue") for name in "甲乙丙丁")
    assert len(four) == len(one)
    with at("2024-04-06"), CaptureQueriesContext(connection) as township:
        page = client.get(f"/community/{cast.township_a.code}/schedule/")
    assert page.status_code == 200
    assert all(name in section(page.content.decode(), "overdue") for name in "甲乙丙丁")
    assert len(township) <= len(one) + 2


def test_the_township_schedule_lists_every_case_of_the_unit(client, cast, case_for):
    case_for("甲")
    case_for("乙", worker=False)
    with at("2024-04-04"):
        html = login(client, cast.worker_a).get(f"/community/{cast.township_a.code}/schedule/")
    text = html.content.decode()
    today = section(text, "due_today")
    assert "甲" in today and "乙" in today
    assert today.count('data-kind="scheduled_test"') == 2


def test_outsiders_get_404_and_readers_cannot_record(client, cast, case_for):
    case = case_for()
    c = login(client, cast.outsider)
    with at("2024-04-06"):
        assert c.get(f"/community/{cast.township_a.code}/schedule/").status_code == 404
        assert c.get(f"/community/cases/{case.pk}/schedule/").status_code == 404
        post = c.post(
            f"/community/cases/{case.pk}/contacts/",
            {"contact-kind": "talk", "contact-on": "2024-04-06", "contact-attended": "on"},
        )
        assert post.status_code == 404
        assert c.get(f"/community/cases/{2**63}/schedule/").status_code == 404
        # An outsider's own daily list does not show county A's cases.
        assert "张三" not in c.get("/community/my/", {"all": "1"}).content.decode()
    client.logout()
    police = login(client, cast.police)
    with at("2024-04-06"):
        page = police.get(f"/community/cases/{case.pk}/schedule/")
        assert page.status_code == 200
        assert 'id="contact-form"' not in page.content.decode()
        post = police.post(
            f"/community/cases/{case.pk}/contacts/",
            {"contact-kind": "talk", "contact-on": "2024-04-06", "contact-attended": "on"},
        )
        assert post.status_code == 404
    assert not Contact.objects.exists()


def test_a_worker_records_a_talk_from_the_case_section(client, cast, case_for):
    case = case_for()
    c = login(client, cast.worker_a)
    with at("2024-04-06"):
        detail = c.get(f"/community/cases/{case.pk}/")
        html = detail.content.decode()
        assert 'id="schedule"' in html and 'id="contact-form"' in html
        assert f"/community/cases/{case.pk}/schedule/" in html
        bad = c.post(
            f"/community/cases/{case.pk}/contacts/",
            {"contact-kind": "talk", "contact-on": "2024-04-07", "contact-attended": "on"},
        )
        assert bad.status_code == 422
        assert "日期不能晚于今天" in bad.content.decode()
        ok = c.post(
            f"/community/cases/{case.pk}/contacts/",
            {
                "contact-kind": "talk",
                "contact-on": "2024-04-06",
                "contact-attended": "on",
                "contact-place": "家中",
                "next": f"/community/cases/{case.pk}/",
            },
        )
    assert ok.status_code == 302 and ok["Location"] == f"/community/cases/{case.pk}/"
    talk = DueItem.objects.get(case=case, kind="talk", status=DueStatus.DONE)
    assert talk.due_on == D("2024-05-04")
    assert Contact.objects.get(case=case).place == "家中"


def test_the_case_schedule_page_lists_every_item_of_the_term(client, cast, case_for):
    case = case_for()
    with at("2024-04-06"):
        page = login(client, cast.worker_a).get(f"/community/cases/{case.pk}/schedule/")
        filtered = client.get(
            f"/community/cases/{case.pk}/schedule/", {"kind": "scheduled_test", "status": "open"}
        )
    html = page.content.decode()
    assert html.count('data-kind="scheduled_test"') == 22
    assert html.count('data-kind="random_test"') == 9
    assert "金厢镇" in html  # the plan in force and its source
    assert filtered.content.decode().count("data-item=") == 22


# --- The plan page -------------------------------------------------------------------------------


def test_an_administrator_adds_a_plan_version_on_the_plan_page(client, cast):
    c = login(client, cast.admin)
    page = c.get("/community/plans/", {"unit": cast.province.pk, "kind": "community_drug_rehab"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "默认计划" in html and 'data-unit="990000"' in html
    assert 'value="12"' in html  # the form starts from the plan in force
    data = {
        "org_unit": cast.province.pk,
        "measure_kind": "community_drug_rehab",
        "effective_from": "2025-01-01",
        "random_tests_per_year": "4",
        "source": "演示省社区戒毒检测规定第5条",
        "kind_0": "scheduled_test",
        "from_0": "1",
        "to_0": "36",
        "interval_0": "2",
        "kind_1": "talk",
        "from_1": "1",
        "to_1": "36",
        "interval_1": "1",
    }
    bad = c.post("/community/plans/", {**data, "to_1": "40"})
    assert bad.status_code == 422
    assert "月份应在1至36之间" in bad.content.decode()
    ok = c.post("/community/plans/", data)
    assert ok.status_code == 302
    plan = SchedulePlan.objects.get()
    assert plan.random_tests_per_year == 4
    assert plan.rows[0] == {
        "kind": "scheduled_test",
        "from_month": 1,
        "to_month": 36,
        "interval_months": 2,
    }
    with at("2025-02-01"):
        overview = c.get("/community/plans/").content.decode()
    row = overview.split('data-unit="990102001" data-kind="community_drug_rehab"')[1]
    assert "演示省社区戒毒检测规定第5条" in row.split("</tr>")[0]


def test_only_rule_administrators_open_the_plan_page(client, cast):
    assert login(client, cast.worker_a).get("/community/plans/").status_code == 403
    client.logout()
    post = login(client, cast.supervisor).post("/community/plans/", {})
    assert post.status_code == 403
