from .views import education, medical, points, psychology, training

app_name = "centres"

urlpatterns = [
    *medical.urlpatterns,
    *education.urlpatterns,
    *psychology.urlpatterns,
    *training.urlpatterns,
    *points.urlpatterns,
]
