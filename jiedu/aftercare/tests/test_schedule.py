"""The visit schedule: months from the rule `aftercare.visit_months.*` in force at the responsible
unit on the day of release (Jiedu default 1, 3, 6, 12, 24, 36 — no national figure, domain.md
§7.1), due on the release day plus N months, clamped to the month's end (domain.md §0.2)."""

import pytest

from jiedu.aftercare import rules
from jiedu.aftercare.models import FollowUpPlan
from jiedu.aftercare.services import schedule
from jiedu.core.rules import set_rule_value

from .conftest import D, release_isolation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "starts_on, month, due_on",
    [
        # (release day, month, due day) — domain.md §0.2: a missing day clamps to the month's end
        ("2024-03-15", 1, "2024-04-15"),
        ("2024-01-31", 1, "2024-02-29"),  # leap year
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-03-31", 3, "2024-06-30"),
        ("2024-08-31", 6, "2025-02-28"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2024-12-31", 36, "2027-12-31"),
    ],
)
def test_a_visit_falls_due_n_months_after_release(starts_on, month, due_on):
    assert schedule(D(starts_on), [month]) == [(month, D(due_on))]


def test_the_national_default_is_flagged_as_a_jiedu_default():
    plan = rules.visit_months(None, D("2024-01-01"))
    assert plan.months == [1, 3, 6, 12, 24, 36]
    assert plan.is_default
    assert "domain.md §7.1" in plan.source


def _set(cast, slot, unit, value, effective="2023-01-01"):
    return set_rule_value(
        rules.VISIT_MONTH_KEYS[slot - 1],
        unit,
        value=value,
        effective_from=D(effective),
        source=f"{unit}后续照管工作规范",
        actor=cast.admin,
    )


@pytest.mark.parametrize(
    "overrides, months",
    [
        # (slot, unit, month) recorded by the province's administrator → the plan's months
        ([], [1, 3, 6, 12, 24, 36]),
        ([(2, "province", 2)], [1, 2, 6, 12, 24, 36]),
        ([(7, "province", 18), (8, "province", 30)], [1, 3, 6, 12, 18, 24, 30, 36]),
        ([(6, "province", 0)], [1, 3, 6, 12, 24]),  # no visit at 36 months
        ([(2, "province", 2), (2, "county_a", 4)], [1, 4, 6, 12, 24, 36]),  # the county wins
        ([(2, "county_b", 2)], [1, 3, 6, 12, 24, 36]),  # another county's rule does not apply
        ([(3, "province", 1)], [1, 3, 12, 24, 36]),  # a repeated month is one visit
    ],
)
def test_the_plan_takes_the_months_in_force_at_its_unit(cast, overrides, months):
    for slot, unit, value in overrides:
        _set(cast, slot, getattr(cast, unit), value)
    measure = release_isolation(cast)
    plan = FollowUpPlan.objects.get(measure=measure)
    assert plan.visit_months == months
    assert sorted(plan.visits.values_list("month", flat=True)) == months
    if overrides and plan.visit_months != [1, 3, 6, 12, 24, 36]:
        assert "后续照管工作规范" in plan.plan_source


def test_a_rule_taking_effect_after_the_release_does_not_change_the_plan(cast):
    _set(cast, 2, cast.province, 2, effective="2024-06-01")
    measure = release_isolation(cast)  # released 2024-02-29
    assert FollowUpPlan.objects.get(measure=measure).visit_months == [1, 3, 6, 12, 24, 36]
    assert rules.visit_months(cast.township_a, D("2024-06-01")).months == [1, 2, 6, 12, 24, 36]


def test_the_first_visit_cannot_be_switched_off(cast):
    from jiedu.core.refusals import Refusal

    with pytest.raises(Refusal) as exc:
        _set(cast, 1, cast.province, 0)
    assert exc.value.refusal_code == "out_of_bounds"
