"""Zone gates: checks another app adds to a move into a later zone (MODEL 2018: zones change on
the strength of stage evaluations).

The registry keeps the dependency one way: facilities knows nothing of the evaluations app; the
evaluations app registers `(stay, from_zone, to_zone, on) -> (passed, note)` from its
AppConfig.ready(). With no gate registered, the officer's recorded stage result stands.
"""

from collections.abc import Callable

ZONE_GATES: list[Callable] = []


def register_zone_gate(gate: Callable) -> None:
    if gate not in ZONE_GATES:
        ZONE_GATES.append(gate)


def check_zone_gates(stay, from_zone, to_zone, on) -> tuple[bool, str] | None:
    """(passed, note) of the registered gates; None when no gate is registered."""
    if not ZONE_GATES:
        return None
    notes = []
    for gate in ZONE_GATES:
        passed, note = gate(stay, from_zone, to_zone, on)
        if note:
            notes.append(note)
        if not passed:
            return False, "；".join(notes)
    return True, "；".join(notes)
