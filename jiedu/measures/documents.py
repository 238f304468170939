"""Printable legal documents rendered as PDF bytes.

- 解除强制隔离戒毒证明书: 《戒毒条例》第三十四条 (the facility issues a release certificate);
  司法部令第127号《司法行政机关强制隔离戒毒工作规定》第五十九条、第六十条 (release on expiry or
  early release after diagnostic assessment).
- 责令社区康复决定书: 《禁毒法》第四十八条 (community rehabilitation of up to three years after
  release); 《戒毒条例》第三十七条、第三十八条 (the deciding organ orders it; the person reports to
  the township or street office within fifteen days).

The module is pure: inputs are frozen dataclasses of plain values, so callers map their models to
them and tests need no database. Text uses ReportLab's built-in CID font STSong-Light, which PDF
readers supply themselves, so no font file ships with the project.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import textsplit
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus import paragraph as rl_paragraph

FONT = "STSong-Light"
# 禁毒法 Art. 48: 社区康复的期限不超过三年.
MAX_COMMUNITY_REHAB_MONTHS = 36
RELEASE_KINDS = {"expiry": "期满", "early": "提前"}
_NO_LINE_START = "，；：！？》”’…"
# GB/T 9704 side margins; top and bottom are narrower than its 37/35 mm so that a document with
# its particulars table still fits on one sheet.
MARGINS = dict(topMargin=28 * mm, bottomMargin=25 * mm, leftMargin=28 * mm, rightMargin=26 * mm)


@dataclass(frozen=True)
class _Document:
    """Fields every document opens with: its number and who it concerns."""

    number: str
    person_name: str
    gender: str  # display text, 男 / 女
    birth_date: date
    # Only the masked form is accepted, so a printed or leaked PDF never carries the full number.
    id_number_masked: str


@dataclass(frozen=True)
class ReleaseCertificate(_Document):
    """解除强制隔离戒毒证明书 (戒毒条例 Art. 34)."""

    hukou_address: str
    deciding_organ: str
    decision_number: str
    decided_on: date
    term_start: date
    term_end: date
    released_on: date
    release_kind: str  # a key of RELEASE_KINDS
    facility_name: str
    community_rehab_months: int | None  # None when 社区康复 was not ordered
    community_rehab_unit: str
    issued_on: date

    def __post_init__(self) -> None:
        if self.release_kind not in RELEASE_KINDS:
            raise ValueError(f"unknown release_kind {self.release_kind!r}")
        if self.community_rehab_months is not None:
            _check_months(self.community_rehab_months)
            if not self.community_rehab_unit:
                raise ValueError("community_rehab_unit is required when rehab is ordered")


@dataclass(frozen=True)
class CommunityRehabNotice(_Document):
    """责令社区康复决定书 (禁毒法 Art. 48; 戒毒条例 Art. 37–38)."""

    residence_address: str
    deciding_organ: str
    released_on: date
    term_months: int
    executing_unit: str
    # 戒毒条例 Art. 38: within 15 days of receiving this decision; only the caller knows when it
    # is served (and a province may set a shorter period), so the date is passed in.
    report_due_by: date
    issued_on: date

    def __post_init__(self) -> None:
        _check_months(self.term_months)


def _check_months(months: int) -> None:
    if not 1 <= months <= MAX_COMMUNITY_REHAB_MONTHS:
        raise ValueError(f"community rehabilitation term must be 1–36 months, got {months}")


def chinese_date(d: date) -> str:
    """Date as written on official documents: Arabic numerals, no zero padding (GB/T 9704)."""
    return f"{d.year}年{d.month}月{d.day}日"


def cjk_style(name: str, size: float, leading: float, align: int = TA_LEFT, **kw) -> ParagraphStyle:
    # Without wordWrap='CJK' ReportLab only breaks lines at spaces, so Chinese prose overflows.
    return ParagraphStyle(
        name, fontName=FONT, fontSize=size, leading=leading, alignment=align, wordWrap="CJK", **kw
    )


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    # Registering inside the cached function keeps import free of side effects and registers once.
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    # ReportLab lets a line overhang by one character it lists as unable to start a line, but
    # its list is Japanese and lacks the full-width comma, colon and the like, so without this a
    # line may begin with "，" (GB/T 15834 forbids that). Adding characters only widens the rule.
    # Short paragraphs wrap in textsplit, longer or marked-up ones in paragraph; each keeps a copy.
    for module in (textsplit, rl_paragraph):
        if _NO_LINE_START not in module.ALL_CANNOT_START:
            module.ALL_CANNOT_START += _NO_LINE_START
    return {
        "title": cjk_style("title", 22, 32, TA_CENTER, spaceAfter=4),
        "number": cjk_style("number", 12, 20, TA_RIGHT, spaceAfter=8),
        "body": cjk_style("body", 14, 24, TA_JUSTIFY, firstLineIndent=28),
        "cell": cjk_style("cell", 11, 15),
        "sign": cjk_style("sign", 14, 24, TA_RIGHT),
        "note": cjk_style("note", 10.5, 16, spaceBefore=12),
    }


def paragraph(text: str, style: str = "body") -> Paragraph:
    # Every value passes through here, so a name like "<b>&" prints literally instead of as markup.
    return Paragraph(escape(text), styles()[style])


def particulars_table(rows: list[tuple[str, str]]) -> Table:
    return Table(
        [[paragraph(label, "cell"), paragraph(value or "—", "cell")] for label, value in rows],
        colWidths=[42 * mm, None],
        splitInRow=1,  # a row taller than a page would otherwise raise LayoutError
        style=[("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")],
    )


def _person_rows(doc: _Document, place: str, address: str) -> list[tuple[str, str]]:
    return [
        ("姓名", doc.person_name),
        ("性别", doc.gender),
        ("出生日期", chinese_date(doc.birth_date)),
        ("身份证号码", doc.id_number_masked),
        (place, address),
    ]


def _identity(doc: _Document, place: str, address: str) -> str:
    # An empty address drops the whole clause rather than printing "户籍地，".
    where = f"{place}{address}，" if address else ""
    return (
        f"{doc.person_name}，{doc.gender}，{chinese_date(doc.birth_date)}出生，"
        f"身份证号码{doc.id_number_masked}，{where}"
    )


def _build(
    title: str, doc: _Document, author: str, rows: list, paragraphs: list[str], closing: list
) -> bytes:
    story = [
        paragraph(title, "title"),
        paragraph(doc.number, "number"),
        particulars_table(rows),
        Spacer(1, 12),
    ]
    story += [paragraph(text) for text in paragraphs[:-1]]
    # The last paragraph travels with the signature so a seal never stands alone on a page.
    story.append(KeepTogether([paragraph(paragraphs[-1]), *closing]))
    buffer = io.BytesIO()
    # invariant=True fixes the creation date and document ID: same input, same bytes.
    SimpleDocTemplate(
        buffer, pagesize=A4, title=title, author=author, creator="Jiedu", invariant=True, **MARGINS
    ).build(story)
    return buffer.getvalue()


def _signature(unit: str, on: date) -> list:
    return [
        Spacer(1, 16),
        paragraph(f"{unit}（印章）", "sign"),
        paragraph(chinese_date(on), "sign"),
    ]


def render_release_certificate(doc: ReleaseCertificate) -> bytes:
    """解除强制隔离戒毒证明书 as PDF bytes."""
    term = f"{chinese_date(doc.term_start)}至{chinese_date(doc.term_end)}"
    rows = [
        *_person_rows(doc, "户籍地", doc.hukou_address),
        ("决定机关", doc.deciding_organ),
        ("决定书文号", doc.decision_number),
        ("强制隔离戒毒期限", term),
        ("解除日期", chinese_date(doc.released_on)),
    ]
    paragraphs = [
        f"兹有{_identity(doc, '户籍地', doc.hukou_address)}因吸毒成瘾，"
        f"于{chinese_date(doc.decided_on)}被{doc.deciding_organ}决定强制隔离戒毒"
        f"（决定书文号：{doc.decision_number}），期限自{chinese_date(doc.term_start)}起"
        f"至{chinese_date(doc.term_end)}止。经诊断评估，于{chinese_date(doc.released_on)}"
        f"{RELEASE_KINDS[doc.release_kind]}解除强制隔离戒毒。"
    ]
    if doc.community_rehab_months is not None:
        unit = doc.community_rehab_unit
        # 戒毒条例 Art. 38: report to the executing township or street office within 15 days.
        paragraphs.append(
            f"根据《中华人民共和国禁毒法》第四十八条，责令其接受社区康复，"
            f"期限{doc.community_rehab_months}个月，由{unit}执行。"
            f"本人应按责令社区康复决定书载明的期限到{unit}报到（戒毒条例第三十八条）。"
        )
    paragraphs.append("特此证明。")
    closing = [
        *_signature(doc.facility_name, doc.issued_on),
        paragraph("（本证明书一式三份：本人、强制隔离戒毒决定机关各一份，本所存档一份。）", "note"),
    ]
    return _build("解除强制隔离戒毒证明书", doc, doc.facility_name, rows, paragraphs, closing)


def render_community_rehab_notice(doc: CommunityRehabNotice) -> bytes:
    """责令社区康复决定书 as PDF bytes."""
    unit = doc.executing_unit
    rows = [
        *_person_rows(doc, "居住地", doc.residence_address),
        ("解除日期", chinese_date(doc.released_on)),
        ("社区康复期限", f"{doc.term_months}个月"),
        ("执行单位", unit),
        ("报到截止日期", chinese_date(doc.report_due_by)),
    ]
    paragraphs = [
        f"{_identity(doc, '居住地', doc.residence_address)}"
        f"于{chinese_date(doc.released_on)}解除强制隔离戒毒。"
        "根据《中华人民共和国禁毒法》第四十八条和《戒毒条例》第三十七条、第三十八条的规定，"
        f"决定责令其接受社区康复，期限{doc.term_months}个月，由{unit}负责执行。"
        f"被责令人应当于{chinese_date(doc.report_due_by)}前到{unit}报到，签订社区康复协议。"
        "无正当理由逾期不报到或者拒绝接受社区康复的，依法处理。",
        # 行政复议法 Art. 20 (60 days) and 行政诉讼法 Art. 46 (six months).
        "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
        "或者在六个月内依法向人民法院提起行政诉讼。",
    ]
    closing = [
        *_signature(doc.deciding_organ, doc.issued_on),
        Spacer(1, 18),
        paragraph("被责令人签收：________　　　　年　　月　　日", "sign"),
        paragraph(
            "（本决定书一式三份：被责令人、社区康复执行单位各一份，本机关存档一份。）", "note"
        ),
    ]
    return _build("责令社区康复决定书", doc, doc.deciding_organ, rows, paragraphs, closing)
