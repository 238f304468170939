from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url="/"
        ),
        name="password_change",
    ),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<str:username>/", views.user_detail, name="user_detail"),
    path("users/<str:username>/toggle/", views.user_toggle_active, name="user_toggle_active"),
    path(
        "users/<str:username>/memberships/<int:pk>/end/",
        views.membership_end,
        name="membership_end",
    ),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
