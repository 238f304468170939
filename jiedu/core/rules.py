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


UNIT_LABELS = {
    "days": _("天"),
    "months": _("个月"),
    "points": _("分"),
    "count": _("次"),
    "per_minute": _("次/分"),
    "mmhg": "mmHg",
    "u_per_l": "U/L",
    "bmi_x10": _("（BMI×10）"),
    "flag": _("（1=启用，0=不启用）"),
    "level": _("（0=不计，1=中风险，2=高风险）"),
}

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
            # Local rules tighten national ones; the statutory bounds still cap them (§0.1).
            capped = min(max(row.value, rule.minimum), rule.maximum)
            return ResolvedRule(
                key, capped, rule.unit, row.source, row.effective_from, row.org_unit, False
            )
    return ResolvedRule(key, rule.default, rule.unit, rule.source, None, None, rule.fallback)


def value(key: str, unit=None, on: date | None = None) -> int:
    return resolve(key, unit, on).value


def values(keys, unit=None, on: date | None = None) -> dict[str, int]:
    """The values of several rules at `unit` on day `on`, in one query (a page that needs a
    dozen ranges asks once, not a dozen times). Same resolution as `resolve`."""
    from .models import RuleValue

    keys = list(keys)
    on = on or clock.today()
    out = {key: spec(key).default for key in keys}
    if unit is None:
        return out
    rows = (
        RuleValue.objects.filter(
            key__in=keys,
            org_unit__path__in=ancestor_paths(unit.path, type(unit).steplen),
            effective_from__lte=on,
        )
        .order_by("key", "-org_unit__depth", "-effective_from", "-id")
        .values_list("key", "value")
    )
    seen: set[str] = set()
    for key, raw in rows:
        if key in seen:
            continue  # the first row per key is the most specific unit's latest version
        seen.add(key)
        rule = spec(key)
        out[key] = min(max(raw, rule.minimum), rule.maximum)
    return out


def set_rule_value(
    key: str, unit, *, value: int, effective_from: date, source: str, actor, note=""
):
    """Record a new version of rule `key` for `unit` (bureau administrators, `core.manage_rules`).

    Refuses values outside the statutory bounds; the same version sent twice returns the first.
    """
    from django.core.exceptions import PermissionDenied

    from .models import RuleValue
    from .permissions import has_perm
    from .refusals import Refusal

    if not has_perm(actor, "core.manage_rules", unit):
        raise PermissionDenied(_("您无权修改该单位的规则配置。"))
    if key not in _REGISTRY:
        raise Refusal(_("未知的规则。"), code="unknown_rule", field="key")
    rule = _REGISTRY[key]
    if not rule.minimum <= value <= rule.maximum:
        raise Refusal(
            _("取值应在%(min)s至%(max)s之间（%(source)s）。"),
            code="out_of_bounds",
            params={"min": rule.minimum, "max": rule.maximum, "source": rule.bounds_source},
            field="value",
        )
    if not source.strip():
        raise Refusal(_("请写明依据（文件名称和条款）。"), code="required", field="source")
    existing = RuleValue.objects.filter(
        key=key, org_unit=unit, effective_from=effective_from
    ).first()
    if existing is not None:
        if existing.value == value:
            return existing
        raise Refusal(
            _("该单位在该日已有一个版本；请选择另一个生效日期。"),
            code="version_exists",
            field="effective_from",
        )
    return RuleValue.objects.create(
        key=key,
        org_unit=unit,
        value=value,
        effective_from=effective_from,
        source=source.strip(),
        note=note.strip(),
        created_by=str(actor),
    )
