"""The evidence package of a referral to the police (移交公安), as PDF:

- 严重违反社区戒毒（康复）协议情况报告 — 戒毒条例 Art. 20, 21;
- 疑似社区戒毒（康复）期间吸毒情况报告 — 禁毒法 Art. 35; 戒毒条例 Art. 21 (JX §五(七)3);
- 逾期未报到（拒绝接受）情况报告 — 戒毒条例 Art. 14, 21.

Every report carries the person's particulars (masked ID number only), the measure, the counts
of 戒毒条例 Art. 20 against their thresholds, a table of every refused or evaded test and every
unapproved absence, and the worker, township and date. What it prints comes from the referral's
frozen `evidence` (the package the police received prints again unchanged).

`render_referral_report` is pure (plain values in, bytes out); `report_from(referral)` maps the
models to it. Fonts, styles and the particulars table come from `jiedu.measures.documents`, so
every printed document of the platform looks alike.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from jiedu.measures.documents import (
    MARGINS,
    chinese_date,
    cjk_style,
    paragraph,
    particulars_table,
    styles,
)

TITLES = {
    "serious_breach": "严重违反社区戒毒（康复）协议情况报告",
    "positive_test": "疑似社区戒毒（康复）期间吸毒情况报告",
    "refusal": "逾期未报到（拒绝接受社区戒毒（康复））情况报告",
}
BASIS = {
    "serious_breach": "《中华人民共和国禁毒法》第三十五条，《戒毒条例》第二十条、第二十一条",
    "positive_test": "《中华人民共和国禁毒法》第三十五条，《戒毒条例》第二十一条",
    "refusal": "《中华人民共和国禁毒法》第三十五条，《戒毒条例》第十四条、第二十一条",
}
# The three grounds of 戒毒条例 Art. 20 and how the statute words their thresholds.
GROUNDS = (
    ("refused_or_evaded_tests", "逃避或者拒绝接受检测", "次", "{n}次以上"),
    ("unapproved_absences", "未经批准擅自离开执行地所在县（市、区）", "次", "{n}次以上"),
    ("unapproved_days_away", "未经批准擅自离开累计天数", "日", "累计超过{n}日"),
)
# The A4 text width inside MARGINS is 156 mm.
COUNT_COLUMNS = [62 * mm, 26 * mm, 38 * mm, 30 * mm]
TEST_COLUMNS = [28 * mm, 24 * mm, 22 * mm, 30 * mm, 52 * mm]
ABSENCE_COLUMNS = [26 * mm, 26 * mm, 16 * mm, 36 * mm, 52 * mm]


@dataclass(frozen=True)
class ReferralReport:
    """The values printed; `evidence` is the referral's frozen evidence (plain data)."""

    reason: str  # a key of TITLES
    number: str
    person_name: str
    gender: str
    birth_date: date
    # Only the masked form is accepted, so a printed or leaked PDF never carries the full number.
    id_number_masked: str
    address: str
    measure_kind: str
    deciding_organ: str
    decision_number: str
    served_on: date
    reported_in_on: date | None
    township: str
    organ: str  # the police organ it goes to
    worker: str
    detected_on: date
    dated: date  # the report's date: the day reported, or today for a draft
    evidence: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.reason not in TITLES:
            raise ValueError(f"unknown referral reason {self.reason!r}")


@functools.cache
def _table_styles() -> dict[str, ParagraphStyle]:
    styles()  # registers the CID font
    return {
        "heading": cjk_style("referral-heading", 13, 20, spaceBefore=10, spaceAfter=4),
        "small": cjk_style("referral-small", 10, 13),
    }


def _h(text: str) -> Paragraph:
    return Paragraph(escape(text), _table_styles()["heading"])


def _c(text) -> Paragraph:
    return Paragraph(escape(str(text) if text not in (None, "") else "—"), _table_styles()["small"])


def _grid(rows: list[list], widths: list) -> Table:
    return Table(
        [[_c(v) for v in row] for row in rows],
        colWidths=widths,
        repeatRows=1,
        splitInRow=1,
        style=[
            ("GRID", (0, 0), (-1, -1), 0.5, "black"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee"),
        ],
    )


def _day(value) -> str:
    if not value:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return chinese_date(value)


def _count_rows(evidence: dict) -> list[list]:
    counts = evidence.get("counts") or {}
    thresholds = evidence.get("thresholds") or {}
    rows = [["情形", "本人情况", "认定标准", "是否达到"]]
    for key, label, unit, wording in GROUNDS:
        n = counts.get(key, 0)
        limit = thresholds.get(key)
        if limit is None:
            rows.append([label, f"{n}{unit}", "—", "—"])
            continue
        met = n > limit if key == "unapproved_days_away" else n >= limit
        rows.append([label, f"{n}{unit}", wording.format(n=limit), "已达到" if met else "未达到"])
    return rows


def _test_rows(evidence: dict) -> list[list]:
    rows = [["检测日期", "结果", "样本", "检测类别", "备注"]]
    for t in evidence.get("tests") or []:
        rows.append(
            [
                _day(t.get("taken_on")),
                t.get("result_label"),
                t.get("sample"),
                t.get("tier"),
                t.get("note"),
            ]
        )
    return rows


def _absence_rows(evidence: dict) -> list[list]:
    rows = [["离开日期", "返回日期", "天数", "去向", "说明"]]
    for a in evidence.get("absences") or []:
        returned = _day(a.get("returned_on")) if a.get("returned_on") else "尚未返回"
        rows.append(
            [_day(a.get("left_on")), returned, a.get("days"), a.get("destination"), a.get("note")]
        )
    return rows


def _opening(doc: ReferralReport) -> str:
    who = (
        f"{doc.person_name}，{doc.gender}，{chinese_date(doc.birth_date)}出生，"
        f"身份证号码{doc.id_number_masked}，"
    )
    measure = (
        f"经{doc.deciding_organ or '决定机关'}决定（{doc.decision_number or '—'}）"
        f"在{doc.township}接受{doc.measure_kind}"
    )
    if doc.reported_in_on:
        measure += f"，于{chinese_date(doc.reported_in_on)}报到"
    return who + measure + "。"


def _finding(doc: ReferralReport) -> str:
    ev = doc.evidence
    if doc.reason == "serious_breach":
        grounds = "；".join(ev.get("met_labels") or []) or "—"
        since = f"自{_day(ev.get('since'))}起" if ev.get("since") else ""
        return (
            f"经核查，该人员{since}存在下列情形：{grounds}，"
            "已构成《戒毒条例》第二十条规定的严重违反社区戒毒（康复）协议。"
            "依照《中华人民共和国禁毒法》第三十五条、《戒毒条例》第二十一条的规定，"
            f"现将有关情况报告{doc.organ}，请依法处理。"
        )
    if doc.reason == "positive_test":
        test = ev.get("test") or {}
        when = _day(test.get("taken_on")) if test else chinese_date(doc.detected_on)
        kind = "、".join(v for v in (test.get("tier"), test.get("sample")) if v)
        return (
            f"该人员于{when}接受吸毒检测{f'（{kind}）' if kind else ''}，结果为阳性，"
            "疑似在社区戒毒（康复）期间吸食、注射毒品。依照《中华人民共和国禁毒法》第三十五条、"
            f"《戒毒条例》第二十一条的规定，现将有关情况报告{doc.organ}，请依法处理；"
            "在公安机关作出决定前，暂停社区戒毒（康复）程序。"
        )
    refusal = ev.get("refusal") or {}
    due = _day(refusal.get("report_due_by"))
    return (
        f"该人员于{chinese_date(doc.served_on)}收到决定书，应于{due}前报到，逾期未报到，"
        "依照《戒毒条例》第十四条视为拒绝接受社区戒毒（康复）。依照《中华人民共和国禁毒法》"
        f"第三十五条、《戒毒条例》第二十一条的规定，现将有关情况报告{doc.organ}，请依法处理。"
    )


def _positive_rows(evidence: dict) -> list[list] | None:
    test = evidence.get("test")
    if not test:
        return None
    results = test.get("results") or {}
    rows = [
        ["检测日期", _day(test.get("taken_on"))],
        ["检测类别", test.get("tier")],
        ["样本", test.get("sample")],
        ["结果", test.get("result")],
        ["分项结果", "，".join(f"{k}：{v}" for k, v in results.items()) or "—"],
        ["试剂（批号）", test.get("kit")],
        ["检测机构", test.get("institution")],
        ["检测人员", "、".join(test.get("staff") or []) or "—"],
        ["A瓶/B瓶编号", " / ".join(v for v in (test.get("bottle_a"), test.get("bottle_b")) if v)],
        ["样本保存至", _day(test.get("retain_until"))],
        ["异议期限", _day(test.get("objection_due_by"))],
    ]
    if test.get("use_window_from"):
        rows.append(["毛发检测对应吸毒时间窗", f"{_day(test['use_window_from'])}起"])
    return rows


def render_referral_report(doc: ReferralReport) -> bytes:
    """The evidence package as PDF bytes."""
    title = TITLES[doc.reason]
    ev = doc.evidence
    rows = [
        ("姓名", doc.person_name),
        ("性别", doc.gender),
        ("出生日期", chinese_date(doc.birth_date)),
        ("身份证号码", doc.id_number_masked),
        ("居住地", doc.address),
        ("措施", doc.measure_kind),
        ("决定机关", doc.deciding_organ),
        ("决定书文号", doc.decision_number),
        ("送达日期", chinese_date(doc.served_on)),
        ("报到日期", chinese_date(doc.reported_in_on) if doc.reported_in_on else "未报到"),
        ("执行地", doc.township),
        ("发现日期", chinese_date(doc.detected_on)),
    ]
    story = [
        paragraph(title, "title"),
        paragraph(doc.number, "number"),
        particulars_table(rows),
        Spacer(1, 10),
        paragraph(_opening(doc)),
        paragraph(_finding(doc)),
    ]
    positive = _positive_rows(ev) if doc.reason == "positive_test" else None
    if positive:
        story += [_h("一、检测情况"), particulars_table([(k, str(v or "—")) for k, v in positive])]
    number = "二" if positive else "一"
    counted_on = _day(ev.get("on")) if ev.get("on") else chinese_date(doc.dated)
    story += [
        _h(f"{number}、严重违反协议情形统计（截至{counted_on}，《戒毒条例》第二十条）"),
        _grid(_count_rows(ev), COUNT_COLUMNS),
        paragraph(
            "说明：离开天数自离开之日起至返回之日止（含首尾两日）计算，尚未返回的计算至统计日；"
            "同一期间重复登记的只计一次；经批准的离开不计入。",
            "note",
        ),
        _h("逃避或拒绝接受检测记录"),
        _grid(_test_rows(ev), TEST_COLUMNS),
        _h("未经批准离开执行地记录"),
        _grid(_absence_rows(ev), ABSENCE_COLUMNS),
        Spacer(1, 10),
    ]
    closing = [
        paragraph(f"依据：{BASIS[doc.reason]}。", "note"),
        Spacer(1, 16),
        paragraph(f"报告单位：{doc.township}（印章）", "sign"),
        paragraph(f"禁毒专干（社工）：{doc.worker or '　　　　'}", "sign"),
        paragraph(chinese_date(doc.dated), "sign"),
    ]
    story.append(KeepTogether([paragraph("特此报告。"), *closing]))
    buffer = io.BytesIO()
    # invariant=True fixes the creation date and document ID: same input, same bytes.
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=doc.township,
        creator="Jiedu",
        invariant=True,
        **MARGINS,
    ).build(story)
    return buffer.getvalue()


def report_from(referral, *, today: date) -> ReferralReport:
    """The printed values of `referral` (its case, person and measure loaded)."""
    case = referral.case
    person = case.person
    measure = case.measure
    return ReferralReport(
        reason=referral.reason,
        number=f"移交编号：{case.unit.code}-{referral.pk}",
        person_name=person.name,
        gender=person.get_gender_display(),
        birth_date=person.birth_date,
        id_number_masked=person.id_number_masked,
        address=person.residence_address or person.hukou_address,
        measure_kind=str(measure.get_kind_display()),
        deciding_organ=str(measure.deciding_organ or ""),
        decision_number=measure.decision_number,
        served_on=measure.served_on,
        reported_in_on=measure.reported_on,
        township=str(case.unit),
        organ=str(referral.organ),
        worker=referral.reported_by or (str(case.worker) if case.worker else ""),
        detected_on=referral.detected_on,
        dated=referral.reported_on or today,
        evidence=dict(referral.evidence or {}),
    )
