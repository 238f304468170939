from django.urls import path

from . import views

app_name = "evaluations"

urlpatterns = [
    path("sheets/", views.scoring_sheets, name="scoring_sheets"),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/<int:pk>/", views.proposal, name="proposal"),
    path("proposals/<int:pk>/committee/", views.proposal_committee, name="proposal_committee"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
    path("stays/<int:stay_pk>/", views.stay, name="stay"),
    path("stays/<int:stay_pk>/handbook/", views.handbook_open, name="handbook_open"),
    path("stays/<int:stay_pk>/start/", views.evaluation_start, name="evaluation_start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/refresh/", views.evaluation_refresh, name="evaluation_refresh"),
    path("<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
    # Last: a facility code is any string; the paths above would otherwise be read as one.
    path("<str:code>/", views.work, name="work"),
]
