"""Performance ratios for the registry, each against a reference measured in the same run.

    make bench            (or: JIEDU_ENV=development .venv/bin/python bench/run.py --persons 3000)

Ratios, not seconds: the machines are shared and noisy, so a number only means something next to
a reference taken on the same machine a moment earlier. Each line reports
`scoped operation / reference` — e.g. a county worker's scoped pinyin search against the same
search with no scope at all. A ratio that grows from one run to the next is the signal.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn, repeat: int = 30) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=2000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="jiedu-bench-")
    os.environ.setdefault("JIEDU_ENV", "development")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", persons=args.persons, stdout=quiet)

    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    from jiedu.accounts.models import User
    from jiedu.people.models import Person
    from jiedu.people.querysets import search

    worker = User.objects.get(username="demo_worker")
    supervisor = User.objects.get(username="demo_supervisor")
    superuser = User.objects.filter(is_superuser=True).first()

    def scoped(user, q):
        user._jiedu_grants = None  # a new request: grants are loaded again
        return lambda: list(search(Person.objects.restrict(user, "view").active(), q)[:50])

    def unscoped(q):
        return lambda: list(search(Person.objects.active(), q)[:50])

    rows = []
    for label, q in [("pinyin initials", "zs"), ("name", "王"), ("list all", "")]:
        ref = timed(unscoped(q))
        rows.append((f"worker search ({label}) / unscoped", timed(scoped(worker, q)) / ref))
        rows.append((f"supervisor search ({label}) / unscoped", timed(scoped(supervisor, q)) / ref))

    client = Client()
    client.force_login(superuser)
    ref_page = timed(lambda: client.get("/"), repeat=15)
    client.force_login(worker)
    rows.append(
        ("person list page / home page", timed(lambda: client.get("/people/?q=zs"), 15) / ref_page)
    )

    print(f"Jiedu bench — {Person.objects.count()} persons, {django.db.connection.vendor}")
    for name, ratio in rows:
        print(f"  {name:<48} {ratio:6.2f}×")


if __name__ == "__main__":
    main()
