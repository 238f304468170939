from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("definitions/", views.definitions, name="definitions"),
    path("<str:code>/", views.dashboard, name="dashboard"),
    path("<str:code>/leader/", views.leader, name="leader"),
    path("<str:code>/facility/", views.facility, name="facility"),
    path("<str:code>/township/", views.township, name="township"),
    path("<str:code>/wall/", views.wall, name="wall"),
    path("<str:code>/persons/", views.persons, name="persons"),
    path("<str:code>/export/", views.export, name="export"),
]
