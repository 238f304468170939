"""The township work list's community sections: overdue items, items due today and within 7
days, and unseen alerts — read through the user's scope, in a fixed number of queries."""

import secrets
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiedu.community.choices import AlertKind, CaseState
from jiedu.community.models import CommunityCase
from jiedu.community.services.common import raise_alert
from jiedu.measures import services as measures
from jiedu.measures.choices import MeasureKind
from jiedu.testing.cast import PASSWORD, make_person
from jiedu.worklists import sections

pytestmark = pytest.mark.django_db
D = date.fromisoformat
REPORTED = D("2024-03-05")


class FirstDays:
    """A predictable stand-in for secrets.SystemRandom: the first days of each year."""

    def sample(self, population, k):
        return list(population)[:k]


@pytest.fixture(autouse=True)
def fixed_draws(monkeypatch):
    monkeypatch.setattr(secrets, "SystemRandom", FirstDays)  # year 1: 03-05, 03-06, 03-07


def at(day):
    return time_machine.travel(D(day) if isinstance(day, str) else day, tick=False)


_numbers = iter(range(1, 1000))


def active_case(cast, name, unit=None) -> CommunityCase:
    unit = unit or cast.township_a
    n = next(_numbers)
    with at(REPORTED):
        person = make_person(cast.worker_a, cast.township_a, name, date(1990, 1, n % 28 + 1))
        measure = measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=MeasureKind.COMMUNITY_DRUG_REHAB,
                decided_on=REPORTED,
                served_on=REPORTED,
                executing_unit=unit,
                deciding_organ=cast.deciding_organ,
                decision_number=f"社戒-{n}",
            ),
            actor=cast.police,
        )
        measures.report_in(measure, on=REPORTED, actor=cast.worker_a)
    return CommunityCase.objects.get(measure=measure)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def part(html, key):
    return html.split(f'id="section-{key}"')[1].split("</section>")[0]


def by_key(found):
    return {s.key: s for s in found}


def test_the_township_sections_show_overdue_due_soon_and_unseen_alerts(cast):
    case = active_case(cast, "周五")
    raise_alert(case, AlertKind.SERIOUS_BREACH, D("2024-04-02"), detail="拒检3次", source="b:1")
    found = by_key(sections.build(cast.worker_a, cast.township_a, D("2024-04-02")))
    overdue = found["community_overdue"]
    assert overdue.total == 3  # the random tests of 03-05, 03-06, 03-07
    assert {r.state for r in overdue.rows} == {"overdue"}
    assert overdue.rows[0].url == f"/community/cases/{case.pk}/schedule/"
    due = found["community_due"]
    assert due.total == 4  # month 1's test, talk, visit and self-report end 2024-04-04
    assert {r.due for r in due.rows} == {D("2024-04-04")}
    assert {r.state for r in due.rows} == {"upcoming"}
    assert found["community_alerts"].total == 1
    assert "拒检3次" in found["community_alerts"].rows[0].text
    on_the_day = by_key(sections.build(cast.worker_a, cast.township_a, D("2024-04-04")))
    assert {r.state for r in on_the_day["community_due"].rows} == {"due"}


def test_random_days_ahead_stay_hidden_from_readers_who_do_not_manage_the_case(cast):
    active_case(cast, "周五")
    worker = by_key(sections.build(cast.worker_a, cast.township_a, REPORTED))
    police = by_key(sections.build(cast.police, cast.township_a, REPORTED))
    assert worker["community_due"].total == 3  # today's and the next two random tests
    assert police["community_due"].total == 0
    later = by_key(sections.build(cast.police, cast.township_a, D("2024-04-02")))
    assert later["community_overdue"].total == 3  # once past, they are history


def test_closed_cases_and_other_townships_are_left_out(cast):
    kept = active_case(cast, "周五")
    elsewhere = active_case(cast, "吴六", unit=cast.township_b)
    closed = active_case(cast, "郑七")
    with at("2024-04-01"):
        measures.terminate(closed.measure, on=D("2024-04-01"), reason="death", actor=cast.police)
    assert CommunityCase.objects.get(pk=closed.pk).state == CaseState.CLOSED
    found = by_key(sections.build(cast.supervisor, cast.township_a, D("2024-04-02")))
    names = {r.person.name for r in found["community_overdue"].rows}
    assert names == {kept.person.name}
    assert elsewhere.person.name not in names


def test_the_work_list_page_reads_a_fixed_number_of_queries(client, cast):
    active_case(cast, "甲")
    login(client, cast.worker_a)
    url = "/worklist/"
    with at("2024-04-02"), CaptureQueriesContext(connection) as one:
        page = client.get(url, {"unit": cast.township_a.code})
    assert page.status_code == 200
    html = page.content.decode()
    assert "社区应办事项已逾期" in html and "今日及7日内应办" in html and "社区提醒（未阅）" in html
    for name in ("乙", "丙", "丁"):
        case = active_case(cast, name)
        raise_alert(case, AlertKind.FACE_REVIEW, D("2024-04-02"), source=f"c:{name}")
    with at("2024-04-02"), CaptureQueriesContext(connection) as four:
        html = client.get(url, {"unit": cast.township_a.code}).content.decode()
    assert all(name in part(html, "community_overdue") for name in "甲乙丙丁")
    assert part(html, "community_alerts").count("签到人脸待复核") == 3
    assert len(four) == len(one)


def test_an_outsider_sees_no_community_rows_of_another_county(client, cast):
    active_case(cast, "周五")
    found = by_key(sections.build(cast.outsider, cast.city, D("2024-04-02")))
    assert found["community_overdue"].total == 0
    assert found["community_alerts"].total == 0
    page = login(client, cast.outsider).get("/worklist/", {"unit": cast.township_a.code})
    assert page.status_code == 404
