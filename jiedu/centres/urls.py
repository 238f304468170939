from .views import education, hub, medical, points, psychology, training

app_name = "centres"

urlpatterns = [
    *medical.urlpatterns,
    *education.urlpatterns,
    *psychology.urlpatterns,
    *training.urlpatterns,
    *points.urlpatterns,
    # Last: the hub's `<code>/` would otherwise shadow one-segment paths of the other modules.
    *hub.urlpatterns,
]
