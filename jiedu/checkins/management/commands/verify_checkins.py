from collections import Counter
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
        default = int(services.VERIFY_LATE_AFTER.total_seconds() // 60)
        parser.add_argument(
            "--older-than",
            type=int,
            default=default,
            help=f"minutes since the check-in was received (default {default}: what the review "
            "queue reports as late; newer ones are left to the worker)",
        )

    def handle(self, *args, older_than, **options):
        before = clock.now() - timedelta(minutes=older_than)
        pending = list(
            CheckIn.objects.filter(face_status=FaceStatus.PENDING, received_at__lt=before)
            .order_by("received_at", "pk")
            .values_list("pk", flat=True)
        )
        done: Counter = Counter()
        for n, pk in enumerate(pending, 1):
            status = services.verify_checkin(pk)
            if status is not None:
                done[str(status)] += 1
            if n % 100 == 0:  # about 30 s of comparisons
                self.stdout.write(f"  {n}/{len(pending)}")
        summary = ", ".join(f"{k} {v}" for k, v in sorted(done.items())) or "none pending"
        self.stdout.write(self.style.SUCCESS(f"verified: {summary}"))
