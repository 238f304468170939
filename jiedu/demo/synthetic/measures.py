"""Measures of the synthetic population and what the measures services store with them: clock
columns (computed by `measures.clocks` exactly as `services.columns.refresh_clocks` does), pauses,
early-release blockers, the notices the law requires and the decision on the timeline; and
`current_unit`, the person's `measure_unit` as `services.common._sync_person_unit` keeps it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from jiedu.core import rules as rule_config
from jiedu.measures import clocks
from jiedu.measures import rules as mrules
from jiedu.measures.choices import ACTIVE_STATUSES, COMMUNITY_KINDS, MeasureKind, NoticeKind
from jiedu.measures.models import EarlyReleaseBlocker, Measure, MeasurePause, Notice

from .people import EVENT, RECORDER, aware
from .writer import Table

K = MeasureKind
MEASURE = Table(
    Measure,
    ("id", "person_id", "kind", "status", "deciding_organ_id", "decision_number", "decided_on",
     "served_on", "executing_unit_id", "ground", "term_months", "extension_months",
     "approved_release_on", "previous_id", "reported_on", "admitted_on", "transferred_on",
     "ended_on", "end_reason", "late_report_reason", "term_start", "term_end",
     "early_release_from", "latest_end_with_extension", "transfer_due_from", "transfer_due_by",
     "police_stage_limit", "report_due_by", "paused_days", "created_at"),
    minor_under_16=False,
)  # fmt: skip
PAUSE = Table(MeasurePause, ("measure_id", "kind", "started_on", "ended_on", "reason"))
BLOCKER = Table(EarlyReleaseBlocker, ("measure_id", "code", "since"))
NOTICE = Table(
    Notice,
    ("measure_id", "kind", "recipient", "owed_by_id", "due_on", "source", "sent_on", "method",
     "sent_by", "document"),
)  # fmt: skip
WORDS = {
    K.COMMUNITY_DRUG_REHAB: "社戒",
    K.COMPULSORY_ISOLATION: "强戒",
    K.COMMUNITY_REHABILITATION: "社康",
}
LABELS = {
    K.COMMUNITY_DRUG_REHAB: "社区戒毒",
    K.COMPULSORY_ISOLATION: "强制隔离戒毒",
    K.COMMUNITY_REHABILITATION: "社区康复",
    K.VOLUNTARY: "自愿戒毒",
}
PAUSE_REASONS = {"suspension": "因涉嫌违法犯罪被拘留", "escape": "脱逃"}
FAMILY = "家属、所在单位、户籍地派出所"


@dataclass(frozen=True)
class Rules:
    """The configurable rules in force in the synthetic province (read once at its root)."""

    report_in_days: int
    police_min: int
    police_max: int
    family_letter_days: int
    release_notice_days: int
    handover_days: int
    end_notice_days: int
    family_letter_source: str
    release_notice_source: str
    handover_source: str
    end_notice_source: str

    @classmethod
    def at(cls, unit, day: date) -> Rules:
        r = {k: rule_config.resolve(k, unit, day) for k in (
            mrules.REPORT_IN_DAYS, mrules.POLICE_PHASE_MIN, mrules.POLICE_PHASE_MAX,
            mrules.FAMILY_LETTER_DAYS, mrules.RELEASE_NOTICE_DAYS, mrules.HANDOVER_DAYS,
            mrules.END_NOTICE_DAYS)}  # fmt: skip
        return cls(
            report_in_days=r[mrules.REPORT_IN_DAYS].value,
            police_min=r[mrules.POLICE_PHASE_MIN].value,
            police_max=r[mrules.POLICE_PHASE_MAX].value,
            family_letter_days=r[mrules.FAMILY_LETTER_DAYS].value,
            release_notice_days=r[mrules.RELEASE_NOTICE_DAYS].value,
            handover_days=r[mrules.HANDOVER_DAYS].value,
            end_notice_days=r[mrules.END_NOTICE_DAYS].value,
            family_letter_source=r[mrules.FAMILY_LETTER_DAYS].source,
            release_notice_source=r[mrules.RELEASE_NOTICE_DAYS].source,
            handover_source=r[mrules.HANDOVER_DAYS].source,
            end_notice_source=r[mrules.END_NOTICE_DAYS].source,
        )

    @property
    def police_window(self) -> tuple[int, int]:
        low, high = self.police_min, self.police_max
        return (high, high) if low > high else (low, high)


CLOCK_FIELDS = (
    "term_start", "term_end", "early_release_from", "latest_end_with_extension",
    "transfer_due_from", "transfer_due_by", "police_stage_limit", "report_due_by", "paused_days",
)  # fmt: skip


def clock_columns(m, rules: Rules) -> tuple:
    """The clock columns of measure `m` (a `life.Measure`) in CLOCK_FIELDS order — what
    `refresh_clocks` computes from the same dates and pauses."""
    pauses = sorted(m.pauses, key=lambda p: p[1])
    if m.kind == K.COMPULSORY_ISOLATION:
        c = clocks.isolation_clocks(
            m.decided_on,
            escapes=[clocks.Interval(p[1], p[2]) for p in pauses if p[0] == "escape"],
            extension_months=m.extension_months,
            police_stage_months=rules.police_window,
        )
        end = c.term_end
        if m.approved_release_on is not None:
            end = min(end, m.approved_release_on)
        return (c.term_start, end, c.early_release_from, c.latest_end_with_extension,
                c.transfer_due_from, c.transfer_due_by, c.police_stage_limit, None,
                c.escape_days)  # fmt: skip
    if m.kind in COMMUNITY_KINDS:
        c = clocks.community_clocks(
            m.served_on,
            reported_on=m.reported_on,
            term_years=0,
            term_months=m.term_months,
            report_in_days=rules.report_in_days,
            suspensions=[clocks.Interval(p[1], p[2]) for p in pauses if p[0] == "suspension"],
        )
        return (c.term_start, c.term_end, None, None, None, None, None, c.report_due_by,
                c.suspended_days)  # fmt: skip
    start = m.admitted_on or m.served_on
    return (start, clocks.term_last_day(start, months=m.term_months), None, None, None, None,
            None, None, 0)  # fmt: skip


def current_unit(life) -> int | None:
    """`Person.measure_unit`: the executing unit of the latest open measure, a non-voluntary one
    first (measures.services.common._sync_person_unit)."""
    open_ = [m for m in life.measures if m.status in ACTIVE_STATUSES]
    for group in ([m for m in open_ if m.kind != K.VOLUNTARY], open_):
        if group:
            # -decided_on, -id: the later decision; of one day, the later row.
            best = max(enumerate(group), key=lambda im: (im[1].decided_on, im[0]))[1]
            return best.unit_id
    return None


def emit_measures(ctx, life, pid: int, rng: random.Random) -> None:
    rules = ctx.rules
    for m in life.measures:
        m.id = ctx.ids.next(Measure)
    rows = ctx.rows
    for m in life.measures:
        clock = clock_columns(m, rules)
        m.clock = dict(zip(CLOCK_FIELDS, clock, strict=True))
        previous = life.measures[m.previous].id if m.previous is not None else None
        word = WORDS.get(m.kind)
        number = f"合{word}字〔{m.decided_on.year}〕{m.id}号" if word else ""
        m.number = number
        rows[MEASURE].append(
            (m.id, pid, m.kind, m.status, m.organ_id, number, m.decided_on, m.served_on,
             m.unit_id, m.ground, m.term_months, m.extension_months, m.approved_release_on,
             previous, m.reported_on, m.admitted_on, m.transferred_on, m.ended_on, m.end_reason,
             m.late_reason, *clock, aware(m.decided_on, 10))
        )  # fmt: skip
        for kind, start, end in m.pauses:
            rows[PAUSE].append((m.id, kind, start, end, PAUSE_REASONS[kind]))
        for code, since in m.blockers:
            rows[BLOCKER].append((m.id, code, since))
        organ = m.organ_id
        rows[EVENT].append(
            (pid, "measures.measure.decided", aware(m.decided_on, 10), organ or m.unit_id,
             {"organ": ctx.unit_names.get(organ or m.unit_id, ""), "kind": LABELS[m.kind],
              "number": number or "—", "decided_on": m.decided_on.isoformat()})
        )  # fmt: skip
        if m.kind == K.COMPULSORY_ISOLATION:
            _isolation_notices(ctx, m, rng)
        elif m.kind in COMMUNITY_KINDS:
            if m.follows_release:
                release = life.measures[m.previous]
                _notice(ctx, rng, m, NoticeKind.HANDOVER_TOWNSHIP, ctx.tree_unit_name(m.unit_id),
                        release.unit_id, m.decided_on + timedelta(days=rules.handover_days),
                        rules.handover_source, m.decided_on)  # fmt: skip
            if m.end_reason == "expiry":
                _notice(ctx, rng, m, NoticeKind.END_TOWNSHIP, ctx.tree_unit_name(m.unit_id),
                        m.organ_id or m.unit_id, m.ended_on + timedelta(days=rules.end_notice_days),
                        rules.end_notice_source, m.ended_on)  # fmt: skip
        for day, _old, new in m.moves:
            rows[EVENT].append(
                (pid, "measures.measure.place_changed", aware(day, 11), ctx.tree.townships[new].id,
                 {"kind": LABELS[m.kind], "on": day.isoformat(),
                  "from_unit": ctx.tree.townships[_old].name, "unit": ctx.tree.townships[new].name,
                  "reason": "居住地变更"})
            )  # fmt: skip


def _notice(ctx, rng, m, kind, recipient, owed_by, due_on, source, earliest, document="",
            sent_always=False):  # fmt: skip
    """A notice owed; sent (on or before its day) once its day has come, as a unit mostly does."""
    sent = None
    due = due_on <= ctx.today or (earliest <= ctx.today and rng.random() < 0.5)
    if due and (sent_always or rng.random() < 0.97):
        sent = min(max(earliest, due_on - timedelta(days=rng.randint(0, 2))), ctx.today)
    ctx.rows[NOTICE].append(
        (m.id, kind, recipient, owed_by, due_on, source, sent, "书面通知" if sent else "",
         RECORDER if sent else "", document)
    )  # fmt: skip


def _isolation_notices(ctx, m, rng) -> None:
    rules = ctx.rules
    # 禁毒法 Art. 40: family, employer and 户籍地派出所 within 24 hours of service.
    _notice(ctx, rng, m, NoticeKind.DECISION_SERVED, FAMILY, m.organ_id,
            m.served_on + timedelta(days=mrules.DECISION_NOTICE_DAYS.value),
            mrules.DECISION_NOTICE_DAYS.source, m.served_on)  # fmt: skip
    if m.admitted_on is None:
        return
    if m.transferred_on is not None:
        # 司法部令第127号 Art. 15: the judicial facility writes to the family after entry.
        judicial = m.stays[1].facility
        _notice(ctx, rng, m, NoticeKind.ADMISSION_FAMILY, "家属", ctx.tree.facilities[judicial].id,
                m.transferred_on + timedelta(days=rules.family_letter_days),
                rules.family_letter_source, m.transferred_on)  # fmt: skip
    # 戒毒条例 Art. 34: the deciding organ is told N days before the term ends; the notice follows
    # the term end and the executing unit until it is sent.
    due = m.clock["term_end"] - timedelta(days=rules.release_notice_days)
    sent_ok = not (m.status == "terminated" and due > m.ended_on)
    before = len(ctx.rows[NOTICE])
    _notice(ctx, rng, m, NoticeKind.RELEASE_DECIDING_ORGAN, ctx.unit_names.get(m.organ_id, ""),
            m.unit_id, due, rules.release_notice_source, m.admitted_on,
            sent_always=m.status == "ended")  # fmt: skip
    if not sent_ok:  # terminated first: the notice was never sent
        row = ctx.rows[NOTICE][before]
        ctx.rows[NOTICE][before] = (*row[:6], None, "", "", row[9])
    for ev in m.evaluations:
        p = ev.proposal
        if p and p.get("decided_on"):
            kind = (NoticeKind.EARLY_RELEASE_DECISION if p["kind"] == "early_release"
                    else NoticeKind.EXTENSION_DECISION)  # fmt: skip
            _notice(ctx, rng, m, kind, FAMILY, m.organ_id,
                    p["decided_on"] + timedelta(days=mrules.PROPOSAL_NOTICE_DAYS.value),
                    mrules.PROPOSAL_NOTICE_DAYS.source, p["decided_on"],
                    document=proposal_number(m, p))  # fmt: skip


def proposal_number(m, p) -> str:
    word = "提前解除" if p["kind"] == "early_release" else "延长"
    return f"合{word}字〔{p['decided_on'].year}〕{m.id}号"
