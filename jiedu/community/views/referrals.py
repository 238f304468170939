"""Serious breach, referrals to the police and the police's inbox."""

urlpatterns = []


def case_section(request, case) -> str:
    """This module's section of the case page ('' when there is nothing to show)."""
    return ""
