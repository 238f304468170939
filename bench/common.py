"""What every benchmark shares: the bench database, timing, the machine's facts, results.

The bench database is a PostgreSQL database of its own per scale (`jiedu_bench_<persons>` on the
server named by `BENCH_PG`, default the development server), filled once by
`manage.py generate_synthetic --persons N` and reused by later runs at the same scale.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_SERVER = "postgres://jiedu:jiedu@127.0.0.1:5432"
SEED = 2026
PROVINCE_CODE = "980000"  # generate_synthetic's default province

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def server_url() -> str:
    return os.environ.get("BENCH_PG", DEFAULT_SERVER).rstrip("/")


def db_name(persons: int) -> str:
    return f"jiedu_bench_{persons}"


def db_url(persons: int) -> str:
    return f"{server_url()}/{db_name(persons)}"


def bench_env(database_url: str) -> dict[str, str]:
    """The environment of a bench process (this one, gunicorn's, a manage.py command's)."""
    return {
        "JIEDU_ENV": "development",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        # Photos written by check-ins go to a directory of the bench's own, not var/media.
        "JIEDU_VAR_DIR": str(ROOT / "var" / "bench"),
        "JIEDU_LOG_LEVEL": "WARNING",
    }


def setup_django(database_url: str) -> None:
    os.environ.update(bench_env(database_url))
    import django

    django.setup()


def create_database(persons: int) -> bool:
    """Create the bench database for `persons` unless it exists. True when created now."""
    import psycopg

    with psycopg.connect(f"{server_url()}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db_name(persons)]
        ).fetchone()
        if exists:
            return False
        conn.execute(f'CREATE DATABASE "{db_name(persons)}"')
        return True


def ensure_population(persons: int, say=print) -> dict:
    """The bench database at this scale, migrated and generated (or reused). Call after
    `setup_django(db_url(persons))`. Returns what was done and how long it took."""
    from django.core.management import call_command

    from jiedu.analytics.models import PersonFact
    from jiedu.people.models import Person

    call_command("migrate", verbosity=0)
    found = Person.objects.count()
    info = {"database": db_name(persons), "generated_now": False, "generate_seconds": None}
    if found == persons:
        say(f"{db_name(persons)}: {found:,} persons already generated; reused")
    elif found == 0:
        say(f"{db_name(persons)}: generating {persons:,} persons (generate_synthetic) …")
        started = time.perf_counter()
        call_command("generate_synthetic", persons=persons, seed=SEED, province_code=PROVINCE_CODE)
        info.update(generated_now=True, generate_seconds=round(time.perf_counter() - started, 1))
        say(f"generated in {info['generate_seconds']:.0f} s")
    else:
        raise SystemExit(
            f"{db_name(persons)} holds {found:,} persons, not {persons:,}: drop it "
            f"(dropdb {db_name(persons)}) and run again"
        )
    if not PersonFact.objects.exists():
        from jiedu.analytics.services import rebuild_facts

        say("indicator facts empty: rebuilding them …")
        rebuild_facts()
    return info


# --- timing ------------------------------------------------------------------------------------


def sample(fn, repeat: int = 30, warmup: int = 2) -> list[float]:
    """Seconds taken by each of `repeat` calls of `fn`, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0–100), linear between the closest ranks."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(samples: list[float]) -> dict:
    """p50/p95/max in milliseconds."""
    return {
        "n": len(samples),
        "p50_ms": round(percentile(samples, 50) * 1000, 2),
        "p95_ms": round(percentile(samples, 95) * 1000, 2),
        "max_ms": round(max(samples) * 1000, 2),
        "mean_ms": round(statistics.fmean(samples) * 1000, 2),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


# --- the machine and the results ---------------------------------------------------------------


def load() -> dict:
    """The load average now (the machine is shared: other sessions run test suites)."""
    one, five, fifteen = os.getloadavg()
    return {"load_1m": round(one, 2), "load_5m": round(five, 2), "load_15m": round(fifteen, 2)}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine() -> dict:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg_version,
        "shared_buffers": shared_buffers,
        "commit": _git("rev-parse", "--short", "HEAD"),
        "work_tree_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def write_result(name: str, persons: int, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{persons}.json"
    body = {
        "benchmark": name,
        "persons": persons,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        **data,
    }
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2, default=str) + "\n")
    return path
