"""The evaluations section of a person's page: the evaluations the user may see, with results."""

from django.template.loader import render_to_string

from jiedu.core.permissions import has_perm

from .models import Evaluation


def evaluations_panel(request, person) -> str:
    if not has_perm(request.user, "evaluations.view_evaluation"):
        return ""
    evaluations = list(
        Evaluation.objects.restrict(request.user, "view")
        .filter(person=person)
        .select_related("admission__facility")
        .order_by("-evaluated_on", "-id")
    )
    if not evaluations:
        return ""
    return render_to_string(
        "evaluations/_person_panel.html",
        {"person": person, "evaluations": evaluations},
        request=request,
    )
