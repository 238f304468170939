"""Schedules of community cases: the plans (default and local versions), the items over a term,
suspension and resumption, change of place, satisfying items and contacts.

Plans: no national figure (禁毒法 Art. 35; 戒毒条例 Art. 19 — tests "periodically"); the default is
the JX township's schedule (domain.md §2.9–2.10)."""

import itertools
from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from jiedu.community import plans
from jiedu.community.choices import TEST_KINDS, CaseState, ContactKind, DueKind, DueStatus
from jiedu.community.models import Contact, DueItem, RandomDraw, SchedulePlan
from jiedu.community.services import schedule, team
from jiedu.community.tests.conftest import at, case_of
from jiedu.core.models import ChangeLogEntry
from jiedu.core.refusals import Refusal
from jiedu.measures import services as measures
from jiedu.measures.choices import MeasureKind
from jiedu.measures.clocks import add_months, term_last_day

pytestmark = pytest.mark.django_db
D = date.fromisoformat
REPORTED = D("2024-03-05")  # term 2024-03-05 … 2027-03-04
DRUG = MeasureKind.COMMUNITY_DRUG_REHAB
REHAB = MeasureKind.COMMUNITY_REHABILITATION


def items(case, kind=None, *, live=True):
    qs = DueItem.objects.filter(case=case).order_by("due_on", "id")
    if kind is not None:
        qs = qs.filter(kind=kind)
    if live:
        qs = qs.exclude(status=DueStatus.CANCELLED)
    return list(qs)


def months_between(start: date, end_exclusive: date) -> int:
    """Whole months from `start` to the day after a period's end (same day of month)."""
    n = 0
    while add_months(start, n) < end_exclusive:
        n += 1
    return n


# --- The default plans -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure_kind", "kind", "expected"),
    [
        # JX: 社区戒毒 monthly / every 2 months / quarterly → 12 + 6 + 4 = 22 tests in 3 years.
        (DRUG, DueKind.SCHEDULED_TEST, 22),
        # JX: 社区康复 every 2 months / quarterly / every 6 months → 6 + 4 + 2 = 12.
        (REHAB, DueKind.SCHEDULED_TEST, 12),
        # JX: talks and visits ≥1 a month (社戒), ≥1 every 2 months (社康); self-reports the same.
        (DRUG, DueKind.TALK, 36),
        (REHAB, DueKind.TALK, 18),
        (DRUG, DueKind.HOME_VISIT, 36),
        (REHAB, DueKind.HOME_VISIT, 18),
        (DRUG, DueKind.SELF_REPORT, 36),
        (REHAB, DueKind.SELF_REPORT, 18),
    ],
)
def test_the_default_plans_owe_the_jx_counts_over_three_years(measure_kind, kind, expected):
    plan = plans.default_plan(measure_kind)
    assert plan.is_default
    assert plans.count_items(plan.rows, kind, 36) == expected
    assert plan.random_tests_per_year == 3  # JX: ≥3 surprise tests a year
    assert "全国无统一规定" in plan.source


def test_the_defaults_are_valid_plans():
    for kind in plans.DEFAULT_PLANS:
        rows = plans.default_plan(kind).rows
        assert plans.validate_rows(rows) == rows


# --- Items over the term -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "term_months", "expected"),
    [
        ("community_measure", None, {"scheduled_test": 22, "talk": 36, "home_visit": 36}),
        ("rehab_measure", 36, {"scheduled_test": 12, "talk": 18, "home_visit": 18}),
        # A 24-month 社区康复 order: the plan's months 25–36 are dropped (6 + 4 = 10 tests).
        ("rehab_measure", 24, {"scheduled_test": 10, "talk": 12, "home_visit": 12}),
    ],
)
def test_reporting_in_schedules_every_item_of_the_term(
    request, cast, reported_case, fixture, term_months, expected
):
    build = request.getfixturevalue(fixture)
    measure = build() if term_months is None else build(term_months=term_months)
    case = reported_case(measure, on=REPORTED)
    measure.refresh_from_db()
    counts = Counter(i.kind for i in items(case))
    for kind, n in expected.items():
        assert counts[kind] == n, kind
    assert counts["self_report"] == expected["talk"]
    for kind in expected:
        rows = items(case, kind)
        # Windows tile the term: from the report day to the term's last day, without gaps.
        assert rows[0].window_start == measure.term_start == REPORTED
        assert rows[-1].due_on == measure.term_end
        for before, after in itertools.pairwise(rows):
            assert after.window_start == before.due_on + timedelta(days=1)
        assert all(i.status == DueStatus.OPEN for i in rows)
        assert all("金厢镇" in i.plan_source for i in rows)


def test_scheduled_tests_of_community_drug_rehab_fall_at_the_jx_intervals(
    cast, community_measure, reported_case
):
    case = reported_case(community_measure(), on=REPORTED)
    tests = items(case, DueKind.SCHEDULED_TEST)
    lengths = [months_between(t.window_start, t.due_on + timedelta(days=1)) for t in tests]
    # JX: monthly in year 1, every 2 months in year 2, quarterly in year 3.
    assert lengths == [1] * 12 + [2] * 6 + [3] * 4
    assert [(t.window_start, t.due_on) for t in (tests[0], tests[12], tests[18], tests[-1])] == [
        (D("2024-03-05"), D("2024-04-04")),
        (D("2025-03-05"), D("2025-05-04")),
        (D("2026-03-05"), D("2026-06-04")),
        (D("2026-12-05"), D("2027-03-04")),
    ]


def test_a_term_from_the_31st_keeps_to_the_term_arithmetic(cast, community_measure, reported_case):
    # domain.md §0.2: a month step that lands on a missing day clamps to the month's end.
    case = reported_case(community_measure(served_on="2024-01-25"), on="2024-01-31")
    tests = items(case, DueKind.SCHEDULED_TEST)
    assert (tests[0].window_start, tests[0].due_on) == (D("2024-01-31"), D("2024-02-29"))
    assert tests[1].window_start == D("2024-03-01")
    assert tests[-1].due_on == case.measure.term_end == D("2027-01-30")


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    term_months=st.integers(min_value=1, max_value=36),
    kind=st.sampled_from([DRUG, REHAB]),
)
def test_planned_slots_tile_any_term(start, term_months, kind):
    rows = plans.default_plan(kind).rows
    slots = schedule.plan_slots(rows, start, term_months)
    for planned in plans.PLANNED_KINDS:
        mine = [s for s in slots if s.kind == planned]
        assert len(mine) == plans.count_items(rows, planned, term_months)
        assert mine[0].window_start == start
        assert mine[-1].due_on == term_last_day(start, months=term_months)
        for before, after in itertools.pairwise(mine):
            assert after.window_start == before.due_on + timedelta(days=1)
            assert before.window_start <= before.due_on


def test_scheduling_twice_changes_nothing(cast, community_measure, reported_case):
    case = reported_case(community_measure(), on=REPORTED)
    before = list(DueItem.objects.filter(case=case).values().order_by("id"))
    draws = list(RandomDraw.objects.filter(case=case).values().order_by("id"))
    logged = ChangeLogEntry.objects.count()
    for day in (REPORTED, D("2024-08-01")):
        with at(day):
            schedule.schedule_case(case, actor=cast.worker_a)
    assert list(DueItem.objects.filter(case=case).values().order_by("id")) == before
    assert list(RandomDraw.objects.filter(case=case).values().order_by("id")) == draws
    assert ChangeLogEntry.objects.count() == logged


def test_a_case_awaiting_report_has_no_items(cast, community_measure):
    measure = community_measure()
    case = case_of(measure)
    assert case.state == CaseState.AWAITING_REPORT
    with at(measure.served_on):
        schedule.schedule_case(case, actor=cast.worker_a)
    assert not DueItem.objects.filter(case=case).exists()
    assert not RandomDraw.objects.filter(case=case).exists()


# --- Suspension and resumption (戒毒条例 Art. 24) ---------------------------------------------


def test_suspension_cancels_the_future_items_and_resumption_regenerates_to_the_new_end(
    cast, community_measure, reported_case
):
    measure = community_measure()
    case = reported_case(measure, on=REPORTED)
    total = DueItem.objects.filter(case=case).count()
    with at("2024-06-08"):  # a test in month 4 (window 2024-06-05 … 2024-07-04)
        done = schedule.satisfy(case, [DueKind.SCHEDULED_TEST], D("2024-06-08"), source="t:1")
    assert (done.window_start, done.due_on) == (D("2024-06-05"), D("2024-07-04"))

    with at("2024-06-10"):
        measures.suspend(measure, on=D("2024-06-10"), actor=cast.worker_a, reason="被行政拘留")
    assert DueItem.objects.filter(case=case).count() == total  # cancelled, never deleted
    live = items(case)
    assert max(i.due_on for i in live if i.status == DueStatus.OPEN) < D("2024-06-10")
    assert DueItem.objects.get(pk=done.pk).status == DueStatus.DONE

    with at("2024-07-10"):
        measure = measures.resume(measure, on=D("2024-07-10"), actor=cast.worker_a)
    assert measure.term_end == D("2027-04-03")  # 30 days suspended are added back
    tests = items(case, DueKind.SCHEDULED_TEST)
    assert len(tests) == 22  # the month-4 test done before the suspension still counts
    assert tests[-1].due_on == measure.term_end
    assert DueItem.objects.get(pk=done.pk).status == DueStatus.DONE
    # The period that held the suspension ends 30 days later; the next starts after it.
    assert [(t.window_start, t.due_on) for t in tests[4:6]] == [
        (D("2024-07-05") + timedelta(days=30), D("2024-08-04") + timedelta(days=30)),
        (D("2024-08-05") + timedelta(days=30), D("2024-09-04") + timedelta(days=30)),
    ]
    talks = items(case, DueKind.TALK)
    assert len(talks) == 36 and talks[-1].due_on == measure.term_end
    assert not [
        i
        for i in items(case)
        if i.status == DueStatus.OPEN and D("2024-06-10") <= i.due_on < D("2024-07-10")
    ]

    # The years moved: each is drawn again, and still owes 3 random tests.
    years = schedule.term_years(measure.term_start, 36, schedule._suspensions(measure))
    for year in years:
        randoms = [i for i in items(case, DueKind.RANDOM_TEST) if year.start <= i.due_on]
        assert len([i for i in randoms if i.due_on <= year.end]) == 3
    assert RandomDraw.objects.filter(case=case).count() == 6

    snapshot = list(DueItem.objects.filter(case=case).values().order_by("id"))
    with at("2024-07-11"):
        schedule.schedule_case(case_of(measure), actor=cast.worker_a)
    assert list(DueItem.objects.filter(case=case).values().order_by("id")) == snapshot


def test_closing_the_case_cancels_what_falls_after_the_end(cast, community_measure, reported_case):
    measure = community_measure()
    case = reported_case(measure, on=REPORTED)
    with at("2024-09-01"):
        measures.terminate(measure, on=D("2024-09-01"), reason="imprisonment", actor=cast.police)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert not DueItem.objects.filter(
        case=case, status=DueStatus.OPEN, due_on__gt=D("2024-09-01")
    ).exists()
    assert DueItem.objects.filter(case=case, status=DueStatus.OPEN).exists()  # history stays


# --- Plans: local versions and change of place ------------------------------------------------

MONTHLY_ALL = [{"kind": "scheduled_test", "from_month": 1, "to_month": 36, "interval_months": 1}]
EVERY_TWO = [{"kind": "scheduled_test", "from_month": 1, "to_month": 36, "interval_months": 2}]


def set_plan(cast, unit, rows, effective_from, random=3, kind=DRUG, source="本地规定第5条"):
    return schedule.set_schedule_plan(
        unit,
        kind,
        rows=rows,
        random_tests_per_year=random,
        effective_from=D(effective_from),
        source=source,
        actor=cast.admin,
    )


def test_a_province_plan_overrides_the_default_and_a_later_version_replaces_it(cast):
    v1 = set_plan(cast, cast.province, MONTHLY_ALL, "2024-01-01", source="省规定（2024）")
    v2 = set_plan(cast, cast.province, EVERY_TWO, "2025-01-01", source="省规定（2025）")
    town = set_plan(cast, cast.township_a, MONTHLY_ALL, "2024-06-01", source="花桥街道细则")
    table = [
        (cast.township_a, "2023-12-31", None),  # nothing yet: the shipped default
        (cast.township_a, "2024-01-01", v1),
        (cast.township_a, "2024-05-31", v1),
        (cast.township_a, "2024-06-01", town),  # the most specific unit wins
        (cast.township_b, "2024-06-01", v1),
        (cast.township_b, "2025-01-01", v2),  # the later version from its effective day
        (cast.township_a, "2025-01-01", town),
    ]
    for unit, on, expected in table:
        resolved = plans.resolve_plan(unit, DRUG, D(on))
        if expected is None:
            assert resolved.is_default, (unit, on)
        else:
            assert resolved.plan == expected, (unit, on)
            assert resolved.source == expected.source
    # Another measure kind keeps its default.
    assert plans.resolve_plan(cast.township_b, REHAB, D("2025-06-01")).is_default
    overview = plans.resolve_plans([cast.township_a, cast.township_b], D("2025-01-01"))
    assert overview[(cast.township_a.pk, DRUG)].plan == town
    assert overview[(cast.township_b.pk, DRUG)].plan == v2
    assert overview[(cast.township_b.pk, REHAB)].is_default


def test_a_case_scheduled_under_a_local_plan_follows_it(cast, community_measure, reported_case):
    set_plan(cast, cast.province, MONTHLY_ALL, "2024-01-01", random=5, source="省规定（2024）")
    case = reported_case(community_measure(), on=REPORTED)
    assert len(items(case, DueKind.SCHEDULED_TEST)) == 36
    assert not items(case, DueKind.TALK)  # the province plan has no talks
    assert {d.count for d in RandomDraw.objects.filter(case=case)} == {5}
    assert {i.plan_source for i in items(case, DueKind.SCHEDULED_TEST)} == {"省规定（2024）"}


def test_a_new_version_applies_to_running_cases_when_they_are_next_scheduled(
    cast, community_measure, reported_case
):
    case = reported_case(community_measure(), on=REPORTED)
    set_plan(cast, cast.province, EVERY_TWO, "2024-05-01", source="省规定")
    assert len(items(case, DueKind.SCHEDULED_TEST)) == 22  # kept until the next scheduling
    with at("2024-05-20"):
        schedule.schedule_case(case, actor=cast.worker_a)
    tests = items(case, DueKind.SCHEDULED_TEST)
    past = [t for t in tests if t.due_on < D("2024-05-20")]
    future = [t for t in tests if t.due_on >= D("2024-05-20")]
    assert [t.due_on for t in past] == [D("2024-04-04"), D("2024-05-04")]  # history unchanged
    assert len(future) == 17  # months 3–4 … 35–36 of the province's plan
    assert all(t.plan_source == "省规定" for t in future)
    assert not items(case, DueKind.TALK)[-1].due_on >= D("2024-05-20")  # talks cancelled


def test_after_a_change_of_place_the_new_townships_plan_applies(
    cast, community_measure, reported_case
):
    rows = [
        *EVERY_TWO,
        {"kind": "talk", "from_month": 1, "to_month": 36, "interval_months": 3},
    ]
    set_plan(cast, cast.township_b, rows, "2024-01-01", random=4, source="柳岸街道细则")
    measure = community_measure()
    case = reported_case(measure, on=REPORTED)
    old_draw = RandomDraw.objects.get(case=case, year_index=1)
    moved = D("2024-09-20")
    with at(moved):
        team.transfer_case(
            case, to_unit=cast.township_b, on=moved, reason="迁居", actor=cast.supervisor
        )
    case = case_of(measure)
    assert case.unit == cast.township_b

    tests = items(case, DueKind.SCHEDULED_TEST)
    before = [t for t in tests if t.due_on < moved]
    after = [t for t in tests if t.due_on >= moved]
    assert len(before) == 6 and all("金厢镇" in t.plan_source for t in before)
    # The new plan: every 2 months → months 7–8 (due 2024-11-04) … 35–36.
    assert [t.due_on for t in after[:2]] == [D("2024-11-04"), D("2025-01-04")]
    assert len(after) == 15
    assert all(t.plan_source == "柳岸街道细则" for t in after)
    assert after[0].window_start == D("2024-09-05")
    assert DueItem.objects.get(case=case, kind="scheduled_test", due_on=D("2024-10-04")).status == (
        DueStatus.CANCELLED
    )
    assert len([t for t in items(case, DueKind.TALK) if t.due_on >= moved]) == 10
    assert not [i for i in items(case, DueKind.HOME_VISIT) if i.due_on >= moved]

    # Random tests: the new township draws the rest of the year (and the years after).
    new_draw = RandomDraw.objects.filter(case=case, year_index=1).order_by("-drawn_at").first()
    assert new_draw.pk != old_draw.pk
    assert new_draw.window_start == moved
    behind = [d for d in old_draw.days if D(d) < moved]
    assert new_draw.count == 4 - len(behind)
    for value in old_draw.days:
        item = DueItem.objects.get(case=case, kind="random_test", due_on=D(value))
        if D(value) >= moved and value not in new_draw.days:
            assert item.status == DueStatus.CANCELLED
    year_one = [i for i in items(case, DueKind.RANDOM_TEST) if i.due_on <= new_draw.window_end]
    assert len(year_one) == 4
    assert {d.count for d in RandomDraw.objects.filter(case=case, year_index__gt=1)} >= {4}

    snapshot = list(DueItem.objects.filter(case=case).values().order_by("id"))
    with at("2024-09-21"):
        schedule.schedule_case(case, actor=cast.supervisor)
    assert list(DueItem.objects.filter(case=case).values().order_by("id")) == snapshot


# --- Plan versions: the service and its refusals -------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ([], "rows_required"),
        (
            [{"kind": "random_test", "from_month": 1, "to_month": 12, "interval_months": 1}],
            "invalid_kind",
        ),
        (
            [{"kind": "scheduled_test", "from_month": 0, "to_month": 12, "interval_months": 1}],
            "month_out_of_range",
        ),
        # 禁毒法 Art. 33, 48: a community term is at most 3 years.
        (
            [{"kind": "scheduled_test", "from_month": 1, "to_month": 37, "interval_months": 1}],
            "month_out_of_range",
        ),
        (
            [{"kind": "scheduled_test", "from_month": 5, "to_month": 3, "interval_months": 1}],
            "month_order",
        ),
        (
            [{"kind": "scheduled_test", "from_month": 1, "to_month": 12, "interval_months": 0}],
            "interval_out_of_range",
        ),
        (
            [{"kind": "scheduled_test", "from_month": 1, "to_month": 12, "interval_months": 13}],
            "interval_out_of_range",
        ),
        (
            [{"kind": "scheduled_test", "from_month": "一", "to_month": 12, "interval_months": 1}],
            "invalid_number",
        ),
        (
            [{"kind": "scheduled_test", "from_month": None, "to_month": 12, "interval_months": 1}],
            "invalid_number",
        ),
        (
            [
                {"kind": "scheduled_test", "from_month": 1, "to_month": 12, "interval_months": 1},
                {"kind": "scheduled_test", "from_month": 12, "to_month": 24, "interval_months": 2},
            ],
            "rows_overlap",
        ),
        # 戒毒条例 Art. 19: the person takes tests periodically — a plan must schedule them.
        (
            [{"kind": "talk", "from_month": 1, "to_month": 36, "interval_months": 1}],
            "tests_required",
        ),
        (["scheduled_test"], "invalid_row"),
    ],
)
def test_validate_rows_refuses_at_the_rows_field(rows, code):
    with pytest.raises(Refusal) as caught:
        plans.validate_rows(rows)
    assert caught.value.refusal_code == code
    assert list(caught.value.error_dict) == ["rows"]


def test_validate_rows_cleans_numbers_and_orders_the_rows():
    cleaned = plans.validate_rows(
        [
            {"kind": "talk", "from_month": "1", "to_month": "36", "interval_months": "2"},
            {"kind": "scheduled_test", "from_month": 13, "to_month": 36, "interval_months": 3},
            {"kind": "scheduled_test", "from_month": 1, "to_month": 12, "interval_months": 1},
            # Two kinds may cover the same months.
            {"kind": "home_visit", "from_month": 1, "to_month": 36, "interval_months": 1},
        ]
    )
    assert cleaned == [
        {"kind": "scheduled_test", "from_month": 1, "to_month": 12, "interval_months": 1},
        {"kind": "scheduled_test", "from_month": 13, "to_month": 36, "interval_months": 3},
        {"kind": "talk", "from_month": 1, "to_month": 36, "interval_months": 2},
        {"kind": "home_visit", "from_month": 1, "to_month": 36, "interval_months": 1},
    ]


def test_set_schedule_plan_checks_the_permission_and_the_fields(cast):
    kwargs = {
        "rows": MONTHLY_ALL,
        "random_tests_per_year": 3,
        "effective_from": D("2024-01-01"),
        "source": "省规定",
    }
    with pytest.raises(PermissionDenied):
        schedule.set_schedule_plan(cast.province, DRUG, actor=cast.worker_a, **kwargs)
    first = schedule.set_schedule_plan(cast.province, DRUG, actor=cast.admin, **kwargs)
    again = schedule.set_schedule_plan(cast.province, DRUG, actor=cast.admin, **kwargs)
    assert again.pk == first.pk  # the same version sent twice
    assert SchedulePlan.objects.count() == 1
    entry = ChangeLogEntry.objects.get(object_type="community.scheduleplan", object_id=first.pk)
    assert entry.username == "admin"
    refusals = [
        ({"org_unit": cast.province, "rows": EVERY_TWO}, "version_exists", "effective_from"),
        ({"org_unit": cast.province, "source": "  "}, "required", "source"),
        (
            {"org_unit": cast.province, "random_tests_per_year": 0},
            "random_out_of_range",
            "random_tests_per_year",
        ),
        ({"org_unit": cast.facility}, "wrong_unit_kind", "org_unit"),
        ({"org_unit": cast.province, "measure_kind": "voluntary"}, "invalid_kind", "measure_kind"),
    ]
    for change, code, field in refusals:
        data = {**kwargs, "effective_from": D("2024-01-01"), "measure_kind": DRUG, **change}
        unit = data.pop("org_unit")
        kind = data.pop("measure_kind")
        with pytest.raises(ValidationError) as caught:
            schedule.set_schedule_plan(unit, kind, actor=cast.admin, **data)
        assert caught.value.refusal_code == code
        assert list(caught.value.error_dict) == [field]


def test_plan_summary_describes_the_schedule_for_the_agreement(cast, rehab_measure, reported_case):
    case = reported_case(rehab_measure(term_months=24), on=REPORTED)
    lines = schedule.plan_summary(case, on=REPORTED)
    assert lines[0] == "定期检测：第1–12月每2个月一次，第13–24月每3个月一次（期限内共10次）。"
    assert "随机抽检：每年不少于3次，日期不预先告知。" in lines
    assert lines[-1].startswith("计划依据：默认计划")


# --- Satisfying items ----------------------------------------------------------------------------


def test_satisfy_marks_the_item_whose_window_holds_the_day(cast, community_measure, reported_case):
    case = reported_case(community_measure(), on=REPORTED)
    with at("2024-04-20"):
        item = schedule.satisfy(case, [DueKind.SCHEDULED_TEST], D("2024-04-20"), source="t:1")
    assert (item.kind, item.window_start, item.due_on) == (
        "scheduled_test",
        D("2024-04-05"),
        D("2024-05-04"),
    )
    item.refresh_from_db()
    assert (item.status, item.done_on, item.done_by_record) == ("done", D("2024-04-20"), "t:1")
    # The same record again: the same item, nothing else is done.
    assert schedule.satisfy(case, TEST_KINDS, D("2024-04-20"), source="t:1").pk == item.pk
    # A second test in the same period satisfies nothing scheduled.
    assert schedule.satisfy(case, [DueKind.SCHEDULED_TEST], D("2024-04-25"), source="t:2") is None
    # Before the term there is nothing to satisfy.
    assert schedule.satisfy(case, TEST_KINDS, D("2024-03-01"), source="t:3") is None
    assert DueItem.objects.filter(case=case, status=DueStatus.DONE).count() == 1


def test_a_test_on_a_random_day_satisfies_the_random_item_first(
    cast, community_measure, reported_case
):
    case = reported_case(community_measure(), on=REPORTED)
    random_item = items(case, DueKind.RANDOM_TEST)[0]
    on = random_item.due_on
    item = schedule.satisfy(case, TEST_KINDS, on, source="t:9")
    assert item.pk == random_item.pk
    scheduled = schedule.satisfy(case, TEST_KINDS, on, source="t:10")
    assert scheduled.kind == "scheduled_test"
    assert scheduled.window_start <= on <= scheduled.due_on


def test_satisfy_takes_the_earliest_due_of_the_kinds_given(cast, community_measure, reported_case):
    case = reported_case(community_measure(), on=REPORTED)
    # A late contact: month 1's talk is overdue, month 2's window holds the day.
    item = schedule.satisfy(case, [DueKind.TALK, DueKind.SELF_REPORT], D("2024-04-10"), source="c")
    assert item.due_on == D("2024-05-04")
    assert item.kind in ("talk", "self_report")


# --- Contacts ------------------------------------------------------------------------------------


@pytest.fixture
def awarded(monkeypatch):
    """What the contact service asked the credit module to score."""
    from jiedu.community.services import credit

    calls = []
    monkeypatch.setattr(
        credit, "award", lambda case, code, **kw: calls.append((code, kw["on"], kw["source"]))
    )
    monkeypatch.setattr(credit, "refresh_case", lambda case: calls.append(("refresh",)))
    return calls


@pytest.mark.parametrize(
    ("kind", "attended", "satisfied", "code"),
    [
        (ContactKind.TALK, True, "talk", "talk_attended"),
        (ContactKind.HOME_VISIT, True, "home_visit", "talk_attended"),
        (ContactKind.SELF_REPORT, True, "self_report", "talk_attended"),
        (ContactKind.TALK, False, None, "talk_missed"),
        (ContactKind.HELP, True, None, None),
    ],
)
def test_a_contact_satisfies_its_item_and_is_scored(
    cast, community_measure, reported_case, awarded, kind, attended, satisfied, code
):
    case = reported_case(community_measure(), on=REPORTED)
    awarded.clear()  # reporting in refreshed the credit too
    with at("2024-03-20"):
        contact = schedule.record_contact(
            case,
            kind=kind,
            on=D("2024-03-18"),
            attended=attended,
            place="社区服务站",
            summary="了解近况",
            actor=cast.worker_a,
        )
    done = DueItem.objects.filter(case=case, status=DueStatus.DONE)
    if satisfied:
        assert [(i.kind, i.done_by_record) for i in done] == [(satisfied, f"contact:{contact.pk}")]
    else:
        assert not done.exists()
    if code:
        assert awarded == [(code, D("2024-03-18"), f"contact:{contact.pk}"), ("refresh",)]
    else:
        assert awarded == []
    assert contact.recorded_by == str(cast.worker_a)


def test_a_contact_is_recorded_once_per_external_id(cast, community_measure, reported_case):
    case = reported_case(community_measure(), on=REPORTED)
    with at("2024-03-20"):
        kwargs = {"kind": "talk", "on": D("2024-03-18"), "attended": True, "actor": cast.worker_a}
        first = schedule.record_contact(case, external_id="app-1", **kwargs)
        second = schedule.record_contact(case, external_id="app-1", **kwargs)
    assert first.pk == second.pk
    assert Contact.objects.filter(case=case).count() == 1


def test_contacts_need_the_permission_and_a_day_within_the_measure(
    cast, community_measure, reported_case
):
    case = reported_case(community_measure(), on=REPORTED)
    kwargs = {"kind": "talk", "attended": True}
    with at("2024-03-20"):
        with pytest.raises(PermissionDenied):
            schedule.record_contact(case, on=D("2024-03-18"), actor=cast.outsider, **kwargs)
        with pytest.raises(PermissionDenied):
            schedule.record_contact(case, on=D("2024-03-18"), actor=cast.police, **kwargs)
        for on, code in ((D("2024-03-21"), "future_date"), (D("2024-02-01"), "before_measure")):
            with pytest.raises(Refusal) as caught:
                schedule.record_contact(case, on=on, actor=cast.worker_a, **kwargs)
            assert caught.value.refusal_code == code
        with pytest.raises(Refusal) as caught:
            schedule.record_contact(
                case, on=D("2024-03-18"), actor=cast.worker_a, kind="visit", attended=True
            )
        assert caught.value.refusal_code == "invalid_kind"
    assert not Contact.objects.exists()
