from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("", views.unit_list, name="unit_list"),
    path("<str:code>/add/", views.unit_create, name="unit_create"),
    path("<str:code>/edit/", views.unit_edit, name="unit_edit"),
]
