from django.urls import path

from . import audit_views, rule_views, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/users/", audit_views.user_activity, name="audit_user_activity"),
    path("rules/", rule_views.rule_list, name="rules"),
]
