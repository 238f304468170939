"""Credit points and risk classes."""

urlpatterns = []


def case_section(request, case) -> str:
    """This module's section of the case page ('' when there is nothing to show)."""
    return ""
