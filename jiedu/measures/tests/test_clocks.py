"""Every legal clock, table-driven, each row naming its source; date arithmetic by property."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiedu.measures import rules
from jiedu.measures.clocks import (
    Interval,
    add_months,
    community_clocks,
    deadline_after,
    isolation_clocks,
    term_last_day,
)

D = date.fromisoformat


@pytest.mark.parametrize(
    ("start", "years", "months", "last_day", "source"),
    [
        ("2024-03-15", 2, 0, "2026-03-14", "domain.md §0.2 example; 禁毒法 Art. 47"),
        ("2024-02-29", 2, 0, "2026-02-28", "domain.md §0.2: missing day → month's last day"),
        ("2024-02-29", 4, 0, "2028-02-28", "29 Feb exists again four years later"),
        ("2024-01-01", 2, 0, "2025-12-31", "term across a year end"),
        ("2024-01-31", 0, 1, "2024-02-29", "31 Jan + 1 month: no 31 Feb → 29 Feb (leap year)"),
        ("2023-01-31", 0, 1, "2023-02-28", "31 Jan + 1 month: no 31 Feb → 28 Feb"),
        ("2024-03-31", 0, 1, "2024-04-30", "31 Mar + 1 month: no 31 Apr → 30 Apr"),
        ("2024-03-01", 3, 0, "2027-02-28", "社区戒毒 3 years from 报到 (禁毒法 Art. 33)"),
    ],
)
def test_term_last_day(start, years, months, last_day, source):
    assert term_last_day(D(start), years=years, months=months) == D(last_day), source


@pytest.mark.parametrize(
    ("start", "days", "months", "due", "source"),
    [
        ("2024-01-10", 15, 0, "2024-01-25", "domain.md §0.2 example; 戒毒条例 Art. 14"),
        ("2024-12-20", 15, 0, "2025-01-04", "report window across a year end"),
        ("2024-02-20", 15, 0, "2024-03-06", "leap February"),
        ("2024-01-31", 0, 1, "2024-02-29", "month step clamps to month's end"),
        ("2024-08-31", 0, 6, "2025-02-28", "transfer_due_by from 31 Aug (戒毒条例 Art. 27)"),
    ],
)
def test_deadline_after(start, days, months, due, source):
    assert deadline_after(D(start), days=days, months=months) == D(due), source


@pytest.mark.parametrize(
    ("field", "decided", "expected", "source"),
    [
        ("term_start", "2024-03-15", "2024-03-15", "戒毒条例 Art. 27: 自作出决定之日起"),
        ("term_end", "2024-03-15", "2026-03-14", "禁毒法 Art. 47: 2 years"),
        ("term_end", "2024-02-29", "2026-02-28", "禁毒法 Art. 47; domain.md §0.2"),
        ("early_release_from", "2024-03-15", "2025-03-15", "禁毒法 Art. 47: after 1 year"),
        ("early_release_from", "2024-02-29", "2025-02-28", "禁毒法 Art. 47; month-end clamp"),
        ("latest_end_with_extension", "2024-03-15", "2027-03-14", "禁毒法 Art. 47: ≤1 year more"),
        ("latest_end_with_extension", "2024-02-29", "2027-02-28", "禁毒法 Art. 47; 29 Feb"),
        ("transfer_due_from", "2024-03-15", "2024-06-15", "戒毒条例 Art. 27: after 3 months"),
        ("transfer_due_by", "2024-03-15", "2024-09-15", "戒毒条例 Art. 27: by 6 months"),
        ("transfer_due_by", "2024-08-31", "2025-02-28", "戒毒条例 Art. 27; month-end clamp"),
        ("police_stage_limit", "2024-03-15", "2025-03-15", "戒毒条例 Art. 27: ≤12 months"),
    ],
)
def test_isolation_clocks(field, decided, expected, source):
    assert getattr(isolation_clocks(D(decided)), field) == D(expected), source


def test_escape_time_is_not_counted_and_blocks_early_release():
    # 戒毒条例 Art. 32: escaped 2025-01-10, recaptured 2025-01-30 → the end moves by 20 days.
    clocks = isolation_clocks(D("2024-03-15"), escapes=[Interval(D("2025-01-10"), D("2025-01-30"))])
    assert clocks.escape_days == 20
    assert clocks.term_end == D("2026-04-03")
    assert clocks.latest_end_with_extension == D("2027-04-03")
    assert clocks.early_release_allowed is False  # 戒毒条例 Art. 32; 司法部令127号 Art. 31


def test_an_open_escape_keeps_moving_the_end_until_recapture():
    clocks = isolation_clocks(
        D("2024-03-15"), escapes=[Interval(D("2025-01-10"))], today=D("2025-01-15")
    )
    assert clocks.escape_days == 5 and clocks.term_end == D("2026-03-19")


@pytest.mark.parametrize(
    ("months", "term_end"),
    [(0, "2026-03-14"), (6, "2026-09-14"), (12, "2027-03-14")],
)
def test_an_extension_of_up_to_one_year_lengthens_the_term(months, term_end):
    # 禁毒法 Art. 47: extension ≤ 1 year.
    assert isolation_clocks(D("2024-03-15"), extension_months=months).term_end == D(term_end)


def test_an_extension_over_one_year_is_refused():
    with pytest.raises(ValueError, match=r"Art\. 47"):
        isolation_clocks(D("2024-03-15"), extension_months=13)


@pytest.mark.parametrize(
    ("served", "reported", "today", "due", "start", "end", "overdue", "source"),
    [
        ("2024-01-10", None, "2024-01-25", "2024-01-25", None, None, False,
         "戒毒条例 Art. 14: the 15th day is still in time"),
        ("2024-01-10", None, "2024-01-26", "2024-01-25", None, None, True,
         "禁毒法 Art. 38: not reporting in time is a refusal"),
        ("2024-01-10", "2024-01-20", None, "2024-01-25", "2024-01-20", "2027-01-19", False,
         "禁毒法 Art. 33; 戒毒条例 Art. 14: 3 years from 报到"),
        ("2024-02-14", "2024-02-29", None, "2024-02-29", "2024-02-29", "2027-02-28", False,
         "报到 on 29 Feb: last day is 28 Feb three years on"),
    ],
)  # fmt: skip
def test_community_clocks(served, reported, today, due, start, end, overdue, source):
    clocks = community_clocks(
        D(served),
        reported_on=D(reported) if reported else None,
        today=D(today) if today else None,
    )
    assert clocks.report_due_by == D(due), source
    assert clocks.term_start == (D(start) if start else None), source
    assert clocks.term_end == (D(end) if end else None), source
    assert clocks.report_overdue is overdue, source


def test_a_provincial_report_window_shortens_the_deadline():
    # 浙江省禁毒条例 Art. 37: report within 2 days (local rule; national cap 15).
    assert community_clocks(D("2024-01-10"), report_in_days=2).report_due_by == D("2024-01-12")
    with pytest.raises(ValueError):
        community_clocks(D("2024-01-10"), report_in_days=20)


def test_suspension_is_added_back_to_a_community_term():
    # 戒毒条例 Art. 24: 中止 while detained, the term resumes after release.
    clocks = community_clocks(
        D("2024-01-10"),
        reported_on=D("2024-01-20"),
        suspensions=[Interval(D("2025-05-01"), D("2025-05-16"))],
    )
    assert clocks.suspended_days == 15
    assert clocks.term_end == D("2027-02-03")


def test_community_rehabilitation_term_is_set_by_the_order_and_capped_at_three_years():
    # 禁毒法 Art. 48: 社区康复 不超过三年.
    clocks = community_clocks(D("2024-01-10"), reported_on=D("2024-01-12"), term_years=2)
    assert clocks.term_end == D("2026-01-11")
    with pytest.raises(ValueError):
        community_clocks(D("2024-01-10"), term_years=3, term_months=1)


def test_every_statute_cites_its_source():
    assert all(r.source and r.unit for r in rules.ALL)


# -- properties ------------------------------------------------------------------------------

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))


@given(dates, st.integers(min_value=0, max_value=60))
def test_add_months_lands_in_the_right_month_and_never_later_than_the_day(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day <= day.day


@given(dates, st.integers(min_value=1, max_value=5))
def test_a_term_ends_before_its_anniversary_and_covers_at_least_n_years_less_three_days(day, years):
    last = term_last_day(day, years=years)
    anniversary = add_months(day, 12 * years)
    assert last < anniversary or (last == anniversary and day.day > anniversary.day)
    # Counting inclusively, a term of N years is N×365 days or a little more.
    assert (last - day).days + 1 >= 365 * years - 2


@given(dates, st.lists(st.tuples(dates, st.integers(min_value=0, max_value=400)), max_size=3))
def test_escape_days_shift_the_end_by_exactly_their_length(decided, escapes):
    intervals = [Interval(s, s + timedelta(days=n)) for s, n in escapes]
    plain = isolation_clocks(decided)
    shifted = isolation_clocks(decided, escapes=intervals)
    assert (shifted.term_end - plain.term_end).days == sum(n for _s, n in escapes)
    assert shifted.early_release_allowed is (not escapes)


@given(dates)
def test_isolation_clock_order_is_always_legal(decided):
    c = isolation_clocks(decided)
    assert c.term_start < c.transfer_due_from <= c.transfer_due_by <= c.police_stage_limit
    assert c.early_release_from <= c.term_end < c.latest_end_with_extension
