"""The worker's daily list, plans, due items, contacts (talks, visits)."""

urlpatterns = []


def case_section(request, case) -> str:
    """This module's section of the case page ('' when there is nothing to show)."""
    return ""
