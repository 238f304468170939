from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("export.csv", views.person_export, name="person_export"),
    path("export.xlsx", views.person_export, {"fmt": "xlsx"}, name="person_export_xlsx"),
    path("<uuid:uuid>/", views.person_detail, name="person_detail"),
    path("<uuid:uuid>/edit/", views.person_edit, name="person_edit"),
    path("<uuid:uuid>/health/", views.health_edit, name="health_edit"),
    path("<uuid:uuid>/drugs/", views.drug_use_add, name="drug_use_add"),
    path("<uuid:uuid>/drugs/<int:pk>/remove/", views.drug_use_remove, name="drug_use_remove"),
    path("<uuid:uuid>/family/", views.family_add, name="family_add"),
    path("<uuid:uuid>/family/<int:pk>/remove/", views.family_remove, name="family_remove"),
    path("<uuid:uuid>/photo/", views.photo, name="photo"),
    path("<uuid:uuid>/photo/upload/", views.photo_upload, name="photo_upload"),
    path("<uuid:uuid>/reveal-id/", views.reveal_id, name="reveal_id"),
    path("<uuid:uuid>/merge/", views.person_merge, name="person_merge"),
    path("<uuid:uuid>/history/", views.person_history, name="person_history"),
]
