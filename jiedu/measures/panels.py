"""The measures section of a person's page: every measure with every clock and its legal source."""

from django.template.loader import render_to_string

from jiedu.core import clock
from jiedu.core.permissions import has_perm

from . import services
from .models import Measure, MethadoneTreatment


def measures_panel(request, person) -> str:
    if not has_perm(request.user, "measures.view_measure"):
        return ""
    measures = list(
        Measure.objects.restrict(request.user, "view")
        .filter(person=person)
        .select_related("deciding_organ", "executing_unit", "person__managing_unit")
        .prefetch_related("pauses", "blockers", "notices")
    )
    today = clock.today()
    rows = [
        {
            "measure": m,
            "clocks": services.clock_rows(m),
            "blockers": services.early_release_blockers(m, today) if m.is_isolation else [],
            "can_execute": services.can_execute(request.user, m),
        }
        for m in measures
    ]
    return render_to_string(
        "measures/_person_panel.html",
        {
            "person": person,
            "rows": rows,
            "today": today,
            "can_decide": has_perm(request.user, "measures.decide_measure"),
            "can_treat": has_perm(request.user, "measures.execute_measure"),
            "treatments": MethadoneTreatment.objects.restrict(request.user, "view")
            .filter(person=person)
            .select_related("clinic"),
        },
        request=request,
    )
