app_name = "aftercare"

urlpatterns = []
