from datetime import timedelta

from django.core.management.base import BaseCommand

from jiedu.checkins import services
from jiedu.checkins.choices import FaceStatus
from jiedu.checkins.models import CheckIn
from jiedu.core import clock


class Command(BaseCommand):
    help = (
        "Compare the faces of check-ins still pending after --older-than minutes, here and now. "
        "The background worker normally does it moments after each check-in; run this after a "
        "worker outage or a failed task (a check-in verified meanwhile is left alone)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=10,
            help="minutes since the check-in was received (default 10: the worker's own are left)",
        )

    def handle(self, *args, older_than, **options):
        before = clock.now() - timedelta(minutes=older_than)
        pending = CheckIn.objects.filter(
            face_status=FaceStatus.PENDING, received_at__lt=before
        ).order_by("received_at", "pk")
        done = {}
        for pk in pending.values_list("pk", flat=True).iterator():
            status = services.verify_checkin(pk)
            if status is not None:
                done[str(status)] = done.get(str(status), 0) + 1
        self.stdout.write(self.style.SUCCESS(f"verified: {done or 'none pending'}"))
