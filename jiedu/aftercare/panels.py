"""The person page's panel of follow-up plans (后续照管): for each plan of the person the user may
see, the measure whose end started it, the unit, state and next visit, and the person's
dynamic-control state (戒毒条例 Art. 7). Registered with `people.panels` from
`AftercareConfig.ready()`; nothing — and one query — for a person without plans."""

from __future__ import annotations

from django.template.loader import render_to_string

from jiedu.core import clock
from jiedu.core.permissions import has_perm

from . import queries
from .control import person_control
from .models import FollowUpPlan
from .services import VIEW


def aftercare_panel(request, person) -> str:
    user = request.user
    if not has_perm(user, VIEW):
        return ""
    today = clock.today()
    plans = list(
        queries.with_next_visit(
            FollowUpPlan.objects.restrict(user, "view")
            .filter(person=person)
            .select_related("measure", "unit"),
            today,
        ).order_by("-starts_on", "-id")
    )
    if not plans:
        return ""
    return render_to_string(
        "aftercare/panels/person.html",
        {"plans": plans, "today": today, "control": person_control(person, today)},
        request=request,
    )
