from django.core.management.base import BaseCommand

from jiedu.analytics.services import rebuild_facts


class Command(BaseCommand):
    help = (
        "Recompute the indicator facts (analytics) from the records. The services keep them "
        "current; run this after a bulk load or to repair them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=5000, help="persons per batch")

    def handle(self, *args, chunk, **options):
        counts = rebuild_facts(chunk=chunk, progress=lambda m: self.stdout.write(f"  {m}"))
        self.stdout.write(self.style.SUCCESS(f"rebuilt: {counts}"))
