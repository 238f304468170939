"""Scored-instrument engine: known answer sets → known scores, every validation error, and
properties over random answers. Pure Python — no database."""

import copy
import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiedu.centres import scoring
from jiedu.centres.scoring import DefinitionError, ScoringError
from jiedu.centres.scoring import definition as scoring_definition
from jiedu.centres.scoring import values as scoring_values

SHIPPED = {d["code"]: d for d in scoring.shipped_definitions()}


def sheet(n: int, value: float = 0, **overrides: float) -> dict[int, float]:
    """Answers 1..n all `value`, with `i3=2` style overrides."""
    answers = dict.fromkeys(range(1, n + 1), value)
    for key, v in overrides.items():
        answers[int(key.removeprefix("i"))] = v
    return answers


def sheet_with_total(n: int, total: int, top: int) -> dict[int, float]:
    """Answers 1..n on a 0..top scale that add up to `total`, filling from item 1."""
    answers = {}
    for i in range(1, n + 1):
        answers[i] = min(top, total)
        total -= answers[i]
    assert total == 0
    return answers


# ---------------------------------------------------------------------------------------------
# Shipped instruments: known answers → known scores


@pytest.mark.parametrize(
    ("total", "band"),
    [
        # Kroenke, Spitzer, Williams 2001: 5 / 10 / 15 / 20 = mild / moderate / mod. severe / severe
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands_at_every_cut_off(total, band):
    # Fill from item 1 so item 9 stays 0 below 25 and the only alert is the band's.
    result = scoring.score(SHIPPED["phq9"], sheet_with_total(9, total, 3))
    assert result.raw == total
    assert result.standard is None
    assert result.score == total
    assert result.band.code == band
    band_alerts = [a.code for a in result.alerts if a.item is None]
    assert band_alerts == ([f"band_{band}"] if total >= 15 else [])


@pytest.mark.parametrize(
    ("item9", "fires"),
    [(0, False), (1, True), (2, True), (3, True)],  # PHQ-9 item 9 ≥ 1: suicide ideation
)
def test_phq9_item_9_raises_a_suicide_ideation_alert(item9, fires):
    result = scoring.score(SHIPPED["phq9"], sheet(9, 0, i9=item9))
    assert result.band.code == "minimal"
    alert = [a for a in result.alerts if a.code == "suicide_ideation"]
    assert bool(alert) is fires
    if fires:
        assert alert[0].item == 9
        assert "自杀" in alert[0].message_zh


@pytest.mark.parametrize(
    ("total", "band", "alert"),
    [
        # Spitzer et al. 2006: 5 / 10 / 15 = mild / moderate / severe
        (0, "minimal", False),
        (4, "minimal", False),
        (5, "mild", False),
        (9, "mild", False),
        (10, "moderate", False),
        (14, "moderate", False),
        (15, "severe", True),
        (21, "severe", True),
    ],
)
def test_gad7_bands_at_every_cut_off(total, band, alert):
    result = scoring.score(SHIPPED["gad7"], sheet_with_total(7, total, 3))
    assert (result.raw, result.band.code, result.band.alert) == (total, band, alert)
    assert [a.code for a in result.alerts] == (["band_severe"] if alert else [])


SDS_REVERSE = {2, 5, 6, 11, 12, 14, 16, 17, 18, 20}  # Zung 1965
SAS_REVERSE = {5, 9, 13, 17, 19}  # Zung 1971


def zung_sheet(reverse: set[int], raw: int) -> dict[int, int]:
    """Answers whose *scored* values add up to `raw` (20..80): raise scored values from item 1,
    then translate reverse items back to the answer given (answer = 5 − scored)."""
    scored = dict.fromkeys(range(1, 21), 1)
    extra = raw - 20
    for i in range(1, 21):
        step = min(3, extra)
        scored[i] += step
        extra -= step
    return {i: (5 - v if i in reverse else v) for i, v in scored.items()}


@pytest.mark.parametrize(
    ("raw", "standard", "band"),
    [
        # Standard = int(raw × 1.25); Chinese norm cut-off 53 (汪向东 1999).
        (20, 25, "normal"),  # all-minimum scored values
        (42, 52, "normal"),  # 52.5 → 52: still below the cut-off
        (43, 53, "mild"),  # 53.75 → 53
        (49, 61, "mild"),
        (50, 62, "mild"),  # 62.5 → 62
        (51, 63, "moderate"),  # 63.75 → 63
        (57, 71, "moderate"),
        (58, 72, "moderate"),  # 72.5 → 72
        (59, 73, "severe"),  # 73.75 → 73
        (80, 100, "severe"),
    ],
)
def test_sds_standard_score_and_bands(raw, standard, band):
    result = scoring.score(SHIPPED["sds"], zung_sheet(SDS_REVERSE, raw))
    assert (result.raw, result.standard, result.score) == (raw, standard, standard)
    assert result.band.code == band
    assert [a.code for a in result.alerts] == (["band_severe"] if band == "severe" else [])


@pytest.mark.parametrize(
    ("raw", "standard", "band"),
    [
        # Chinese norm cut-off 50 (吴文源 1990, in 汪向东 1999).
        (20, 25, "normal"),
        (39, 48, "normal"),  # 48.75 → 48
        (40, 50, "mild"),  # exactly 50
        (47, 58, "mild"),  # 58.75
        (48, 60, "moderate"),
        (55, 68, "moderate"),  # 68.75
        (56, 70, "severe"),
        (80, 100, "severe"),
    ],
)
def test_sas_standard_score_and_bands(raw, standard, band):
    result = scoring.score(SHIPPED["sas"], zung_sheet(SAS_REVERSE, raw))
    assert (result.raw, result.standard, result.band.code) == (raw, standard, band)


@pytest.mark.parametrize(
    ("code", "answer", "raw"),
    [
        # Every answer 1 ("none or a little of the time"): plain items score 1, reverse items
        # 4. SDS: 10 × 1 + 10 × 4 = 50; SAS: 15 × 1 + 5 × 4 = 35. All 4: the mirror image.
        ("sds", 1, 50),
        ("sds", 4, 50),
        ("sas", 1, 35),
        ("sas", 4, 65),
    ],
)
def test_zung_reverse_items_computed_by_hand(code, answer, raw):
    assert scoring.score(SHIPPED[code], sheet(20, answer)).raw == raw


def test_sds_every_reverse_item_is_reversed():
    # Answer 4 only on item k: a plain item adds 3, a reverse item takes 3 away from its 4.
    base = scoring.score(SHIPPED["sds"], sheet(20, 1)).raw
    for k in range(1, 21):
        raw = scoring.score(SHIPPED["sds"], sheet(20, 1, **{f"i{k}": 4})).raw
        assert raw - base == (-3 if k in SDS_REVERSE else 3), k


@pytest.mark.parametrize(
    ("answer", "band", "alert"),
    [
        (0, "low", False),
        (3, "low", False),
        (4, "moderate", False),
        (6, "moderate", False),
        (7, "high", True),
        (10, "high", True),
    ],
)
def test_craving_vas_bands(answer, band, alert):
    result = scoring.score(SHIPPED["craving_vas"], {"1": answer})
    assert (result.raw, result.band.code, result.band.alert) == (answer, band, alert)


def relapse_sheet(yes: set[int], protective: bool = True) -> dict[int, int]:
    """Relapse checklist: risk items in `yes` answered 1; protective items 13–14 present."""
    answers = {i: int(i in yes) for i in range(1, 13)}
    answers[13] = answers[14] = int(protective)
    return answers


@pytest.mark.parametrize(
    ("yes", "protective", "raw", "band"),
    [
        (set(), True, 0, "low"),  # all-minimum
        ({1, 2, 3, 4}, True, 4, "low"),
        ({1, 2, 3}, False, 5, "medium"),  # missing protective items count 1 each
        ({1, 2, 3, 4, 5, 6, 7, 8}, True, 8, "medium"),
        ({1, 2, 3, 4, 5, 6, 7}, False, 9, "high"),
        (set(range(1, 13)), False, 14, "high"),  # all-maximum
    ],
)
def test_relapse_risk_bands(yes, protective, raw, band):
    result = scoring.score(SHIPPED["relapse_risk"], relapse_sheet(yes, protective))
    assert (result.raw, result.band.code) == (raw, band)


def test_relapse_risk_low_band_code_is_what_the_evaluation_reads():
    # domain.md §4.5: the 身心康复 sheet gives 20 points for relapse-risk "low risk".
    assert SHIPPED["relapse_risk"]["bands"][0]["code"] == "low"


def test_relapse_risk_subscales_and_intention_alert():
    result = scoring.score(SHIPPED["relapse_risk"], relapse_sheet({2, 6, 12}, protective=False))
    assert result.subscales == {"personal": 2.0, "social": 2.0, "history": 1.0}
    assert [a.code for a in result.alerts] == ["intends_to_use"]
    assert result.alerts[0].item == 12


@pytest.mark.parametrize(
    ("code", "minimum", "maximum"),
    [
        ("phq9", 0, 27),
        ("gad7", 0, 21),
        ("craving_vas", 0, 10),
        ("relapse_risk", 0, 14),
        ("sds", 25, 100),
        ("sas", 25, 100),
    ],
)
def test_all_minimum_and_all_maximum_answers(code, minimum, maximum):
    definition = SHIPPED[code]
    units = scoring_definition._units(definition)
    low = {k: min(u.given_values(), key=u.scored) for k, u in units.items()}
    high = {k: max(u.given_values(), key=u.scored) for k, u in units.items()}
    bands = definition["bands"]
    assert scoring.score(definition, low).score == minimum
    assert scoring.score(definition, low).band.code == bands[0]["code"]
    assert scoring.score(definition, high).score == maximum
    assert scoring.score(definition, high).band.code == bands[-1]["code"]


# ---------------------------------------------------------------------------------------------
# Shipped files


@pytest.mark.parametrize("path", sorted(scoring.INSTRUMENT_DATA_DIR.glob("*.json")), ids=str)
def test_every_shipped_file_validates(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    assert scoring.validate_definition(data) == []
    assert data["code"] == path.stem
    assert data["licence"] and data["source"]
    for item in data["items"]:
        assert item["text_zh"] and item["text_en"]


@pytest.mark.parametrize("code", sorted(SHIPPED))
def test_every_shipped_band_set_covers_the_whole_possible_range(code):
    definition = SHIPPED[code]
    raws = scoring_definition._possible_scores(definition, scoring_definition._Checker())
    scores = {scoring_definition._convert(definition, r) or r for r in raws}
    bands = definition["bands"]
    assert bands[0]["min"] <= min(scores)
    assert bands[-1]["max"] >= max(scores)
    for s in scores:
        assert sum(b["min"] <= s <= b["max"] for b in bands) == 1, s
    for lower, upper in itertools.pairwise(bands):
        assert upper["min"] == lower["max"] + 1  # integer scores: contiguous, no overlap


def test_shipped_definitions_are_sorted_and_normalised_definitions_load_to_themselves():
    codes = [d["code"] for d in scoring.shipped_definitions()]
    assert codes == sorted(codes) == ["craving_vas", "gad7", "phq9", "relapse_risk", "sas", "sds"]
    for d in SHIPPED.values():
        assert scoring.load_definition(copy.deepcopy(d)) == d


def test_the_result_is_json_ready():
    result = scoring.score(SHIPPED["phq9"], sheet(9, 3))
    data = json.loads(json.dumps(result.as_dict()))
    assert data["band"]["code"] == "severe"
    assert [a["code"] for a in data["alerts"]] == ["suicide_ideation", "band_severe"]
    assert data["score"] == 27


# ---------------------------------------------------------------------------------------------
# Results mode: scores entered directly (a 16PF-like entry; test fixture, not shipped)

SIXTEEN_PF = [
    "a", "b", "c", "e", "f", "g", "h", "i", "l", "m", "n", "o", "q1", "q2", "q3", "q4",
]  # fmt: skip


def results_fixture() -> dict:
    return {
        "code": "sixteen_pf_entry",
        "version": 1,
        "name_zh": "16PF结果录入（测试）",
        "name_en": "16PF result entry (test)",
        "source": "test fixture",
        "licence": "test fixture",
        "mode": "results",
        "results": [
            {"code": c, "name_zh": f"因子{c.upper()}", "name_en": f"Factor {c.upper()}"}
            | {"min": 1, "max": 10}
            for c in SIXTEEN_PF
        ]
        + [
            {"code": "composite", "name_zh": "综合", "name_en": "Composite", "min": 1, "max": 10},
            {"code": "note_score", "name_zh": "备注分", "name_en": "Note", "min": 0, "max": 1}
            | {"step": 0.5, "optional": True},
        ],
        "subscales": [
            {"code": "anxiety", "name_zh": "焦虑性", "name_en": "Anxiety", "method": "mean"}
            | {"items": ["l", "o", "q4"]},
        ],
        "total": {"items": ["composite"]},
        "bands": [
            {"code": "below", "label_zh": "未达标", "label_en": "Below 7", "min": 1, "max": 6},
            {"code": "pass", "label_zh": "达标", "label_en": "7 or above", "min": 7, "max": 10},
        ],
        "risk_items": [
            {"item": "o", "threshold": 9, "code": "high_apprehension"}
            | {"message_zh": "忧虑性很高", "message_en": "Very high apprehension"},
        ],
    }


def sten_sheet(composite: float, **factors: float) -> dict[str, float]:
    return dict.fromkeys(SIXTEEN_PF, 5) | {"composite": composite} | factors


@pytest.mark.parametrize(
    ("composite", "band"), [(1, "below"), (6, "below"), (7, "pass"), (10, "pass")]
)
def test_results_mode_scores_the_entered_composite(composite, band):
    # domain.md §4.5: "16PF score ≥7 → 20" on the 身心康复 sheet.
    result = scoring.score(results_fixture(), sten_sheet(composite, l=6, o=7, q4=8))
    assert (result.raw, result.band.code) == (composite, band)
    assert result.subscales == {"anxiety": 7.0}
    assert result.alerts == ()


def test_results_mode_risk_field_alert_names_the_field():
    result = scoring.score(results_fixture(), sten_sheet(7, o=9))
    assert [(a.code, a.item, a.field) for a in result.alerts] == [("high_apprehension", None, "o")]


def test_results_mode_rejects_out_of_range_and_unknown_fields():
    with pytest.raises(ScoringError) as exc:
        scoring.score(results_fixture(), sten_sheet(7, a=11))
    assert (exc.value.code, exc.value.field, exc.value.item) == ("out_of_range", "a", None)
    with pytest.raises(ScoringError) as exc:
        scoring.score(results_fixture(), sten_sheet(7) | {"z": 3})
    assert exc.value.code == "unknown_item"
    with pytest.raises(ScoringError) as exc:
        scoring.score(results_fixture(), sten_sheet(7, note_score=0.25))
    assert (exc.value.code, exc.value.field) == ("off_step", "note_score")


def test_results_mode_definition_validates():
    assert scoring.validate_definition(results_fixture()) == []
    assert scoring.load_definition(scoring.load_definition(results_fixture())) == (
        scoring.load_definition(results_fixture())
    )


# ---------------------------------------------------------------------------------------------
# Answer validation


@pytest.mark.parametrize(
    ("answers", "code", "item"),
    [
        (sheet(9, 0) | {10: 1}, "unknown_item", None),
        (sheet(9, 0) | {"ten": 1}, "unknown_item", None),
        (sheet(9, 0) | {None: 1}, "unknown_item", None),
        ({k: v for k, v in sheet(9, 0).items() if k != 4}, "missing_answer", 4),
        (sheet(9, 0, i4=None), "missing_answer", 4),
        (sheet(9, 0, i3=4), "invalid_option", 3),
        (sheet(9, 0, i3=1.5), "invalid_option", 3),
        (sheet(9, 0, i3="2"), "not_a_number", 3),
        (sheet(9, 0, i3=float("nan")), "not_a_number", 3),
        (sheet(9, 0, i3=True), "not_a_number", 3),
        (sheet(9, 0) | {"3": 1}, "duplicate_answer", 3),
    ],
)
def test_bad_answers_are_rejected_with_a_reason(answers, code, item):
    with pytest.raises(ScoringError) as exc:
        scoring.score(SHIPPED["phq9"], answers)
    assert (exc.value.code, exc.value.item) == (code, item)
    assert exc.value.message_zh and exc.value.message_en
    if item is not None:
        assert f"第{item}题" in exc.value.message_zh
        assert f"Item {item}" in exc.value.message_en


@pytest.mark.parametrize(
    ("answer", "code"),
    [(-1, "out_of_range"), (11, "out_of_range"), (2.5, "off_step")],
)
def test_range_items_reject_values_off_the_scale(answer, code):
    with pytest.raises(ScoringError) as exc:
        scoring.score(SHIPPED["craving_vas"], {1: answer})
    assert (exc.value.code, exc.value.item) == (code, 1)
    assert "第1题" in exc.value.message_zh


def test_string_keys_from_json_are_accepted():
    answers = {str(k): v for k, v in sheet(9, 1).items()}
    assert scoring.score(SHIPPED["phq9"], answers).raw == 9


def test_answer_errors_lists_every_problem_in_item_order():
    errors = scoring.answer_errors(SHIPPED["phq9"], {"x": 1, 5: 9, 1: 0, 2: 0, 3: 0, 4: 0})
    assert [(e.code, e.item) for e in errors] == [
        ("unknown_item", None),
        ("invalid_option", 5),
        ("missing_answer", 6),
        ("missing_answer", 7),
        ("missing_answer", 8),
        ("missing_answer", 9),
    ]


def test_answers_must_be_a_mapping():
    with pytest.raises(ScoringError):
        scoring.score(SHIPPED["phq9"], [0] * 9)


def minimal(**changes) -> dict:
    """A small valid items-mode definition to break one way at a time."""
    data = {
        "code": "mini",
        "version": 1,
        "name_zh": "测试量表",
        "name_en": "Test scale",
        "source": "test",
        "licence": "test",
        "options": [
            {"value": 0, "label_zh": "否", "label_en": "No"},
            {"value": 1, "label_zh": "有时", "label_en": "Sometimes"},
            {"value": 2, "label_zh": "是", "label_en": "Yes"},
        ],
        "items": [
            {"number": 1, "text_zh": "一", "text_en": "One", "subscales": ["s"]},
            {"number": 2, "text_zh": "二", "text_en": "Two", "reverse": True, "subscales": ["s"]},
            {"number": 3, "text_zh": "三", "text_en": "Three", "optional": True},
        ],
        "subscales": [{"code": "s", "name_zh": "因子", "name_en": "Factor", "method": "mean"}],
        "bands": [
            {"code": "low", "label_zh": "低", "label_en": "Low", "min": 0, "max": 2},
            {"code": "high", "label_zh": "高", "label_en": "High", "min": 3, "max": 6},
        ],
    }
    data.update(changes)
    return data


def test_optional_items_may_be_left_out_and_means_count_only_answers():
    result = scoring.score(minimal(), {1: 2, 2: 2})  # item 2 reversed: 0 + 2 - 2 = 0
    assert (result.raw, result.subscales, result.band.code) == (2, {"s": 1.0}, "low")
    assert scoring.score(minimal(), {1: 2, 2: 0, 3: 2}).raw == 6


def test_no_answers_to_total_is_an_error():
    data = minimal(total={"items": [3]})
    with pytest.raises(ScoringError) as exc:
        scoring.score(data, {1: 0, 2: 0})
    assert exc.value.code == "no_answers"


def test_mean_total_and_half_up_conversion_with_a_table():
    data = minimal(
        total={"method": "mean", "items": [1, 2]},
        conversion={"multiply": 10, "round": "half_up", "table": [[0, 0], [5, 1], [10, 2]]}
        | {"add": 0},
        bands=[
            {"code": "low", "label_zh": "低", "label_en": "Low", "min": 0, "max": 1},
            {"code": "high", "label_zh": "高", "label_en": "High", "min": 2, "max": 2},
        ],
    )
    # Means 0, 0.5, 1, 1.5, 2 → ×10 → 0, 5, 10, 15, 20: the table lacks 15 and 20.
    assert any("no entry for 15, 20" in e for e in scoring.validate_definition(data))
    data["conversion"]["table"] += [[15, 2], [20, 2]]
    assert scoring.validate_definition(data) == []
    result = scoring.score(data, {1: 1, 2: 2})  # scored 1 and 0 → mean 0.5 → 5 → 1
    assert (result.raw, result.standard, result.band.code) == (0.5, 1, "low")


@pytest.mark.parametrize(
    ("value", "how", "expected"),
    [
        (52.5, "floor", 52),
        (52.5, "half_up", 53),
        (52.49, "half_up", 52),
        (-2.5, "half_up", -3),
        (52.5, "none", 52.5),
    ],
)
def test_rounding(value, how, expected):
    assert scoring_values._round(scoring_values._frac(value), how) == scoring_values._frac(expected)


# ---------------------------------------------------------------------------------------------
# Definition validation: each broken definition names its problem


def band(code, lo, hi):
    return {"code": code, "label_zh": code, "label_en": code, "min": lo, "max": hi}


def without(key):
    data = minimal()
    del data[key]
    return data


def item_changed(position, **changes):
    data = minimal()
    data["items"][position - 1].update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("not a dict", "JSON object"),
        (minimal(colour="red"), "unknown field 'colour'"),
        (minimal(code="PHQ 9"), "'code' must be a slug"),
        (minimal(version=0), "'version' must be a whole number"),
        (minimal(version=True), "'version' must be a whole number"),
        (without("name_zh"), "'name_zh' must be non-empty"),
        (minimal(licence=""), "'licence' must be non-empty"),
        (minimal(mode="free"), "'mode' must be"),
        (minimal(items=[]), "'items' must be a non-empty list"),
        (minimal(results=[]), "'results' is only for mode 'results'"),
        (minimal(mode="results"), "'items' is not used"),
        (minimal(options="0-2"), "options must be a list"),
        (
            minimal(options=[{"value": 0, "label_zh": "否", "label_en": "No"}] * 2),
            "duplicate option value 0",
        ),
        (minimal(options=[{"value": "0", "label_zh": "否", "label_en": "No"}]), "'value' must be"),
        (
            minimal(options=[], bands=[]),
            "item 1: item has no options or range",
        ),
        (minimal(options=[], bands=[]), "item 2: reverse item has no options or range"),
        (item_changed(2, number=1), "item 1: duplicate item number"),
        (item_changed(2, number="2"), "'number' must be a positive whole number"),
        (item_changed(1, text_en=""), "item 1: 'text_en' must be non-empty"),
        (item_changed(1, reverse="yes"), "item 1: 'reverse' must be true or false"),
        (item_changed(1, options=[]), "item 1: options must not be empty"),
        (
            item_changed(1, range={"min": 0, "max": 2}, options=[]),
            "item 1: give either options or a range",
        ),
        (item_changed(1, range={"min": 2, "max": 0}), "item 1: min must be below max"),
        (item_changed(1, range={"min": 0, "max": 2, "step": 0}), "step must be a positive"),
        (item_changed(1, range={"min": 0, "max": 2, "step": 0.75}), "multiple of step"),
        (item_changed(1, range={"min": 0, "max": 1e6, "step": 1}), "use a coarser step"),
        (item_changed(1, range={"min": 0, "max": 2, "size": 3}), "unknown field 'size'"),
        (item_changed(1, subscales=["nope"]), "item 1: unknown subscale 'nope'"),
        (
            minimal(subscales=[{"code": "t", "name_zh": "t", "name_en": "t", "items": [1, 9]}]),
            "subscale 't': unknown item 9",
        ),
        (
            minimal(subscales=[{"code": "t", "name_zh": "t", "name_en": "t", "items": [1, 1]}]),
            "listed twice",
        ),
        (
            minimal(subscales=[{"code": "t", "name_zh": "t", "name_en": "t", "items": []}]),
            "subscale 't': 'items' must be a non-empty list",
        ),
        (
            minimal(subscales=[{"code": "s", "name_zh": "s", "name_en": "s"}] * 2),
            "duplicate subscale code",
        ),
        (
            minimal(subscales=[{"code": "s", "name_zh": "s", "name_en": "s", "method": "max"}]),
            "method must be 'sum' or 'mean'",
        ),
        (minimal(total={"items": [4]}), "total: unknown item 4"),
        (minimal(total={"method": "median"}), "total: method must be"),
        (minimal(conversion={}), "conversion: is empty"),
        (minimal(conversion={"multiply": "x"}), "'multiply' must be a number"),
        (minimal(conversion={"round": "ceil"}), "round must be one of"),
        (minimal(conversion={"table": [[0, 1, 2]]}), "table must be a non-empty list"),
        (minimal(conversion={"table": [[0, 0], [0, 1]]}), "table lists 0 twice"),
        (minimal(conversion={"table": [[0, 0], [1, 1]]}), "conversion table has no entry for 2"),
        (minimal(bands=[band("a", 0, 3), band("b", 3, 6)]), "band 'b' overlaps band 'a'"),
        (minimal(bands=[band("a", 0, 1), band("b", 3, 6)]), "2 fall in no band"),
        (minimal(bands=[band("a", 1, 2), band("b", 3, 6)]), "0 fall in no band"),
        (minimal(bands=[band("a", 0, 2), band("b", 3, 5)]), "6 fall in no band"),
        (minimal(bands=[band("b", 3, 6), band("a", 0, 2)]), "ascending order"),
        (minimal(bands=[band("a", 2, 0)]), "min is above max"),
        (minimal(bands=[band("a", 0, 2), band("a", 3, 6)]), "duplicate band code"),
        (minimal(bands=[band("a", 0, 2) | {"alert": "yes"}]), "'alert' must be true or false"),
        (minimal(bands="0-6"), "'bands' must be a list"),
        (
            minimal(risk_items=[{"item": 7, "threshold": 1, "code": "r"}]),
            "risk item at position 1: unknown item 7",
        ),
        (
            minimal(risk_items=[{"item": 1, "threshold": 5, "code": "r"}]),
            "above every possible answer",
        ),
        (minimal(risk_items=[{"item": 1, "threshold": 0, "code": "r"}]), "fires on every answer"),
        (
            minimal(risk_items=[{"item": 1, "threshold": 1, "code": "r"}]),
            "'message_zh' must be non-empty",
        ),
    ],
)
def test_broken_definitions_name_their_problem(data, expected):
    errors = scoring.validate_definition(data)
    assert any(expected in e for e in errors), errors
    with pytest.raises(DefinitionError) as exc:
        scoring.load_definition(data)
    assert exc.value.errors == errors
    assert all(" / " in e for e in errors)  # English / Chinese


def test_all_problems_are_reported_at_once():
    data = minimal(code="", version=0)
    data["items"][1]["subscales"] = ["nope"]
    assert len(scoring.validate_definition(data)) == 3


def test_score_refuses_a_broken_definition():
    with pytest.raises(DefinitionError):
        scoring.score(minimal(mode="free"), {1: 0})


def test_results_fields_are_validated():
    data = results_fixture()
    data["results"][1]["code"] = "a"
    data["results"][2]["max"] = 0
    del data["results"][3]["name_en"]
    errors = scoring.validate_definition(data)
    assert any("result 'a': duplicate result code" in e for e in errors)
    assert any("result 'c': min must be below max" in e for e in errors)
    assert any("result 'e': 'name_en' must be non-empty" in e for e in errors)
    assert scoring.validate_definition(results_fixture() | {"results": []})


# ---------------------------------------------------------------------------------------------
# Properties over random valid answers


@st.composite
def answers_for(draw, definition: dict) -> dict:
    units = scoring_definition._units(definition)
    answers = {}
    for key, unit in units.items():
        if unit.optional and draw(st.booleans()):
            continue
        answers[key] = float(draw(st.sampled_from(unit.given_values())))
    return answers


@pytest.mark.parametrize("code", sorted(SHIPPED))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_random_valid_answers_always_land_in_a_band(code, data):
    definition = SHIPPED[code]
    result = scoring.score(definition, data.draw(answers_for(definition)))
    bands = definition["bands"]
    assert bands[0]["min"] <= result.score <= bands[-1]["max"]
    assert result.band is not None
    chosen = next(b for b in bands if b["code"] == result.band.code)
    assert chosen["min"] <= result.score <= chosen["max"]
    assert any(a.code == f"band_{result.band.code}" for a in result.alerts) is result.band.alert


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_random_results_entries_always_land_in_a_band(data):
    definition = scoring.load_definition(results_fixture())
    result = scoring.score(definition, data.draw(answers_for(definition)))
    assert result.band is not None and 1 <= result.score <= 10
