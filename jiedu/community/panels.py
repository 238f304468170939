"""The person page's panel of community cases (社区戒毒/社区康复): for each case of the person the
user may see, the measure, state, township, worker, credit tier and score, risk class and a
serious-breach flag, with a link to the case page. Registered with `people.panels` from
`CommunityConfig.ready()`; one query for the cases whatever their number."""

from __future__ import annotations

from django.template.loader import render_to_string

from jiedu.core.permissions import has_perm

from . import credit_rules  # noqa: F401  (the credit and risk rules register on import)
from .models import CommunityCase

VIEW = "community.view_case"


def community_panel(request, person) -> str:
    user = request.user
    if not has_perm(user, VIEW):
        return ""
    cases = list(
        CommunityCase.objects.restrict(user, "view")
        .filter(person=person)
        .select_related("measure", "unit", "worker")
        .order_by("-opened_on", "-id")
    )
    if not cases:
        return ""
    return render_to_string("community/panels/person.html", {"cases": cases}, request=request)
