"""社区戒毒协议 / 社区康复协议 as PDF (戒毒条例 Art. 16, 38), printed from the text frozen in
`Agreement.contents` when it was signed, so a reprint reads as what was signed."""

from __future__ import annotations

import functools
import io
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from jiedu.measures.documents import (
    MARGINS,
    chinese_date,
    cjk_style,
    paragraph,
    particulars_table,
    styles,
)

from .models import Agreement

DEFAULT_TITLE = "社区戒毒协议"


@functools.cache
def _heading_style():
    styles()  # registers the CJK font
    return cjk_style("agreement_heading", 14, 24, TA_LEFT, spaceBefore=8, spaceAfter=2)


def _heading(text: str) -> Paragraph:
    return Paragraph(escape(text), _heading_style())


def _day(value: str) -> str:
    return chinese_date(date.fromisoformat(value)) if value else "—"


def _story(agreement: Agreement) -> list:
    contents = agreement.contents or {}
    title = contents.get("title") or DEFAULT_TITLE
    story = [paragraph(title, "title"), paragraph(f"编号：{agreement.number}", "number")]
    term = f"{_day(contents.get('term_start', ''))}至{_day(contents.get('term_end', ''))}"
    story.append(
        particulars_table(
            [
                ("甲方（执行单位）", contents.get("party_a", "")),
                ("乙方（本人）", contents.get("party_b", "")),
                ("身份证号码", contents.get("id_number_masked", "")),
                ("决定机关", contents.get("deciding_organ", "")),
                ("决定书文号", contents.get("decision_number", "")),
                ("期限", term),
            ]
        )
    )
    story.append(Spacer(1, 10))
    story.append(
        paragraph(
            f"根据《中华人民共和国禁毒法》和《戒毒条例》的规定，甲乙双方就乙方接受"
            f"{title.removesuffix('协议')}的有关事项，签订本协议。"
        )
    )
    for section in contents.get("sections", []):
        story.append(_heading(section.get("heading", "")))
        story += [paragraph(item) for item in section.get("items", [])]
    signed = _day(contents.get("signed_on", "")) if contents.get("signed_on") else "—"
    story.append(
        KeepTogether(
            [
                Spacer(1, 24),
                paragraph(f"甲方：{contents.get('party_a', '')}（盖章）", "sign"),
                paragraph("经办人（签名）：＿＿＿＿＿＿＿＿", "sign"),
                Spacer(1, 12),
                paragraph("乙方（签名、捺印）：＿＿＿＿＿＿＿＿", "sign"),
                Spacer(1, 12),
                paragraph(f"签订日期：{signed}", "sign"),
                paragraph("（本协议一式三份：甲方、乙方、公安机关各执一份。）", "note"),
            ]
        )
    )
    return story


def render_agreement(agreement: Agreement) -> bytes:
    """The agreement as PDF bytes; same agreement, same bytes."""
    title = (agreement.contents or {}).get("title") or DEFAULT_TITLE
    buffer = io.BytesIO()
    # invariant=True fixes the creation date and document ID: same input, same bytes.
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=(agreement.contents or {}).get("party_a", ""),
        creator="Jiedu",
        invariant=True,
        **MARGINS,
    ).build(_story(agreement))
    return buffer.getvalue()
