"""Check-in API throughput and p99 latency under load, against a bare endpoint on the same stack.

    .venv/bin/python -m bench.checkins --persons 10000 [--users 16 --workers 4 --seconds 40]

The server is gunicorn (sync workers) serving `bench.settings` on the bench database of that scale
(bench/common.py); the load comes from a second process, locust (headless, one process, no wait
between requests; bench/locustfile.py). Three runs, each after a short warm-up:

  bare     POST /bench/bare/ — the same multipart request; Django parses it and inserts one row
           (bench/bareapp). The reference: what this stack does at best per request.
  checkin  POST /api/v1/checkins from signed-in portal sessions of persons on an open community
           case with NO enrolled face, a tiny JPEG: everything the API does (session, CSRF,
           case lookup and lock, photo re-encoding and file write, the check-in row, the review
           alert) except the face comparison, which is skipped when no face is enrolled.
  face     the same with an enrolled face and a real face photo (512 px). Since the face is
           compared by a background task (jiedu.checkins.tasks.verify_checkin), the request
           stores the check-in `pending` with its task; then
  verify   `manage.py db_worker` processes (--verify-workers, on the same machine) work the
           queued face check-ins for --verify-seconds: verifications per second and CPU per
           verification (photo re-encoding, dlib, the alert or credit under the case lock).
           What is left of the queue afterwards is deleted (those check-ins stay pending).

CPU seconds of the server's workers, of PostgreSQL's backends on the bench database and of locust
are read during each run (psutil), and py-spy (when installed) samples the workers during a
separate run of the check-in load, so that what limits throughput is measured, not guessed.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import common

VENV_BIN = Path(sys.executable).parent
PASSWORD = "Bench-portal-2026"
FIRST_PASSWORD = "Bench-first-2026"


# --- accounts ----------------------------------------------------------------------------------


def _state_file(persons: int) -> Path:
    return common.ROOT / "var" / "bench" / f"{common.db_name(persons)}-portal.json"


def _face_photo() -> bytes:
    """A real face (skimage's public-domain astronaut photo, 512 px) as a phone's JPEG."""
    from PIL import Image
    from skimage import data

    out = io.BytesIO()
    Image.fromarray(data.astronaut()).save(out, format="JPEG", quality=85)
    return out.getvalue()


def _tiny_photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 64), (180, 150, 120)).save(out, format="JPEG", quality=85)
    return out.getvalue()


def _usable(entries: list[dict]) -> bool:
    from jiedu.checkins import services
    from jiedu.checkins.models import PortalAccount

    accounts = {
        a.phone: a
        for a in PortalAccount.objects.select_related("person").filter(
            phone__in=[e["phone"] for e in entries]
        )
    }
    for e in entries:
        account = accounts.get(e["phone"])
        if account is None or account.must_change_password or not account.is_active:
            return False
        if services.current_case(account.person) is None:
            return False
        if (services.current_face(account) is not None) != e["face"]:
            return False
    return True


def prepare_accounts(persons: int, plain: int, face: int, say) -> list[dict]:
    """Portal accounts (phone, password, enrolled face or not) of persons on an open community
    case, made through the services: `plain` without an enrolled face, `face` with one. Kept in
    var/bench/ and reused while they still fit."""
    path = _state_file(persons)
    if path.exists():
        entries = json.loads(path.read_text())
        if (
            sum(not e["face"] for e in entries) >= plain
            and sum(e["face"] for e in entries) >= face
            and _usable(entries)
        ):
            say(f"portal accounts: {len(entries)} reused ({path.name})")
            return entries

    from jiedu.accounts.models import User
    from jiedu.checkins import services
    from jiedu.checkins.models import PortalAccount
    from jiedu.community.choices import CaseState
    from jiedu.community.models import CommunityCase
    from jiedu.core import clock
    from jiedu.measures.choices import ACTIVE_STATUSES

    admin = User.objects.filter(is_superuser=True, is_active=True).first()
    if admin is None:
        admin = User.objects.create_superuser("bench_admin", password=None)
    today = clock.today()
    cases = (
        CommunityCase.objects.filter(
            measure__status__in=ACTIVE_STATUSES, measure__served_on__lte=today
        )
        .exclude(state=CaseState.CLOSED)
        .select_related("person")
        .order_by("pk")
    )
    photo = _face_photo()
    entries: list[dict] = []
    seen: set[int] = set()
    started = time.perf_counter()
    for case in cases.iterator():
        if len(entries) >= plain + face:
            break
        if case.person_id in seen or services.current_case(case.person) != case:
            continue
        seen.add(case.person_id)
        want_face = len(entries) >= plain
        account = PortalAccount.objects.filter(person=case.person).first()
        if account is None:
            phone = f"139{case.pk:08d}"
            account = services.open_account(
                case.person, phone=phone, password=FIRST_PASSWORD, actor=admin
            )
        else:
            if services.current_face(account) is not None and not want_face:
                continue
            account = services.reset_password(account, password=FIRST_PASSWORD, actor=admin)
        account = services.change_password(account, old=FIRST_PASSWORD, new=PASSWORD)
        if want_face and services.current_face(account) is None:
            services.enrol_face(account, photo_bytes=photo, on=today, actor=admin)
        entries.append({"phone": account.phone, "password": PASSWORD, "face": want_face})
    if len(entries) < plain + face:
        raise SystemExit(f"only {len(entries)} open community cases found; need {plain + face}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries, indent=1))
    say(f"portal accounts: {len(entries)} prepared in {time.perf_counter() - started:.0f} s")
    return entries


# --- the server --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with `workers` sync workers on bench.settings, persistent DB connections. With
    `profile_to`, gunicorn runs under py-spy (spawned: attaching to a running process is refused
    on this machine), which samples every worker until the server stops."""

    def __init__(self, database_url: str, workers: int, conn_max_age: int, profile_to=None):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            **common.bench_env(database_url),
            "DATABASE_CONN_MAX_AGE": str(conn_max_age),
        }
        command = [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi:application",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--backlog",
            "2048",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "--config",
            "python:bench.gunicorn_conf",
        ]
        if profile_to is not None:
            command = [
                py_spy(),
                "record",
                "--subprocesses",
                "--rate",
                "50",
                "--format",
                "raw",
                "--output",
                str(profile_to),
                "--nonblocking",
                "--",
                *command,
            ]
        self.proc = subprocess.Popen(
            command, cwd=common.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.master = self._master(profiled=profile_to is not None)
        self._wait()

    def _master(self, profiled: bool):
        import psutil

        if not profiled:
            return psutil.Process(self.proc.pid)
        for _ in range(100):
            children = psutil.Process(self.proc.pid).children()
            if children:
                return children[0]
            time.sleep(0.1)
        raise SystemExit("py-spy did not start gunicorn")

    def _wait(self) -> None:
        import requests

        for _ in range(120):
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited at start: {self.proc.stderr.read()[-1000:]}")
            try:
                if requests.get(f"{self.base}/portal/login/", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise SystemExit("gunicorn did not answer within 60 s")

    def worker_pids(self) -> list[int]:
        return [c.pid for c in self.master.children()]

    def stop(self) -> None:
        self.master.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def py_spy() -> str | None:
    found = shutil.which("py-spy") or str(VENV_BIN / "py-spy")
    return found if Path(found).exists() else None


def sign_in(base: str, entries: list[dict]) -> list[dict]:
    """A portal session per account, signed in through /portal/login/ as the phone does."""
    import requests

    sessions = []
    for e in entries:
        s = requests.Session()
        s.get(f"{base}/portal/login/", timeout=30)
        r = s.post(
            f"{base}/portal/login/",
            data={
                "phone": e["phone"],
                "password": e["password"],
                "csrfmiddlewaretoken": s.cookies["csrftoken"],
            },
            allow_redirects=False,
            timeout=30,
        )
        if r.status_code != 302 or "sessionid" not in s.cookies:
            raise SystemExit(
                f"portal sign-in failed for {e['phone']} ({r.status_code}); delete "
                f"var/bench/*-portal.json and run again"
            )
        sessions.append({"sessionid": s.cookies["sessionid"], "csrftoken": s.cookies["csrftoken"]})
    return sessions


# --- load and measurement ----------------------------------------------------------------------


class CpuMeter:
    """CPU seconds used between start() and stop() by groups of processes, each group found
    by a function (PostgreSQL backends come and go: a process new at stop() counts whole)."""

    def __init__(self, groups: dict):
        self.groups = groups

    def _read(self) -> dict:
        """CPU seconds per (group, pid), and the whole machine's busy seconds."""
        import psutil

        out = {}
        for name, find in self.groups.items():
            for pid in find():
                with contextlib.suppress(psutil.Error):  # gone in between: left out
                    t = psutil.Process(pid).cpu_times()
                    out[name, pid] = t.user + t.system
        cpu = psutil.cpu_times()
        out["machine_busy", 0] = (
            cpu.user + cpu.system + cpu.nice + getattr(cpu, "irq", 0) + getattr(cpu, "softirq", 0)
        )
        return out

    def start(self):
        self.t0, self.before = time.perf_counter(), self._read()

    def stop(self) -> tuple[dict, float]:
        """(CPU seconds per group, wall seconds)."""
        after, wall = self._read(), time.perf_counter() - self.t0
        seconds = {name: 0.0 for name in [*self.groups, "machine_busy"]}
        for key, value in after.items():
            seconds[key[0]] += value - self.before.get(key, 0.0)
        return seconds, wall


def _cpu_seconds(pid: int) -> float:
    import psutil

    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def db_backends(database: str) -> list[int]:
    import psutil

    pids = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if cmd.startswith("postgres:") and f" {database} " in f"{cmd} ":
            pids.append(p.pid)
    return pids


def run_locust(base, user_class, users, seconds, sessions_file, photo_file, photo_type, tmp):
    """Run locust headless; return the aggregated stats row and locust's pid's CPU."""
    prefix = Path(tmp) / f"{user_class}-{time.monotonic_ns()}"
    env = {
        **os.environ,
        "BENCH_SESSIONS": str(sessions_file),
        "BENCH_PHOTO": str(photo_file),
        "BENCH_PHOTO_TYPE": photo_type,
    }
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "locust"),
            "-f",
            str(common.ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "10",
            "--loglevel",
            "WARNING",
            user_class,
        ],
        cwd=common.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(f"{prefix}.log", "w"),  # noqa: SIM115  (closed with the process)
    )
    return proc, prefix


def _number(text: str) -> float | None:
    try:
        return round(float(text), 1)
    except ValueError:
        return None  # "N/A": no request finished


def read_stats(prefix: Path) -> dict:
    with open(f"{prefix}_stats.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    agg = next(r for r in rows if r["Name"] == "Aggregated")
    failures = []
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv", newline="") as f:
            failures = [
                {"error": r["Error"][:200], "occurrences": int(r["Occurrences"])}
                for r in csv.DictReader(f)
            ]
    return {
        "requests": int(agg["Request Count"]),
        "failures": int(agg["Failure Count"]),
        "per_second": round(float(agg["Requests/s"]), 2),
        "p50_ms": _number(agg["50%"]),
        "p95_ms": _number(agg["95%"]),
        "p99_ms": _number(agg["99%"]),
        "max_ms": _number(agg["Max Response Time"]),
        "failure_samples": failures[:5],
    }


def measure(server, user_class, users, duration, sessions_file, photo, photo_type, tmp, database):
    """A warm-up, then the measured run with CPU accounting."""
    photo_file = Path(tmp) / f"photo-{user_class}.bin"
    photo_file.write_bytes(photo)
    warm, _prefix = run_locust(
        server.base, user_class, users, 5, sessions_file, photo_file, photo_type, tmp
    )
    warm.wait()
    proc, prefix = run_locust(
        server.base, user_class, users, duration, sessions_file, photo_file, photo_type, tmp
    )
    time.sleep(2)  # locust started and connected: the backends exist (persistent connections)
    meter = CpuMeter({"gunicorn": server.worker_pids, "postgres": lambda: db_backends(database)})
    meter.start()
    locust_before = _cpu_seconds(proc.pid)
    load_before = common.load()
    # wait4: the load generator's own CPU time (it shares the machine with the server).
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds, wall = meter.stop()
    seconds["locust"] = usage.ru_utime + usage.ru_stime - locust_before
    if proc.returncode not in (0, 1):  # 1: some requests failed (reported below)
        log = Path(f"{prefix}.log").read_text()[-2000:]
        raise SystemExit(f"locust failed ({proc.returncode}): {log}")
    stats = read_stats(prefix)
    # Requests finished while the meter ran (locust's count covers its whole run, about the same).
    done = max(stats["requests"], 1)
    cpu = {f"{name}_cores": round(value / wall, 2) for name, value in seconds.items()}
    cpu_ms = {
        f"{name}_ms_per_request": round(seconds[name] * 1000 / done, 2)
        for name in ("gunicorn", "postgres", "locust")
    }
    server_ms = cpu_ms["gunicorn_ms_per_request"] + cpu_ms["postgres_ms_per_request"]
    return {
        "users": users,
        "seconds": duration,
        **stats,
        "cpu": cpu,
        "cpu_per_request": cpu_ms,
        # What two cores could serve if the server and its database had them to themselves:
        # an estimate from CPU time, not a measurement (the load generator shares the machine).
        "estimated_per_second_on_2_free_cores": round(2000 / server_ms, 1) if server_ms else None,
        "load": load_before,
    }


def profile(database_url, workers, conn_max_age, users, seconds, sessions_file, photo, tmp):
    """py-spy samples of the workers of a server of their own under the check-in load: shares
    of the samples by what the request was doing (inclusive), and the project functions that
    took most. A separate run: sampling slows the workers, so it is not a measured run."""
    if py_spy() is None:
        return None
    out = Path(tmp) / f"pyspy-{time.monotonic_ns()}.txt"
    server = Server(database_url, workers, conn_max_age, profile_to=out)
    try:
        photo_file = Path(tmp) / "photo-profile.bin"
        photo_file.write_bytes(photo)
        proc, _prefix = run_locust(
            server.base, "CheckInUser", users, seconds, sessions_file, photo_file, "image/jpeg", tmp
        )
        proc.wait()
    finally:
        server.stop()
    if not out.exists():
        return {"error": server.proc.stderr.read()[-500:].decode(errors="replace")}
    return summarize_stacks(out.read_text())


_CATEGORIES = [
    ("face comparison (dlib)", ("descriptor (jiedu/checkins/face.py",)),
    ("photo re-encoding (Pillow)", ("normalize_photo",)),
    ("photo file write (storage)", ("storage.py",)),
    ("in psycopg (queries sent, awaited, read)", ("psycopg/cursor.py", "psycopg/connection.py")),
    ("session load/save", ("sessions/backends",)),
    ("password hashing", ("hashers.py",)),
    ("multipart parsing", ("multipartparser.py",)),
    ("template rendering", ("template/base.py",)),
]


_NOT_SERVING = ("_find_and_load", "_load (jiedu/checkins/face.py")


def summarize_stacks(text: str) -> dict:
    total = 0
    categories = collections.Counter()
    functions = collections.Counter()
    for line in text.splitlines():
        stack, _sep, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        if any(s in stack for s in _NOT_SERVING) or "handle_request" not in stack:
            continue  # start-up imports, the face models' one-time load, the arbiter
        total += n
        frames = stack.split(";")
        for name, needles in _CATEGORIES:
            if any(needle in stack for needle in needles):
                categories[name] += n
        seen = set()
        for frame in frames:
            if "jiedu/" in frame or "bench/" in frame:
                func = frame.split(" (")[0] + " (" + frame.split(" (")[-1].split(":")[0] + ")"
                if func not in seen:
                    seen.add(func)
                    functions[func] += n
    if not total:
        return {"samples": 0}
    return {
        "samples": total,
        "share_by_activity": {k: round(v / total, 3) for k, v in categories.most_common()},
        "top_project_functions": {k: round(v / total, 3) for k, v in functions.most_common(12)},
    }


def count_queries(entry: dict, photo: bytes) -> dict:
    """SQL statements of one check-in and of one bare request, through Django's test client in
    this process (signed in like the phone; the same multipart form)."""
    import uuid as uuidlib

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    client = Client()
    client.post("/portal/login/", {"phone": entry["phone"], "password": entry["password"]})
    out = {}
    for name, url in (("checkin", "/api/v1/checkins"), ("bare", "/bench/bare/")):
        form = {
            "client_id": str(uuidlib.uuid4()),
            "taken_at": timezone.now().isoformat(timespec="seconds"),
            "latitude": "30.5",
            "longitude": "114.3",
            "accuracy_m": "12",
            "photo": SimpleUploadedFile("checkin.jpg", photo, content_type="image/jpeg"),
        }
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, form)
        out[name] = {
            "status": response.status_code,
            "queries": len(queries.captured_queries),
            "statements": [q["sql"][:90] for q in queries.captured_queries],
        }
    return out


def measure_verification(database_url, workers, seconds, since, database) -> dict:
    """Background workers on the face check-ins queued since `since`: how many are verified a
    second, and the CPU each takes. Older queued tasks (the plain run's) are dropped first so
    that only face comparisons are timed."""
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from jiedu.checkins.tasks import verify_checkin

    ready = DBTaskResult.objects.ready().filter(task_path=verify_checkin.module_path)
    ready.filter(enqueued_at__lt=since).delete()
    queued = ready.count()
    # Persistent connections, as the web workers have: a worker that reconnects every turn
    # would also hide its backends' CPU from the meter (they come and go between readings).
    env = {**os.environ, **common.bench_env(database_url), "DATABASE_CONN_MAX_AGE": "600"}
    procs = [
        subprocess.Popen(
            [
                str(VENV_BIN / "python"),
                "manage.py",
                "db_worker",
                "--no-startup-delay",
                "--no-reload",
                "--interval",
                "0.1",
                "--verbosity",
                "0",
            ],
            cwd=common.ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(workers)
    ]
    try:
        time.sleep(5)  # the workers start and load the face models before the window opens
        meter = CpuMeter(
            {"workers": lambda: [p.pid for p in procs], "postgres": lambda: db_backends(database)}
        )
        left_before = ready.count()
        meter.start()
        time.sleep(seconds)
        left_after = ready.count()
        cpu, wall = meter.stop()
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    done = max(left_before - left_after, 0)
    statuses = dict(
        DBTaskResult.objects.filter(task_path=verify_checkin.module_path, enqueued_at__gte=since)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    dropped = ready.delete()[0]
    return {
        "workers": workers,
        "seconds": round(wall, 1),
        "queued": queued,
        "verified": done,
        "per_second": round(done / wall, 2) if wall else None,
        "cpu": {f"{k}_cores": round(v / wall, 2) for k, v in cpu.items()},
        "cpu_ms_per_verification": {
            k: round(cpu[k] * 1000 / done, 1) for k in ("workers", "postgres") if done
        },
        "task_statuses": statuses,
        "left_pending_and_dropped": dropped,
        "load": common.load(),
    }


def created_rows(since) -> dict:
    from django.db.models import Count

    from bench.bareapp.models import BarePing
    from jiedu.checkins.models import CheckIn

    return {
        "checkins_by_face_status": dict(
            CheckIn.objects.filter(received_at__gte=since)
            .values_list("face_status")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "bare_rows": BarePing.objects.filter(received_at__gte=since).count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000, help="the bench database's scale")
    parser.add_argument("--users", type=int, default=16, help="concurrent simulated phones")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--seconds", type=int, default=40, help="each measured run")
    parser.add_argument("--face-users", type=int, default=8)
    parser.add_argument("--face-seconds", type=int, default=30)
    parser.add_argument("--conn-max-age", type=int, default=600, help="DATABASE_CONN_MAX_AGE")
    parser.add_argument("--verify-workers", type=int, default=2, help="db_worker processes")
    parser.add_argument("--verify-seconds", type=int, default=40)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()

    common.create_database(args.persons)
    common.setup_django(common.db_url(args.persons))
    population = common.ensure_population(args.persons)
    from django.utils import timezone

    entries = prepare_accounts(args.persons, args.users, args.face_users, print)
    started_at = timezone.now()
    queries = count_queries(next(e for e in entries if not e["face"]), _tiny_photo())
    print(f"SQL statements per request: { {k: v['queries'] for k, v in queries.items()} }")
    result = {
        "machine": common.machine(),
        "population": population,
        "load_at_start": common.load(),
        "server": {
            "gunicorn_workers": args.workers,
            "worker_class": "sync",
            "conn_max_age": args.conn_max_age,
            "load_generator": "locust (FastHttpUser, 1 process, no wait) on the same machine",
        },
    }
    database = common.db_name(args.persons)
    server = Server(common.db_url(args.persons), args.workers, args.conn_max_age)
    try:
        with tempfile.TemporaryDirectory(prefix="jiedu-bench-") as tmp:
            plain = [e for e in entries if not e["face"]][: args.users]
            faced = [e for e in entries if e["face"]][: args.face_users]
            print(f"gunicorn on {server.base}; signing in {len(plain) + len(faced)} phones …")
            plain_sessions, face_sessions = sign_in(server.base, plain), sign_in(server.base, faced)
            plain_file = Path(tmp) / "plain.json"
            plain_file.write_text(json.dumps(plain_sessions))
            face_file = Path(tmp) / "face.json"
            face_file.write_text(json.dumps(face_sessions))
            tiny, real = _tiny_photo(), _face_photo()
            runs, face_seconds = {}, args.face_seconds
            face_since = None
            for name, user_class, users, seconds, sessions, photo in [
                ("bare", "BareUser", args.users, args.seconds, plain_file, tiny),
                ("checkin", "CheckInUser", args.users, args.seconds, plain_file, tiny),
                ("bare_face_photo", "BareUser", args.face_users, face_seconds, face_file, real),
                ("face", "CheckInUser", args.face_users, face_seconds, face_file, real),
            ]:
                print(f"  {name}: {users} users × {seconds} s …", flush=True)
                if name == "face":
                    face_since = timezone.now()
                runs[name] = measure(
                    server, user_class, users, seconds, sessions, photo, "image/jpeg", tmp, database
                )
                runs[name]["photo_bytes"] = len(photo)
                r = runs[name]
                print(
                    f"    {r['per_second']:8.1f}/s  p50 {r['p50_ms']} ms  p99 "
                    f"{r['p99_ms']} ms  failures {r['failures']}  cpu {r['cpu']}"
                )
    finally:
        server.stop()
    print(f"  verify: {args.verify_workers} db_worker × {args.verify_seconds} s …", flush=True)
    runs["verify"] = measure_verification(
        common.db_url(args.persons), args.verify_workers, args.verify_seconds, face_since, database
    )
    print(f"    {runs['verify']}")
    if not args.no_profile:
        with tempfile.TemporaryDirectory(prefix="jiedu-bench-") as tmp:
            print("  profiling the check-in workers (py-spy) …", flush=True)
            for key, users, sessions, photo in [
                ("profile_checkin", args.users, plain_sessions, tiny),
                ("profile_face", args.face_users, face_sessions, real),
            ]:
                sessions_file = Path(tmp) / f"{key}.json"
                sessions_file.write_text(json.dumps(sessions))
                result[key] = profile(
                    common.db_url(args.persons),
                    args.workers,
                    args.conn_max_age,
                    users,
                    20,
                    sessions_file,
                    photo,
                    tmp,
                )
                print(f"    {key}: {result[key]}")
    result["runs"] = runs
    result["queries_per_request"] = queries
    result["rows_written"] = created_rows(started_at)
    result["ratios"] = {
        "bare_per_checkin_throughput": common.ratio(
            runs["bare"]["per_second"], runs["checkin"]["per_second"]
        ),
        "checkin_per_bare_p99": common.ratio(runs["checkin"]["p99_ms"], runs["bare"]["p99_ms"]),
        "bare_per_face_throughput": common.ratio(
            runs["bare_face_photo"]["per_second"], runs["face"]["per_second"]
        ),
        "face_per_bare_p99": common.ratio(
            runs["face"]["p99_ms"], runs["bare_face_photo"]["p99_ms"]
        ),
    }
    result["load_at_end"] = common.load()
    path = common.write_result("checkins", args.persons, result)
    print(f"ratios: {result['ratios']}")
    print(f"written {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
