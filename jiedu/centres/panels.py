"""The centres' section of a person's page: the person's stays whose centre records the user may
see (centres.view_record at the stay's facility), each with links to its centre files."""

from django.template.loader import render_to_string

from jiedu.core.permissions import has_perm, scope_q
from jiedu.facilities.models import Admission

from .views.hub import file_links


def centres_panel(request, person) -> str:
    user = request.user
    if not has_perm(user, "centres.view_record"):
        return ""
    stays = Admission.objects.restrict(user, "view").filter(person=person)
    q = scope_q(user, "centres.view_record", "facility__path")
    if q is not None:
        stays = stays.filter(q)
    rows = [
        {"stay": stay, "links": file_links(stay.pk)}
        for stay in stays.select_related("facility").order_by("-admitted_on", "-id")
    ]
    if not rows:
        return ""
    return render_to_string("centres/_person_panel.html", {"rows": rows}, request=request)
