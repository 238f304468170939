"""Resident identity numbers (居民身份证号码), GB 11643-1999.

18 characters: 6-digit administrative division code, 8-digit birth date (YYYYMMDD), 3-digit
sequence code whose last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check
character (0-9 or X).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

# GB 11643-1999 §8.2: weights W_i = 2^(17-i) mod 11 for positions 1..17.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"  # indexed by (sum of weighted digits) mod 11
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


class ResidentIdError(ValueError):
    """A resident ID number that is not valid; `message` is translatable."""

    def __init__(self, code: str, message, params: dict | None = None):
        # The message stays lazy and apart from its params, so each reader renders it in
        # their own language (the API answers in Chinese and English).
        super().__init__(str(message) % params if params else str(message))
        self.code = code
        self.message = message
        self.params = params


@dataclass(frozen=True)
class ResidentId:
    number: str
    division_code: str
    birth_date: date
    gender: str  # "male" / "female", from the parity of the 17th digit


def normalize(raw: str) -> str:
    """Strip spaces and make the check character upper case (users type 'x')."""
    return re.sub(r"\s+", "", raw or "").upper()


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def parse(raw: str, *, today: date | None = None) -> ResidentId:
    """Validate and decompose an 18-character resident ID number; raise ResidentIdError."""
    number = normalize(raw)
    if len(number) != 18:
        raise ResidentIdError(
            "length", _("身份证号码应为18位，当前为%(n)d位。"), {"n": len(number)}
        )
    if not _SHAPE.match(number):
        raise ResidentIdError("characters", _("身份证号码前17位应为数字，最后一位为数字或X。"))
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ResidentIdError(
            "birth_date", _("身份证号码中的出生日期（第7–14位）不是有效日期。")
        ) from None
    if born.year < 1900 or (today is not None and born > today):
        raise ResidentIdError("birth_date", _("身份证号码中的出生日期不在合理范围内。"))
    expected = check_char(number[:17])
    if number[17] != expected:
        raise ResidentIdError(
            "check_digit",
            _("身份证号码校验位错误（最后一位应为%(c)s），请核对是否录入有误。"),
            {"c": expected},
        )
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return ResidentId(number=number, division_code=number[:6], birth_date=born, gender=gender)


def mask(number: str) -> str:
    """Masked display: division code and last four stay, the birth date and sequence are hidden."""
    number = normalize(number)
    if len(number) > 10:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if len(number) >= 8:  # passports and permits: the last four only
        return "*" * (len(number) - 4) + number[-4:]
    return "*" * len(number)


def looks_like_resident_id(text: str) -> bool:
    return bool(_SHAPE.match(normalize(text)))


def build(division_code: str, birth_date: date, sequence: int) -> str:
    """Compose a valid number (for synthetic data only): sequence 1–999, odd = male."""
    if not (re.fullmatch(r"[0-9]{6}", division_code) and 0 < sequence < 1000):
        raise ValueError("division_code must be 6 digits and sequence 1..999")
    first17 = f"{division_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
