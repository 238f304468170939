"""Configurable rules (`jiedu.core.rules`): the national default, local values per unit and
effective date, the most specific unit winning, append-only versions, and statutory bounds
(domain.md §0.1, §8.1)."""

from datetime import date

import pytest

import jiedu.measures.rules  # noqa: F401  (registers the measures' rules)
from jiedu.core import rules
from jiedu.core.models import AuditImmutableError, RuleValue
from jiedu.measures.rules import HANDOVER_DAYS, RELEASE_NOTICE_DAYS, REPORT_IN_DAYS

pytestmark = pytest.mark.django_db

D = date.fromisoformat


def local(unit, value, effective_from, key=REPORT_IN_DAYS, source="浙江省禁毒条例 Art. 37"):
    return RuleValue.objects.create(
        key=key, org_unit=unit, value=value, effective_from=D(effective_from), source=source
    )


@pytest.mark.parametrize(
    ("key", "value", "is_default"),
    [
        pytest.param(REPORT_IN_DAYS, 15, False, id="戒毒条例14-statutory-default"),
        pytest.param(RELEASE_NOTICE_DAYS, 3, False, id="戒毒条例34-statutory-default"),
        pytest.param(HANDOVER_DAYS, 3, True, id="no-national-figure-flagged-as-default"),
    ],
)
def test_the_national_default_applies_when_no_unit_has_a_rule(cast, key, value, is_default):
    for unit in (cast.township_a, None):
        rule = rules.resolve(key, unit, D("2024-06-01"))
        assert rule.value == value
        assert rule.org_unit is None and rule.effective_from is None
        assert rule.source == rules.spec(key).source
        assert rule.is_default is is_default


@pytest.mark.parametrize(
    ("on", "value", "from_province"),
    [
        pytest.param("2024-02-29", 15, False, id="戒毒条例14-the-day-before-it-takes-effect"),
        pytest.param("2024-03-01", 2, True, id="浙江禁毒条例37-on-its-effective-date"),
        pytest.param("2025-01-01", 2, True, id="浙江禁毒条例37-later"),
    ],
)
def test_a_province_rule_applies_below_it_from_its_effective_date(cast, on, value, from_province):
    local(cast.province, 2, "2024-03-01")
    for unit in (cast.township_a, cast.township_b, cast.county_a, cast.province):
        rule = rules.resolve(REPORT_IN_DAYS, unit, D(on))
        assert rule.value == value, unit
        assert (rule.org_unit == cast.province) is from_province
        assert rule.source == (
            "浙江省禁毒条例 Art. 37" if from_province else "戒毒条例 Art. 14, 38"
        )


@pytest.mark.parametrize(
    ("unit", "on", "value"),
    [
        pytest.param("township_a", "2024-04-01", 2, id="province-rule-until-the-township-one"),
        pytest.param("township_a", "2024-06-10", 5, id="township-rule-wins-below-the-province"),
        pytest.param("township_a", "2024-07-01", 5, id="newer-province-version-does-not-override"),
        pytest.param("township_b", "2024-06-10", 2, id="sibling-township-keeps-the-province-rule"),
        pytest.param("township_b", "2024-07-01", 3, id="sibling-township-gets-the-newer-version"),
        pytest.param("county_a", "2024-07-01", 3, id="county-above-gets-the-province-rule"),
    ],
)  # fmt: skip
def test_the_most_specific_unit_wins(cast, unit, on, value):
    local(cast.province, 2, "2024-03-01")
    local(cast.township_a, 5, "2024-06-01", source="某镇实施细则")
    local(cast.province, 3, "2024-06-15")
    assert rules.value(REPORT_IN_DAYS, getattr(cast, unit), D(on)) == value


@pytest.mark.parametrize(
    ("on", "value"),
    [
        pytest.param("2023-12-31", 15, id="before-either-version"),
        pytest.param("2024-01-01", 10, id="the-first-version"),
        pytest.param("2024-06-30", 10, id="the-first-version-still-answers-in-between"),
        pytest.param("2024-07-01", 2, id="the-newer-version-supersedes-it"),
        pytest.param("2026-01-01", 2, id="the-newer-version-later"),
    ],
)
def test_a_newer_version_supersedes_an_older_one_from_its_effective_date(cast, on, value):
    local(cast.province, 10, "2024-01-01", source="旧版条例")
    local(cast.province, 2, "2024-07-01", source="新版条例")
    assert rules.value(REPORT_IN_DAYS, cast.township_a, D(on)) == value


def test_resolve_without_a_day_reads_today(cast, time_machine):
    local(cast.province, 2, "2024-03-01")
    time_machine.move_to(D("2024-02-15"), tick=False)
    assert rules.value(REPORT_IN_DAYS, cast.township_a) == 15
    time_machine.move_to(D("2024-03-01"), tick=False)
    assert rules.value(REPORT_IN_DAYS, cast.township_a) == 2


@pytest.mark.parametrize(
    ("key", "value", "capped"),
    [
        pytest.param(REPORT_IN_DAYS, 30, 15, id="戒毒条例14-at-most-15-days"),
        pytest.param(REPORT_IN_DAYS, 0, 1, id="戒毒条例14-at-least-1-day"),
        pytest.param(RELEASE_NOTICE_DAYS, 1, 3, id="戒毒条例34-at-least-3-days-before"),
        pytest.param(REPORT_IN_DAYS, 2, 2, id="浙江禁毒条例37-within-the-bounds"),
    ],
)
def test_a_local_value_outside_the_statutory_bounds_is_capped(cast, key, value, capped):
    # domain.md §0.1: local rules tighten national ones, but statutory limits still cap them.
    local(cast.province, value, "2024-01-01", key=key)
    assert rules.value(key, cast.township_a, D("2024-06-01")) == capped


def test_rule_versions_cannot_be_updated_or_deleted(cast):
    row = local(cast.province, 2, "2024-03-01")
    row.value = 3
    with pytest.raises(AuditImmutableError):
        row.save()
    with pytest.raises(AuditImmutableError):
        row.delete()
    with pytest.raises(AuditImmutableError):
        RuleValue.objects.filter(pk=row.pk).update(value=3)
    with pytest.raises(AuditImmutableError):
        RuleValue.objects.filter(pk=row.pk).delete()
    assert RuleValue.objects.get(pk=row.pk).value == 2


@pytest.mark.parametrize("spec", rules.all_specs(), ids=lambda s: s.key)
def test_every_registered_rule_declares_bounds_and_sources_and_its_default_lies_within(spec):
    assert spec.minimum <= spec.default <= spec.maximum
    assert spec.source.strip() and spec.bounds_source.strip()
    assert spec.unit in rules.UNIT_LABELS
    assert str(spec.label)


def test_a_rule_whose_default_lies_outside_its_bounds_cannot_be_registered():
    bad = rules.RuleSpec("test.bad", "bad", "days", 20, "test", 1, 15, "test")
    with pytest.raises(ValueError):
        rules.register(bad)
    with pytest.raises(KeyError):
        rules.spec("test.bad")


@pytest.mark.parametrize("on", ["2024-02-29", "2024-03-01", "2024-07-01", "2025-06-01"])
def test_values_reads_several_rules_in_one_query_as_resolve_does(
    cast, on, django_assert_num_queries
):
    local(cast.province, 2, "2024-03-01")
    local(cast.township_a, 1, "2024-07-01")
    local(cast.county_a, 5, "2024-03-01", key=RELEASE_NOTICE_DAYS, source="本县规定")
    keys = [REPORT_IN_DAYS, RELEASE_NOTICE_DAYS, HANDOVER_DAYS]
    for unit in (cast.township_a, cast.township_b, cast.county_a, None):
        with django_assert_num_queries(1 if unit is not None else 0):
            got = rules.values(keys, unit, D(on))
        assert got == {key: rules.resolve(key, unit, D(on)).value for key in keys}, unit
