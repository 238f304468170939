"""Bulk writes of generated rows: PostgreSQL `COPY` (psycopg 3), `bulk_create` elsewhere.

A `Table` names a model's columns once: the *varying* columns the generator fills row by row
(a plain tuple, in that order), and every other concrete column as a constant taken from the
field's default (or `constants`). Ids are assigned by the generator (`Writer.reserve`), so rows of
one chunk can point at each other before anything is written; on PostgreSQL the sequences are
moved past the highest id at the end (`Writer.finish`).

Nothing here goes through `Model.save()`: no change-log rows, no signals (the generator's
contract, see `jiedu.demo.synthetic`).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from contextlib import contextmanager

from django.db import connection, models, transaction
from django.utils import timezone

from jiedu.core import crypto
from jiedu.core.fields import EncryptedCharField

BULK_BATCH = 5000  # rows per bulk_create statement off PostgreSQL (SQLite's variable limit)


class Table:
    """How one model's rows are written: varying columns first, then the constants."""

    def __init__(self, model: type[models.Model], varying: tuple[str, ...], **constants):
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        by_name = {f.name: f for f in model._meta.concrete_fields}
        unknown = [c for c in (*varying, *constants) if c not in fields and c not in by_name]
        if unknown:
            raise ValueError(f"{model.__name__}: unknown columns {unknown}")
        self.varying = tuple(
            fields[c].attname if c in fields else by_name[c].attname for c in varying
        )
        given = {(by_name[k].attname if k in by_name else k): v for k, v in constants.items()}
        now = timezone.now()
        tail_cols, tail = [], []
        for attname, field in fields.items():
            if attname in self.varying:
                continue
            if field.primary_key and isinstance(field, models.AutoField):
                continue  # the database numbers rows nobody points at
            if attname in given:
                value = given[attname]
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            elif field.has_default():
                per_row = callable(field.default) and field.default not in (dict, list)
                if per_row and field.default is not timezone.now:
                    # A per-row default (uuid4) must be generated, not shared by all rows.
                    raise ValueError(f"{model.__name__}.{attname}: list it as varying")
                value = field.get_default()
            elif field.null:
                value = None
            elif isinstance(field, models.CharField | models.TextField | models.FileField):
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{attname} has no default: list it as varying")
            tail_cols.append(attname)
            tail.append(value)
        self.columns = (*self.varying, *tail_cols)
        self.tail = tuple(tail)
        self.fields = [fields[c] for c in self.columns]
        self.json_at = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
        self.encrypted_at = [
            i for i, f in enumerate(self.fields) if isinstance(f, EncryptedCharField)
        ]
        self.db_table = model._meta.db_table
        self.db_columns = [f.column for f in self.fields]


class Writer:
    """Id reservation and bulk inserts, with per-table counts and timings for the progress."""

    def __init__(self, *, use_copy: bool | None = None):
        self.pg = connection.vendor == "postgresql"
        self.use_copy = self.pg if use_copy is None else use_copy
        self.next_id: dict[type[models.Model], int] = {}
        self.rows: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self.backends: set[int] = set()  # PostgreSQL backend pids that wrote (for CPU time)
        self.key_check_seconds: float | None = None  # adding the foreign keys back (loading)

    def reserve(self, model: type[models.Model], n: int = 1) -> int:
        """The first of `n` fresh ids of `model` (the generator is the only writer meanwhile)."""
        if model not in self.next_id:
            top = model.objects.aggregate(m=models.Max("pk"))["m"] or 0
            self.next_id[model] = top + 1
        first = self.next_id[model]
        self.next_id[model] = first + n
        return first

    @contextmanager
    def loading(self, tables: list[Table]):
        """One transaction for the whole load: a run is written whole or not at all.

        On PostgreSQL the foreign keys of the written tables are set aside for the load and added
        back before the commit, each checked in one pass over its table — the order pg_restore
        uses (data, then constraints): the per-row checks of the keys were half the server's work
        (measured: 43 s of PostgreSQL CPU per 20,000 persons with them, 22 s without). DDL is
        transactional, so a failure rolls the keys back with the rows. While it runs the written
        tables are locked against other sessions: run the generator on a database of its own.
        """
        with transaction.atomic():
            restore = self._set_aside_foreign_keys(tables) if self.pg else []
            yield
            if restore:
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    for sql in restore:
                        cursor.execute(sql)
                self.key_check_seconds = time.perf_counter() - started

    def _set_aside_foreign_keys(self, tables: list[Table]) -> list[str]:
        """Drop the foreign keys of `tables`; the statements that add them back."""
        names = [t.db_table for t in tables]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' "
                "AND conrelid = ANY (SELECT to_regclass(quote_ident(t)) FROM unnest(%s::text[]) t)",
                [names],
            )
            keys = cursor.fetchall()
            # A key's triggers sit on both tables, and neither may have checks waiting (rows
            # written earlier in this transaction, e.g. the tree's beds): run those checks now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, name, _definition in keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's keys: checked at commit
        return [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            for table, name, definition in keys
        ]

    def write(self, table: Table, rows: list[tuple]) -> None:
        if not rows:
            return
        started = time.perf_counter()
        if self.use_copy:
            self._copy(table, rows)
        else:
            self._bulk_create(table, rows)
        name = table.model._meta.label
        self.rows[name] += len(rows)
        self.seconds[name] += time.perf_counter() - started

    def _copy(self, table: Table, rows: list[tuple]) -> None:
        tail = table.tail
        json_at, encrypted_at = table.json_at, table.encrypted_at
        cols = ", ".join(f'"{c}"' for c in table.db_columns)
        raw = connection.connection  # psycopg 3 connection, inside Django's transaction
        self.backends.add(raw.info.backend_pid)
        sql = f'COPY "{table.db_table}" ({cols}) FROM STDIN'
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            if not json_at and not encrypted_at:
                for row in rows:
                    copy.write_row(row + tail)
                return
            for row in rows:
                values = list(row + tail)
                for i in json_at:
                    values[i] = json.dumps(values[i], ensure_ascii=False)
                for i in encrypted_at:
                    if values[i]:
                        values[i] = crypto.encrypt(values[i])
                copy.write_row(values)

    def _bulk_create(self, table: Table, rows: list[tuple]) -> None:
        model, columns, tail = table.model, table.columns, table.tail
        objs = [model(**dict(zip(columns, row + tail, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=BULK_BATCH)

    def server_cpu_seconds(self) -> float | None:
        """CPU time of the PostgreSQL backends that wrote, when the server runs on this host
        (read from /proc; None elsewhere). With the generating process's own CPU time it says
        how long the run takes on two cores of its own, whatever else shares the machine."""
        import os

        total = 0.0
        try:
            tick = os.sysconf("SC_CLK_TCK")
            for pid in self.backends:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, ValueError, IndexError):
            return None
        return total

    def finish(self) -> None:
        """Move each PostgreSQL sequence past the ids the generator assigned."""
        if not self.pg:
            return
        with connection.cursor() as cursor:
            for model in self.next_id:
                table = model._meta.db_table
                pk = model._meta.pk.column
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), "
                    f'GREATEST((SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"), 1))',
                    [table, pk],
                )
