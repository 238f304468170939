"""The tables of docs/performance.md, from the results in bench/results/*.json.

.venv/bin/python -m bench.report        (markdown on standard output)
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _load(name: str) -> list[dict]:
    found = [json.loads(p.read_text()) for p in RESULTS.glob(f"{name}-*.json")]
    return sorted(found, key=lambda r: r["persons"])


def _x(value) -> str:
    return "—" if value is None else f"{value:g}×"


def _ms(value) -> str:
    return "—" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _context(r: dict) -> str:
    m = r["machine"]
    start, end = r.get("load_at_start", {}), r.get("load_at_end", {})
    return (
        f"{r['persons']:,} persons · {r['date'][:16].replace('T', ' ')} UTC · {m['cores']} × "
        f"{m['cpu']}, {m['memory_gb']} GB · PostgreSQL {m['postgresql']} · commit {m['commit']}"
        f"{' (+ uncommitted work)' if m.get('work_tree_dirty') else ''} · load average "
        f"{start.get('load_1m', '?')} at start, {end.get('load_1m', '?')} at end"
    )


def dashboards() -> list[str]:
    out = []
    for r in _load("dashboards"):
        checks = r.get("reference_check", {})
        same = all(c.get("equal") for c in checks.values())
        out += [
            f"**Dashboards — {_context(r)}** · period {r['period']} · {r['repeat']} requests "
            f"each · SQL reference gives the same figures: {'yes' if same else 'NO'}",
            "",
            "| measured | p50 ms | p95 ms | reference p50 ms | ratio p50 | ratio p95 |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, t in r["timings"].items():
            if "ours" not in t:
                out.append(f"| {name} | answered {t.get('status')} | | | | |")
                continue
            ref = t["reference"] if isinstance(t["reference"], dict) else {}
            out.append(
                f"| {name} | {_ms(t['ours']['p50_ms'])} | {_ms(t['ours']['p95_ms'])} | "
                f"{_ms(ref.get('p50_ms'))} | {_x(t.get('ratio_p50'))} | {_x(t.get('ratio_p95'))} |"
            )
        out.append("")
    return out


def checkins() -> list[str]:
    out = []
    for r in _load("checkins"):
        s = r["server"]
        out += [
            f"**Check-ins — {_context(r)}** · gunicorn {s['gunicorn_workers']} {s['worker_class']} "
            f"workers · {s['load_generator']}",
            "",
            "| run | users | requests/s | p50 ms | p99 ms | failures | server CPU ms/request "
            "(Python + PostgreSQL) | est. requests/s on 2 free cores |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, run in r["runs"].items():
            if name == "verify":
                continue  # the background workers: a line of their own below
            cpu = run.get("cpu_per_request", {})
            out.append(
                f"| {name} | {run['users']} | {run['per_second']:g} | {_ms(run['p50_ms'])} | "
                f"{_ms(run['p99_ms'])} | {run['failures']} | "
                f"{cpu.get('gunicorn_ms_per_request', '—')} + "
                f"{cpu.get('postgres_ms_per_request', '—')} | "
                f"{run.get('estimated_per_second_on_2_free_cores', '—')} |"
            )
        ratios = r["ratios"]
        out += [
            "",
            f"Ratios: bare ÷ check-in throughput {_x(ratios['bare_per_checkin_throughput'])}, "
            f"check-in ÷ bare p99 {_x(ratios['checkin_per_bare_p99'])}; with a face photo: "
            f"{_x(ratios['bare_per_face_throughput'])} and {_x(ratios['face_per_bare_p99'])}. "
            "SQL statements per request: "
            + ", ".join(f"{k} {v['queries']}" for k, v in r.get("queries_per_request", {}).items())
            + ".",
            "",
        ]
        verify = r["runs"].get("verify")
        if verify:
            cpu = verify.get("cpu_ms_per_verification", {})
            out += [
                f"Face verification in the background: {verify['workers']} `db_worker` processes "
                f"verified {verify['verified']:,} of the face run's {verify['queued']:,} queued "
                f"check-ins in {verify['seconds']:g} s — **{verify['per_second']:g}/s**, "
                f"{cpu.get('workers', '—')} ms of worker CPU each (photo re-encoding, dlib, the "
                "alert or credit under the case lock); the rest of the queue was dropped.",
                "",
            ]
    return out


def imports() -> list[str]:
    out = []
    for r in _load("imports"):
        out += [
            f"**Import — {_context(r)}** · {r['rows']:,} rows of persons, "
            f"{r.get('measure_rows', r['rows']):,} rows with a measure; median of {r['repeat']}",
            "",
            "| measured | rows/s | Python CPU ms/row | SQL statements/row |",
            "| --- | ---: | ---: | ---: |",
        ]
        for name, run in r["runs"].items():
            out.append(
                f"| {name} | {run['rows_per_second']:g} | {run.get('python_cpu_ms_per_row', '')} "
                f"| {run.get('sql_statements_per_row', '')} |"
            )
        ratios = r["ratios"]
        out += [
            "",
            f"Ratios: bulk_create ÷ import {_x(ratios['bulk_create_per_import_persons'])}, "
            f"reading the file alone ÷ import {_x(ratios['read_per_import_persons'])}.",
            "",
        ]
    return out


def main() -> None:
    print("\n".join(dashboards() + checkins() + imports()))


if __name__ == "__main__":
    main()
