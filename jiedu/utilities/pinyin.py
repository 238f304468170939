"""Pinyin keys for searching Chinese names by sound (张三 → 'zhangsan', 'zs').

Surnames are where readings differ from everyday words (单 Shàn, 曾 Zēng, 仇 Qiú, 解 Xiè), so the
first character contributes every reading pypinyin knows and the rest their usual reading.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin, pinyin

_NON_LETTER = re.compile(r"[^a-z]")
_SEPARATORS = re.compile(r"[\s·•・.\-]+")


def _clean(text: str) -> str:
    return _NON_LETTER.sub("", text.lower())


def _variants(name: str, style: Style) -> list[str]:
    chars = _SEPARATORS.sub("", name or "")
    if not chars:
        return []
    first = pinyin(chars[0], style=style, heteronym=True, errors=lambda s: [s])[0]
    rest = "".join(_clean(p) for p in lazy_pinyin(chars[1:], style=style, errors=lambda s: [s]))
    keys: list[str] = []
    for reading in first[:4]:
        key = _clean(reading) + rest
        if key and key not in keys:
            keys.append(key)
    return keys


def full_pinyin(name: str) -> str:
    """Space-separated readings without tones, e.g. '单雄信' → 'danxiongxin chanxiongxin …'."""
    return " ".join(_variants(name, Style.NORMAL))


def initials(name: str) -> str:
    """Space-separated initials, e.g. '张三' → 'zs'."""
    return " ".join(_variants(name, Style.FIRST_LETTER))


def is_pinyin_query(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z]+", text.strip().replace(" ", "")))
