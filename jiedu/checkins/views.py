"""The person portal and the worker's check-in review."""


def case_section(request, case) -> str:
    """Check-ins on the case page ('' when there is nothing to show)."""
    return ""
