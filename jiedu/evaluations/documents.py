"""强制隔离戒毒人员诊断评估报告: the printable record of one completed evaluation — who, which
measure, each dimension's items with the pre-filled and confirmed points, the results
(强制隔离戒毒诊断评估办法 Art. 6), the opinion (Art. 3) and the proposal's way through the
facility committee and the deciding organ (禁毒法 Art. 47; 戒毒条例 Art. 33).

Font set-up, styles and the particulars table come from `jiedu.measures.documents`, so every
printed document of the platform looks alike. Only the masked ID number is printed.
"""

from __future__ import annotations

import functools
import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import translation
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from jiedu.measures.documents import (
    FONT,
    MARGINS,
    chinese_date,
    cjk_style,
    paragraph,
    particulars_table,
    styles,
)

from .choices import (
    COMPREHENSIVE_KINDS,
    DIMENSION_ORDER,
    Dimension,
    DimensionResult,
    EvaluationKind,
    Opinion,
    ProposalKind,
    ProposalStatus,
)
from .models import Evaluation, Proposal
from .stages import GATE_DIMENSIONS

TITLE = "强制隔离戒毒人员诊断评估报告"
SECTION_NUMBERS = "一二三四五六七八九"
DIMENSION_NUMBERS = "一二三四"
# 项目, 满分, 系统预填, 评定分, 依据/调整理由: the text width of A4 inside MARGINS is 156 mm.
ITEM_COLUMNS = [52 * mm, 13 * mm, 16 * mm, 14 * mm, 61 * mm]
BLANK_DATE = "　　年　　月　　日"


@functools.cache
def _report_styles() -> dict[str, ParagraphStyle]:
    styles()  # registers the CID font
    return {
        "heading": cjk_style("evaluation-heading", 14, 22, spaceBefore=10, spaceAfter=4),
        "subheading": cjk_style("evaluation-subheading", 12, 18, spaceBefore=6, spaceAfter=3),
        "line": cjk_style("evaluation-line", 12, 20),
        "small": cjk_style("evaluation-small", 9.5, 13),
    }


def _q(text: str, style: str) -> Paragraph:
    """A paragraph in one of this report's own styles; text escaped as in `paragraph`."""
    return Paragraph(escape(text), _report_styles()[style])


def _points(value: Decimal | None) -> str:
    if value is None:
        return "—"
    value = Decimal(value)
    return str(value.quantize(Decimal(1))) if value == value.to_integral() else str(value)


def _day(value) -> str:
    return chinese_date(value) if value else "—"


def _result_text(code: str) -> str:
    return str(DimensionResult(code).label) if code else "未评定"


def _load(evaluation: Evaluation) -> Evaluation:
    return (
        Evaluation.objects.select_related(
            "person",
            "measure__deciding_organ",
            "admission__facility",
            "admission__evaluation_handbook",
            "proposal__decided_by",
        )
        .prefetch_related("items")
        .get(pk=evaluation.pk)
    )


def _proposal(evaluation: Evaluation) -> Proposal | None:
    try:
        return evaluation.proposal
    except Proposal.DoesNotExist:
        return None


def _handbook_number(evaluation: Evaluation) -> str:
    handbook = getattr(evaluation.admission, "evaluation_handbook", None)
    return f"评估手册编号：{handbook.number}" if handbook else ""


def _term(measure) -> str:
    months = measure.term_months + measure.extension_months
    text = f"{months}个月"
    if measure.extension_months:
        text += f"（含延长{measure.extension_months}个月）"
    if measure.term_start and measure.term_end:
        text += f"，自{chinese_date(measure.term_start)}至{chinese_date(measure.term_end)}"
    return text


def _basics(evaluation: Evaluation) -> Table:
    person, measure, stay = evaluation.person, evaluation.measure, evaluation.admission
    return particulars_table(
        [
            ("姓名", person.name),
            ("性别", person.get_gender_display()),
            ("出生日期", _day(person.birth_date)),
            ("身份证号码", person.id_number_masked),
            ("戒毒所", stay.facility.name),
            ("入所日期", _day(stay.admitted_on)),
            ("决定机关", measure.deciding_organ.name if measure.deciding_organ else ""),
            ("决定书文号", measure.decision_number),
            ("强制隔离戒毒期限", _term(measure)),
            ("期限届满日", _day(measure.term_end)),
            ("评估类型", evaluation.get_kind_display()),
            ("评估日期", _day(evaluation.evaluated_on)),
            ("评估人", evaluation.evaluator),
        ]
    )


def _dimension_table(evaluation: Evaluation, dimension: str, items: list) -> Table:
    cell = "small"
    rows = [[_q(h, cell) for h in ("项目", "满分", "系统预填", "评定分", "依据/调整理由")]]
    for item in items:
        grounds = [item.basis] if item.basis else []
        if item.override_reason:
            grounds.append(f"调整理由：{item.override_reason}")
        rows.append(
            [
                _q(item.label, cell),
                _q(_points(item.max_points), cell),
                _q(_points(item.suggested_points), cell),
                _q(_points(item.points), cell),
                _q("；".join(grounds) or "—", cell),
            ]
        )
    top = sum((i.max_points for i in items), Decimal(0))
    total = evaluation.scores.get(dimension)
    result = _result_text(evaluation.result_for(dimension))
    rows.append(
        [
            _q("合计", cell),
            _q(_points(top), cell),
            _q("", cell),
            _q(_points(Decimal(total)) if total is not None else "—", cell),
            _q(f"结果：{result}", cell),
        ]
    )
    return Table(
        rows,
        colWidths=ITEM_COLUMNS,
        repeatRows=1,
        splitInRow=1,
        style=[
            ("GRID", (0, 0), (-1, -1), 0.5, "black"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee"),
        ],
    )


def _dimensions(evaluation: Evaluation) -> list:
    story = []
    items = list(evaluation.items.all())
    ordered = [d for d in DIMENSION_ORDER if d in evaluation.dimensions]
    for n, dimension in enumerate(ordered):
        sheet = evaluation.sheets.get(dimension, {})
        label = Dimension(dimension).label
        story.append(_q(f"（{DIMENSION_NUMBERS[n]}）{label}", "subheading"))
        if sheet.get("name_zh"):
            source = f"（{sheet['source']}）" if sheet.get("source") else ""
            story.append(_q(f"评分表：{sheet['name_zh']}{source}", "small"))
        story.append(
            _dimension_table(evaluation, dimension, [i for i in items if i.dimension == dimension])
        )
        story.append(
            _q(f"{label}评估结果：{_result_text(evaluation.result_for(dimension))}", "line")
        )
    return story


def _gate_line(evaluation: Evaluation) -> str:
    gates = GATE_DIMENSIONS[EvaluationKind(evaluation.kind)]
    if not gates:
        return f"{evaluation.get_kind_display()}为基线评估，不作合格与否的判定。"
    names = "、".join(str(Dimension(d).label) for d in gates)
    verdict = "合格" if evaluation.passed else "不合格"
    return f"本次{evaluation.get_kind_display()}结论：{verdict}（判定依据：{names}均须合格）。"


def _opinion_lines(evaluation: Evaluation, proposal: Proposal | None) -> list[str]:
    if evaluation.kind not in COMPREHENSIVE_KINDS or not evaluation.opinion:
        return []
    lines = [f"评估意见：{evaluation.get_opinion_display()}。"]
    if evaluation.opinion == Opinion.EARLY_RELEASE and proposal is not None:
        lines.append(f"建议解除日期：{_day(proposal.proposed_release_on)}。")
    elif evaluation.opinion == Opinion.EXTENSION and proposal is not None:
        lines.append(f"建议延长戒毒期限：{proposal.proposed_extension_months}个月。")
    elif evaluation.opinion == Opinion.ON_TIME_RELEASE and evaluation.measure.term_end:
        lines.append(f"于期限届满日{chinese_date(evaluation.measure.term_end)}按期解除。")
    if evaluation.opinion in (Opinion.EARLY_RELEASE, Opinion.ON_TIME_RELEASE):
        if evaluation.community_rehab_recommended:
            lines.append(
                f"建议责令社区康复，期限{evaluation.community_rehab_years}年（禁毒法第四十八条）。"
            )
        else:
            lines.append("不建议责令社区康复。")
    return lines


def _proposal_lines(proposal: Proposal, organ: str) -> list[str]:
    kind = proposal.get_kind_display()
    lines = [f"意见类别：{kind}；当前状态：{proposal.get_status_display()}。"]
    if proposal.committee_on:
        verdict = (
            "不同意报送"
            if proposal.status == ProposalStatus.COMMITTEE_REJECTED
            else "同意报送决定机关"
        )
        note = f"，意见：{proposal.committee_note}" if proposal.committee_note else ""
        lines.append(
            f"所务会审议：{chinese_date(proposal.committee_on)}，{verdict}"
            f"（审议人：{proposal.committee_by}{note}）。"
        )
    else:
        lines.append("所务会审议：尚未审议。")
    if proposal.submitted_on:
        lines.append(
            f"报送决定机关：{organ}，{chinese_date(proposal.submitted_on)}收到，"
            f"应于{_day(proposal.decision_due_by)}前作出决定（戒毒条例第三十三条）。"
        )
    if proposal.decided_on:
        approved = proposal.status == ProposalStatus.APPROVED
        text = (
            f"决定机关决定：{chinese_date(proposal.decided_on)}，{'批准' if approved else '不批准'}"
        )
        if proposal.decision_number:
            text += f"，决定书文号{proposal.decision_number}"
        if approved and proposal.kind == ProposalKind.EARLY_RELEASE:
            text += f"，批准解除日期{_day(proposal.approved_release_on)}"
        if approved and proposal.kind == ProposalKind.EXTENSION:
            text += f"，批准延长{proposal.approved_extension_months}个月"
        if proposal.decision_note:
            text += f"，意见：{proposal.decision_note}"
        lines.append(text + "。")
    elif proposal.submitted_on:
        lines.append("决定机关决定：尚未作出。")
    return lines


def _signatures(evaluation: Evaluation) -> list:
    rule = "＿＿＿＿＿＿＿＿"
    return [
        Spacer(1, 18),
        _q(f"评估人（签名）：{rule}　　（{evaluation.evaluator}）　　日期：{BLANK_DATE}", "line"),
        Spacer(1, 12),
        _q(f"所务会（签章）：{rule}　　日期：{BLANK_DATE}", "line"),
        Spacer(1, 12),
        paragraph(f"{evaluation.admission.facility.name}（印章）", "sign"),
        paragraph(f"日期：{BLANK_DATE}", "sign"),
    ]


def _page_number(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(A4[0] / 2, 12 * mm, f"第{doc.page}页")
    canvas.restoreState()


def _story(evaluation: Evaluation) -> list:
    proposal = _proposal(evaluation)
    organ = evaluation.measure.deciding_organ
    sections = iter(SECTION_NUMBERS)
    story = [paragraph(TITLE, "title")]
    number = _handbook_number(evaluation)
    if number:
        story.append(paragraph(number, "number"))
    story += [_q(f"{next(sections)}、基本情况", "heading"), _basics(evaluation)]
    story += [_q(f"{next(sections)}、评估内容及结果", "heading"), *_dimensions(evaluation)]
    conclusion = [_gate_line(evaluation), *_opinion_lines(evaluation, proposal)]
    if evaluation.summary:
        conclusion.append(f"评估结论：{evaluation.summary}")
    story.append(_q(f"{next(sections)}、评估结论", "heading"))
    story += [_q(line, "line") for line in conclusion]
    if proposal is not None:
        story.append(_q(f"{next(sections)}、所务会审议和决定机关决定", "heading"))
        lines = _proposal_lines(proposal, organ.name if organ else "决定机关")
        story += [_q(line, "line") for line in lines]
    # The signature block stays on one page so a seal never stands alone.
    story.append(KeepTogether(_signatures(evaluation)))
    return story


def render_evaluation_report(evaluation: Evaluation) -> bytes:
    """The report of a completed evaluation as PDF bytes; a draft is not a result and raises
    ValueError (the view answers 404)."""
    if not evaluation.is_completed:
        raise ValueError("only a completed evaluation has a report")
    evaluation = _load(evaluation)
    # The document is Chinese whatever the reader's language (choice labels are msgids in
    # Chinese; an English request would otherwise print English labels).
    with translation.override("zh-hans"):
        story = _story(evaluation)
        author = evaluation.admission.facility.name
    buffer = io.BytesIO()
    # invariant=True fixes the creation date and document ID: same input, same bytes.
    SimpleDocTemplate(
        buffer, pagesize=A4, title=TITLE, author=author, creator="Jiedu", invariant=True, **MARGINS
    ).build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return buffer.getvalue()
