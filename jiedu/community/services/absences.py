"""Leave requests (戒毒条例 Art. 19) and absences (Art. 20)."""

from __future__ import annotations


def request_leave(
    case, *, leave_on, return_on, destination, reason, actor, via_portal=False, client_id=""
):
    """A leave request (书面报告); from the portal `actor` is None and `via_portal` True."""
    raise NotImplementedError
