from django.db import models


class BarePing(models.Model):
    """One row per request: about the width of a check-in's own columns."""

    client_id = models.UUIDField()
    taken_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "bench_bareapp"

    def __str__(self):
        return str(self.client_id)
