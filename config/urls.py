from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("", include("jiedu.core.urls")),
    path("accounts/", include("jiedu.accounts.urls")),
    path("orgs/", include("jiedu.orgs.urls")),
    path("people/", include("jiedu.people.urls")),
    path("measures/", include("jiedu.measures.urls")),
    path("facilities/", include("jiedu.facilities.urls")),
    path("centres/", include("jiedu.centres.urls")),
    path("evaluations/", include("jiedu.evaluations.urls")),
    path("community/", include("jiedu.community.urls")),
    path("portal/", include("jiedu.checkins.urls")),
    path("worklist/", include("jiedu.worklists.urls")),
    path("aftercare/", include("jiedu.aftercare.urls")),
    path("analytics/", include("jiedu.analytics.urls")),
    path("imports/", include("jiedu.imports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

handler404 = "jiedu.core.errors.page_not_found"
handler500 = "jiedu.core.errors.server_error"
handler403 = "jiedu.core.errors.permission_denied"
