"""Importing persons and measures from a spreadsheet (批量导入): `run_import`.

A file is applied whole or not at all. Every row is read and checked cell by cell (dates,
choices, unit codes, the resident ID's check digit, birth date and gender, duplicates within the
file), then applied through the same services as manual entry — `people.services.create_person`,
`save_drug_use`, `measures.services.decide_measure` — inside one transaction, each row in its
own savepoint so that one bad row does not hide the errors of the next. If any cell of any row
is wrong, everything is rolled back and the report lists every bad cell: row number as in the
spreadsheet, column header, the value, and the message in the user's language.

Re-importing changes nothing: an applied file is recognised by its SHA-256 and answered "already
imported"; and rows are matched on natural keys, so an overlapping file adds only what is new —
a person by ID number (the blind index, `people.services.id_number_index`), a measure by person
and decision document number. An import never changes an existing file or measure; it only adds.

Because the services do the writing, an imported row leaves what manual entry leaves: change-log
rows, timeline events, and (through `measures.signals.measure_changed`) the community case.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedu.core import clock
from jiedu.core.permissions import has_perm
from jiedu.measures import services as measures
from jiedu.measures.models import Measure
from jiedu.orgs.models import OrgUnit
from jiedu.people import services as people
from jiedu.people.choices import IdType
from jiedu.people.models import DrugUse, Person
from jiedu.utilities import resident_id

from .cells import LOOKUP_CHUNK, READERS, CellProblem, Lookups, as_text
from .columns import (
    ALWAYS,
    BY_KEY,
    COLUMNS,
    FIELD_COLUMNS,
    HEADERS,
    MEASURE_KEYS,
    normalize_header,
)
from .models import BatchStatus, ImportBatch
from .reading import FileProblem, read_sheet

PERM = "imports.import_record"
MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024

# Columns that hold unit codes (read in one query for the whole file).
UNIT_KEYS = (
    "hukou_division",
    "residence_division",
    "managing_unit",
    "deciding_organ",
    "executing_unit",
)

APPLIED = "applied"
REJECTED = "rejected"
DUPLICATE = "duplicate"  # the same content was applied before: nothing read, nothing changed
CHECKED = "checked"  # a dry run without errors: nothing changed


@dataclass(frozen=True)
class CellError:
    """One bad cell: `row` as numbered in the spreadsheet (1 = the header row, 0 = the file as a
    whole), `column` its header ("" for the row), the `value` as read, the `message`."""

    row: int
    column: str
    value: str
    message: str


@dataclass
class ImportReport:
    status: str
    filename: str
    sha256: str
    file_format: str = ""
    encoding: str = ""
    rows: int = 0
    persons_created: int = 0
    persons_matched: int = 0
    measures_created: int = 0
    measures_matched: int = 0
    drug_uses_added: int = 0
    unchanged_rows: int = 0
    errors: list[CellError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    unit: OrgUnit | None = None
    batch: ImportBatch | None = None

    @property
    def ok(self) -> bool:
        return self.status != REJECTED

    @property
    def changed_rows(self) -> int:
        return self.rows - self.unchanged_rows

    def error_rows(self) -> list[tuple[int, list[CellError]]]:
        """The errors grouped by row, in row order."""
        grouped: dict[int, list[CellError]] = {}
        order = {header: i for i, header in enumerate(HEADERS)}
        for error in sorted(self.errors, key=lambda e: (e.row, order.get(e.column, -1))):
            grouped.setdefault(error.row, []).append(error)
        return list(grouped.items())


@dataclass
class ParsedRow:
    number: int
    raw: dict
    values: dict = field(default_factory=dict)
    errors: list[CellError] = field(default_factory=list)
    id_index: str = ""

    @property
    def has_measure(self) -> bool:
        return bool(self.values.get("kind"))


# --- Checking rows ------------------------------------------------------------------------------


class _Context:
    def __init__(self, actor, unit, lookups: Lookups):
        self.actor = actor
        self.unit = unit
        self.lookups = lookups
        self.show_full_id = has_perm(actor, "people.view_full_id_number")
        self.today = clock.today()


def _shown(key: str, value, ctx: _Context) -> str:
    text = as_text(value)
    if key == "id_number" and text and not ctx.show_full_id:
        return resident_id.mask(resident_id.normalize(text))
    return text[:200]


def _add(row: ParsedRow, key: str | None, message, ctx: _Context) -> None:
    column = BY_KEY[key].header if key else ""
    value = _shown(key, row.raw.get(key), ctx) if key else ""
    row.errors.append(CellError(row.number, column, value, str(message)))


def _add_validation(row: ParsedRow, exc: ValidationError, ctx: _Context, default: str | None):
    """Each message of a service's ValidationError, at the column of the field it names."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            key = FIELD_COLUMNS.get(name, default)
            for error in errors:
                for message in error.messages:
                    _add(row, key, message, ctx)
    else:
        for message in exc.messages:
            _add(row, default, message, ctx)


MAX_LENGTHS = {
    "name": 50,
    "hukou_address": 200,
    "residence_address": 200,
    "decision_number": 60,
    "minor_reason": 1000,
}


def _parse_row(number: int, raw: dict, ctx: _Context) -> ParsedRow:
    row = ParsedRow(number=number, raw=raw)
    for column in COLUMNS:
        key = column.key
        value = raw.get(key)
        try:
            parsed = READERS[key](value, ctx.lookups)
        except CellProblem as problem:
            _add(row, key, problem.text, ctx)
            continue
        if key in MAX_LENGTHS and len(parsed) > MAX_LENGTHS[key]:
            _add(row, key, _("不能超过 %(n)s 个字符。") % {"n": MAX_LENGTHS[key]}, ctx)
            continue
        row.values[key] = parsed
    bad = {e.column for e in row.errors}
    for column in COLUMNS:
        if column.required == ALWAYS and column.header not in bad and not raw_filled(raw, column):
            if column.key == "id_number" and row.values.get("id_type") == IdType.NONE:
                continue
            _add(row, column.key, _("此列必须填写。"), ctx)
    _check_measure_columns(row, ctx)
    _check_identity(row, ctx)
    _check_scope(row, ctx)
    birth = row.values.get("birth_date")
    if birth and birth > ctx.today:
        _add(row, "birth_date", _("出生日期不能晚于今天。"), ctx)
    return row


def raw_filled(raw: dict, column) -> bool:
    return as_text(raw.get(column.key)) != ""


def _check_measure_columns(row: ParsedRow, ctx: _Context) -> None:
    filled = [k for k in MEASURE_KEYS if k != "kind" and raw_filled(row.raw, BY_KEY[k])]
    if not raw_filled(row.raw, BY_KEY["kind"]):
        if filled:
            _add(
                row, "kind", _("已填写措施信息，请填写措施种类；不登记措施时请清空其后各列。"), ctx
            )
        return
    for key in ("decided_on", "served_on", "executing_unit"):
        if not raw_filled(row.raw, BY_KEY[key]):
            _add(row, key, _("登记措施时此列必须填写。"), ctx)


def _check_identity(row: ParsedRow, ctx: _Context) -> None:
    """GB 11643 check digit, birth date and gender parity (people.services.validate_identity)."""
    v = row.values
    if "id_number" not in v or "id_type" not in v:
        return
    if not v["id_number"] and v["id_type"] != IdType.NONE:
        return  # reported as a required cell
    try:
        number = people.validate_identity(
            v["id_type"], v["id_number"], v.get("birth_date"), v.get("gender", ""), today=ctx.today
        )
    except ValidationError as exc:
        _add_validation(row, exc, ctx, "id_number")
        v.pop("id_number", None)
        return
    v["id_number"] = number
    row.id_index = people.id_number_index(v["id_type"], number) if number else ""


def _check_scope(row: ParsedRow, ctx: _Context) -> None:
    unit = row.values.get("managing_unit")
    if unit is None:
        return
    if not has_perm(ctx.actor, PERM, unit):
        _add(row, "managing_unit", _("您无权向该单位导入（不在您的管辖范围内）。"), ctx)
    elif ctx.unit is not None and not unit.path.startswith(ctx.unit.path):
        _add(
            row,
            "managing_unit",
            _("该单位不在本次导入的单位“%(unit)s”之下。") % {"unit": ctx.unit.name},
            ctx,
        )


def _check_file_duplicates(rows: list[ParsedRow], ctx: _Context) -> None:
    seen: dict[object, int] = {}
    for row in rows:
        v = row.values
        if row.id_index:
            key, column = ("id", row.id_index), "id_number"
            message = _("与第 %(row)s 行的证件号码重复。")
        elif v.get("id_type") == IdType.NONE and v.get("name") and v.get("birth_date"):
            key, column = ("name", v["name"], v["birth_date"]), "name"
            message = _("与第 %(row)s 行的姓名、出生日期相同，且都没有证件号码。")
        else:
            continue
        if key in seen:
            _add(row, column, message % {"row": seen[key]}, ctx)
        else:
            seen[key] = row.number


# --- Applying rows ------------------------------------------------------------------------------


@dataclass
class _Existing:
    """What is already on file for the persons the rows name, read in a few queries."""

    persons: dict[str, Person] = field(default_factory=dict)  # by id index
    visible: set[int] = field(default_factory=set)
    drug_uses: set[tuple[int, int]] = field(default_factory=set)
    measures: dict[int, list[Measure]] = field(default_factory=dict)


def _existing(rows: list[ParsedRow], actor) -> _Existing:
    found = _Existing()
    indexes = sorted({r.id_index for r in rows if r.id_index})
    for start in range(0, len(indexes), LOOKUP_CHUNK):
        chunk = indexes[start : start + LOOKUP_CHUNK]
        for person in Person.objects.active().filter(id_number_index__in=chunk):
            found.persons[person.id_number_index] = person
    pks = sorted(p.pk for p in found.persons.values())
    for start in range(0, len(pks), LOOKUP_CHUNK):
        chunk = pks[start : start + LOOKUP_CHUNK]
        found.visible.update(
            Person.objects.restrict(actor, "view").filter(pk__in=chunk).values_list("pk", flat=True)
        )
        found.drug_uses.update(
            DrugUse.objects.filter(person__in=chunk).values_list("person_id", "drug_type_id")
        )
        for m in Measure.objects.filter(person__in=chunk).only(
            "person_id", "kind", "decision_number", "decided_on", "executing_unit_id"
        ):
            found.measures.setdefault(m.person_id, []).append(m)
    return found


class _RowRefused(Exception):
    def __init__(self, key: str | None, message):
        super().__init__(str(message))
        self.key = key
        self.message = message


@dataclass
class _Outcome:
    person_created: bool = False
    measure_created: bool = False
    measure_matched: bool = False
    drug_uses_added: int = 0

    @property
    def unchanged(self) -> bool:
        return not (self.person_created or self.measure_created or self.drug_uses_added)


def _match_without_id(v: dict) -> Person | None:
    """A file without an ID number is the same person when name, birth date and managing unit
    are the same and it has no number either; otherwise create_person decides."""
    same = list(
        Person.objects.active().filter(
            name=v["name"],
            birth_date=v["birth_date"],
            managing_unit=v["managing_unit"],
            id_number_index="",
        )[:2]
    )
    return same[0] if len(same) == 1 else None


def _person_for(row: ParsedRow, existing: _Existing, ctx: _Context) -> tuple[Person, bool]:
    """The row's person: the file on record for its ID number (一人一档: one person, one file;
    an import never opens a second one), else a new file made by create_person."""
    v = row.values
    person = existing.persons.get(row.id_index) if row.id_index else None
    if person is None and v["id_type"] == IdType.NONE:
        person = _match_without_id(v)
        if person is not None:
            existing.visible.update(
                Person.objects.restrict(ctx.actor, "view")
                .filter(pk=person.pk)
                .values_list("pk", flat=True)
            )
    if person is not None:
        if person.pk not in existing.visible:
            raise _RowRefused(
                "id_number",
                _("该证件号码已有档案（一人一档），但不在您的管辖范围内；请联系管理该档案的单位。"),
            )
        if person.name != v["name"]:
            raise _RowRefused(
                "name",
                _("该证件号码的档案姓名为“%(name)s”，与本行不符；请核对证件号码。")
                % {"name": person.name},
            )
        return person, False
    data = people.PersonInput(
        name=v["name"],
        gender=v["gender"],
        birth_date=v["birth_date"],
        managing_unit=v["managing_unit"],
        id_type=v["id_type"],
        id_number=v.get("id_number", ""),
        ethnicity=v.get("ethnicity", ""),
        hukou_division=v.get("hukou_division"),
        hukou_address=v.get("hukou_address", ""),
        residence_division=v.get("residence_division"),
        residence_address=v.get("residence_address", ""),
        phones=tuple(v.get("phones", ())),
    )
    try:
        person = people.create_person(
            data, actor=ctx.actor, confirm_not_duplicate=v.get("confirm_not_duplicate", False)
        )
    except PermissionDenied as exc:
        raise _RowRefused("managing_unit", str(exc) or _("您无权在该单位新建人员档案。")) from None
    except people.DuplicatePersonError as exc:
        if exc.same_id:
            raise _RowRefused("id_number", exc.messages[0]) from None
        raise _RowRefused(
            "name",
            _("%(message)s 如核实不是同一人，请在“确认不是同一人”列填“是”。")
            % {"message": exc.messages[0]},
        ) from None
    return person, True


def _add_drug_uses(row, person, created: bool, existing: _Existing, ctx) -> int:
    added = 0
    for dt in row.values.get("drug_types", ()):
        if not created and (person.pk, dt.pk) in existing.drug_uses:
            continue
        try:
            people.save_drug_use(person, actor=ctx.actor, drug_type=dt)
        except PermissionDenied as exc:
            raise _RowRefused("drug_types", str(exc)) from None
        existing.drug_uses.add((person.pk, dt.pk))
        added += 1
    return added


def _same_measure(person: Person, v: dict, existing: _Existing) -> Measure | None:
    number = v.get("decision_number", "").strip()
    for m in existing.measures.get(person.pk, ()):
        if number and m.decision_number == number:
            if m.kind != v["kind"]:
                raise _RowRefused(
                    "decision_number",
                    _("该人员已有文号为 %(number)s 的%(kind)s，与本行的措施种类不符。")
                    % {"number": number, "kind": m.get_kind_display()},
                )
            return m
        if (
            not number
            and not m.decision_number
            and m.kind == v["kind"]
            and m.decided_on == v["decided_on"]
            and m.executing_unit_id == v["executing_unit"].pk
        ):
            return m
    return None


def _decide(row: ParsedRow, person: Person, created: bool, existing: _Existing, ctx) -> bool:
    """Decide the row's measure unless it is on file; True when a measure was created."""
    v = row.values
    if not created and _same_measure(person, v, existing) is not None:
        return False
    data = measures.MeasureInput(
        person=person,
        kind=v["kind"],
        decided_on=v["decided_on"],
        served_on=v["served_on"],
        executing_unit=v["executing_unit"],
        deciding_organ=v.get("deciding_organ"),
        decision_number=v.get("decision_number", ""),
        ground=v.get("ground", ""),
        term_months=v.get("term_months"),
        minor_reason=v.get("minor_reason", ""),
    )
    try:
        measure = measures.decide_measure(data, actor=ctx.actor)
    except PermissionDenied as exc:
        key = "deciding_organ" if measures.DECIDING_KINDS.get(v["kind"]) else "executing_unit"
        raise _RowRefused(key, str(exc)) from None
    existing.measures.setdefault(person.pk, []).append(measure)
    return True


def _apply_row(row: ParsedRow, existing: _Existing, ctx: _Context) -> _Outcome:
    outcome = _Outcome()
    person, outcome.person_created = _person_for(row, existing, ctx)
    outcome.drug_uses_added = _add_drug_uses(row, person, outcome.person_created, existing, ctx)
    if row.has_measure:
        outcome.measure_created = _decide(row, person, outcome.person_created, existing, ctx)
        outcome.measure_matched = not outcome.measure_created
    return outcome


# --- The import ---------------------------------------------------------------------------------


def _header_map(headers: list, report: ImportReport) -> dict[int, str]:
    known = {c.header: c.key for c in COLUMNS}
    mapping: dict[int, str] = {}
    seen: set[str] = set()
    for index, header in enumerate(headers):
        text = normalize_header(header)
        if not text:
            continue
        key = known.get(text)
        if key is None:
            report.errors.append(
                CellError(
                    1, as_text(header), as_text(header), _("未知的列名；请使用导入模板的列名。")
                )
            )
        elif key in seen:
            report.errors.append(CellError(1, text, text, _("列名重复。")))
        else:
            seen.add(key)
            mapping[index] = key
    for column in COLUMNS:
        if column.required == ALWAYS and column.key not in seen:
            report.errors.append(
                CellError(1, column.header, "", _("缺少必填的列“%(c)s”。") % {"c": column.header})
            )
    return mapping


def _common_unit(units: list[OrgUnit]) -> OrgUnit | None:
    """The lowest unit whose subtree holds all of `units`."""
    if not units:
        return None
    # Materialized paths: a step of `steplen` characters per level (treebeard).
    step = OrgUnit.steplen
    prefix = units[0].path
    for unit in units[1:]:
        while not unit.path.startswith(prefix):
            prefix = prefix[:-step]
    if not prefix:
        return None
    return next((u for u in units if u.path == prefix), None) or OrgUnit.objects.get(path=prefix)


def already_applied(actor, sha256: str) -> bool:
    """Whether this content was applied in the actor's scope (or by the actor)."""
    applied = ImportBatch.objects.filter(sha256=sha256, status=BatchStatus.APPLIED)
    return (applied.filter(actor=actor) | applied.restrict(actor, "import")).exists()


def _record(report: ImportReport, actor, status: str) -> ImportBatch:
    return ImportBatch(
        sha256=report.sha256,
        filename=(report.filename or "")[-200:],
        file_format=report.file_format,
        encoding=report.encoding,
        actor=actor,
        actor_name=actor.get_username(),
        unit=report.unit,
        status=status,
        rows=report.rows,
        error_count=len(report.errors),
    )


def _reject(report: ImportReport, actor, dry_run: bool) -> ImportReport:
    report.status = REJECTED
    for name in ("persons_created", "persons_matched", "measures_created", "measures_matched"):
        setattr(report, name, 0)
    report.drug_uses_added = report.unchanged_rows = 0
    if not dry_run:
        report.batch = _record(report, actor, BatchStatus.REJECTED)
        report.batch.save()
    return report


def run_import(
    file_bytes: bytes,
    filename: str,
    *,
    unit: OrgUnit | None = None,
    actor,
    dry_run: bool = False,
) -> ImportReport:
    """Import a spreadsheet of persons (one a row, optionally with one measure) for `actor`.

    `unit`, when given, bounds the rows: each managing unit must lie under it; when None the
    batch's unit is the lowest unit holding every row's managing unit. Each managing unit must
    be in the actor's scope for `imports.import_record` (and `people.add_person` for new files;
    `measures.decide_measure` at the deciding organ for measures, as the services check).

    `dry_run` checks and counts everything, then rolls back and records nothing. Otherwise an
    `ImportBatch` is recorded: `applied` (every row applied) or `rejected` (nothing applied). A
    file whose content was applied before is answered `duplicate` without being read again.

    A benchmark (rows per second) calls it directly::

        content = Path("persons.xlsx").read_bytes()
        started = time.perf_counter()
        report = run_import(content, "persons.xlsx", unit=county, actor=officer)
        assert report.status == APPLIED, report.errors[:5]
        rate = report.rows / (time.perf_counter() - started)

    (`dry_run=True` measures the same work without keeping it; a second call with the same
    bytes returns `duplicate` at once, so vary the content between runs.)
    """
    if not has_perm(actor, PERM) or (unit is not None and not has_perm(actor, PERM, unit)):
        raise PermissionDenied(_("您无权批量导入。"))
    report = ImportReport(
        status=REJECTED, filename=filename, sha256=hashlib.sha256(file_bytes).hexdigest()
    )
    report.unit = unit
    if not dry_run and already_applied(actor, report.sha256):
        report.status = DUPLICATE
        return report
    try:
        if len(file_bytes) > MAX_BYTES:
            raise FileProblem(
                gettext_lazy("文件超过 %(n)s MB，请分成几个文件导入。"),
                {"n": MAX_BYTES // (1024 * 1024)},
            )
        sheet = read_sheet(file_bytes, filename, max_rows=MAX_ROWS)
    except FileProblem as problem:
        report.errors.append(CellError(0, "", "", problem.text()))
        return _reject(report, actor, dry_run)
    report.file_format, report.encoding = sheet.file_format, sheet.encoding
    report.notices = [str(n) for n in sheet.notices]
    report.rows = len(sheet.rows)
    columns = _header_map(sheet.headers, report)
    if report.errors:
        return _reject(report, actor, dry_run)
    if not sheet.rows:
        report.errors.append(CellError(0, "", "", _("文件中没有数据行。")))
        return _reject(report, actor, dry_run)

    raw_rows = [
        (number, {key: cells[i] if i < len(cells) else None for i, key in columns.items()})
        for number, cells in sheet.rows
    ]
    codes = {as_text(raw.get(k)) for _n, raw in raw_rows for k in UNIT_KEYS}
    ctx = _Context(actor, unit, Lookups(codes))
    rows = [_parse_row(number, raw, ctx) for number, raw in raw_rows]
    _check_file_duplicates(rows, ctx)
    for row in rows:
        report.errors.extend(row.errors)
    if unit is None:
        managing = {r.values["managing_unit"] for r in rows if r.values.get("managing_unit")}
        report.unit = _common_unit(sorted(managing, key=lambda u: u.path))

    with transaction.atomic():
        batch = None
        if not dry_run and not report.errors:
            batch = _record(report, actor, BatchStatus.APPLIED)
            try:
                with transaction.atomic():
                    batch.save()
            except IntegrityError:
                # The same content, applied for the same unit by a concurrent upload.
                report.status = DUPLICATE
                return report
        existing = _existing([r for r in rows if not r.errors], actor)
        for row in rows:
            if row.errors:
                continue
            try:
                with transaction.atomic():
                    outcome = _apply_row(row, existing, ctx)
            except _RowRefused as refused:
                _add(row, refused.key, refused.message, ctx)
            except ValidationError as exc:
                _add_validation(row, exc, ctx, "kind" if row.has_measure else None)
            else:
                report.persons_created += outcome.person_created
                report.persons_matched += not outcome.person_created
                report.measures_created += outcome.measure_created
                report.measures_matched += outcome.measure_matched
                report.drug_uses_added += outcome.drug_uses_added
                report.unchanged_rows += outcome.unchanged
            report.errors.extend(row.errors)
        if report.errors or dry_run:
            transaction.set_rollback(True)
        else:
            for name in (
                "persons_created",
                "persons_matched",
                "measures_created",
                "measures_matched",
                "drug_uses_added",
                "unchanged_rows",
            ):
                setattr(batch, name, getattr(report, name))
            batch.save()
            report.batch = batch
            report.status = APPLIED
    if report.errors:
        return _reject(report, actor, dry_run)
    if dry_run:
        report.status = CHECKED
    return report
