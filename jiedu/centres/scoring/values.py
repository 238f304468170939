"""What the engine's parts share: errors, results, constants and exact-number helpers."""

import math
import re
from dataclasses import asdict, dataclass
from fractions import Fraction
from numbers import Real
from pathlib import Path
from typing import Any

INSTRUMENT_DATA_DIR = Path(__file__).resolve().parent.parent / "instrument_data"

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")  # "16pf" is a fine code
# Beyond these sizes exhaustive checking of possible scores becomes slow; a definition that
# needs more should use a coarser step.
_MAX_RANGE_VALUES = 10_000
_MAX_SCORE_STATES = 200_000

_ABOUT_KEYS = {"code", "version", "name_zh", "name_en", "source", "licence", "mode"}
_TEXT_KEYS = {"instructions_zh", "instructions_en"}
_BODY_KEYS = {"options", "items", "results", "subscales", "total", "conversion", "bands"}
_TOP_KEYS = _ABOUT_KEYS | _TEXT_KEYS | _BODY_KEYS | {"risk_items"}
_OPTION_KEYS = {"value", "label_zh", "label_en"}
_ITEM_KEYS = {"number", "text_zh", "text_en", "reverse", "optional", "subscales"} | {
    "options",
    "range",
}
_RANGE_KEYS = {"min", "max", "step"}
_RESULT_KEYS = {"code", "name_zh", "name_en", "min", "max", "step", "optional"}
_SUBSCALE_KEYS = {"code", "name_zh", "name_en", "items", "method"}
_TOTAL_KEYS = {"method", "items"}
_CONVERSION_KEYS = {"multiply", "add", "round", "table"}
_BAND_KEYS = {"code", "label_zh", "label_en", "min", "max", "alert"}
_RISK_KEYS = {"item", "threshold", "code", "message_zh", "message_en"}
_METHODS = ("sum", "mean")
_ROUNDING = ("floor", "half_up", "none")


class DefinitionError(ValueError):
    """An instrument definition that cannot be used; `errors` lists every problem found, each
    in English and Chinese ("item 3: … / 第3题：…")."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class ScoringError(ValueError):
    """An answer sheet that cannot be scored. `code` is a machine code for the API, `item` the
    item number (or `field` the result field code) the message is about."""

    def __init__(
        self,
        message_zh: str,
        message_en: str,
        item: int | None = None,
        code: str = "invalid_answer",
        *,
        field: str | None = None,
    ):
        super().__init__(f"{message_en} / {message_zh}")
        self.message_zh = message_zh
        self.message_en = message_en
        self.item = item
        self.code = code
        self.field = field


@dataclass(frozen=True)
class Band:
    """One cut-off class of an instrument's score (分级), e.g. PHQ-9 "moderate"."""

    code: str
    label_zh: str
    label_en: str
    alert: bool


@dataclass(frozen=True)
class Alert:
    """Something staff must act on: a risk item that fired (`item` set) or an alert band."""

    code: str
    item: int | None
    message_zh: str
    message_en: str
    field: str | None = None  # the result field, for risk items in "results" mode


@dataclass(frozen=True)
class ScoreResult:
    """What one answer sheet scores to."""

    raw: float
    standard: float | None
    subscales: dict[str, float]
    band: Band | None
    alerts: tuple[Alert, ...]

    @property
    def score(self) -> float:
        """The score the cut-offs use: the standard score when the instrument converts."""
        return self.standard if self.standard is not None else self.raw

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, for storing next to the answers."""
        data = asdict(self)
        data["alerts"] = list(data["alerts"])
        data["score"] = self.score
        return data


# --------------------------------------------------------------------------------------------
# Numbers


def _is_number(value: object) -> bool:
    # bool is an int subclass; True as a score is always a mistake.
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    return math.isfinite(value)


def _frac(value: Real) -> Fraction:
    """Exact value of a JSON number: 1.25 is 5/4, not the nearest binary float."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def _out(value: Fraction) -> float:
    return float(value)


def _fmt(value: Fraction | Real) -> str:
    """A number as people write it: 3, 2.5, 1/3 → 0.3333."""
    f = _frac(value) if not isinstance(value, Fraction) else value
    if f.denominator == 1:
        return str(f.numerator)
    return f"{float(f):.4g}"


def _round(value: Fraction, how: str) -> Fraction:
    if how == "floor":
        return Fraction(math.floor(value))
    if how == "half_up":
        # Halves away from zero, as in Decimal.ROUND_HALF_UP and hand scoring.
        sign = -1 if value < 0 else 1
        return Fraction(sign * math.floor(abs(value) + Fraction(1, 2)))
    return value
