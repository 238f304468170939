"""Scoring an answer sheet against a checked definition."""

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from .definition import (
    _convert,
    _normalise,
    _units,
)
from .values import (
    Alert,
    Band,
    DefinitionError,
    ScoreResult,
    ScoringError,
    _fmt,
    _frac,
    _is_number,
    _out,
)

# --------------------------------------------------------------------------------------------
# Scoring


def _label(key: int | str) -> tuple[str, str]:
    """(zh, en) names of an item or result field in messages."""
    if isinstance(key, int):
        return f"第{key}题", f"Item {key}"
    return f"结果项“{key}”", f"Result '{key}'"


def _error(key: int | str, zh: str, en: str, code: str) -> ScoringError:
    label_zh, label_en = _label(key)
    item = key if isinstance(key, int) else None
    fld = key if isinstance(key, str) else None
    return ScoringError(f"{label_zh}{zh}", f"{label_en}: {en}", item, code, field=fld)


def _read_answers(
    d: dict, answers: Mapping[Any, Any]
) -> tuple[dict[int | str, Fraction], list[ScoringError]]:
    """Given answers by unit key (before reverse scoring) and every problem with them."""
    units = _units(d)
    errors: list[ScoringError] = []
    given: dict[int | str, Fraction] = {}
    if not isinstance(answers, Mapping):
        return {}, [ScoringError("答案须为以题号为键的对象", "Answers must be a mapping by item")]
    seen: set[int | str] = set()
    for raw_key, value in answers.items():
        key: int | str | None = None
        if d["mode"] == "items":
            # JSON object keys arrive as strings: accept "3" for item 3.
            if type(raw_key) is int:
                key = raw_key
            elif isinstance(raw_key, str) and raw_key.strip().isdigit():
                key = int(raw_key.strip())
        elif isinstance(raw_key, str):
            key = raw_key
        if key is None or key not in units:
            shown = raw_key if isinstance(raw_key, int | str) else repr(raw_key)
            if d["mode"] == "items":
                zh, en = f"没有第{shown}题", f"There is no item {shown!r} in this instrument"
            else:
                zh, en = f"没有结果项“{shown}”", f"There is no result field {shown!r}"
            errors.append(ScoringError(zh, en, None, "unknown_item"))
            continue
        if key in seen:
            errors.append(_error(key, "重复作答", "answered twice", "duplicate_answer"))
            continue
        seen.add(key)
        if value is None:
            continue  # a blank in a form: treated as not answered
        unit = units[key]
        if isinstance(value, str) or not _is_number(value):
            errors.append(
                _error(
                    key,
                    f"的答案{value!r}不是数字",
                    f"answer {value!r} is not a number",
                    "not_a_number",
                )
            )
            continue
        v = _frac(value)
        if unit.options:
            if v not in unit.options:
                allowed = "、".join(_fmt(o) for o in sorted(unit.options))
                allowed_en = ", ".join(_fmt(o) for o in sorted(unit.options))
                errors.append(
                    _error(
                        key,
                        f"的答案{_fmt(v)}不是可选分值（可选：{allowed}）",
                        f"answer {_fmt(v)} is not one of the options ({allowed_en})",
                        "invalid_option",
                    )
                )
                continue
        else:
            assert unit.lo is not None and unit.hi is not None and unit.step is not None
            if not unit.lo <= v <= unit.hi:
                errors.append(
                    _error(
                        key,
                        f"的答案{_fmt(v)}超出范围{_fmt(unit.lo)}–{_fmt(unit.hi)}",
                        f"answer {_fmt(v)} is outside {_fmt(unit.lo)}–{_fmt(unit.hi)}",
                        "out_of_range",
                    )
                )
                continue
            if ((v - unit.lo) / unit.step).denominator != 1:
                errors.append(
                    _error(
                        key,
                        f"的答案{_fmt(v)}不符合步长{_fmt(unit.step)}",
                        f"answer {_fmt(v)} is not on a step of {_fmt(unit.step)}",
                        "off_step",
                    )
                )
                continue
        given[key] = v
    reported = {e.item if e.item is not None else e.field for e in errors}
    for key, unit in units.items():
        if key not in given and not unit.optional and key not in reported:
            errors.append(_error(key, "未作答", "no answer given", "missing_answer"))
    # Unknown keys first, then in the instrument's own order, so forms list them naturally.
    order = {key: i for i, key in enumerate(units)}
    errors.sort(key=lambda e: order.get(e.item if e.item is not None else e.field, -1))
    return given, errors


def answer_errors(definition: dict, answers: Mapping[Any, Any]) -> list[ScoringError]:
    """Every problem with an answer sheet, in item order, for a form that shows them all."""
    d, errors = _normalise(definition)
    if d is None:
        raise DefinitionError(errors)
    return _read_answers(d, answers)[1]


def _aggregate(values: Iterable[Fraction], method: str) -> Fraction | None:
    vals = list(values)
    if not vals:
        return None
    total = sum(vals, Fraction(0))
    return total / len(vals) if method == "mean" else total


def score(definition: dict, answers: Mapping[Any, Any]) -> ScoreResult:
    """Score one answer sheet against a definition (raw or normalised); raise ScoringError
    naming the first bad answer, or DefinitionError when the definition itself is unusable."""
    d, errors = _normalise(definition)
    if d is None:
        raise DefinitionError(errors)
    given, problems = _read_answers(d, answers)
    if problems:
        raise problems[0]
    units = _units(d)
    scored = {key: units[key].scored(v) for key, v in given.items()}

    raw = _aggregate((scored[k] for k in d["total"]["items"] if k in scored), d["total"]["method"])
    if raw is None:
        raise ScoringError(
            "没有可计算总分的答案", "No answers to compute the total from", None, "no_answers"
        )
    standard = _convert(d, raw)
    if d["conversion"] is not None and standard is None:
        raise ScoringError(
            f"转换表中没有原始分{_fmt(raw)}",
            f"The conversion table has no entry for raw score {_fmt(raw)}",
            None,
            "no_conversion",
        )
    final = standard if standard is not None else raw

    subscales: dict[str, float] = {}
    for sub in d["subscales"]:
        value = _aggregate((scored[k] for k in sub["items"] if k in scored), sub["method"])
        if value is not None:
            subscales[sub["code"]] = _out(value)

    band = None
    for b in d["bands"]:
        if _frac(b["min"]) <= final <= _frac(b["max"]):
            band = Band(b["code"], b["label_zh"], b["label_en"], b["alert"])
            break

    alerts: list[Alert] = []
    for risk in d["risk_items"]:
        key = risk["item"]
        if key in given and given[key] >= _frac(risk["threshold"]):
            alerts.append(
                Alert(
                    risk["code"],
                    key if isinstance(key, int) else None,
                    risk["message_zh"],
                    risk["message_en"],
                    field=key if isinstance(key, str) else None,
                )
            )
    if band is not None and band.alert:
        alerts.append(
            Alert(
                f"band_{band.code}",
                None,
                f"{d['name_zh']}得分{_fmt(final)}，结果为“{band.label_zh}”",
                f"{d['name_en']} score {_fmt(final)}: {band.label_en}",
            )
        )
    return ScoreResult(
        raw=_out(raw),
        standard=None if standard is None else _out(standard),
        subscales=subscales,
        band=band,
        alerts=tuple(alerts),
    )
