"""Facts about a measure that other apps keep, read through providers they register, so that
`measures` never imports them.

The community app registers the serious-breach provider (戒毒条例 Art. 20) when
`jiedu.community.services.violations` is imported; `GET /api/v1/measures/{id}` reads it.
"""

from __future__ import annotations

from collections.abc import Callable

# provider(measure) -> {"serious_breach": bool, "counts": {...}} or None when the measure is not
# one the provider knows (a non-community measure).
BreachProvider = Callable[[object], dict | None]

_breach_providers: list[BreachProvider] = []


def register_breach_provider(fn: BreachProvider) -> BreachProvider:
    """Add a provider of the serious-breach facts of a measure (once, however often called)."""
    if fn not in _breach_providers:
        _breach_providers.append(fn)
    return fn


def serious_breach(measure) -> dict | None:
    """The first provider's answer for `measure`, or None when no provider knows it."""
    for provider in _breach_providers:
        found = provider(measure)
        if found is not None:
            return found
    return None
