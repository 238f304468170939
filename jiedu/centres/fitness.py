"""Fitness standards of the rehabilitation-training centre (康复训练中心), as data.

Source. There is no national fitness standard for persons in 强制隔离戒毒 facilities. The table
below is a **configurable default** modelled on the *shape* of the 国民体质测定标准（成年人部分）:
items graded separately by sex and five-year age band against a pass ("合格") threshold. Its
numbers are Jiedu's working defaults for untrained adults, NOT figures copied from that standard;
a province sets its own by giving the same structure in the Django setting
`JIEDU_FITNESS_STANDARDS` (`{item: {sex: [threshold per band]}}`, bands as in `AGE_BANDS`).

The overall result that 身心康复 item 2 reads (domain.md §4.5, provincial sheet) is not this
table: it is "radio calisthenics fluent and coordinated, or ≥10 chest-expander pulls within one
minute" (the 10 is the configurable rule `centres.fitness.chest_expander_pass`). The graded items
show progress over the stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

SOURCE = _(
    "全国无戒毒场所体能标准；参照《国民体质测定标准》（成年人部分）结构设定的默认值，"
    "可由省级配置替换"
)

# Inclusive age bands (years); persons under 20 (强戒 from 16) are graded with the youngest band.
AGE_BANDS: tuple[tuple[int, int], ...] = (
    (16, 24),
    (25, 29),
    (30, 34),
    (35, 39),
    (40, 44),
    (45, 49),
    (50, 54),
    (55, 59),
    (60, 150),
)


@dataclass(frozen=True)
class Item:
    """A graded item: the FitnessTest field, its label and unit."""

    field: str
    label: str
    unit: str


GRADED_ITEMS: tuple[Item, ...] = (
    Item("push_ups", _("俯卧撑"), _("次/分钟")),
    Item("sit_ups", _("仰卧起坐"), _("次/分钟")),
    Item("sit_and_reach_cm", _("坐位体前屈"), _("厘米")),
    Item("step_index", _("台阶试验指数"), ""),
)

# Pass thresholds (value >= threshold passes), one per age band in AGE_BANDS order.
DEFAULT_STANDARDS: dict[str, dict[str, tuple]] = {
    "push_ups": {
        "male": (20, 18, 16, 14, 12, 10, 8, 6, 5),
        "female": (8, 7, 6, 5, 4, 3, 3, 2, 2),
    },
    "sit_ups": {
        "male": (25, 23, 21, 19, 17, 15, 13, 11, 9),
        "female": (20, 18, 16, 14, 12, 10, 8, 6, 5),
    },
    "sit_and_reach_cm": {
        "male": (2.0, 1.5, 1.0, 0.5, 0.0, -0.5, -1.0, -1.5, -2.0),
        "female": (5.0, 4.5, 4.0, 3.5, 3.0, 2.5, 2.0, 1.5, 1.0),
    },
    "step_index": {
        "male": (50.0, 50.0, 49.0, 49.0, 48.0, 48.0, 47.0, 47.0, 46.0),
        "female": (50.0, 50.0, 49.0, 49.0, 48.0, 48.0, 47.0, 47.0, 46.0),
    },
}

PASS = "pass"
FAIL = "fail"


def standards() -> dict[str, dict[str, tuple]]:
    """The table in force: the setting's where it gives one, the default otherwise."""
    override = getattr(settings, "JIEDU_FITNESS_STANDARDS", None) or {}
    return {
        item: {**DEFAULT_STANDARDS[item], **override.get(item, {})} for item in DEFAULT_STANDARDS
    }


def band_index(age: int) -> int:
    for i, (low, high) in enumerate(AGE_BANDS):
        if low <= age <= high:
            return i
    return 0 if age < AGE_BANDS[0][0] else len(AGE_BANDS) - 1


def threshold(item: str, sex: str, age: int):
    """The pass threshold of `item` for `sex` at `age`; None when the sex is unknown (GB/T 2261.1
    code 0): the standards are by sex, so such a result is recorded but not graded."""
    per_sex = standards()[item]
    if sex not in per_sex:
        return None
    return per_sex[sex][band_index(age)]


def grade(
    values: dict, *, sex: str, age: int, chest_expander_pass: int
) -> tuple[dict[str, str], bool]:
    """Grades each measured item ("pass"/"fail"; items not measured are left out) and the
    overall result of 身心康复 item 2: calisthenics fluent OR chest-expander pulls >= the rule."""
    grades: dict[str, str] = {}
    fluent = values.get("calisthenics_fluent")
    if fluent is not None:
        grades["calisthenics"] = PASS if fluent else FAIL
    pulls = values.get("chest_expander_pulls")
    if pulls is not None:
        grades["chest_expander"] = PASS if pulls >= chest_expander_pass else FAIL
    for item in GRADED_ITEMS:
        value = values.get(item.field)
        if value is None:
            continue
        limit = threshold(item.field, sex, age)
        if limit is None:
            continue
        grades[item.field] = PASS if Decimal(str(value)) >= Decimal(str(limit)) else FAIL
    passed = grades.get("calisthenics") == PASS or grades.get("chest_expander") == PASS
    grades["overall"] = PASS if passed else FAIL
    return grades, passed
