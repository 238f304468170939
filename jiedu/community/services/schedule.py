"""Schedules: the plan in force, the due items of a case over its term, random draws."""

from __future__ import annotations


def schedule_case(case, *, actor) -> None:
    """Bring the case's due items in line with its plan, term and state (idempotent)."""


def satisfy(case, kinds, on, *, source: str):
    """Mark done the earliest open due item of `kinds` whose window covers day `on` (a test
    recorded, a talk held); returns it, or None when nothing was due. Idempotent per source."""
    return None
