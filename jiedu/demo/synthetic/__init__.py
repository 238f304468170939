"""The synthetic population generator behind `manage.py generate_synthetic` (issue 6, item 5).

A province tree (`tree`) and, person by person, a history drawn from the person's own seeded
generator (`life`): registration, measures of all four kinds, stays with zones and evaluations,
community cases with their due items, tests, talks and check-ins, follow-up plans and visits.
`people`, `measures`, `facilities`, `community` and `aftercare` turn a history into rows; `writer`
writes a chunk of persons at a time (PostgreSQL `COPY`, `bulk_create` elsewhere), so memory stays
bounded by the chunk size.

Bulk rows bypass `Model.save()`: **no change-log rows and no signals** (the generated records are
not anyone's work), but the records are what the services store: the clocks come from
`measures.clocks` with the province's rules, statuses agree with the dates and `clock.today()`,
community due items replay `schedule_case`, `Person.measure_unit` is `_sync_person_unit`'s, ID
numbers are encrypted with their blind index, and `search_text` is filled. A few timeline events
are written (file created, each decision, each change of place).

Deterministic for a seed: person *i* draws from `random.Random(seed, i)`, so the same seed gives
the same population whatever the chunk size (ciphertexts differ: Fernet uses a fresh IV).
"""

from __future__ import annotations

import queue
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction

from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.models import RuleValue
from jiedu.measures.choices import COMMUNITY_KINDS
from jiedu.orgs.models import OrgUnit
from jiedu.people.models import DrugType, Person

from . import aftercare, community, facilities, measures, people
from .life import World, simulate
from .tree import Tree, build_tree
from .writer import Writer

DEFAULT_SEED = 2026
DEFAULT_CHUNK = 10_000
DEFAULT_CHECKIN_DAYS = 60

# Write order: parents before children (PostgreSQL checks the deferred keys at commit anyway).
TABLES = [
    people.PERSON, people.ALIAS, people.PHONE, people.DRUG_USE, people.FAMILY, people.HEALTH,
    measures.MEASURE, measures.PAUSE, measures.BLOCKER, measures.NOTICE,
    facilities.ADMISSION, facilities.ZONE_CHANGE, facilities.HANDBOOK, facilities.EVALUATION,
    facilities.PROPOSAL,
    community.CASE, community.TEAM, community.AGREEMENT, community.TRANSFER, community.DRAW,
    community.ITEM, community.TEST, community.CONTACT, community.REFERRAL, community.ACCOUNT,
    community.CHECKIN,
    aftercare.PLAN, aftercare.VISIT, aftercare.HELP,
    people.EVENT,
]  # fmt: skip


class AlreadyGenerated(Exception):
    """The province already holds generated persons: a second run would duplicate them."""


class Ids:
    """Fresh ids per model, reserved from the writer."""

    def __init__(self, writer: Writer):
        self.writer = writer

    def next(self, model) -> int:
        return self.writer.reserve(model, 1)

    def block(self, model, n: int) -> int:
        """The first of `n` consecutive ids."""
        return self.writer.reserve(model, n)


@dataclass
class Context:
    tree: Tree
    today: date
    rules: measures.Rules
    plans: dict
    ids: Ids
    drug_types: dict[str, int]
    unit_names: dict[int, str]
    test_rules: tuple[int, int]
    checkin_days: int
    namespace: uuid.UUID  # person uuids: uuid5 of the index, unique per province and seed
    id_numbers: people.IdNumbers = field(default_factory=people.IdNumbers)
    rows: dict = field(default_factory=lambda: defaultdict(list))
    portal_persons: set = field(default_factory=set)

    @staticmethod
    def days(rng: random.Random, low: int, high: int) -> timedelta:
        return timedelta(days=rng.randint(low, high))

    def tree_unit_name(self, unit_id: int) -> str:
        return self.unit_names.get(unit_id, "")


@dataclass
class Result:
    persons: int
    units: int
    seconds: float
    rows: dict[str, int]
    write_seconds: dict[str, float]
    notes: list[str]


def person_rng(seed: int, index: int) -> random.Random:
    return random.Random(seed * 1_000_003 + index)


def emit_person(ctx: Context, index: int, world: World, seed: int) -> None:
    """Every row of synthetic person `index` into `ctx.rows`."""
    rng = person_rng(seed, index)
    life = simulate(index, rng, world)
    pid = people.emit_person(ctx, life, rng, measures.current_unit(life))
    measures.emit_measures(ctx, life, pid, rng)
    ctx.portal_persons.clear()
    for m in life.measures:
        if m.stays:
            facilities.emit_stays(ctx, life, pid, m, rng)
        if m.kind in COMMUNITY_KINDS:
            community.emit_case(ctx, life, pid, m, rng)
    aftercare.emit_followups(ctx, life, pid, rng)


def generate(
    *,
    persons: int,
    seed: int = DEFAULT_SEED,
    province_code: str = "980000",
    start_year: int = 2019,
    chunk: int = DEFAULT_CHUNK,
    checkin_days: int = DEFAULT_CHECKIN_DAYS,
    progress: Callable[[str], None] = lambda message: None,
    rebuild: bool = True,
    pipeline: bool = True,
) -> Result:
    started = time.perf_counter()
    today = clock.today()
    if not 2009 <= start_year <= today.year:
        raise ValueError("--start-year must lie between 2009 and this year")
    notes: list[str] = []
    with transaction.atomic():
        tree = build_tree(province_code, persons)
        if Person.objects.filter(managing_unit__path__startswith=tree.province.path).exists():
            raise AlreadyGenerated(
                f"province {province_code} already generated: persons are on file there; "
                "choose another --province-code"
            )
    progress(f"机构树：{tree.units} 个机构（{len(tree.townships)} 个乡镇）")
    if RuleValue.objects.filter(org_unit__path__startswith=tree.province.path).exists():
        notes.append("本省已有地方规则：生成时统一按省级规则计算（clock tests may differ)")
    writer = Writer()
    from jiedu.community import plans as community_plans
    from jiedu.community import rules as crules

    v = rule_config.values(
        [crules.BOTTLE_RETENTION_MONTHS, crules.OBJECTION_DAYS], tree.province, today
    )
    ctx = Context(
        tree=tree,
        today=today,
        rules=measures.Rules.at(tree.province, today),
        plans={k: community_plans.resolve_plan(tree.province, k, today) for k in COMMUNITY_KINDS},
        ids=Ids(writer),
        drug_types=dict(DrugType.objects.values_list("code", "id")),
        unit_names=dict(
            OrgUnit.objects.filter(path__startswith=tree.province.path).values_list("id", "name")
        ),
        test_rules=(v[crules.BOTTLE_RETENTION_MONTHS], v[crules.OBJECTION_DAYS]),
        checkin_days=checkin_days,
        namespace=uuid.uuid5(uuid.NAMESPACE_URL, f"jiedu-synthetic:{province_code}:{seed}"),
    )
    world = World(tree, today, date(start_year, 1, 1), ctx.rules.police_window)
    for table in TABLES:
        # Every id counter is read now: the load's transaction locks the tables it writes.
        writer.reserve(table.model, 0)
    made_seconds = 0.0

    def chunks():
        nonlocal made_seconds
        for first in range(0, persons, chunk):
            last = min(first + chunk, persons)
            t0 = time.perf_counter()
            for index in range(first, last):
                emit_person(ctx, index, world, seed)
            made_seconds += time.perf_counter() - t0
            rows, ctx.rows = ctx.rows, defaultdict(list)
            yield rows, last, persons

    # On PostgreSQL a second thread (with its own connection) writes chunk k while this one
    # draws chunk k+1: the database works on one core while Python works on the other. The
    # queue holds one chunk, so at most three chunks are in memory.
    if pipeline and writer.pg:
        pipe = _Pipeline(writer, progress, started)
        for item in chunks():
            pipe.put(*item)
        pipe.close()
        server_cpu = pipe.server_cpu
    else:
        with writer.loading(TABLES):
            for item in chunks():
                _write_chunk(writer, *item, progress, started)
        server_cpu = writer.server_cpu_seconds() if writer.pg else None
    writer.finish()
    if writer.pg:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        progress(f"ANALYZE：{time.perf_counter() - t0:.1f} s")
    notes.append(f"生成（Python）共 {made_seconds:.0f} s")
    if writer.key_check_seconds is not None:
        notes.append(f"外键加回并逐表检查 {writer.key_check_seconds:.0f} s")
    if server_cpu is not None:
        notes.append(f"PostgreSQL 写入进程 CPU 时间 {server_cpu:.0f} s")
    if rebuild:
        notes.append(_rebuild_facts(progress))
    return Result(
        persons=persons,
        units=tree.units,
        seconds=time.perf_counter() - started,
        rows=dict(writer.rows),
        write_seconds=dict(writer.seconds),
        notes=notes,
    )


def _write_chunk(writer: Writer, rows, last: int, persons: int, progress, started) -> None:
    t0 = time.perf_counter()
    with transaction.atomic():
        for table in TABLES:
            writer.write(table, rows.get(table, []))
    n_rows = sum(len(r) for r in rows.values())
    elapsed = time.perf_counter() - started
    progress(
        f"{last:,}/{persons:,} 人：本批 {n_rows:,} 行，写入 {time.perf_counter() - t0:.1f} s；"
        f"累计 {elapsed:.0f} s，{last / elapsed:,.0f} 人/s"
    )


class _Pipeline:
    """A writer thread fed chunk by chunk through a queue of one."""

    def __init__(self, writer: Writer, progress, started):
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.server_cpu: float | None = None
        self.thread = threading.Thread(
            target=self._run, args=(writer, progress, started), daemon=True
        )
        self.thread.start()

    def _run(self, writer, progress, started) -> None:
        try:
            with writer.loading(TABLES):
                while (item := self.queue.get()) is not None:
                    _write_chunk(writer, *item, progress, started)
        except BaseException as exc:  # re-raised in the generating thread
            self.error = exc
            while self.queue.get() is not None:
                pass
        finally:
            self.server_cpu = writer.server_cpu_seconds()  # before the backend goes away
            connection.close()

    def put(self, rows, last: int, persons: int) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((rows, last, persons))

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def _rebuild_facts(progress) -> str:
    from jiedu.analytics.services import rebuild_facts

    t0 = time.perf_counter()
    rebuild_facts(progress=progress)
    return f"指标汇总表已重建：{time.perf_counter() - t0:.0f} s"
