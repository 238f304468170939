from django.urls import path

from . import views

app_name = "facilities"

urlpatterns = [
    path("", views.facility_list, name="facility_list"),
    path("admit/<int:measure_pk>/", views.admit, name="admit"),
    path("stays/<int:pk>/", views.stay_detail, name="stay_detail"),
    path("stays/<int:pk>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("stays/<int:pk>/<slug:action>/", views.stay_action, name="stay_action"),
    path("leaves/<int:pk>/return/", views.leave_return, name="leave_return"),
    path("leaves/<int:pk>/overstay/", views.leave_overstay, name="leave_overstay"),
    path("segregations/<int:pk>/approve/", views.segregation_approve, name="segregation_approve"),
    path("segregations/<int:pk>/end/", views.segregation_end, name="segregation_end"),
    path("paroles/<int:pk>/end/", views.parole_end, name="parole_end"),
    path("<str:code>/", views.facility_detail, name="facility_detail"),
]
