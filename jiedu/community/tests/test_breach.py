"""The arithmetic of 戒毒条例 Art. 20 (community.breach), without the database."""

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiedu.community.breach import Period, Thresholds, count_breach, merged_periods
from jiedu.community.choices import BreachRule

D = date.fromisoformat
ON = D("2024-12-31")
ART20 = Thresholds(refused_tests=3, absences=3, days_away=30)


def days(*values):
    return [D(v) for v in values]


@pytest.mark.parametrize(
    ("article", "tests", "serious", "since"),
    [
        (
            "戒毒条例 Art. 20: 2 refused tests are not 3次以上",
            ["2024-04-01", "2024-05-01"],
            False,
            None,
        ),
        (
            "戒毒条例 Art. 20: 3 refused tests = 3次以上",
            ["2024-04-01", "2024-05-01", "2024-06-01"],
            True,
            "2024-06-01",
        ),
        (
            "戒毒条例 Art. 20: 4 refused tests, crossed on the 3rd",
            ["2024-04-01", "2024-05-01", "2024-06-01", "2024-07-01"],
            True,
            "2024-06-01",
        ),
        (
            "戒毒条例 Art. 20: two entries for one day are one test refused",
            ["2024-04-01", "2024-04-01", "2024-05-01"],
            False,
            None,
        ),
    ],
)
def test_refused_tests_threshold(article, tests, serious, since):
    count = count_breach(days(*tests), [], ON, ART20)
    assert count.serious is serious, article
    assert (BreachRule.REFUSED_TESTS in count.met) is serious, article
    assert count.since == (D(since) if since else None), article


@pytest.mark.parametrize(
    ("article", "periods", "serious_rule", "since"),
    [
        (
            "戒毒条例 Art. 20: 2 unapproved absences are not 3次以上",
            [("2024-04-01", "2024-04-02"), ("2024-05-01", "2024-05-02")],
            None,
            None,
        ),
        (
            "戒毒条例 Art. 20: 3 unapproved absences = 3次以上",
            [
                ("2024-04-01", "2024-04-02"),
                ("2024-05-01", "2024-05-02"),
                ("2024-06-01", "2024-06-01"),
            ],
            BreachRule.ABSENCES,
            "2024-06-01",
        ),
        (
            "戒毒条例 Art. 20: one absence of 30 days is not 累计超过30日",
            [("2024-04-01", "2024-04-30")],
            None,
            None,
        ),
        (
            "戒毒条例 Art. 20: one absence of 31 days = 累计超过30日",
            [("2024-04-01", "2024-05-01")],
            BreachRule.DAYS_AWAY,
            "2024-05-01",
        ),
        (
            "戒毒条例 Art. 20: two absences summing to 30 days are not over 30",
            [("2024-04-01", "2024-04-15"), ("2024-06-01", "2024-06-15")],
            None,
            None,
        ),
        (
            "戒毒条例 Art. 20: two absences summing to 31 days: over 30 on the 31st day",
            [("2024-04-01", "2024-04-15"), ("2024-06-01", "2024-06-16")],
            BreachRule.DAYS_AWAY,
            "2024-06-16",
        ),
        (
            "戒毒条例 Art. 20: overlapping entries of one trip count their days once",
            [("2024-04-01", "2024-04-20"), ("2024-04-10", "2024-04-30")],
            None,
            None,
        ),
    ],
)
def test_absence_thresholds(article, periods, serious_rule, since):
    count = count_breach([], [Period(D(a), D(b) if b else None) for a, b in periods], ON, ART20)
    assert count.met == ((serious_rule,) if serious_rule else ()), article
    assert count.since == (D(since) if since else None), article


def test_an_open_absence_counts_up_to_the_day_and_crosses_30_while_away():
    away = [Period(D("2024-04-01"))]
    assert count_breach([], away, D("2024-04-30"), ART20).unapproved_days_away == 30
    assert not count_breach([], away, D("2024-04-30"), ART20).serious
    day_31 = count_breach([], away, D("2024-05-01"), ART20)
    assert day_31.unapproved_days_away == 31
    assert day_31.met == (BreachRule.DAYS_AWAY,)
    assert day_31.since == D("2024-05-01")


def test_facts_after_the_day_are_not_counted():
    count = count_breach(
        days("2024-04-01", "2024-05-01", "2024-06-01"),
        [Period(D("2024-06-10"), D("2024-06-12"))],
        D("2024-05-15"),
        ART20,
    )
    assert (count.refused_or_evaded_tests, count.unapproved_absences) == (2, 0)


def test_absences_that_only_touch_are_two_times_away():
    periods = [Period(D("2024-04-01"), D("2024-04-05")), Period(D("2024-04-06"), D("2024-04-07"))]
    count = count_breach([], periods, ON, ART20)
    assert (count.unapproved_absences, count.unapproved_days_away) == (2, 7)


def test_several_grounds_give_the_earliest_day():
    count = count_breach(
        days("2024-04-01", "2024-05-01", "2024-09-01"),
        [Period(D("2024-06-01"), D("2024-07-15"))],
        ON,
        ART20,
    )
    assert count.met == (BreachRule.REFUSED_TESTS, BreachRule.DAYS_AWAY)
    assert count.crossed_on[BreachRule.DAYS_AWAY] == D("2024-07-01")
    assert count.since == D("2024-07-01")


periods_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=120),
        st.one_of(st.none(), st.integers(min_value=0, max_value=40)),
    ),
    max_size=8,
)


# The test runs in parallel with database tests: input generation may be slow, never wrong.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(periods_strategy, st.integers(min_value=0, max_value=160))
def test_days_away_are_the_union_of_the_days_of_every_absence(raw, on_offset):
    start = D("2024-01-01")
    on = start + timedelta(days=on_offset)
    periods = [
        Period(start + timedelta(days=a), None if n is None else start + timedelta(days=a + n))
        for a, n in raw
    ]
    union = set()
    for p in periods:
        last = on if p.returned_on is None else min(p.returned_on, on)
        d = p.left_on
        while d <= last:
            union.add(d)
            d += timedelta(days=1)
    count = count_breach([], periods, on, ART20)
    assert count.unapproved_days_away == len(union)
    # Merged spans are disjoint, ordered, and no more than the absences on file by then.
    spans = merged_periods(periods, on)
    assert count.unapproved_absences == len(spans) <= len([p for p in periods if p.left_on <= on])
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    assert (BreachRule.DAYS_AWAY in count.met) is (len(union) > 30)
    if BreachRule.DAYS_AWAY in count.met:
        # The crossing day is the 31st day of the union.
        assert sorted(union)[30] == count.crossed_on[BreachRule.DAYS_AWAY]
