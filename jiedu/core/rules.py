"""Configurable rules: local values with national defaults, versioned, each citing its source.

A rule (`RuleSpec`) is declared once by the app that uses it, with its national default, the
statutory bounds a local rule may not cross, and where both come from (domain.md §0.1, §8.1).
Bureau administrators record local values as `RuleValue` rows for a province, city, county or
township; a row is never edited — a new version with a later `effective_from` replaces it, so the
value that applied on any past day can still be read. The most specific unit wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from . import clock


@dataclass(frozen=True)
class RuleSpec:
    key: str
    label: str
    unit: str  # "days" | "months"
    default: int
    source: str  # where the national default comes from
    minimum: int
    maximum: int
    bounds_source: str  # the statute that caps local values
    # True where no national figure exists and Jiedu ships a default (domain.md: "make this a
    # configurable rule with this default"); the UI flags such values as defaults.
    fallback: bool = False


UNIT_LABELS = {"days": _("天"), "months": _("个月")}

_REGISTRY: dict[str, RuleSpec] = {}


def register(*specs: RuleSpec) -> None:
    for spec in specs:
        if not spec.minimum <= spec.default <= spec.maximum:
            raise ValueError(f"default of {spec.key} outside its bounds")
        _REGISTRY[spec.key] = spec


def spec(key: str) -> RuleSpec:
    return _REGISTRY[key]


def all_specs() -> list[RuleSpec]:
    return sorted(_REGISTRY.values(), key=lambda s: s.key)


@dataclass(frozen=True)
class ResolvedRule:
    key: str
    value: int
    unit: str
    source: str
    effective_from: date | None
    org_unit: object | None  # the unit whose rule applies; None = the national default
    is_default: bool


def ancestor_paths(path: str, steplen: int) -> list[str]:
    """The materialized paths of a unit and all its ancestors, root first."""
    return [path[:i] for i in range(steplen, len(path) + 1, steplen)]


def resolve(key: str, unit=None, on: date | None = None) -> ResolvedRule:
    """The value of rule `key` that applies at `unit` on day `on` (default: today)."""
    from .models import RuleValue

    rule = spec(key)
    on = on or clock.today()
    if unit is not None:
        paths = ancestor_paths(unit.path, type(unit).steplen)
        row = (
            RuleValue.objects.filter(key=key, org_unit__path__in=paths, effective_from__lte=on)
            .select_related("org_unit")
            .order_by("-org_unit__depth", "-effective_from", "-id")
            .first()
        )
        if row is not None:
            return ResolvedRule(
                key, row.value, rule.unit, row.source, row.effective_from, row.org_unit, False
            )
    return ResolvedRule(key, rule.default, rule.unit, rule.source, None, None, rule.fallback)


def value(key: str, unit=None, on: date | None = None) -> int:
    return resolve(key, unit, on).value
