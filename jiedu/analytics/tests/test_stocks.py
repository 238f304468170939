"""The person figures' running totals (`stocks.py`) count exactly what each figure's filter
(`Indicator.q`) selects from the fact rows, on any day — kept by changes, rebuilt, or carried
into a new month."""

import random
from datetime import date, timedelta

import pytest
from django.db.models import Count

from jiedu.analytics import stocks
from jiedu.analytics.indicators import INDICATORS
from jiedu.analytics.models import DailyChange, MonthEndStock, PersonFact
from jiedu.analytics.periods import Period

from .conftest import at, person

pytestmark = pytest.mark.django_db

D = date.fromisoformat


def by_filter(prefix, day):
    """Each stock on `day` counted row by row with the figures' own filters."""
    period = Period(day, day, "check")
    facts = PersonFact.objects.filter(unit_path__startswith=prefix)
    return facts.aggregate(
        **{code: Count("pk", filter=INDICATORS[code].q(period)) for code in stocks.STOCKS}
    )


def by_stocks(prefix, days):
    found = stocks.counts(prefix, days)
    return {day: {code: found[day][""][code] for code in stocks.STOCKS} for day in days}


def random_fact(rng, paths):
    """A fact row with the orders that matter: exit, death and departure before or after
    registration or each other, or missing."""

    def maybe(after, p=0.5):
        if rng.random() > p:
            return None
        return after + timedelta(days=rng.randint(-200, 1500))

    registered = D("2019-01-01") + timedelta(days=rng.randint(0, 2500))
    return (
        rng.choice(paths),
        registered,
        maybe(registered, 0.6),
        maybe(registered, 0.25),
        maybe(registered, 0.25),
    )


def days_to_check(rows):
    days = {D("2018-12-31"), D("2030-12-31")}
    for row in rows:
        for day in row[1:]:
            if day is not None:
                days |= {day - timedelta(days=1), day, day + timedelta(days=1)}
                days.add(stocks.month_of(day) - timedelta(days=1))  # the month before's end
    return sorted(d for d in days if d <= D("2030-12-31"))


@pytest.fixture
def files(cast):
    """Twenty person files in two townships (their fact rows are replaced by the tests)."""
    units = [cast.township_a, cast.township_b]
    return [person(cast, f"库{i}", units[i % 2], "2019-01-01") for i in range(20)]


def replace_facts(rows_by_person):
    """What `facts.save_person_facts` does, with made-up fact rows: read the old rows, save the
    new ones, apply the difference."""
    ids = sorted(rows_by_person)
    old = list(
        PersonFact.objects.filter(person_id__in=ids).order_by("pk").values_list(*stocks.FACT_FIELDS)
    )
    for pid, (path, registered, exit_on, died, departed) in rows_by_person.items():
        PersonFact.objects.update_or_create(
            person_id=pid,
            defaults=dict(
                unit_path=path,
                registered_on=registered,
                control_start_on=registered,
                control_exit_on=exit_on,
                died_on=died,
                departed_on=departed,
            ),
        )
    stocks.apply(old, list(rows_by_person.values()))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_running_totals_count_what_the_filters_select(cast, files, seed):
    rng = random.Random(seed)
    paths = [cast.township_a.path, cast.township_b.path]
    with at("2031-01-15"):
        rows = {p.pk: random_fact(rng, paths) for p in files}
        replace_facts(rows)
        # Then a third of the files change (a relapse found, a death, a move to the other
        # township): the old changes come out, the new go in.
        for pid in rng.sample(sorted(rows), 7):
            rows[pid] = random_fact(rng, paths)
            replace_facts({pid: rows[pid]})
        days = days_to_check(rows.values())
        for prefix in (cast.city.path, cast.township_a.path, cast.township_b.path):
            found = by_stocks(prefix, days)
            for day in days:
                assert found[day] == by_filter(prefix, day), (prefix, day)
        stocks._roll_to(D("2031-01-01"))  # the rebuild keeps month ends up to this month
        incremental = tables()
        stocks.rebuild()
        assert tables() == incremental
        for day in days:
            assert by_stocks(cast.city.path, [day])[day] == by_filter(cast.city.path, day)


def tables():
    changes = DailyChange.objects.exclude(delta=0)
    month_ends = MonthEndStock.objects.exclude(value=0)
    return (
        set(changes.values_list("unit_path", "code", "day", "delta")),
        set(month_ends.values_list("unit_path", "code", "month", "value")),
    )


def test_a_new_month_is_carried_forward_on_first_read(cast, files):
    path = cast.township_a.path
    for model in (PersonFact, DailyChange, MonthEndStock):
        model.objects.all().delete()  # a fresh province: nothing kept yet
    with at("2026-03-10"):
        replace_facts(
            {
                files[0].pk: (path, D("2025-01-01"), D("2026-04-20"), None, None),
                files[1].pk: (path, D("2026-03-05"), None, D("2026-05-02"), None),
            }
        )
        assert stocks.stocked_through() == D("2026-03-01")
    with at("2026-06-30"):
        # Nothing was written in April to June: the first read adds their month-end rows.
        found = by_stocks(path, [D("2026-04-30"), D("2026-05-15"), D("2026-06-30")])
        assert stocks.stocked_through() == D("2026-06-01")
        assert found[D("2026-04-30")] == by_filter(path, D("2026-04-30"))
        assert found[D("2026-04-30")]["abstinent_3y"] == 1
        assert found[D("2026-05-15")]["dead"] == 1
        assert found[D("2026-06-30")] == by_filter(path, D("2026-06-30"))
        assert found[D("2026-06-30")]["existing"] == 0


def test_changes_of_one_person(cast):
    """Worked by hand: registered 2020-01-01, three years reached 2023-01-01, died 2024-06-01."""
    got = stocks.changes("p", D("2020-01-01"), D("2023-01-01"), D("2024-06-01"), None)
    assert sorted(got) == sorted(
        [
            ("p", "registered", D("2020-01-01"), 1),
            ("p", "existing", D("2020-01-01"), 1),
            ("p", "existing", D("2023-01-01"), -1),
            ("p", "abstinent_3y", D("2023-01-01"), 1),
            ("p", "abstinent_3y", D("2024-06-01"), -1),
            ("p", "dead", D("2024-06-01"), 1),
        ]
    )
