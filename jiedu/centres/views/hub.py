"""The centres' hub of one facility (links to the five centres' work pages and the persons held)
and the page of one stay listing its centre files.

Centre pages are added by separate modules; a link whose URL name does not exist (yet) is left
out rather than breaking the page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.views import paginate, query_param
from jiedu.facilities.models import Admission
from jiedu.orgs.models import OrgUnit
from jiedu.people.querysets import mask_query, search_by_person

from ..access import get_facility_for_user, get_stay_for_user

# (centre, label): work page `centres:<centre>_work`, a stay's file `centres:<centre>_file`.
CENTRES = (
    ("medical", _("戒毒医疗中心")),
    ("education", _("教育矫正中心")),
    ("psychology", _("心理矫治中心")),
    ("training", _("康复训练中心")),
    ("points", _("行为考核")),
)


def _link(name: str, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def work_links(facility: OrgUnit) -> list[tuple[str, str]]:
    """(label, url) of each centre's work page at `facility` that exists."""
    links = [(label, _link(f"centres:{m}_work", facility.code)) for m, label in CENTRES]
    links.append((_("诊断评估中心"), _link("evaluations:work", facility.code)))
    return [(label, url) for label, url in links if url]


def file_links(stay_pk: int) -> list[tuple[str, str]]:
    """(label, url) of each centre's file of one stay that exists."""
    links = [(label, _link(f"centres:{m}_file", stay_pk)) for m, label in CENTRES]
    links.append((_("诊断评估中心"), _link("evaluations:stay", stay_pk)))
    return [(label, url) for label, url in links if url]


@login_required
def hub(request, code):
    facility = get_facility_for_user(request.user, code)
    q = query_param(request)
    stays = paginate(
        request,
        search_by_person(
            Admission.objects.restrict(request.user, "view").filter(
                facility=facility, left_on__isnull=True
            ),
            q,
        )
        .select_related("person", "zone", "bed")
        .order_by("zone__kind", "bed__code", "person__name", "id"),
    )
    if q:
        log_access(
            AccessAction.SEARCH_PERSON,
            user=request.user,
            query=mask_query(q),
            result_count=stays.paginator.count,
        )
    return render(
        request,
        "centres/hub.html",
        {"facility": facility, "links": work_links(facility), "stays": stays, "q": q},
    )


@login_required
def stay_file(request, pk):
    stay = get_stay_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=stay.person_id)
    return render(
        request,
        "centres/stay_file.html",
        {
            "stay": stay,
            "person": stay.person,
            "links": file_links(stay.pk),
            "hub_url": reverse("centres:hub", args=[stay.facility.code]),
        },
    )


urlpatterns = [
    path("stays/<int:pk>/", stay_file, name="stay_file"),
    path("<str:code>/", hub, name="hub"),
]
