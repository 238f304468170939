"""The work list's "回访到期" section: the next follow-up visit of each open plan of the unit,
overdue or due within 7 days, within the user's scope, in a fixed number of queries."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiedu.aftercare import services
from jiedu.aftercare.tests.conftest import new_person, released_plan
from jiedu.testing.cast import PASSWORD
from jiedu.worklists import sections

pytestmark = pytest.mark.django_db
D = date.fromisoformat


def at(day):
    return time_machine.travel(D(day), tick=False)


def by_key(found):
    return {s.key: s for s in found}


def part(html, key):
    return html.split(f'id="section-{key}"')[1].split("</section>")[0]


def test_the_section_shows_the_next_visit_overdue_or_due_within_a_week(cast):
    overdue = released_plan(cast)  # month 1 due 2024-03-29
    soon = released_plan(cast, new_person(cast, "李四"), decided="2022-03-16")  # due 2024-04-15
    released_plan(cast, new_person(cast, "王五"), decided="2022-03-25")  # due 2024-04-24: later
    found = by_key(sections.build(cast.worker_a, cast.township_a, D("2024-04-10")))
    section = found["aftercare_due"]
    assert section.title == "回访到期"
    rows = [(r.person.name, r.due, r.state) for r in section.rows]
    assert rows == [
        (overdue.person.name, D("2024-03-29"), "overdue"),
        ("李四", D("2024-04-15"), "upcoming"),
    ]
    assert section.rows[0].url == f"/aftercare/plans/{overdue.pk}/"
    assert soon.pk


def test_a_recorded_visit_leaves_the_section_and_a_closed_plan_is_left_out(cast):
    plan = released_plan(cast)
    with at("2024-04-02"):
        services.record_visit(
            plan,
            visited_on=D("2024-04-02"),
            method="phone",
            contact_made=True,
            status="abstinent",
            actor=cast.worker_a,
        )
    found = by_key(sections.build(cast.worker_a, cast.township_a, D("2024-04-10")))
    assert found["aftercare_due"].total == 0
    found = by_key(sections.build(cast.worker_a, cast.township_a, D("2024-05-25")))
    assert [r.due for r in found["aftercare_due"].rows] == [D("2024-05-29")]  # month 3
    with at("2024-05-25"):
        services.close_plan(plan, on=D("2024-05-25"), reason="transferred", actor=cast.worker_a)
    found = by_key(sections.build(cast.worker_a, cast.township_a, D("2024-05-25")))
    assert found["aftercare_due"].total == 0


def test_an_outsider_sees_nothing_of_another_county(client, cast):
    released_plan(cast)
    found = by_key(sections.build(cast.outsider, cast.city, D("2024-04-10")))
    assert found["aftercare_due"].total == 0
    found = by_key(sections.build(cast.outsider, cast.county_b, D("2024-04-10")))
    assert found["aftercare_due"].total == 0


def test_the_work_list_page_reads_a_fixed_number_of_queries(client, cast):
    released_plan(cast)
    assert client.login(username=cast.worker_a.username, password=PASSWORD)
    url = "/worklist/"
    with at("2024-04-10"):
        client.get(url, {"unit": cast.township_a.code})  # warm the session
    with at("2024-04-10"), CaptureQueriesContext(connection) as one:
        client.get(url, {"unit": cast.township_a.code})
    for name in ("乙", "丙", "丁"):
        released_plan(cast, new_person(cast, name))
    with at("2024-04-10"), CaptureQueriesContext(connection) as four:
        html = client.get(url, {"unit": cast.township_a.code}).content.decode()
    assert all(name in part(html, "aftercare_due") for name in "乙丙丁")
    assert "回访到期" in html
    assert len(four) == len(one)
