from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("template.xlsx", views.template_file, {"fmt": "xlsx"}, name="template_xlsx"),
    path("template.csv", views.template_file, {"fmt": "csv"}, name="template_csv"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
]
