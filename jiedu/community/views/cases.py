"""The township's case list, the case page, worker, team, agreement, change of place."""

urlpatterns = []
