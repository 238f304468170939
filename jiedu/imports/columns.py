"""The columns of the import template: declared once, read by the template writer (headers and
the explanation sheet) and by the reader (which header is which field).

Headers are Chinese in every language: they are the file's format, not the page's text. The
explanations on the second sheet are in the user's language. Choice values are written in the
file as their Chinese labels (男, 居民身份证, 社区戒毒, …); the internal codes are accepted too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from jiedu.measures.choices import IsolationGround, MeasureKind
from jiedu.people.choices import ETHNICITIES, Gender, IdType

# Which rows must fill a column.
ALWAYS = "always"
WITH_MEASURE = "measure"  # when the row records a measure
OPTIONAL = ""


@dataclass(frozen=True)
class ImportColumn:
    key: str
    header: str
    required: str
    help: object  # lazy text
    example: str = ""
    # Allowed values (Chinese labels) for the explanation sheet and the template's drop-downs.
    choices: Callable[[], list[str]] | None = None
    is_date: bool = False


def zh_labels(choices) -> list[str]:
    """The Chinese labels of TextChoices, whatever the active language."""
    with override("zh-hans"):
        return [str(label) for _value, label in choices]


def _drug_type_names() -> list[str]:
    from jiedu.people.models import DrugType

    return list(DrugType.objects.filter(is_active=True).values_list("name", flat=True))


COLUMNS: list[ImportColumn] = [
    ImportColumn("name", "姓名", ALWAYS, _("人员姓名。"), "张三"),
    ImportColumn(
        "gender",
        "性别",
        ALWAYS,
        _("与身份证号码第17位一致。"),
        "男",
        lambda: zh_labels(Gender.choices),
    ),
    ImportColumn(
        "birth_date",
        "出生日期",
        ALWAYS,
        _("格式 2024-03-01（也可写 2024/3/1 或 20240301）；须与身份证号码一致。"),
        "1990-05-17",
        is_date=True,
    ),
    ImportColumn(
        "id_type",
        "证件类型",
        OPTIONAL,
        _("不填为居民身份证。"),
        "居民身份证",
        lambda: zh_labels(IdType.choices),
    ),
    ImportColumn(
        "id_number",
        "证件号码",
        ALWAYS,
        _(
            "18位居民身份证号码（校验码、出生日期、性别都会核对）；证件类型为“无证件”时不填。"
            "请把该列设为文本格式，否则 Excel 会截断长数字。同一证件号码已有档案的，不新建档案。"
        ),
        "110105199005170011",
    ),
    ImportColumn(
        "ethnicity", "民族", OPTIONAL, _("民族名称。"), "汉族", lambda: [n for _c, n in ETHNICITIES]
    ),
    ImportColumn(
        "hukou_division",
        "户籍地区划代码",
        OPTIONAL,
        _("户籍地的行政区划（县、乡镇）代码，须为系统中已有的行政区划。"),
        "110105",
    ),
    ImportColumn("hukou_address", "户籍地详址", OPTIONAL, _("户籍地详细地址。"), ""),
    ImportColumn(
        "residence_division",
        "现居住地区划代码",
        OPTIONAL,
        _("现居住地的行政区划代码。"),
        "110105",
    ),
    ImportColumn("residence_address", "现居住地详址", OPTIONAL, _("现居住地详细地址。"), ""),
    ImportColumn(
        "managing_unit",
        "管理单位代码",
        ALWAYS,
        _("管理该档案的单位的机构代码；须在您有权导入和新建档案的范围内。"),
        "110105001",
    ),
    ImportColumn(
        "phones",
        "联系电话",
        OPTIONAL,
        _("手机号或固定电话，多个用逗号或顿号分隔。"),
        "13800000000",
    ),
    ImportColumn(
        "drug_types",
        "毒品种类",
        OPTIONAL,
        _("吸食的毒品种类，多个用逗号或顿号分隔。"),
        "海洛因",
        _drug_type_names,
    ),
    ImportColumn(
        "confirm_not_duplicate",
        "确认不是同一人",
        OPTIONAL,
        _("已有同名且出生日期相同的档案、但核实不是同一人时填“是”，否则不填。"),
        "",
        lambda: ["是", "否"],
    ),
    ImportColumn(
        "kind",
        "措施种类",
        OPTIONAL,
        _("本行登记的戒毒措施；不登记措施时不填，其后各列也不填。"),
        "社区戒毒",
        lambda: zh_labels(MeasureKind.choices),
    ),
    ImportColumn(
        "deciding_organ",
        "决定机关代码",
        WITH_MEASURE,
        _("作出决定的县级以上公安机关的机构代码（自愿戒毒不填）。"),
        "110105-GA",
    ),
    ImportColumn(
        "decision_number",
        "决定书文号",
        WITH_MEASURE,
        _("决定书文号（自愿戒毒可不填）。同一人员同一文号的措施已登记的，不重复登记。"),
        "京公朝社戒决字〔2024〕1号",
    ),
    ImportColumn(
        "decided_on", "决定日期", WITH_MEASURE, _("决定日期。"), "2024-03-01", is_date=True
    ),
    ImportColumn(
        "served_on",
        "送达日期",
        WITH_MEASURE,
        _("决定书送达日期，不早于决定日期。"),
        "2024-03-01",
        is_date=True,
    ),
    ImportColumn(
        "executing_unit",
        "执行单位代码",
        WITH_MEASURE,
        _(
            "执行单位的机构代码：社区戒毒、社区康复为乡镇（街道），强制隔离戒毒为戒毒所，"
            "自愿戒毒为戒毒医疗机构。"
        ),
        "110105001",
    ),
    ImportColumn(
        "term_months",
        "期限（月）",
        OPTIONAL,
        _("社区康复（1–36）和自愿戒毒必填；社区戒毒、强制隔离戒毒的期限由法律规定，可不填。"),
        "",
    ),
    ImportColumn(
        "ground",
        "决定理由",
        OPTIONAL,
        _("强制隔离戒毒的决定理由（禁毒法第三十八条）。"),
        "",
        lambda: zh_labels(IsolationGround.choices),
    ),
    ImportColumn(
        "minor_reason",
        "未满十六周岁仍决定的理由",
        OPTIONAL,
        _("决定时未满十六周岁仍决定强制隔离戒毒的，须填写理由（禁毒法第三十九条）。"),
        "",
    ),
]

BY_KEY = {c.key: c for c in COLUMNS}
HEADERS = [c.header for c in COLUMNS]
MEASURE_KEYS = (
    "kind",
    "deciding_organ",
    "decision_number",
    "decided_on",
    "served_on",
    "executing_unit",
    "term_months",
    "ground",
    "minor_reason",
)
# Columns whose cells are codes or numbers typed as text (Excel would drop leading zeros or
# round long numbers if they were numeric).
TEXT_KEYS = (
    "id_number",
    "hukou_division",
    "residence_division",
    "managing_unit",
    "phones",
    "deciding_organ",
    "decision_number",
    "executing_unit",
)

# Service field name -> column key, for the fields the services name in their errors.
FIELD_COLUMNS = {
    "name": "name",
    "gender": "gender",
    "birth_date": "birth_date",
    "id_type": "id_type",
    "id_number": "id_number",
    "ethnicity": "ethnicity",
    "nationality": "id_type",
    "hukou_division": "hukou_division",
    "hukou_address": "hukou_address",
    "residence_division": "residence_division",
    "residence_address": "residence_address",
    "managing_unit": "managing_unit",
    "phones": "phones",
    "confirm_not_duplicate": "name",
    "kind": "kind",
    "deciding_organ": "deciding_organ",
    "decision_number": "decision_number",
    "decided_on": "decided_on",
    "served_on": "served_on",
    "executing_unit": "executing_unit",
    "term_months": "term_months",
    "ground": "ground",
    "minor_reason": "minor_reason",
    "pregnant": "kind",
    "breastfeeding": "kind",
}

_SPACES = re.compile(r"\s+")


def normalize_header(text) -> str:
    """A header as typed: spaces dropped, ASCII brackets as full-width, a required-mark * off."""
    value = _SPACES.sub("", str(text or ""))
    value = value.replace("(", "（").replace(")", "）").rstrip("*＊")
    return value
