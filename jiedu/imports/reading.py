"""Reading an uploaded spreadsheet into rows of cells: xlsx (openpyxl, read-only) or CSV.

CSV is read as UTF-8 (with or without the byte-order mark Excel writes for "CSV UTF-8"); a file
that is not UTF-8 is tried as GB18030, the superset of GBK that Excel on Chinese Windows writes
for plain "CSV", and the user is told it was read that way. Row numbers are those the user sees
in the spreadsheet (the header is row 1); empty rows are skipped but keep their numbers.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
# NUL and other control characters: PostgreSQL cannot store NUL; none belongs in a cell.
BROKEN_XLSX = _("文件无法作为 .xlsx 打开，可能已损坏，请用导入模板重新填写。")
MAX_COLUMNS = 60
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FileProblem(Exception):
    """The file as a whole cannot be read; `message` says why and what to do."""

    def __init__(self, message, params: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.params = params or {}

    def text(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


@dataclass
class Sheet:
    file_format: str  # xlsx / csv
    encoding: str = ""
    headers: list = field(default_factory=list)
    rows: list[tuple[int, list]] = field(default_factory=list)  # (row number, cells)
    notices: list = field(default_factory=list)


def _clean(value):
    if isinstance(value, str):
        return _CONTROL.sub(" ", value).strip()
    return value


def _blank(cells) -> bool:
    return all(c is None or (isinstance(c, str) and not c) for c in cells)


def read_sheet(content: bytes, filename: str, *, max_rows: int) -> Sheet:
    """The header row and the non-empty data rows of the file's first sheet."""
    if not content:
        raise FileProblem(_("文件是空的。"))
    name = (filename or "").lower()
    if content.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise FileProblem(
            _("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或“CSV UTF-8”后上传。")
        )
    if content.startswith(XLSX_MAGIC):
        sheet = _read_xlsx(content, max_rows)
    elif name.endswith((".csv", ".txt")) or not name.endswith(".xlsx"):
        sheet = _read_csv(content, max_rows)
    else:
        raise FileProblem(_("文件不是有效的 .xlsx 文件，请用导入模板填写后上传。"))
    if not sheet.headers or _blank(sheet.headers):
        raise FileProblem(_("第1行应为列名（请使用导入模板）。"))
    return sheet


def _rows_from(iterable, sheet: Sheet, max_rows: int) -> Sheet:
    for number, raw in enumerate(iterable, start=1):
        cells = [_clean(c) for c in raw]
        if number == 1:
            sheet.headers = cells
            continue
        if _blank(cells):
            continue
        if len(sheet.rows) >= max_rows:
            raise FileProblem(
                _("文件超过 %(n)s 行数据，请分成几个文件导入。"), params={"n": max_rows}
            )
        sheet.rows.append((number, cells))
    return sheet


def _read_xlsx(content: bytes, max_rows: int) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # any failure to parse an uploaded file is the file's
        raise FileProblem(BROKEN_XLSX) from None
    try:
        if not workbook.worksheets:
            raise FileProblem(_("文件中没有工作表。"))
        worksheet = workbook.worksheets[0]
        sheet = Sheet(file_format="xlsx")
        # Cells beyond the columns the template has are not read (a sheet may claim 16384).
        rows = worksheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        return _rows_from(rows, sheet, max_rows)
    except FileProblem:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, SyntaxError):
        # A damaged sheet inside a readable zip (openpyxl parses it lazily, row by row).
        raise FileProblem(BROKEN_XLSX) from None
    finally:
        workbook.close()


def _read_csv(content: bytes, max_rows: int) -> Sheet:
    sheet = Sheet(file_format="csv")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(
            _("文件是 UTF-16（“Unicode 文本”）格式，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”。")
        )
    try:
        text = content.decode("utf-8-sig")
        sheet.encoding = "utf-8"
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError:
            raise FileProblem(
                _("无法识别文件的字符编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后上传。")
            ) from None
        sheet.encoding = "gb18030"
        sheet.notices.append(
            _(
                "该 CSV 文件是 GBK（GB18030）编码，已按 GBK 读取。请核对下方姓名、地址等中文是否"
                "正确；今后请在 Excel 中另存为“CSV UTF-8（逗号分隔）”。"
            )
        )
    try:
        return _rows_from(csv.reader(io.StringIO(text, newline="")), sheet, max_rows)
    except csv.Error:
        raise FileProblem(_("CSV 文件格式有误（引号不成对），请用导入模板重新填写。")) from None
