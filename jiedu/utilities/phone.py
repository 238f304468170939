"""Phone numbers as users in China write them."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?$")


def normalize_phone(raw: str) -> str:
    value = re.sub(r"[\s()（）]", "", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def validate_phone(raw: str) -> str:
    value = normalize_phone(raw)
    if not (_MOBILE.match(value) or _LANDLINE.match(value)):
        raise ValidationError(
            _("电话号码格式不正确：手机号为1开头的11位数字，固定电话如 0571-87654321。"),
            code="phone",
        )
    return value
