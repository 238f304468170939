"""`python manage.py generate_synthetic --persons N`: a synthetic province for scale tests."""

import resource

from django.core.management.base import BaseCommand, CommandError

from jiedu.demo import synthetic
from jiedu.demo.synthetic.tree import TreeError


class Command(BaseCommand):
    help = (
        "Generate a synthetic province (codes 9x…, invented names and valid synthetic ID numbers) "
        "with N persons and their histories from --start-year to today: measures of all four "
        "kinds, stays, zones, evaluations, community cases with due items, tests, talks and "
        "check-ins, follow-up plans and visits. Rows are written in bulk (COPY on PostgreSQL): "
        "NO change-log rows and no signals; the records themselves are what the services store. "
        "Deterministic for a seed; a province that already holds persons is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, required=True, help="persons to generate")
        parser.add_argument("--seed", type=int, default=synthetic.DEFAULT_SEED)
        parser.add_argument(
            "--province-code", default="980000", help="9x0000, never 990000 (the demo's)"
        )
        parser.add_argument("--start-year", type=int, default=2019)
        parser.add_argument(
            "--chunk",
            type=int,
            default=synthetic.DEFAULT_CHUNK,
            help="persons generated and written per transaction (bounds memory)",
        )
        parser.add_argument(
            "--checkin-days",
            type=int,
            default=synthetic.DEFAULT_CHECKIN_DAYS,
            help="days of daily portal check-ins before today (0: none)",
        )
        parser.add_argument(
            "--no-facts", action="store_true", help="do not rebuild the indicator tables"
        )

    def handle(self, *args, persons, seed, province_code, start_year, chunk, **options):
        if persons < 1 or chunk < 1:
            raise CommandError("--persons and --chunk must be at least 1")
        try:
            result = synthetic.generate(
                persons=persons,
                seed=seed,
                province_code=province_code,
                start_year=start_year,
                chunk=chunk,
                checkin_days=options["checkin_days"],
                progress=self.stdout.write,
                rebuild=not options["no_facts"],
            )
        except (TreeError, ValueError, synthetic.AlreadyGenerated) as exc:
            raise CommandError(str(exc)) from exc
        total = sum(result.rows.values())
        self.stdout.write("")
        self.stdout.write(f"{'table':<32}{'rows':>12}{'write s':>10}{'rows/s':>12}")
        for name, n in sorted(result.rows.items(), key=lambda kv: -kv[1]):
            seconds = result.write_seconds.get(name, 0.0)
            rate = n / seconds if seconds else 0
            self.stdout.write(f"{name:<32}{n:>12,}{seconds:>10.1f}{rate:>12,.0f}")
        usage = resource.getrusage(resource.RUSAGE_SELF)
        peak = usage.ru_maxrss / 1024
        self.stdout.write(f"本进程 CPU 时间 {usage.ru_utime + usage.ru_stime:.0f} s")
        self.stdout.write(
            f"{result.persons:,} 人，{total:,} 行，{result.units} 个机构；用时 "
            f"{result.seconds:.0f} s（{total / result.seconds:,.0f} 行/s），峰值内存 {peak:.0f} MB"
        )
        for note in result.notes:
            self.stdout.write(note)
