"""Scored-instrument engine for the psychological centre (心理矫治中心).

A scored instrument (量表) — PHQ-9, SDS, a relapse-risk checklist — is *data*: a JSON definition
that this module validates and scores. Nothing here touches Django, so the same code scores an
answer sheet in a view, in a management command and in a test, and a province can add its own
instrument without a release (domain.md §3.4, §3.5; 司法部令第127号 Art. 39: psychological health
file). The relapse-risk "low" band feeds the 身心康复 evaluation (domain.md §4.5, item 4).

All arithmetic is exact (`fractions.Fraction`): SDS standard = floor(raw × 1.25) must not turn
53 into 52.999… at a cut-off. Results leave the engine as floats.

Definition format
-----------------
Top-level fields (unknown fields are errors, so typos do not pass silently)::

    code           slug, e.g. "phq9", "16pf" (lower case, digits, underscore)
    version        int >= 1; a changed definition is a new version (responses keep theirs)
    name_zh, name_en
    source         citation text
    licence        why the instrument is free to use
    instructions_zh, instructions_en   optional text shown above the items
    mode           "items" (default): item answers are scored;
                   "results": scores are entered directly (16PF sten scores, SCL-90 factor
                   scores) into named result fields, see `results`
    options        default option set for items: [{"value": 0, "label_zh": …, "label_en": …}]
    items          ("items" mode) [{"number": 1, "text_zh": …, "text_en": …,
                     "reverse": false, "optional": false, "subscales": ["code", …],
                     "options": [...]              # overrides the default option set, or
                     "range": {"min": 0, "max": 10, "step": 1}}]   # VAS-type item
                   reverse scoring = min + max − answer, over that item's own values
    results        ("results" mode) [{"code": "a", "name_zh": …, "name_en": …,
                     "min": 1, "max": 10, "step": 1, "optional": false}]   step defaults to 1
    subscales      [{"code": …, "name_zh": …, "name_en": …, "items": [1, 4, …],
                     "method": "sum" | "mean"}]; membership may also be given on the item
                     ("subscales": [...]) — the two are merged
    total          {"method": "sum" | "mean", "items": [...]}; default: sum of every item
    conversion     raw → standard, applied in this order, each part optional:
                   {"multiply": 1.25, "add": 0, "round": "floor" | "half_up" | "none",
                    "table": [[raw_or_rounded, standard], …]}   or null for none
    bands          cut-offs over `ScoreResult.score`, in ascending order, min and max inclusive:
                   [{"code": "low", "label_zh": …, "label_en": …, "min": 0, "max": 4,
                     "alert": false}]; may be empty (no classification)
    risk_items     [{"item": 9, "threshold": 1, "code": "suicide_ideation",
                     "message_zh": …, "message_en": …}]: an answer >= threshold (the answer
                   as given, before reverse scoring) raises an Alert

In "results" mode every place that names an item (subscales, total, risk_items) names a result
field code instead, and `score()` takes answers keyed by those codes.

Validation checks the shape above and, by enumerating every score the instrument can produce,
that each possible score falls in exactly one band and has an entry in the conversion table.
Missing answers count as absent for optional items: sums skip them, means divide by the number
answered.

The package: `values` (errors, results, exact numbers), `definition` (checking a definition),
`answers` (scoring an answer sheet).
"""

from .answers import answer_errors, score
from .definition import (
    load_definition,
    shipped_definition,
    shipped_definitions,
    validate_definition,
)
from .values import INSTRUMENT_DATA_DIR, Alert, Band, DefinitionError, ScoreResult, ScoringError

__all__ = [
    "INSTRUMENT_DATA_DIR",
    "Alert",
    "Band",
    "DefinitionError",
    "ScoreResult",
    "ScoringError",
    "answer_errors",
    "load_definition",
    "score",
    "shipped_definition",
    "shipped_definitions",
    "validate_definition",
]
