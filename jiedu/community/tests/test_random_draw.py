"""Random (surprise) tests: at least 3 a year (domain.md §2.9, JX), drawn with the operating
system's cryptographic generator and audited."""

import secrets
from datetime import date

import pytest

from jiedu.community.choices import DueKind, DueStatus
from jiedu.community.models import DueItem, RandomDraw
from jiedu.community.tests.conftest import at, case_of
from jiedu.core.models import ChangeLogEntry
from jiedu.measures import services as measures
from jiedu.people.models import PersonEvent
from jiedu.testing.cast import PASSWORD

pytestmark = pytest.mark.django_db
D = date.fromisoformat
REPORTED = D("2024-03-05")
YEARS = [
    (1, D("2024-03-05"), D("2025-03-04")),
    (2, D("2025-03-05"), D("2026-03-04")),
    (3, D("2026-03-05"), D("2027-03-04")),
]


def test_each_year_of_the_term_gets_its_own_draw_of_distinct_days_inside_it(
    cast, community_measure, reported_case
):
    case = reported_case(community_measure(), on=REPORTED)
    draws = list(RandomDraw.objects.filter(case=case).order_by("year_index"))
    assert [(d.year_index, d.window_start, d.window_end) for d in draws] == YEARS
    for draw in draws:
        days = [D(v) for v in draw.days]
        assert draw.count == len(days) >= 3  # JX: ≥3 a year
        assert len(set(days)) == len(days)
        assert all(draw.window_start <= d <= draw.window_end for d in days)
        assert days == sorted(days)
        assert draw.method == "secrets.SystemRandom"
        assert draw.drawn_by == str(cast.worker_a)
        linked = DueItem.objects.filter(draw=draw, kind=DueKind.RANDOM_TEST)
        assert sorted(i.due_on for i in linked) == days
        assert all(i.window_start == i.due_on for i in linked)  # a surprise test is that day


def test_a_draw_never_picks_a_day_already_past(cast, community_measure, reported_case):
    # Reported on 2024-03-05 but recorded on 2024-03-20: year 1 is drawn from the 20th.
    measure = community_measure()
    with at("2024-03-20"):
        measures.report_in(measure, on=REPORTED, actor=cast.worker_a)
    draw = RandomDraw.objects.get(case=case_of(measure), year_index=1)
    assert draw.window_start == D("2024-03-20")
    assert all(D(v) >= D("2024-03-20") for v in draw.days)
    assert draw.count == 3


def test_every_draw_is_in_the_change_log_with_the_actor_and_on_the_timeline(
    cast, community_measure, reported_case
):
    case = reported_case(community_measure(), on=REPORTED)
    for draw in RandomDraw.objects.filter(case=case):
        entry = ChangeLogEntry.objects.get(
            object_type="community.randomdraw", object_id=str(draw.pk), action="create"
        )
        assert entry.username == cast.worker_a.username
        assert entry.user_id == cast.worker_a.pk
        assert entry.person_pk == case.person_id
        assert entry.changes["days"]["after"] == draw.days
        assert entry.changes["count"]["after"] == draw.count
    events = PersonEvent.objects.filter(person=case.person, code="community.draw.made")
    assert events.count() == 3
    assert all(set(e.data) == {"year", "count", "method"} for e in events)  # never the days


def test_two_cases_draw_different_days(cast, community_measure, reported_case):
    first = reported_case(community_measure(name="甲"), on=REPORTED)
    second = reported_case(community_measure(name="乙"), on=REPORTED)

    def days(case):
        return [d.days for d in RandomDraw.objects.filter(case=case).order_by("year_index")]

    # Same term, same plan, same moment: only the generator differs (1 in C(365, 3)³ to collide).
    assert days(first) != days(second)


def test_the_days_come_from_the_systems_cryptographic_generator(
    cast, community_measure, reported_case, monkeypatch
):
    taken = []

    class Fixed:
        """Stands in for secrets.SystemRandom: always the first days of the window."""

        def sample(self, population, k):
            taken.append((len(population), k))
            return list(population)[:k]

    monkeypatch.setattr(secrets, "SystemRandom", Fixed)
    case = reported_case(community_measure(), on=REPORTED)
    draws = RandomDraw.objects.filter(case=case).order_by("year_index")
    assert [d.days for d in draws] == [
        ["2024-03-05", "2024-03-06", "2024-03-07"],
        ["2025-03-05", "2025-03-06", "2025-03-07"],
        ["2026-03-05", "2026-03-06", "2026-03-07"],
    ]
    assert taken == [(365, 3), (365, 3), (365, 3)]


def test_a_short_last_year_owes_its_share_of_random_tests(cast, rehab_measure, reported_case):
    # 社区康复 of 30 months: the third year has 6 months → ⌈3 × 6 / 12⌉ = 2 random tests.
    case = reported_case(rehab_measure(term_months=30), on=REPORTED)
    counts = {d.year_index: d.count for d in RandomDraw.objects.filter(case=case)}
    assert counts == {1: 3, 2: 3, 3: 2}
    last = RandomDraw.objects.get(case=case, year_index=3)
    assert last.window_end == case.measure.term_end == D("2026-09-04")


def test_a_suspension_cancels_the_random_days_ahead(cast, community_measure, reported_case):
    measure = community_measure()
    case = reported_case(measure, on=REPORTED)
    with at("2024-06-10"):
        measures.suspend(measure, on=D("2024-06-10"), actor=cast.worker_a, reason="被逮捕")
    ahead = DueItem.objects.filter(case=case, kind=DueKind.RANDOM_TEST, due_on__gte="2024-06-10")
    assert ahead.count() >= 6
    assert set(ahead.values_list("status", flat=True)) == {DueStatus.CANCELLED}
    assert RandomDraw.objects.filter(case=case).count() == 3  # no draw while suspended


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


class Middle:
    """A predictable stand-in for secrets.SystemRandom: days 100, 101, … of the window."""

    def sample(self, population, k):
        return list(population)[100 : 100 + k]


def test_the_draw_audit_shows_the_days_only_to_those_who_manage_the_case(
    client, cast, community_measure, reported_case, monkeypatch
):
    monkeypatch.setattr(secrets, "SystemRandom", Middle)
    case = reported_case(community_measure(), on=REPORTED)
    first, second = RandomDraw.objects.filter(case=case, year_index__lte=2).order_by("year_index")
    assert first.days == ["2024-06-13", "2024-06-14", "2024-06-15"]
    url = f"/community/cases/{case.pk}/schedule/"
    with at("2024-07-01"):
        worker_page = login(client, cast.worker_a).get(url).content.decode()
        client.logout()
        # The deciding police may read the case (community.view_case), not manage it.
        police_page = login(client, cast.police).get(url)
    assert second.days[0] in worker_page
    assert 'class="draw-days"' in worker_page
    html = police_page.content.decode()
    assert police_page.status_code == 200
    section = html.split('id="draws"')[1].split("</section>")[0]
    assert f'data-draw="{second.pk}"' in section and "secrets.SystemRandom" in section
    assert str(cast.worker_a) in section
    assert 'class="draw-days"' not in section
    for value in second.days:
        assert value not in html
    # Past random days are history and visible to every reader; upcoming ones are not.
    rows = html.split('id="items"')[1].split("</section>")[0]
    assert rows.count('data-kind="random_test"') == 3
    assert all(value in rows for value in first.days)
