"""Every write to a measure: decisions, the legal status machine, clocks, blockers and notices.

Each action checks the actor's permission at the measure's unit, refuses what the law does not
allow (a `Refusal` with a code and a message that says why), runs in one transaction with the
measure row locked, recomputes the clock columns through `measures.clocks`, and writes the
person's timeline. A retried action (same action, same day) returns the measure unchanged, so a
client retrying on a bad network never makes a second escape or release.

The package is split by concern; callers use `jiedu.measures.services.<name>`:

- `decisions`   — decide_measure and its guards, the 社区康复 order at release
- `transitions` — the status machine (report, admit, transfer, escape, … release, terminate)
- `columns`     — refresh_clocks / clock_rows: the stored clock columns and their sources
- `notices`     — early-release blockers and the notices the law requires
- `organ_decisions` — the organ's approval of early release or extension on a proposal
- `methadone`   — maintenance treatment records
- `common`      — helpers they share
"""

from .columns import (
    clock_rows,
    refresh_clocks,
)
from .decisions import (
    CONVERSION_REASONS,
    DECIDE_SCOPE,
    DECIDING_KINDS,
    DEFAULT_TERM_MONTHS,
    EXECUTING_KINDS,
    CommunityRehabOrder,
    MeasureInput,
    age_on,
    check_isolation_guards,
    decide_measure,
    decided_with_key,
    order_community_rehabilitation,
)
from .methadone import (
    start_methadone_treatment,
)
from .notices import (
    add_blocker,
    record_notice_sent,
)
from .organ_decisions import (
    approve_early_release,
    extend_term,
)
from .transitions import (
    ACTION_LABELS,
    TERMINATION_REASONS,
    TRANSITIONS,
    admit,
    can_execute,
    change_place,
    early_release_blockers,
    escape,
    recapture,
    refuse,
    release,
    report_in,
    resume,
    suspend,
    terminate,
    transfer,
)

__all__ = [
    "ACTION_LABELS",
    "CONVERSION_REASONS",
    "DECIDE_SCOPE",
    "DECIDING_KINDS",
    "DEFAULT_TERM_MONTHS",
    "EXECUTING_KINDS",
    "TERMINATION_REASONS",
    "TRANSITIONS",
    "CommunityRehabOrder",
    "MeasureInput",
    "add_blocker",
    "admit",
    "age_on",
    "approve_early_release",
    "can_execute",
    "change_place",
    "check_isolation_guards",
    "clock_rows",
    "decide_measure",
    "decided_with_key",
    "early_release_blockers",
    "escape",
    "extend_term",
    "order_community_rehabilitation",
    "recapture",
    "record_notice_sent",
    "refresh_clocks",
    "refuse",
    "release",
    "report_in",
    "resume",
    "start_methadone_treatment",
    "suspend",
    "terminate",
    "transfer",
]
