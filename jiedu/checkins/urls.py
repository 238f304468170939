"""/portal/: the person's pages (phone-first PWA) and, under /portal/staff/, the worker's."""

from django.urls import path

from . import views

app_name = "checkins"

urlpatterns = [
    # The person
    path("", views.home, name="home"),
    path("login/", views.portal_login, name="login"),
    path("logout/", views.portal_logout, name="logout"),
    path("password/", views.password_change, name="password"),
    path("checkin/", views.checkin, name="checkin"),
    path("leave/", views.leave, name="leave"),
    path("offline/", views.offline, name="offline"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    # The worker
    path("staff/review/", views.review_queue, name="review_queue"),
    path("staff/cases/<int:pk>/", views.case_checkins, name="case_checkins"),
    path("staff/cases/<int:pk>/account/", views.account_open, name="account_open"),
    path("staff/accounts/<int:pk>/password/", views.account_reset, name="account_reset"),
    path("staff/accounts/<int:pk>/face/", views.face_enrol, name="face_enrol"),
    path("staff/checkins/<int:pk>/review/", views.checkin_review, name="checkin_review"),
    path("staff/checkins/<int:pk>/photo/", views.checkin_photo, name="checkin_photo"),
    path("staff/faces/<int:pk>/photo/", views.face_photo, name="face_photo"),
]
