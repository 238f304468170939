"""Violations, serious breach (戒毒条例 Art. 20) and referrals to the police."""

from __future__ import annotations


def on_measure_changed(case, action: str, *, actor) -> None:
    """Follow-up of a measure change on the case's referrals (refusal, isolation decided)."""


def detect_breach(case, *, on, actor):
    """Run after every refused/evaded test and every absence (with the case locked): when the
    facts now meet 戒毒条例 Art. 20, record the breach day, raise the alert and open a draft
    referral with the evidence. Returns the referral or None."""
    return None


def refer(case, reason: str, *, on, source: str, actor, evidence: dict | None = None):
    """Open (once per reason while open) a draft referral to the deciding organ."""
    return None
