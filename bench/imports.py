"""Import rows per second, against references measured in the same run.

    .venv/bin/python -m bench.imports --persons 100000 [--rows 2000 --measure-rows 500]

Two generated xlsx files of new persons in the synthetic province of the bench database
(bench/common.py): `--rows` persons only, and `--measure-rows` where every row also records a
community measure (社区戒毒: the measure, its community case and schedule, through the services).
Each is
imported with `jiedu.imports.services.run_import(..., dry_run=True)`: every row is checked and
written through the services, then the transaction is rolled back, so the bench database keeps
its scale from run to run (the commit itself is the only work left out).

References, same rows, same run:
  read        openpyxl reading the file's cells (read-only mode), nothing else
  bulk        `Person.objects.bulk_create` of the same persons (number encrypted and indexed as
              the model does; no search text, change log, timeline or duplicate check), rolled
              back: the least a database write of these rows can cost through Django
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time
from contextlib import nullcontext
from datetime import date, timedelta

from bench import common

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文斌宇浩鹏辉"


class Rollback(Exception):
    pass


def make_rows(n: int, townships, today: date, with_measure: bool, seed: int) -> list[dict]:
    """`n` rows of new persons (ID numbers from the top of each day's sequence, which the
    generator, counting up from 1, never reaches) managed by the province's townships."""
    from jiedu.imports.columns import HEADERS  # noqa: F401  (the template's headers, below)
    from jiedu.utilities import resident_id

    rng = random.Random(seed)
    used: dict[tuple, int] = {}
    rows = []
    for i in range(n):
        town = townships[i % len(townships)]
        county = town.code[:6]
        male = rng.random() < 0.8
        birth = date(1970, 1, 1) + timedelta(days=rng.randint(0, 30 * 365))
        key = (county, birth, male)
        k = used.get(key, 0)
        used[key] = k + 1
        seq = (999 if male else 998) - 2 * k - 2 * (seed % 50)
        row = {
            "姓名": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=2)),
            "性别": "男" if male else "女",
            "出生日期": birth.isoformat(),
            "证件号码": resident_id.build(county, birth, seq),
            "管理单位代码": town.code,
            "毒品种类": rng.choice(["海洛因", "冰毒", "氯胺酮"]),
        }
        if with_measure:
            day = today - timedelta(days=rng.randint(1, 20))
            row.update(
                {
                    "措施种类": "社区戒毒",
                    "决定机关代码": f"{county}-GA",
                    "决定书文号": f"合成公社戒决字〔{day.year}〕{seed}{i:05d}号",
                    "决定日期": day.isoformat(),
                    "送达日期": day.isoformat(),
                    "执行单位代码": town.code,
                }
            )
        rows.append(row)
    return rows


def xlsx(rows: list[dict]) -> bytes:
    import openpyxl

    from jiedu.imports.columns import HEADERS

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append([row.get(h) for h in HEADERS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read_cells(content: bytes) -> int:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    n = sum(1 for _row in workbook.active.iter_rows(values_only=True))
    workbook.close()
    return n


def bulk_persons(rows: list[dict], units: dict) -> None:
    from django.db import transaction

    from jiedu.people.choices import Gender, IdType
    from jiedu.people.models import Person

    try:
        with transaction.atomic():
            persons = []
            for r in rows:
                p = Person(
                    name=r["姓名"],
                    gender=Gender.MALE if r["性别"] == "男" else Gender.FEMALE,
                    birth_date=date.fromisoformat(r["出生日期"]),
                    managing_unit=units[r["管理单位代码"]],
                )
                p.set_id_number(IdType.RESIDENT_ID, r["证件号码"])
                persons.append(p)
            Person.objects.bulk_create(persons, batch_size=1000)
            raise Rollback
    except Rollback:
        pass


class Counter:
    """A database execute wrapper that counts the statements sent."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def profile(fn) -> dict:
    """The project's functions that took most of one call (cProfile, cumulative share)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(fn)
    stats = pstats.Stats(profiler)
    total = max(v[3] for v in stats.stats.values())  # the outermost call's cumulative time
    ours = [
        (f"{func} ({file.split('/jiedu/', 1)[-1]}:{line})", cumulative)
        for (file, line, func), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items()
        if "/jiedu/" in file and "/.venv/" not in file
    ]
    ours.sort(key=lambda item: -item[1])
    return {name: round(cumulative / total, 3) for name, cumulative in ours[:15]}


def rate(rows: int, seconds: list[float]) -> dict:
    median = statistics.median(seconds)
    return {
        "seconds": [round(s, 2) for s in seconds],
        "median_seconds": round(median, 2),
        "rows_per_second": round(rows / median, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument(
        "--measure-rows", type=int, default=500, help="rows of the file with measures"
    )
    parser.add_argument("--repeat", type=int, default=1, help="imports of each file (median)")
    args = parser.parse_args()

    common.create_database(args.persons)
    common.setup_django(common.db_url(args.persons))
    population = common.ensure_population(args.persons)

    from django.db import connection

    from jiedu.accounts.models import User
    from jiedu.core import clock
    from jiedu.imports import services
    from jiedu.orgs.models import OrgUnit

    province = OrgUnit.objects.get(code=common.PROVINCE_CODE)
    townships = list(
        OrgUnit.objects.filter(path__startswith=province.path, kind="township").order_by("path")
    )
    units = {u.code: u for u in townships}
    admin = User.objects.filter(is_superuser=True, is_active=True).first()
    if admin is None:
        admin = User.objects.create_superuser("bench_admin", password=None)
    today = clock.today()
    result = {
        "machine": common.machine(),
        "population": population,
        "rows": args.rows,
        "measure_rows": args.measure_rows,
        "repeat": args.repeat,
        "load_at_start": common.load(),
        "how": "run_import(dry_run=True) in this process: every row checked and written through "
        "the services, then rolled back (the commit is left out so the database keeps its scale)",
    }
    files = {}
    sizes = {"persons": args.rows, "persons_with_measure": args.measure_rows}
    for name, with_measure in (("persons", False), ("persons_with_measure", True)):
        rows = make_rows(sizes[name], townships, today, with_measure, seed=7)
        files[name] = (rows, xlsx(rows))

    runs = {}
    for name, (rows, content) in files.items():
        seconds, cpu, report, statements = [], [], None, Counter()
        for i in range(args.repeat):
            # The first run also counts the statements sent (a wrapper costs next to nothing).
            wrapper = connection.execute_wrapper(statements) if i == 0 else nullcontext()
            with wrapper:
                started, cpu0 = time.perf_counter(), time.process_time()
                report = services.run_import(content, f"{name}.xlsx", actor=admin, dry_run=True)
                seconds.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu0)
        errors = [f"{e.row}:{e.column}:{e.message}" for e in report.errors[:5]]
        runs[name] = {
            "status": report.status,
            "persons_created": report.persons_created,
            "measures_created": report.measures_created,
            "errors": errors,
            "xlsx_bytes": len(content),
            **rate(len(rows), seconds),
            # Load-independent measures: this process's CPU and the statements sent per row.
            "python_cpu_ms_per_row": round(statistics.median(cpu) * 1000 / len(rows), 2),
            "sql_statements_per_row": round(statements.n / len(rows), 1),
        }
        print(
            f"  run_import {name:<22} {runs[name]['rows_per_second']:8.1f} rows/s  "
            f"status {report.status}  {errors[:2]}",
            flush=True,
        )
    rows, content = files["persons"]
    runs["persons"]["profile"] = profile(
        lambda: services.run_import(content, "persons.xlsx", actor=admin, dry_run=True)
    )
    read = [common.sample(lambda content=content: read_cells(content), 1, 0)[0] for _ in range(3)]
    bulk = [common.sample(lambda: bulk_persons(rows, units), 1, 0)[0] for _ in range(3)]
    runs["reference_read"] = rate(len(rows), read)
    runs["reference_bulk_create"] = rate(len(rows), bulk)
    print(f"  read (openpyxl)  {runs['reference_read']['rows_per_second']:8.1f} rows/s")
    print(f"  bulk_create      {runs['reference_bulk_create']['rows_per_second']:8.1f} rows/s")
    result["runs"] = runs
    result["ratios"] = {
        "bulk_create_per_import_persons": common.ratio(
            runs["reference_bulk_create"]["rows_per_second"], runs["persons"]["rows_per_second"]
        ),
        "read_per_import_persons": common.ratio(
            runs["reference_read"]["rows_per_second"], runs["persons"]["rows_per_second"]
        ),
    }
    result["load_at_end"] = common.load()
    path = common.write_result("imports", args.persons, result)
    print(f"ratios: {result['ratios']}")
    print(f"written {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
