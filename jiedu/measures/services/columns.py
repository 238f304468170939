"""The clock columns of a measure: computed by `measures.clocks`, stored for the work lists."""

from __future__ import annotations

from datetime import date

from jiedu.core import rules as rule_config

from .. import clocks, rules
from ..choices import (
    COMMUNITY_KINDS,
    PauseKind,
)
from ..models import Measure
from .common import K


def _pauses(measure: Measure, kind: str) -> list[clocks.Interval]:
    if measure.pk is None:
        return []
    return [
        clocks.Interval(p.started_on, p.ended_on)
        for p in measure.pauses.filter(kind=kind).order_by("started_on", "id")
    ]


def refresh_clocks(measure: Measure) -> Measure:
    """Recompute the clock columns from the anchor dates and the pauses (not saved here).

    An open pause counts 0 days until it ends: while a person is on escape the end date is not
    yet known, and the status says so.
    """
    if measure.kind == K.COMPULSORY_ISOLATION:
        unit = measure.executing_unit
        window = (
            rule_config.value(rules.POLICE_PHASE_MIN, unit, measure.decided_on),
            rule_config.value(rules.POLICE_PHASE_MAX, unit, measure.decided_on),
        )
        if window[0] > window[1]:
            window = (window[1], window[1])
        c = clocks.isolation_clocks(
            measure.decided_on,
            escapes=_pauses(measure, PauseKind.ESCAPE),
            extension_months=measure.extension_months,
            police_stage_months=window,
        )
        measure.term_start = c.term_start
        measure.term_end = c.term_end
        if measure.approved_release_on is not None:
            # An approved 提前解除 ends the term on the day the deciding organ set (禁毒法 Art. 47).
            measure.term_end = min(c.term_end, measure.approved_release_on)
        measure.early_release_from = c.early_release_from
        measure.latest_end_with_extension = c.latest_end_with_extension
        measure.transfer_due_from = c.transfer_due_from
        measure.transfer_due_by = c.transfer_due_by
        measure.police_stage_limit = c.police_stage_limit
        measure.paused_days = c.escape_days
    elif measure.kind in COMMUNITY_KINDS:
        # The reporting rule in force where and when the decision was served.
        days = rule_config.value(rules.REPORT_IN_DAYS, measure.executing_unit, measure.served_on)
        c = clocks.community_clocks(
            measure.served_on,
            reported_on=measure.reported_on,
            term_years=0,
            term_months=measure.term_months,
            report_in_days=days,
            suspensions=_pauses(measure, PauseKind.SUSPENSION),
        )
        measure.report_due_by = c.report_due_by
        measure.term_start = c.term_start
        measure.term_end = c.term_end
        measure.paused_days = c.suspended_days
    else:  # voluntary: the agreement's term from the signing
        start = measure.admitted_on or measure.served_on
        measure.term_start = start
        measure.term_end = clocks.term_last_day(start, months=measure.term_months)
    return measure


def clock_rows(measure: Measure) -> list[tuple[str, str, date | None, str]]:
    """(field, label, date, legal source) for every clock of `measure`, for pages and the API."""
    field_label = {f.name: f.verbose_name for f in Measure._meta.fields}
    if measure.kind == K.COMPULSORY_ISOLATION:
        rows = [
            ("term_start", "戒毒条例 Art. 27"),
            ("term_end", "禁毒法 Art. 47；戒毒条例 Art. 32"),
            ("early_release_from", "禁毒法 Art. 47"),
            ("latest_end_with_extension", "禁毒法 Art. 47"),
            ("transfer_due_from", "戒毒条例 Art. 27"),
            ("transfer_due_by", "戒毒条例 Art. 27"),
            ("police_stage_limit", "戒毒条例 Art. 27"),
        ]
    elif measure.kind in COMMUNITY_KINDS:
        rows = [
            ("report_due_by", "戒毒条例 Art. 14, 38"),
            ("term_start", "戒毒条例 Art. 14"),
            ("term_end", "禁毒法 Art. 33, 48；戒毒条例 Art. 24"),
        ]
    else:
        rows = [("term_start", "戒毒条例 Art. 10"), ("term_end", "戒毒条例 Art. 10")]
    return [(f, field_label[f], getattr(measure, f), src) for f, src in rows]
