"""Credit points, tiers and risk classes."""

from __future__ import annotations


def refresh_case(case) -> None:
    """Recompute the case's credit score, tier and risk class from its records."""


def award(case, code: str, *, on, source: str, actor=None):
    """Score one event (a code from credit_rules) for the case, once per (code, source)."""
    return None
