"""The blank import template users download: xlsx (the data sheet and an explanation sheet) or
CSV (the header row only, UTF-8 with a byte-order mark so that Excel reads the Chinese)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from .columns import ALWAYS, COLUMNS, TEXT_KEYS, WITH_MEASURE, ImportColumn

DATA_SHEET = "人员与措施"
# Excel refuses a list validation whose formula is longer than 255 characters.
MAX_LIST_FORMULA = 255


def _required_text(column: ImportColumn) -> str:
    if column.required == ALWAYS:
        return _("必填")
    if column.required == WITH_MEASURE:
        return _("登记措施时必填")
    return _("选填")


def template_csv() -> bytes:
    return ("\ufeff" + ",".join(c.header for c in COLUMNS) + "\r\n").encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    data.append([c.header for c in COLUMNS])
    data.freeze_panes = "A2"
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = data.cell(row=1, column=index)
        cell.font = Font(bold=True)
        if column.required == ALWAYS:
            cell.fill = required_fill
        data.column_dimensions[letter].width = max(12, 2 * len(column.header) + 4)
        if column.key in TEXT_KEYS:
            # Text format, so that Excel keeps 18-digit ID numbers and leading zeros whole.
            data.column_dimensions[letter].number_format = "@"
        if column.is_date:
            data.column_dimensions[letter].number_format = "yyyy-mm-dd"
        if column.choices is not None:
            values = column.choices()
            formula = '"' + ",".join(values) + '"'
            if len(formula) <= MAX_LIST_FORMULA and all("," not in v for v in values):
                check = DataValidation(type="list", formula1=formula, allow_blank=True)
                check.error = _("请从列表中选择。")
                check.showErrorMessage = False  # a warning only: codes are accepted too
                data.add_data_validation(check)
                check.add(f"{letter}2:{letter}5000")

    notes = workbook.create_sheet(_("填写说明"))
    notes.append([_("列名"), _("是否必填"), _("说明"), _("可填写的值"), _("示例")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        values = "、".join(column.choices()) if column.choices is not None else ""
        notes.append(
            [column.header, _required_text(column), str(column.help), values, column.example]
        )
    notes.append([])
    for line in (
        _("每行一人；可同时登记该人员的一项戒毒措施（措施种类及其后各列）。"),
        _("第1行列名不要修改；列的顺序可以调整，不用的选填列可以删除。"),
        _("有任何一行出错时，整个文件都不会导入；请按报告修改后重新上传。"),
        _("同一文件重复上传不会重复导入；证件号码已有档案的不新建，同一文号的措施不重复登记。"),
        _("日期写作 2024-03-01；代码列请保持文本格式。"),
    ):
        notes.append([line])
    for letter, width in zip("ABCDE", (20, 14, 60, 50, 26), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
