from django.urls import path

from . import views

app_name = "measures"

urlpatterns = [
    path("", views.measure_list, name="measure_list"),
    path("export.xlsx", views.measure_export, {"fmt": "xlsx"}, name="measure_export"),
    path("export.csv", views.measure_export, {"fmt": "csv"}, name="measure_export_csv"),
    path("new/<uuid:uuid>/", views.measure_create, name="measure_create"),
    path("methadone/<uuid:uuid>/", views.methadone_add, name="methadone_add"),
    path("<int:pk>/", views.measure_detail, name="measure_detail"),
    path("<int:pk>/order.pdf", views.community_rehab_order_pdf, name="community_rehab_order_pdf"),
    path("<int:pk>/<slug:action>/", views.measure_action, name="measure_action"),
    path("notices/<int:pk>/sent/", views.notice_sent, name="notice_sent"),
]
