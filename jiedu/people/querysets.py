"""Searching person files: by name or alias, pinyin (full or initials), ID number, phone."""

from __future__ import annotations

import re

from jiedu.utilities import pinyin, resident_id

from .choices import IdType


def _id_indexes(q: str) -> list[str]:
    from .services import id_number_index

    return [id_number_index(t, q) for t in IdType.values if t != IdType.NONE]


def search(queryset, q: str):
    """Narrow `queryset` (already restricted to the user's scope) by a free-text query."""
    q = (q or "").strip()
    if not q:
        return queryset
    compact = resident_id.normalize(q)
    if resident_id.looks_like_resident_id(compact) or (
        re.fullmatch(r"[A-Z0-9]{6,30}", compact)
        and re.search(r"\d", compact)
        and not compact.isdigit()
    ):
        return queryset.filter(id_number_index__in=_id_indexes(compact))
    if compact.isdigit():
        # Phone numbers (full or leading digits), or a complete numeric document number.
        by_phone = queryset.filter(search_text__contains=f" {compact}")
        if len(compact) >= 15:
            return queryset.filter(id_number_index__in=_id_indexes(compact)) | by_phone
        return by_phone
    if pinyin.is_pinyin_query(q):
        return queryset.filter(search_text__contains=f" {q.replace(' ', '').lower()}")
    return queryset.filter(search_text__contains=q.lower())


def search_by_person(queryset, q: str, field: str = "person"):
    """Narrow records of persons (a facility's stays, …) by the same free-text query as the
    person search; the records' own scope is the caller's `restrict()`."""
    from .models import Person

    if not (q or "").strip():
        return queryset
    return queryset.filter(**{f"{field}__in": search(Person.objects.all(), q).values("pk")})


def mask_query(q: str) -> str:
    """What the access log keeps of a query: identifiers are masked, names kept."""
    q = (q or "").strip()
    compact = resident_id.normalize(q)
    if re.search(r"\d", compact) and len(compact) >= 7:
        return compact[:3] + "*" * (len(compact) - 5) + compact[-2:]
    return q
