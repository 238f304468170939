"""Reading one cell of an import file as its column needs: text, dates, choices (by their
Chinese labels or codes), yes/no, whole numbers, ID numbers, unit codes and drug types.

Each reader returns the value or raises `CellProblem` with a message for the user.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from jiedu.measures.choices import IsolationGround, MeasureKind
from jiedu.orgs.choices import DIVISION_KINDS
from jiedu.orgs.models import OrgUnit
from jiedu.people.choices import ETHNICITIES, Gender, IdType
from jiedu.people.models import DrugType
from jiedu.utilities.phone import validate_phone

from .columns import zh_labels

LOOKUP_CHUNK = 500
_LIST_SEPARATORS = re.compile(r"[,，、;；]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


class CellProblem(Exception):
    """A cell that cannot be read as its column needs."""

    def __init__(self, message, params: dict | None = None):
        super().__init__(str(message))
        self.text = str(message) % params if params else str(message)


# --- Reading cells ------------------------------------------------------------------------------


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def as_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _TIME_SUFFIX.sub("", as_text(value))
    match = _DATE.match(text)
    if match is None and re.fullmatch(r"\d{8}", text):
        match = re.match(r"(\d{4})(\d{2})(\d{2})", text)
    if match is None:
        raise CellProblem(gettext_lazy("日期格式不正确，应为 2024-03-01。"))
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        raise CellProblem(gettext_lazy("不是有效的日期。")) from None


def choice_map(choices, aliases: dict | None = None) -> dict[str, str]:
    mapping = {}
    for (value, _label), zh in zip(choices, zh_labels(choices), strict=True):
        mapping[zh] = value
        mapping[value.lower()] = value
    mapping.update(aliases or {})
    return mapping


CHOICES = {
    "gender": choice_map(Gender.choices, {"男性": "male", "女性": "female"}),
    "id_type": choice_map(IdType.choices, {"身份证": "resident_id"}),
    "kind": choice_map(MeasureKind.choices),
    "ground": choice_map(IsolationGround.choices),
    "ethnicity": {**{name: code for code, name in ETHNICITIES}, **dict(ETHNICITIES)},
}
CHOICE_LABELS = {
    "gender": lambda: zh_labels(Gender.choices),
    "id_type": lambda: zh_labels(IdType.choices),
    "kind": lambda: zh_labels(MeasureKind.choices),
    "ground": lambda: zh_labels(IsolationGround.choices),
    "ethnicity": lambda: [n for _c, n in ETHNICITIES],
}
YES = {"是", "y", "yes", "true", "1", "确认"}
NO = {"否", "n", "no", "false", "0", ""}


def as_choice(key: str, value) -> str:
    text = as_text(value)
    if not text:
        return ""
    found = CHOICES[key].get(text) or CHOICES[key].get(text.lower())
    if found is None:
        labels = CHOICE_LABELS[key]()
        shown = "、".join(labels[:12]) + ("……" if len(labels) > 12 else "")
        raise CellProblem(
            gettext_lazy("“%(value)s”不是可选的值。可选：%(choices)s。"),
            {"value": text, "choices": shown},
        )
    return found


def as_yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    text = as_text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellProblem(gettext_lazy("请填写“是”或“否”。"))


def as_integer(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = as_text(value)
    if not text.isascii() or not text.isdigit() or int(text) > 600:
        raise CellProblem(gettext_lazy("应为整数月数。"))
    return int(text)


def as_id_number(value) -> str:
    if isinstance(value, float) or (isinstance(value, int) and len(str(value)) > 15):
        # Excel keeps 15 significant digits: an 18-digit number typed into a number cell has
        # lost its last digits, and no guess can restore them.
        raise CellProblem(
            gettext_lazy(
                "证件号码被存成了数字，Excel 只保留15位有效数字，后几位已丢失。"
                "请把该列设为文本格式后重新填写。"
            )
        )
    return as_text(value)


class Lookups:
    """Units and drug types the file names, each read once."""

    def __init__(self, codes: set[str]):
        self.units: dict[str, OrgUnit] = {}
        codes = sorted(c for c in codes if c)
        for start in range(0, len(codes), LOOKUP_CHUNK):
            chunk = codes[start : start + LOOKUP_CHUNK]
            for unit in OrgUnit.objects.filter(code__in=chunk, is_active=True):
                self.units[unit.code] = unit
        self.drug_types: dict[str, DrugType] = {}
        for dt in DrugType.objects.filter(is_active=True):
            names = {dt.code.lower(), dt.name, dt.name_en.lower()}
            # 甲基苯丙胺（冰毒）: also 甲基苯丙胺 and 冰毒.
            match = re.match(r"^(.*?)（(.*)）$", dt.name)
            if match:
                names.update({match.group(1), match.group(2)})
            for name in names:
                self.drug_types.setdefault(name, dt)

    def unit(self, value, *, division: bool = False) -> OrgUnit | None:
        code = as_text(value)
        if not code:
            return None
        unit = self.units.get(code)
        if unit is None:
            raise CellProblem(gettext_lazy("找不到代码为 %(code)s 的单位。"), {"code": code})
        if division and unit.kind not in DIVISION_KINDS:
            raise CellProblem(
                gettext_lazy("%(code)s 不是行政区划（省、市、县、乡镇）的代码。"), {"code": code}
            )
        return unit

    def drugs(self, value) -> list[DrugType]:
        found = []
        for part in _LIST_SEPARATORS.split(as_text(value)):
            if not part:
                continue
            dt = self.drug_types.get(part) or self.drug_types.get(part.lower())
            if dt is None:
                raise CellProblem(
                    gettext_lazy("未知的毒品种类“%(value)s”，可填写的名称见模板的“填写说明”。"),
                    {"value": part},
                )
            if dt not in found:
                found.append(dt)
        return found


def as_phones(value) -> list[str]:
    numbers = []
    for part in re.split(r"[,，、;；/]+", as_text(value)):
        if part.strip():
            try:
                numbers.append(validate_phone(part))
            except ValidationError as exc:
                raise CellProblem(exc.messages[0]) from None
    return numbers


READERS = {
    "name": lambda v, lk: as_text(v),
    "gender": lambda v, lk: as_choice("gender", v),
    "birth_date": lambda v, lk: as_date(v),
    "id_type": lambda v, lk: as_choice("id_type", v) or IdType.RESIDENT_ID,
    "id_number": lambda v, lk: as_id_number(v),
    "ethnicity": lambda v, lk: as_choice("ethnicity", v),
    "hukou_division": lambda v, lk: lk.unit(v, division=True),
    "hukou_address": lambda v, lk: as_text(v),
    "residence_division": lambda v, lk: lk.unit(v, division=True),
    "residence_address": lambda v, lk: as_text(v),
    "managing_unit": lambda v, lk: lk.unit(v),
    "phones": lambda v, lk: as_phones(v),
    "drug_types": lambda v, lk: lk.drugs(v),
    "confirm_not_duplicate": lambda v, lk: as_yes_no(v),
    "kind": lambda v, lk: as_choice("kind", v),
    "deciding_organ": lambda v, lk: lk.unit(v),
    "decision_number": lambda v, lk: as_text(v),
    "decided_on": lambda v, lk: as_date(v),
    "served_on": lambda v, lk: as_date(v),
    "executing_unit": lambda v, lk: lk.unit(v),
    "term_months": lambda v, lk: as_integer(v),
    "ground": lambda v, lk: as_choice("ground", v),
    "minor_reason": lambda v, lk: as_text(v),
}
