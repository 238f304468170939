"""Exporting a list or a table as Excel (xlsx) or CSV, with the export in the access log.

One writer for every list the UI offers to export (persons, measures, community cases) and for
the indicator tables. Columns are declared once, as a header in the user's language and how to
read the cell from a row; rows are any iterable (a queryset is read in chunks, never loaded
whole). The xlsx is written by openpyxl in write-only mode and the CSV row by row, both into a
spooled temporary file, so memory stays flat on a long list.

Example (a view)::

    from django.utils.translation import gettext_lazy as _
    from jiedu.core.export import Column, export_response

    COLUMNS = [
        Column(_("姓名"), "name"),
        Column(_("出生日期"), "birth_date"),
        Column(_("管理单位"), "managing_unit.name"),
        Column(_("性别"), lambda p: p.get_gender_display()),
    ]

    def person_export(request):
        rows = Person.objects.restrict(request.user, "export").select_related("managing_unit")
        return export_response(
            request, rows, COLUMNS, fmt="xlsx", name=_("人员档案"), query="q=张三"
        )

Rows may also be mappings (``Column(label, "unit")`` reads ``row["unit"]``), which suits an
indicator table built as a list of dicts. ``write_table`` writes to a file object without a
response or an access-log row, for callers that send the file elsewhere.

Every call of ``export_response`` writes one access-log row (``AccessAction.EXPORT``) with the
number of rows written and the filter (``query``) that selected them; the caller masks
identifiers in ``query`` as it does for searches (``people.querysets.mask_query``).
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from . import clock
from .audit import log_access
from .models import AccessAction

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# The most rows one export writes; the file says so in its last row when there were more.
MAX_ROWS = 200_000
CHUNK_SIZE = 2000
# Spooled files stay in memory up to this size, then move to disk.
SPOOL_BYTES = 8 * 1024 * 1024

# A cell typed as =, +, -, @ (or tab/CR) is a formula to Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One column of an export: its header and how to read the cell from a row.

    `value` is an attribute path with dots (``"managing_unit.name"``; a mapping row is read by
    key at each step), or a function of the row. `width` is the xlsx column width in characters.
    """

    header: str | Promise
    value: str | Callable[[Any], Any]
    width: int | None = None

    def read(self, row) -> Any:
        if callable(self.value):
            return self.value(row)
        current = row
        for part in self.value.split("."):
            if current is None:
                return None
            is_map = isinstance(current, Mapping)
            current = current.get(part) if is_map else getattr(current, part)
        return current


def spreadsheet_safe(text: str) -> str:
    """Typed text that Excel would run as a formula is exported as plain text (CSV)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_value(value) -> Any:
    """A Python value as a spreadsheet cell: dates stay dates, choices and lazy text become
    text in the active language, booleans 是/否, None empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date | int | float | decimal.Decimal):
        return value
    return str(value)


def _rows(rows: Iterable) -> Iterable:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK_SIZE)
    return rows


def write_table(
    out: BinaryIO,
    rows: Iterable,
    columns: Sequence[Column],
    *,
    fmt: str = "xlsx",
    sheet_title: str = "",
    max_rows: int = MAX_ROWS,
) -> int:
    """Write `rows` under `columns` to the binary file `out`; return the number of rows written.

    CSV is UTF-8 with a byte-order mark (Excel then reads Chinese correctly) and formula-like
    text escaped with an apostrophe; xlsx text cells are always text, never formulas.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    headers = [str(c.header) for c in columns]
    if fmt == "csv":
        return _write_csv(out, rows, columns, headers, max_rows)
    return _write_xlsx(out, rows, columns, headers, sheet_title, max_rows)


def _truncated_note(max_rows: int) -> str:
    return _("仅导出前 %(n)s 行；请缩小筛选范围后分批导出。") % {"n": max_rows}


def _write_csv(out, rows, columns, headers, max_rows) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(headers)
    count = 0
    for row in _rows(rows):
        if count >= max_rows:
            writer.writerow([_truncated_note(max_rows)])
            break
        cells = []
        for column in columns:
            value = cell_value(column.read(row))
            if value is None:
                value = ""
            elif isinstance(value, datetime.datetime):
                value = value.strftime("%Y-%m-%d %H:%M")
            elif isinstance(value, datetime.date):
                value = value.isoformat()
            elif isinstance(value, str):
                value = spreadsheet_safe(value)
            cells.append(value)
        writer.writerow(cells)
        count += 1
    text.flush()
    text.detach()  # leave `out` open for the caller
    return count


def _write_xlsx(out, rows, columns, headers, sheet_title, max_rows) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(sheet_title or _("导出"))[:31])
    for index, column in enumerate(columns, start=1):
        width = column.width or max(10, min(40, 2 * len(headers[index - 1]) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.data_type = "s"
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in _rows(rows):
        if count >= max_rows:
            sheet.append([_truncated_note(max_rows)])
            break
        cells = []
        for column in columns:
            value = cell_value(column.read(row))
            if isinstance(value, datetime.datetime):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd hh:mm"
                value = cell
            elif isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                value = cell
            elif isinstance(value, str) and value.startswith("="):
                # openpyxl writes a string starting with "=" as a formula; keep it text.
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                value = cell
            cells.append(value)
        sheet.append(cells)
        count += 1
    workbook.save(out)
    return count


def export_filename(name: str | Promise, fmt: str, day: datetime.date | None = None) -> str:
    """``人员档案-20240601.xlsx``: the list's name and the day of the export."""
    day = day or clock.today()
    return f"{name}-{day:%Y%m%d}.{fmt}"


def requested_format(request, default: str = "xlsx") -> str:
    """The `format` query parameter (xlsx or csv); anything else is a 404."""
    fmt = request.GET.get("format", default) or default
    if fmt not in FORMATS:
        raise Http404("unknown export format")
    return fmt


def export_response(
    request,
    rows: Iterable,
    columns: Sequence[Column],
    *,
    name: str | Promise,
    fmt: str = "xlsx",
    query: str = "",
    person_pk: int | None = None,
    max_rows: int = MAX_ROWS,
) -> HttpResponse | FileResponse:
    """The file as a download, after writing the access-log row (rows written, `query`).

    The caller has already scoped `rows` to what the user may export (``restrict()``) and
    checked the export permission; this function only writes and logs.
    """
    if fmt not in FORMATS:
        raise Http404("unknown export format")
    # Closed below, or by the FileResponse once it is sent.
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    count = write_table(out, rows, columns, fmt=fmt, sheet_title=str(name), max_rows=max_rows)
    log_access(
        AccessAction.EXPORT,
        user=request.user,
        person_pk=person_pk,
        query=query,
        result_count=count,
    )
    filename = export_filename(name, fmt)
    size = out.tell()
    out.seek(0)
    if size <= SPOOL_BYTES:
        # Still in memory: an ordinary response (its `content` readable, like other pages).
        response = HttpResponse(out.read(), content_type=CONTENT_TYPES[fmt])
        out.close()
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        # Spilled to disk: streamed from the file, which the response closes when sent.
        response = FileResponse(
            out, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt]
        )
    response["Cache-Control"] = "no-store"
    return response
