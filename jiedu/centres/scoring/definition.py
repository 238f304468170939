"""Checking an instrument definition: its shape, its references, and that every score it can
produce falls in exactly one band."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .values import (
    _BAND_KEYS,
    _CONVERSION_KEYS,
    _ITEM_KEYS,
    _MAX_RANGE_VALUES,
    _MAX_SCORE_STATES,
    _METHODS,
    _OPTION_KEYS,
    _RANGE_KEYS,
    _RESULT_KEYS,
    _RISK_KEYS,
    _ROUNDING,
    _SLUG,
    _SUBSCALE_KEYS,
    _TOP_KEYS,
    _TOTAL_KEYS,
    INSTRUMENT_DATA_DIR,
    DefinitionError,
    _fmt,
    _frac,
    _is_number,
    _round,
)

# --------------------------------------------------------------------------------------------
# Definition validation


def _msg(en: str, zh: str) -> str:
    return f"{en} / {zh}"


class _Checker:
    """Collects every problem in one definition instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, en: str, zh: str) -> None:
        self.errors.append(_msg(en, zh))

    def keys(self, obj: Mapping, allowed: set[str], where_en: str, where_zh: str) -> None:
        for key in sorted(set(obj) - allowed):
            self.add(f"{where_en}: unknown field '{key}'", f"{where_zh}：未知字段“{key}”")

    def text(self, obj: Mapping, key: str, where_en: str, where_zh: str, required=True) -> str:
        value = obj.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(f"{where_en}: '{key}' must be non-empty text", f"{where_zh}：“{key}”不能为空")
            return ""
        return value

    def slug(self, obj: Mapping, key: str, where_en: str, where_zh: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not _SLUG.match(value):
            self.add(
                f"{where_en}: '{key}' must be a slug (a-z, 0-9, _), got {value!r}",
                f"{where_zh}：“{key}”须为小写字母、数字和下划线组成的代码，当前为{value!r}",
            )
            return ""
        return value

    def number(self, obj: Mapping, key: str, where_en: str, where_zh: str) -> Fraction | None:
        value = obj.get(key)
        if not _is_number(value):
            self.add(f"{where_en}: '{key}' must be a number", f"{where_zh}：“{key}”须为数字")
            return None
        return _frac(value)

    def flag(self, obj: Mapping, key: str, where_en: str, where_zh: str) -> bool:
        value = obj.get(key, False)
        if not isinstance(value, bool):
            self.add(f"{where_en}: '{key}' must be true or false", f"{where_zh}：“{key}”须为是或否")
            return False
        return value

    def method(self, obj: Mapping, where_en: str, where_zh: str) -> str:
        value = obj.get("method", "sum")
        if value not in _METHODS:
            self.add(
                f"{where_en}: method must be 'sum' or 'mean', got {value!r}",
                f"{where_zh}：计分方法须为 sum 或 mean，当前为{value!r}",
            )
            return "sum"
        return value


def _where_item(key: int | str) -> tuple[str, str]:
    if isinstance(key, int):
        return f"item {key}", f"第{key}题"
    return f"result '{key}'", f"结果项“{key}”"


def _check_options(
    chk: _Checker, raw: object, where_en: str, where_zh: str
) -> list[dict[str, Any]] | None:
    if not isinstance(raw, list):
        chk.add(f"{where_en}: options must be a list", f"{where_zh}：选项须为列表")
        return None
    options: list[dict[str, Any]] = []
    seen: set[Fraction] = set()
    for i, opt in enumerate(raw, start=1):
        w_en, w_zh = f"{where_en}, option {i}", f"{where_zh}第{i}个选项"
        if not isinstance(opt, dict):
            chk.add(f"{w_en}: must be an object", f"{w_zh}：须为对象")
            continue
        chk.keys(opt, _OPTION_KEYS, w_en, w_zh)
        value = chk.number(opt, "value", w_en, w_zh)
        label_zh = chk.text(opt, "label_zh", w_en, w_zh)
        label_en = chk.text(opt, "label_en", w_en, w_zh)
        if value is None:
            continue
        if value in seen:
            chk.add(
                f"{where_en}: duplicate option value {_fmt(value)}",
                f"{where_zh}：选项分值{_fmt(value)}重复",
            )
        seen.add(value)
        options.append({"value": opt["value"], "label_zh": label_zh, "label_en": label_en})
    return options


def _check_range(
    chk: _Checker, raw: object, where_en: str, where_zh: str, *, own_keys: bool = True
) -> dict | None:
    """A numeric range {min, max, step}; `own_keys` False when it sits inside a result field
    whose keys are checked there."""
    if not isinstance(raw, dict):
        chk.add(f"{where_en}: range must be an object", f"{where_zh}：取值范围须为对象")
        return None
    if own_keys:
        chk.keys(raw, _RANGE_KEYS, where_en, where_zh)
    lo = chk.number(raw, "min", where_en, where_zh)
    hi = chk.number(raw, "max", where_en, where_zh)
    step_raw = raw.get("step", 1)
    step = _frac(step_raw) if _is_number(step_raw) else None
    if step is None or step <= 0:
        chk.add(f"{where_en}: step must be a positive number", f"{where_zh}：步长须为正数")
        return None
    if lo is None or hi is None:
        return None
    if lo >= hi:
        chk.add(f"{where_en}: min must be below max", f"{where_zh}：最小值须小于最大值")
        return None
    if ((hi - lo) / step).denominator != 1:
        chk.add(
            f"{where_en}: max − min must be a multiple of step",
            f"{where_zh}：最大值与最小值之差须为步长的整数倍",
        )
        return None
    if (hi - lo) / step + 1 > _MAX_RANGE_VALUES:
        chk.add(
            f"{where_en}: more than {_MAX_RANGE_VALUES} possible values; use a coarser step",
            f"{where_zh}：可能取值超过{_MAX_RANGE_VALUES}个，请加大步长",
        )
        return None
    return {"min": raw["min"], "max": raw["max"], "step": step_raw}


def _check_items(chk: _Checker, data: Mapping, default_options: list | None) -> list[dict]:
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        chk.add("'items' must be a non-empty list", "“items”须为非空列表")
        return []
    items: list[dict] = []
    seen: set[int] = set()
    for pos, raw in enumerate(raw_items, start=1):
        if not isinstance(raw, dict):
            chk.add(f"item at position {pos}: must be an object", f"第{pos}个题目：须为对象")
            continue
        number = raw.get("number")
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            chk.add(
                f"item at position {pos}: 'number' must be a positive whole number",
                f"第{pos}个题目：题号须为正整数",
            )
            continue
        w_en, w_zh = _where_item(number)
        if number in seen:
            chk.add(f"{w_en}: duplicate item number", f"{w_zh}：题号重复")
            continue
        seen.add(number)
        chk.keys(raw, _ITEM_KEYS, w_en, w_zh)
        item: dict[str, Any] = {
            "number": number,
            "text_zh": chk.text(raw, "text_zh", w_en, w_zh),
            "text_en": chk.text(raw, "text_en", w_en, w_zh),
            "reverse": chk.flag(raw, "reverse", w_en, w_zh),
            "optional": chk.flag(raw, "optional", w_en, w_zh),
            "subscales": [],
        }
        subs = raw.get("subscales", [])
        if not isinstance(subs, list) or not all(isinstance(s, str) for s in subs):
            chk.add(
                f"{w_en}: 'subscales' must be a list of codes", f"{w_zh}：“subscales”须为代码列表"
            )
        else:
            item["subscales"] = list(dict.fromkeys(subs))
        if "options" in raw and "range" in raw:
            chk.add(
                f"{w_en}: give either options or a range, not both",
                f"{w_zh}：选项和取值范围只能二选一",
            )
            continue
        if "range" in raw:
            rng = _check_range(chk, raw["range"], w_en, w_zh)
            if rng is not None:
                item["range"] = rng
        elif "options" in raw:
            opts = _check_options(chk, raw["options"], w_en, w_zh)
            if opts:
                item["options"] = opts
            elif opts is not None:
                chk.add(f"{w_en}: options must not be empty", f"{w_zh}：选项不能为空")
        elif default_options:
            item["options"] = [dict(o) for o in default_options]
        elif item["reverse"]:
            chk.add(
                f"{w_en}: reverse item has no options or range",
                f"{w_zh}：反向计分题没有选项或取值范围",
            )
        else:
            chk.add(f"{w_en}: item has no options or range", f"{w_zh}：题目没有选项或取值范围")
        items.append(item)
    items.sort(key=lambda it: it["number"])
    return items


def _check_results(chk: _Checker, data: Mapping) -> list[dict]:
    raw_results = data.get("results")
    if not isinstance(raw_results, list) or not raw_results:
        chk.add("'results' must be a non-empty list", "“results”须为非空列表")
        return []
    results: list[dict] = []
    seen: set[str] = set()
    for pos, raw in enumerate(raw_results, start=1):
        if not isinstance(raw, dict):
            chk.add(f"result at position {pos}: must be an object", f"第{pos}个结果项：须为对象")
            continue
        code = chk.slug(raw, "code", f"result at position {pos}", f"第{pos}个结果项")
        if not code:
            continue
        w_en, w_zh = _where_item(code)
        if code in seen:
            chk.add(f"{w_en}: duplicate result code", f"{w_zh}：结果项代码重复")
            continue
        seen.add(code)
        chk.keys(raw, _RESULT_KEYS, w_en, w_zh)
        rng = _check_range(chk, raw, w_en, w_zh, own_keys=False)
        results.append(
            {
                "code": code,
                "name_zh": chk.text(raw, "name_zh", w_en, w_zh),
                "name_en": chk.text(raw, "name_en", w_en, w_zh),
                "optional": chk.flag(raw, "optional", w_en, w_zh),
                **(rng or {"min": 0, "max": 1, "step": 1}),
            }
        )
    return results


def _check_refs(
    chk: _Checker, raw: object, keys: set, mode: str, where_en: str, where_zh: str
) -> list:
    """Item numbers (or result codes) named by a subscale, the total or a risk item."""
    if not isinstance(raw, list) or not raw:
        chk.add(f"{where_en}: 'items' must be a non-empty list", f"{where_zh}：“items”须为非空列表")
        return []
    out = []
    for ref in raw:
        ok_type = isinstance(ref, str) if mode == "results" else type(ref) is int
        if not ok_type or ref not in keys:
            what_en = "result" if mode == "results" else "item"
            what_zh = "结果项" if mode == "results" else "题目"
            chk.add(
                f"{where_en}: unknown {what_en} {ref!r}", f"{where_zh}：不存在的{what_zh}{ref!r}"
            )
            continue
        if ref in out:
            chk.add(f"{where_en}: {ref!r} listed twice", f"{where_zh}：{ref!r}重复列出")
            continue
        out.append(ref)
    return out


def _normalise(data: object) -> tuple[dict | None, list[str]]:
    """Check the shape of a definition and fill in defaults; no score enumeration."""
    chk = _Checker()
    if not isinstance(data, Mapping):
        chk.add("definition must be a JSON object", "定义须为 JSON 对象")
        return None, chk.errors
    chk.keys(data, _TOP_KEYS, "definition", "定义")
    top_en, top_zh = "definition", "定义"
    d: dict[str, Any] = {
        "code": chk.slug(data, "code", top_en, top_zh),
        "version": data.get("version"),
        "name_zh": chk.text(data, "name_zh", top_en, top_zh),
        "name_en": chk.text(data, "name_en", top_en, top_zh),
        "source": chk.text(data, "source", top_en, top_zh),
        "licence": chk.text(data, "licence", top_en, top_zh),
        "instructions_zh": chk.text(data, "instructions_zh", top_en, top_zh, required=False),
        "instructions_en": chk.text(data, "instructions_en", top_en, top_zh, required=False),
        "mode": data.get("mode", "items"),
    }
    version = d["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        chk.add("'version' must be a whole number >= 1", "“version”须为不小于1的整数")
    if d["mode"] not in ("items", "results"):
        chk.add(
            f"'mode' must be 'items' or 'results', got {d['mode']!r}",
            f"“mode”须为 items 或 results，当前为{d['mode']!r}",
        )
        return None, chk.errors
    mode = d["mode"]

    default_options = None
    if "options" in data:
        default_options = _check_options(chk, data["options"], "default options", "默认选项")
    d["options"] = default_options or []

    if mode == "items":
        if "results" in data:
            chk.add("'results' is only for mode 'results'", "“results”仅用于 results 模式")
        d["items"] = _check_items(chk, data, default_options)
        keys: set = {it["number"] for it in d["items"]}
        ordered_keys: list = [it["number"] for it in d["items"]]
    else:
        if "items" in data:
            chk.add("'items' is not used in mode 'results'", "results 模式不使用“items”")
        d["results"] = _check_results(chk, data)
        keys = {r["code"] for r in d["results"]}
        ordered_keys = [r["code"] for r in d["results"]]

    # Subscales: declared lists merged with membership declared on items.
    d["subscales"] = []
    raw_subs = data.get("subscales", [])
    if not isinstance(raw_subs, list):
        chk.add("'subscales' must be a list", "“subscales”须为列表")
        raw_subs = []
    sub_codes: set[str] = set()
    for pos, raw in enumerate(raw_subs, start=1):
        if not isinstance(raw, dict):
            chk.add(f"subscale at position {pos}: must be an object", f"第{pos}个因子：须为对象")
            continue
        code = chk.slug(raw, "code", f"subscale at position {pos}", f"第{pos}个因子")
        if not code:
            continue
        w_en, w_zh = f"subscale '{code}'", f"因子“{code}”"
        if code in sub_codes:
            chk.add(f"{w_en}: duplicate subscale code", f"{w_zh}：因子代码重复")
            continue
        sub_codes.add(code)
        chk.keys(raw, _SUBSCALE_KEYS, w_en, w_zh)
        members = [it["number"] for it in d.get("items", []) if code in it["subscales"]]
        listed = raw.get("items")
        if listed is not None or not members:
            members += [
                r for r in _check_refs(chk, listed, keys, mode, w_en, w_zh) if r not in members
            ]
        d["subscales"].append(
            {
                "code": code,
                "name_zh": chk.text(raw, "name_zh", w_en, w_zh),
                "name_en": chk.text(raw, "name_en", w_en, w_zh),
                "items": sorted(members, key=ordered_keys.index),
                "method": chk.method(raw, w_en, w_zh),
            }
        )
    for it in d.get("items", []):
        for code in it["subscales"]:
            if code not in sub_codes:
                w_en, w_zh = _where_item(it["number"])
                chk.add(f"{w_en}: unknown subscale '{code}'", f"{w_zh}：不存在的因子“{code}”")

    raw_total = data.get("total", {})
    if not isinstance(raw_total, dict):
        chk.add("'total' must be an object", "“total”须为对象")
        raw_total = {}
    chk.keys(raw_total, _TOTAL_KEYS, "total", "总分")
    d["total"] = {
        "method": chk.method(raw_total, "total", "总分"),
        "items": _check_refs(chk, raw_total["items"], keys, mode, "total", "总分")
        if "items" in raw_total
        else list(ordered_keys),
    }

    d["conversion"] = _check_conversion(chk, data.get("conversion"))
    d["bands"] = _check_bands(chk, data.get("bands", []))
    d["risk_items"] = _check_risk_items(chk, data.get("risk_items", []), d, keys, mode)
    if chk.errors:
        return None, chk.errors
    return d, []


def _check_conversion(chk: _Checker, raw: object) -> dict | None:
    if raw is None:
        return None
    where_en, where_zh = "conversion", "分数转换"
    if not isinstance(raw, dict):
        chk.add(f"{where_en}: must be an object or null", f"{where_zh}：须为对象或 null")
        return None
    chk.keys(raw, _CONVERSION_KEYS, where_en, where_zh)
    if not set(raw) & _CONVERSION_KEYS:
        chk.add(f"{where_en}: is empty; use null for none", f"{where_zh}：为空，不转换请写 null")
        return None
    conv: dict[str, Any] = {"multiply": 1, "add": 0, "round": "none", "table": None}
    for key in ("multiply", "add"):
        if key in raw and chk.number(raw, key, where_en, where_zh) is not None:
            conv[key] = raw[key]
    if "round" in raw:
        if raw["round"] in _ROUNDING:
            conv["round"] = raw["round"]
        else:
            chk.add(
                f"{where_en}: round must be one of {', '.join(_ROUNDING)}",
                f"{where_zh}：取整方式须为 {', '.join(_ROUNDING)} 之一",
            )
    if raw.get("table") is not None:
        table = raw["table"]
        rows_ok = isinstance(table, list) and table
        seen: set[Fraction] = set()
        for row in table if rows_ok else []:
            if not (isinstance(row, list) and len(row) == 2 and all(map(_is_number, row))):
                rows_ok = False
                break
            if _frac(row[0]) in seen:
                chk.add(
                    f"{where_en}: table lists {_fmt(row[0])} twice",
                    f"{where_zh}：转换表中{_fmt(row[0])}重复",
                )
            seen.add(_frac(row[0]))
        if not rows_ok:
            chk.add(
                f"{where_en}: table must be a non-empty list of [from, to] number pairs",
                f"{where_zh}：转换表须为 [原分, 转换分] 数对的非空列表",
            )
        else:
            conv["table"] = [list(row) for row in table]
    return conv


def _check_bands(chk: _Checker, raw: object) -> list[dict]:
    if not isinstance(raw, list):
        chk.add("'bands' must be a list", "“bands”须为列表")
        return []
    bands: list[dict] = []
    codes: set[str] = set()
    for pos, band in enumerate(raw, start=1):
        w_en, w_zh = f"band at position {pos}", f"第{pos}个分段"
        if not isinstance(band, dict):
            chk.add(f"{w_en}: must be an object", f"{w_zh}：须为对象")
            continue
        chk.keys(band, _BAND_KEYS, w_en, w_zh)
        code = chk.slug(band, "code", w_en, w_zh)
        if code in codes:
            chk.add(f"band '{code}': duplicate band code", f"分段“{code}”：代码重复")
        codes.add(code)
        lo = chk.number(band, "min", w_en, w_zh)
        hi = chk.number(band, "max", w_en, w_zh)
        entry = {
            "code": code,
            "label_zh": chk.text(band, "label_zh", w_en, w_zh),
            "label_en": chk.text(band, "label_en", w_en, w_zh),
            "min": band.get("min"),
            "max": band.get("max"),
            "alert": chk.flag(band, "alert", w_en, w_zh),
        }
        if lo is None or hi is None:
            continue
        if lo > hi:
            chk.add(f"band '{code}': min is above max", f"分段“{code}”：下限大于上限")
            continue
        if bands:
            prev = bands[-1]
            if lo < _frac(prev["min"]):
                chk.add(
                    f"band '{code}': bands must be listed in ascending order",
                    f"分段“{code}”：分段须按分数从低到高排列",
                )
            elif lo <= _frac(prev["max"]):
                chk.add(
                    f"band '{code}' overlaps band '{prev['code']}' "
                    f"({_fmt(lo)} ≤ {_fmt(prev['max'])})",
                    f"分段“{code}”与分段“{prev['code']}”重叠（{_fmt(lo)} ≤ {_fmt(prev['max'])}）",
                )
        bands.append(entry)
    return bands


def _check_risk_items(chk: _Checker, raw: object, d: dict, keys: set, mode: str) -> list[dict]:
    if not isinstance(raw, list):
        chk.add("'risk_items' must be a list", "“risk_items”须为列表")
        return []
    risks: list[dict] = []
    for pos, risk in enumerate(raw, start=1):
        w_en, w_zh = f"risk item at position {pos}", f"第{pos}个风险条目"
        if not isinstance(risk, dict):
            chk.add(f"{w_en}: must be an object", f"{w_zh}：须为对象")
            continue
        chk.keys(risk, _RISK_KEYS, w_en, w_zh)
        refs = _check_refs(chk, [risk.get("item")], keys, mode, w_en, w_zh)
        threshold = chk.number(risk, "threshold", w_en, w_zh)
        entry = {
            "item": risk.get("item"),
            "threshold": risk.get("threshold"),
            "code": chk.slug(risk, "code", w_en, w_zh),
            "message_zh": chk.text(risk, "message_zh", w_en, w_zh),
            "message_en": chk.text(risk, "message_en", w_en, w_zh),
        }
        if refs and threshold is not None:
            unit = _units(d).get(refs[0])
            if unit is not None:
                values = unit.given_values()
                if threshold > max(values):
                    chk.add(
                        f"{w_en}: threshold {_fmt(threshold)} is above every possible answer",
                        f"{w_zh}：阈值{_fmt(threshold)}高于所有可能的答案，永远不会触发",
                    )
                elif threshold <= min(values):
                    chk.add(
                        f"{w_en}: threshold {_fmt(threshold)} fires on every answer",
                        f"{w_zh}：阈值{_fmt(threshold)}不高于最低答案，任何答案都会触发",
                    )
        risks.append(entry)
    return risks


# --------------------------------------------------------------------------------------------
# Scoring units: an item or a result field, with its possible answers


@dataclass(frozen=True)
class _Unit:
    key: int | str
    optional: bool
    reverse: bool
    options: tuple[Fraction, ...] = ()
    lo: Fraction | None = None
    hi: Fraction | None = None
    step: Fraction | None = None
    _bounds: tuple[Fraction, Fraction] = (Fraction(0), Fraction(0))  # (min, max) of the values

    def given_values(self) -> list[Fraction]:
        """Every answer that may be given, before reverse scoring."""
        if self.options:
            return sorted(self.options)
        assert self.lo is not None and self.hi is not None and self.step is not None
        count = int((self.hi - self.lo) / self.step) + 1
        return [self.lo + i * self.step for i in range(count)]

    def scored(self, value: Fraction) -> Fraction:
        # Reverse scoring over the item's own values: min + max − answer (Zung 1965: 1↔4).
        lo, hi = self._bounds
        return lo + hi - value if self.reverse else value


def _units(d: dict) -> dict[int | str, _Unit]:
    units: dict[int | str, _Unit] = {}
    rows = d["items"] if d["mode"] == "items" else d["results"]
    for row in rows:
        key = row["number"] if d["mode"] == "items" else row["code"]
        rng = row.get("range") if d["mode"] == "items" else row
        if row.get("options"):
            values = tuple(_frac(o["value"]) for o in row["options"])
            units[key] = _Unit(
                key,
                row["optional"],
                row.get("reverse", False),
                options=values,
                _bounds=(min(values), max(values)),
            )
        elif rng is not None:
            lo, hi = _frac(rng["min"]), _frac(rng["max"])
            units[key] = _Unit(
                key,
                row["optional"],
                row.get("reverse", False),
                lo=lo,
                hi=hi,
                step=_frac(rng.get("step", 1)),
                _bounds=(lo, hi),
            )
    return units


def _convert(d: dict, raw: Fraction) -> Fraction | None:
    conv = d["conversion"]
    if conv is None:
        return None
    value = _round(raw * _frac(conv["multiply"]) + _frac(conv["add"]), conv["round"])
    if conv["table"] is not None:
        table = {_frac(a): _frac(b) for a, b in conv["table"]}
        return table.get(value)
    return value


def _possible_scores(d: dict, chk: _Checker) -> set[Fraction] | None:
    """Every raw total the instrument can produce, by walking the items once."""
    units = _units(d)
    mean = d["total"]["method"] == "mean"
    states: set[tuple[int, Fraction]] = {(0, Fraction(0))}
    for key in d["total"]["items"]:
        unit = units[key]
        values = {unit.scored(v) for v in unit.given_values()}
        nxt: set[tuple[int, Fraction]] = set()
        for count, total in states:
            if unit.optional:
                nxt.add((count, total))
            # A sum only needs to know whether anything was answered.
            new_count = count + 1 if mean else 1
            nxt.update((new_count, total + v) for v in values)
        if len(nxt) > _MAX_SCORE_STATES:
            chk.add(
                f"too many possible scores (over {_MAX_SCORE_STATES}) to check the bands",
                f"可能得分超过{_MAX_SCORE_STATES}种，无法校验分段",
            )
            return None
        states = nxt
    return {total / count if mean else total for count, total in states if count > 0}


def _coverage_errors(d: dict) -> list[str]:
    """Every possible score must convert and fall in exactly one band."""
    chk = _Checker()
    raws = _possible_scores(d, chk)
    if raws is None:
        return chk.errors
    conv = d["conversion"]
    if conv is not None and conv["table"] is not None:
        table_keys = {_frac(a) for a, _ in conv["table"]}
        missing = sorted(
            {_round(r * _frac(conv["multiply"]) + _frac(conv["add"]), conv["round"]) for r in raws}
            - table_keys
        )
        if missing:
            shown = ", ".join(_fmt(m) for m in missing[:5])
            chk.add(f"conversion table has no entry for {shown}", f"转换表缺少以下分数：{shown}")
            return chk.errors
    if not d["bands"]:
        return chk.errors
    scores = {_convert(d, r) if conv is not None else r for r in raws}
    bounds = [(_frac(b["min"]), _frac(b["max"])) for b in d["bands"]]
    uncovered = sorted(
        s for s in scores if s is not None and not any(a <= s <= b for a, b in bounds)
    )
    if uncovered:
        shown = ", ".join(_fmt(s) for s in uncovered[:5]) + (" …" if len(uncovered) > 5 else "")
        low, high = min(scores), max(scores)
        chk.add(
            f"bands do not cover the possible scores {_fmt(low)}–{_fmt(high)}: "
            f"{shown} fall in no band",
            f"分段未覆盖全部可能得分{_fmt(low)}–{_fmt(high)}：{shown} 不属于任何分段",
        )
    return chk.errors


def validate_definition(data: dict) -> list[str]:
    """Every problem with a definition (English / Chinese), or [] when it is usable."""
    d, errors = _normalise(data)
    if d is None:
        return errors
    return _coverage_errors(d)


def load_definition(data: dict) -> dict:
    """Validate a definition and return it with every default filled in; raise DefinitionError
    listing all problems. The result is plain JSON and loads to itself again."""
    d, errors = _normalise(data)
    if d is not None:
        errors = _coverage_errors(d)
    if errors:
        raise DefinitionError(errors)
    assert d is not None
    return d


def shipped_definitions() -> list[dict]:
    """The instruments shipped with Jiedu (instrument_data/*.json), validated, sorted by code."""
    out = []
    for path in sorted(INSTRUMENT_DATA_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            out.append(load_definition(data))
        except DefinitionError as exc:
            raise DefinitionError([f"{path.name}: {e}" for e in exc.errors]) from exc
    return sorted(out, key=lambda d: d["code"])


def shipped_definition(code: str) -> dict:
    """One shipped instrument by code; KeyError when there is none."""
    for d in shipped_definitions():
        if d["code"] == code:
            return d
    raise KeyError(code)
