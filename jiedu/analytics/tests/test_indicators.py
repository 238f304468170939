"""Indicators on the hand-built province of `conftest.py`: every expected figure below is worked
out from the persons' stories in that module's docstring (today 2026-06-30)."""

import pytest

from jiedu.analytics import indicators
from jiedu.analytics.periods import parse_period
from jiedu.people.models import Person

from .conftest import at

pytestmark = pytest.mark.django_db

PERSON_CODES = ["registered", "existing", "newly_found", "abstinent_3y", "dead", "departed"]


def compute(unit, period):
    with at("2026-06-30"):
        return indicators.table(unit, parse_period(period))


def people_behind(unit, code, period, exact=False):
    with at("2026-06-30"):
        ids = indicators.person_ids(code, unit.path, parse_period(period), exact=exact)
    return set(Person.objects.filter(pk__in=ids).values_list("name", flat=True))


# Each period's figures (counted on its last day, or today while it runs).
PERSON_FIGURES = {
    # 2026: 甲 reached three years on 2026-03-05; 戊 died in 2025.
    "2026": dict(registered=7, existing=5, newly_found=3, abstinent_3y=1, dead=1, departed=0),
    # 2025 (counted on 2025-12-31): 甲 still had two months to go; 戊 died 2025-05-01.
    "2025": dict(registered=4, existing=3, newly_found=0, abstinent_3y=0, dead=1, departed=0),
    "2023": dict(registered=3, existing=3, newly_found=3, abstinent_3y=0, dead=0, departed=0),
    # A quarter: only 乙 and 丙 were registered in 2026-Q1.
    "2026-Q1": dict(registered=6, existing=4, newly_found=2, abstinent_3y=1, dead=1),
}


def test_person_figures_by_the_national_definitions(cast, province):
    for period, expected in PERSON_FIGURES.items():
        total = compute(cast.city, period).total.counts
        assert {code: total.get(code, 0) for code in expected} == expected, period


def test_registered_is_existing_plus_abstinent_dead_and_departed(cast, province):
    # 现有吸毒人员 = registered − 3-year abstinent − dead − departed (domain.md §7.1), per row.
    for period in ["2023", "2024", "2025", "2026", "2026-Q2", "2025-07"]:
        table = compute(cast.province, period)
        for row in [table.total, *table.rows]:
            c = row.counts
            parts = sum(c.get(k, 0) for k in ("existing", "abstinent_3y", "dead", "departed"))
            assert c.get("registered", 0) == parts, (period, row.key)


def test_drill_down_counts_people_where_they_are_managed_and_measures_where_executed(
    cast, province
):
    table = compute(cast.city, "2026")
    rows = {row.unit.code: row.counts for row in table.rows}
    county_a, county_b = rows[cast.county_a.code], rows[cast.county_b.code]
    # 己 moved house to township B in 2025: counted there. 乙's measure moved to township B,
    # but 乙 is still managed by township A.
    assert county_a["registered"] == 4 and county_a["existing"] == 3
    assert county_b["registered"] == 3 and county_b["existing"] == 2
    assert county_a.get("community_due", 0) == 0
    assert county_b["community_due"] == 2
    assert people_behind(cast.county_b, "existing", "2026") == {"丙", "己"}
    assert people_behind(cast.county_a, "existing", "2026") == {"丁", "乙", "庚"}


COMMUNITY_FIGURES = [
    # (period, due, on time, executed, refused)
    # 甲 and 己 reported within 15 days (戒毒条例 Art. 14).
    ("2023", 2, 2, 2, 0),
    # 戊 on time; 庚's 社区康复, ordered at release on 2024-12-31, reported 2025-01-05 (Art. 38).
    ("2024", 2, 2, 2, 0),
    # 乙 reported late, 丙 refused; 丁 is still inside the report window and not yet counted.
    ("2026", 2, 0, 1, 1),
]


def test_community_reporting_and_execution(cast, province):
    for period, due, on_time, executed, refused in COMMUNITY_FIGURES:
        total = compute(cast.province, period).total
        c = total.counts
        assert (
            c.get("community_due", 0),
            c.get("community_reported_on_time", 0),
            c.get("community_executed", 0),
            c.get("community_refused", 0),
        ) == (due, on_time, executed, refused), period
        assert total.rate("reporting_rate") == on_time / due
        assert total.rate("execution_rate") == executed / due


def test_isolation_decisions_and_release_cohorts(cast, province):
    # Decisions count where the person is managed (the facility is outside the city).
    assert compute(cast.city, "2023").total.counts["isolation_decided"] == 1
    assert compute(cast.city, "2025").total.counts["isolation_decided"] == 1
    assert people_behind(cast.township_a, "isolation_decided", "2025") == {"庚"}

    # 庚 released 2024-12-31, positive on 2025-06-01: followed a full year, relapsed within it.
    c = compute(cast.city, "2024").total
    assert c.counts["released"] == 1
    assert c.counts["followed_1y"] == 1
    assert c.counts.get("no_relapse_1y", 0) == 0
    assert c.counts["relapsed_1y"] == 1
    assert c.counts.get("followed_2y", 0) == 0  # two years are not over yet
    assert c.rate("relapse_rate_1y") == 1.0
    assert c.rate("abstinence_rate_2y") is None
    assert people_behind(cast.city, "relapsed_1y", "2024") == {"庚"}
    # 甲's community measure ended at expiry in 2026: in the cohort, not yet followed a year.
    c = compute(cast.city, "2026").total.counts
    assert c["released"] == 1 and c.get("followed_1y", 0) == 0

    with at("2026-06-30"):
        [curve] = indicators.survival_curves(cast.city.path, parse_period("2024"))
    assert curve.releases == 1 and curve.relapses == 1
    # Relapse 152 days after release: month 4; the curve falls from 1 to 0 there.
    assert curve.survival[0] == 1.0
    assert curve.survival[curve.months.index(4)] == 0.0

    # Nothing of the province counts under the facility's own unit but 庚's stays.
    facility = compute(cast.facility, "2026").total.counts
    assert not any(facility.get(code, 0) for code in PERSON_CODES)


@pytest.mark.parametrize(
    ("ended", "relapse", "censored", "expected"),
    [
        (
            "2023-03-01",
            None,
            None,
            {
                "followed_1y",
                "no_relapse_1y",
                "followed_2y",
                "no_relapse_2y",
                "followed_3y",
                "no_relapse_3y",
            },
        ),
        # The use on the anniversary itself falls outside the first year.
        (
            "2023-03-01",
            "2024-03-01",
            None,
            {"followed_1y", "no_relapse_1y", "followed_2y", "followed_3y"},
        ),
        (
            "2023-03-01",
            "2024-02-29",
            None,
            {"followed_1y", "relapsed_1y", "followed_2y", "followed_3y"},
        ),
        # Died in the second year without relapse: followed one year only.
        ("2023-03-01", None, "2024-06-01", {"followed_1y", "no_relapse_1y"}),
        # Released less than a year ago.
        ("2025-12-01", None, None, set()),
    ],
)
def test_cohort_flags(ended, relapse, censored, expected):
    from datetime import date

    d = lambda v: v and date.fromisoformat(v)  # noqa: E731
    flags = indicators.cohort_flags(d(ended), d(relapse), d(censored), date(2026, 6, 30))
    assert set(flags) - {"released"} == expected


def test_trend_equals_the_tables_of_each_period(cast, province):
    periods = ["2023", "2024", "2025", "2026"]
    codes = [
        "existing",
        "newly_found",
        "community_due",
        "tests_due",
        "tests_done",
        "released",
        "followed_1y",
        "execution_rate",
    ]
    with at("2026-06-30"):
        trend = indicators.trend(cast.city, codes, [parse_period(p) for p in periods])
    assert any(trend["tests_due"]) and any(trend["released"])  # the figures are not all zero
    for n, period in enumerate(periods):
        table = compute(cast.city, period).total
        for code in codes[:-1]:
            assert trend[code][n] == table.counts.get(code, 0), (code, period)
        assert trend["execution_rate"][n] == table.rate("execution_rate")


@pytest.mark.parametrize("seed", [1, 2])
def test_the_cohort_filters_select_what_cohort_flags_says(cast, province, seed):
    """The cohort figures are counted in SQL (`cohort_q` on the columns the facts carry); row by
    row they must give `cohort_flags`' answer, 29 February and anniversary days included."""
    import random
    from datetime import date, timedelta

    from django.db.models import Count

    from jiedu.analytics.facts import months_between, within_years
    from jiedu.analytics.models import MeasureFact

    rng = random.Random(seed)
    facts = list(MeasureFact.objects.order_by("pk"))
    edges = [date(2020, 2, 29), date(2021, 2, 28), date(2022, 3, 1), date(2023, 6, 30)]
    for _trial in range(12):
        today = rng.choice([date(2024, 2, 29), date(2025, 2, 28), date(2026, 6, 30)])
        rows = {}
        for fact in facts:
            ended = (
                rng.choice(edges)
                if rng.random() < 0.4
                else date(2020, 1, 1) + timedelta(days=rng.randint(0, 1600))
            )
            later = [ended + timedelta(days=rng.randint(1, 1300)) for _ in range(2)]
            later += [date(ended.year + k, ended.month, 1) for k in (1, 2)]  # near anniversaries
            relapse = rng.choice([None, *later])
            censored = rng.choice([None, None, *later])
            relapse = relapse if relapse is None or relapse <= today else None
            censored = censored if censored is None or censored <= today else None
            MeasureFact.objects.filter(pk=fact.pk).update(
                released=True,
                ended_on=ended,
                relapse_on=relapse,
                censored_on=censored,
                relapse_within=within_years(ended, relapse),
                censored_within=within_years(ended, censored),
                relapse_months=months_between(ended, relapse),
                censored_months=months_between(ended, censored),
            )
            rows[fact.pk] = (ended, relapse, censored)
        found = MeasureFact.objects.aggregate(
            **{
                code: Count("pk", filter=indicators.cohort_q(code, today))
                for code in indicators.COHORT_CODES
            }
        )
        expected = {code: 0 for code in indicators.COHORT_CODES}
        for ended, relapse, censored in rows.values():
            for flag in indicators.cohort_flags(ended, relapse, censored, today):
                expected[flag] += 1
        assert found == expected, (today, rows)
