"""Every write of the evaluations: the handbook, evaluations and their items, the opinion, and
the proposal's way through the facility committee and the deciding organ (强制隔离戒毒诊断评估
办法 Art. 3; 禁毒法 Art. 47; 戒毒条例 Art. 33; domain.md §4).

The legal effect of an approved proposal — the measure's new term end and the notices — belongs
to `measures.services` (approve_early_release, extend_term); this module only calls it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.centres.services.common import check_day as _check_day
from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm, has_perm_any
from jiedu.core.refusals import Refusal
from jiedu.facilities.models import Admission
from jiedu.measures import rules as measure_rules
from jiedu.measures import services as measures
from jiedu.measures.choices import BlockerCode
from jiedu.people.events import record_event

from . import prefill, rules, sheets
from .choices import (
    COMPREHENSIVE_KINDS,
    DIMENSION_ORDER,
    PASS_FAIL_DIMENSIONS,
    Dimension,
    DimensionResult,
    EvaluationKind,
    EvaluationStatus,
    Opinion,
    ProposalKind,
    ProposalStatus,
)
from .models import Evaluation, EvaluationItem, Handbook, Proposal, ScoringSheet
from .stages import GATE_DIMENSIONS, KIND_DIMENSIONS, OPINIONS_FOR_KIND

COMMUNITY_REHAB_MAX_YEARS = 3  # 禁毒法 Art. 48: 社区康复 not more than 3 years


def _zh(value) -> str:
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(value)


def _require(actor, perm: str, stay: Admission) -> None:
    if not has_perm(actor, perm, stay.facility):
        raise PermissionDenied(_("您无权在该戒毒所办理诊断评估。"))


def _event(person, code: str, actor, unit, **data) -> None:
    record_event(
        person,
        code,
        actor=actor,
        org_unit=unit,
        **{k: (v.isoformat() if isinstance(v, date) else _zh(v)) for k, v in data.items()},
    )


# --- Handbook -----------------------------------------------------------------------------------


def handbook_due_by(stay: Admission) -> date:
    days = rule_config.value(rules.HANDBOOK_DAYS, stay.facility, stay.admitted_on)
    return stay.admitted_on + timedelta(days=days)


def open_handbook(stay: Admission, *, opened_on: date, actor, number: str = "") -> Handbook:
    """诊断评估手册, due within 7 days of admission (粤戒毒〔2015〕37号); a second open returns
    the first."""
    _require(actor, "evaluations.conduct_evaluation", stay)
    _check_day(stay, opened_on, "opened_on")
    with acting_as(actor), transaction.atomic():
        existing = Handbook.objects.filter(admission=stay).first()
        if existing is not None:
            return existing
        number = number.strip() or f"PG-{stay.facility.code}-{stay.pk:06d}"
        try:
            with transaction.atomic():
                handbook = Handbook.objects.create(
                    admission=stay, number=number, opened_on=opened_on, opened_by=str(actor)
                )
        except IntegrityError:  # a concurrent open of the same stay's handbook
            return Handbook.objects.get(admission=stay)
        _event(stay.person, "evaluations.handbook.opened", actor, stay.facility, on=opened_on)
    return handbook


# --- Evaluations --------------------------------------------------------------------------------


def start_evaluation(stay: Admission, kind: str, *, on: date, actor) -> Evaluation:
    """A draft evaluation with every sheet item pre-filled from the centres' records. Starting a
    kind that already has a draft returns that draft."""
    _require(actor, "evaluations.conduct_evaluation", stay)
    if kind not in EvaluationKind.values:
        raise Refusal(_("评估类型无效。"), code="invalid_kind", field="kind")
    if stay.left_on is not None:
        raise Refusal(_("该人员已出所。"), code="stay_closed")
    _check_day(stay, on, "evaluated_on")
    if kind in COMPREHENSIVE_KINDS and not stay.measure.is_isolation:
        raise Refusal(_("综合诊断评估只适用于强制隔离戒毒。"), code="not_isolation")
    if not Handbook.objects.filter(admission=stay).exists():
        raise Refusal(_("请先建立诊断评估手册。"), code="handbook_required", field="kind")
    with acting_as(actor), transaction.atomic():
        draft = Evaluation.objects.filter(
            admission=stay, kind=kind, status=EvaluationStatus.DRAFT
        ).first()
        if draft is not None:
            return draft
        dims = [d.value for d in KIND_DIMENSIONS[EvaluationKind(kind)]]
        used = {d: sheets.sheet_for(d, stay.facility, on) for d in dims}
        try:
            with transaction.atomic():
                evaluation = Evaluation.objects.create(
                    admission=stay,
                    person_id=stay.person_id,
                    measure_id=stay.measure_id,
                    kind=kind,
                    evaluated_on=on,
                    evaluator=str(actor),
                    dimensions=dims,
                    sheets=used,
                )
        except IntegrityError:  # another officer started the same draft a moment earlier
            return Evaluation.objects.get(admission=stay, kind=kind, status="draft")
        items = []
        for dim in dims:
            for position, item in enumerate(used[dim]["items"]):
                hint = prefill.suggest(item, stay, on)
                items.append(
                    EvaluationItem(
                        evaluation=evaluation,
                        dimension=dim,
                        code=item["code"],
                        position=DIMENSION_ORDER.index(dim) * 100 + position,
                        label=item["label_zh"][:200],
                        max_points=Decimal(str(item["max_points"])),
                        suggested_points=hint.points,
                        basis=hint.basis[:300],
                        points=hint.points,
                    )
                )
        for item in items:  # one by one so each lands in the change log
            item.save()
    return evaluation


def refresh_suggestions(evaluation: Evaluation, *, actor) -> Evaluation:
    """Read the centres' records again (new tests, a later exam) for a draft; points the
    evaluator has already changed are kept."""
    stay = evaluation.admission
    _require(actor, "evaluations.conduct_evaluation", stay)
    with acting_as(actor), transaction.atomic():
        # Races completion: the draft must still be a draft when its items are rewritten.
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        _check_draft(evaluation)
        for item in evaluation.items.all():
            spec = _sheet_item(evaluation, item)
            hint = prefill.suggest(spec, stay, evaluation.evaluated_on)
            untouched = item.points == item.suggested_points and not item.override_reason
            item.suggested_points = hint.points
            item.basis = hint.basis[:300]
            if untouched:
                item.points = hint.points
            item.save()
    return evaluation


def _check_draft(evaluation: Evaluation) -> None:
    if evaluation.status != EvaluationStatus.DRAFT:
        raise Refusal(_("评估已完成，不能修改。"), code="evaluation_completed")


def _sheet_item(evaluation: Evaluation, item: EvaluationItem) -> dict:
    sheet = evaluation.sheets[item.dimension]
    return next(i for i in sheet["items"] if i["code"] == item.code)


def score_items(evaluation: Evaluation, scores: dict[str, tuple], *, actor) -> Evaluation:
    """Record the evaluator's points: `scores` maps item code → (points, reason). Confirming a
    suggestion needs no reason; a figure other than the suggestion needs one. All items are
    checked before any is saved, and every problem is reported at its item."""
    stay = evaluation.admission
    _require(actor, "evaluations.conduct_evaluation", stay)
    with acting_as(actor), transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        _check_draft(evaluation)
        items = {i.code: i for i in evaluation.items.all()}
        problems: dict[str, str] = {}
        for code, (raw, reason) in scores.items():
            item = items.get(code)
            if item is None:
                problems[code] = str(_("没有这个评估项目。"))
                continue
            if raw in (None, ""):
                item.points = None
                item.override_reason = (reason or "").strip()
                continue
            try:
                points = Decimal(str(raw))
            except (InvalidOperation, ValueError):
                problems[code] = str(_("请输入数字。"))
                continue
            problem = sheets.check_points(_sheet_item(evaluation, item), points)
            reason = (reason or "").strip()
            differs = item.suggested_points is not None and points != item.suggested_points
            if problem is None and differs and not reason:
                problem = str(_("与系统预填分不同，请填写调整理由。"))
            if problem:
                problems[code] = problem
                continue
            item.points = points
            item.override_reason = reason if points != item.suggested_points else ""
        if problems:
            refusal = Refusal(
                _("%(count)s个评估项目有误：%(detail)s"),
                code="invalid_item_points",
                params={
                    "count": len(problems),
                    "detail": "；".join(
                        f"{items[c].label if c in items else c}：{m}" for c, m in problems.items()
                    ),
                },
                field=f"points_{next(iter(problems))}",
            )
            # Each item's own problem at its own field, for the form.
            refusal.error_dict = {
                f"points_{c}": [ValidationError(m, code="invalid_item_points")]
                for c, m in problems.items()
            }
            raise refusal
        for item in items.values():
            item.save()
    return evaluation


def _results(evaluation: Evaluation, items) -> dict[str, tuple[Decimal, str]]:
    out = {}
    for dim in evaluation.dimensions:
        points = {i.code: i.points for i in items if i.dimension == dim}
        out[dim] = sheets.dimension_result(evaluation.sheets[dim], points)
    return out


def complete_evaluation(
    evaluation: Evaluation,
    *,
    actor,
    opinion: str = "",
    summary: str = "",
    proposed_release_on: date | None = None,
    extension_months: int | None = None,
    community_rehab_years: int | None = None,
) -> Evaluation:
    """Close the evaluation: the dimension results (诊断评估办法 Art. 6), whether it passed, and
    for the comprehensive evaluations the opinion (Art. 3). An early-release or extension
    opinion drafts the proposal for the facility committee."""
    stay = evaluation.admission
    _require(actor, "evaluations.conduct_evaluation", stay)
    with acting_as(actor), transaction.atomic():
        evaluation = (
            Evaluation.objects.select_for_update(of=("self",))
            .select_related("measure", "admission__facility", "person")
            .get(pk=evaluation.pk)
        )
        if evaluation.is_completed:
            return evaluation  # a retried completion
        items = list(evaluation.items.all())
        missing = [i.label for i in items if i.points is None]
        if missing:
            raise Refusal(
                _("还有%(count)s个项目未评分：%(items)s"),
                code="items_not_scored",
                params={"count": len(missing), "items": "；".join(missing)},
            )
        results = _results(evaluation, items)
        for dim, (total, result) in results.items():
            setattr(evaluation, f"{dim}_result", result)
            evaluation.scores[dim] = str(total)
        gates = GATE_DIMENSIONS[EvaluationKind(evaluation.kind)]
        # A baseline (admission) evaluation gates nothing: it neither passes nor fails.
        evaluation.passed = (
            all(results[d][1] == DimensionResult.PASS for d in gates) if gates else None
        )
        _check_opinion(
            evaluation, opinion, proposed_release_on, extension_months, community_rehab_years
        )
        evaluation.opinion = opinion
        evaluation.community_rehab_recommended = bool(community_rehab_years)
        evaluation.community_rehab_years = community_rehab_years or None
        evaluation.summary = summary.strip()
        evaluation.status = EvaluationStatus.COMPLETED
        evaluation.completed_at = timezone.now()
        evaluation.save()
        _event(
            evaluation.person,
            "evaluations.evaluation.completed",
            actor,
            stay.facility,
            kind=evaluation.get_kind_display(),
            on=evaluation.evaluated_on,
            summary=result_summary(evaluation),
        )
        if opinion in (Opinion.EARLY_RELEASE, Opinion.EXTENSION):
            _draft_proposal(evaluation, proposed_release_on, extension_months, actor)
    return evaluation


def result_summary(evaluation: Evaluation) -> str:
    parts = [
        f"{_zh(Dimension(d).label)}{_zh(DimensionResult(evaluation.result_for(d)).label)}"
        for d in evaluation.dimensions
        if evaluation.result_for(d)
    ]
    if evaluation.opinion:
        parts.append(_zh(Opinion(evaluation.opinion).label))
    return "，".join(parts)


def _check_opinion(evaluation, opinion, release_on, months, rehab_years) -> None:
    kind = evaluation.kind
    measure = evaluation.measure
    if kind not in COMPREHENSIVE_KINDS:
        if opinion or release_on or months or rehab_years:
            raise Refusal(
                _("只有一年后和期满前综合诊断评估形成解除、延长意见。"),
                code="opinion_not_applicable",
                field="opinion",
            )
        return
    allowed = OPINIONS_FOR_KIND[kind]
    if opinion not in allowed:
        raise Refusal(
            _("请选择评估意见：%(choices)s。"),
            code="opinion_required",
            params={"choices": "、".join(_zh(Opinion(o).label) for o in allowed)},
            field="opinion",
        )
    pending = Proposal.objects.filter(
        measure=measure,
        kind=ProposalKind.EARLY_RELEASE
        if opinion == Opinion.EARLY_RELEASE
        else ProposalKind.EXTENSION,
        status__in=(ProposalStatus.DRAFTED, ProposalStatus.SUBMITTED)
        + ((ProposalStatus.APPROVED,) if opinion == Opinion.EARLY_RELEASE else ()),
    ).first()
    if opinion in (Opinion.EARLY_RELEASE, Opinion.EXTENSION) and pending is not None:
        raise Refusal(
            _("该措施已有%(kind)s意见（%(status)s），不能重复提出。"),
            code="proposal_exists",
            params={"kind": pending.get_kind_display(), "status": pending.get_status_display()},
            field="opinion",
        )
    passed_all = all(evaluation.result_for(d) == DimensionResult.PASS for d in PASS_FAIL_DIMENSIONS)
    if opinion == Opinion.EARLY_RELEASE:
        if not passed_all:
            raise Refusal(
                _("生理脱毒、身心康复、行为表现均合格方可提出提前解除意见。"),
                code="early_release_needs_pass",
                field="opinion",
            )
        if release_on is None:
            raise Refusal(_("请填写建议解除日期。"), code="required", field="proposed_release_on")
        # 禁毒法 Art. 47 (one year), 戒毒条例 Art. 32 and 司法部令第127号 Art. 26, 29, 31 (§4.6).
        blockers = measures.early_release_blockers(measure, release_on)
        if blockers:
            raise Refusal(
                _("不得提出提前解除意见：%(reasons)s。"),
                code="early_release_blocked",
                params={"reasons": "；".join(_zh(text) for _c, text in blockers)},
                field="proposed_release_on",
            )
        if release_on > measure.term_end:
            raise Refusal(
                _("建议解除日期应早于期限届满日（%(end)s）。"),
                code="release_after_term",
                params={"end": measure.term_end.isoformat()},
                field="proposed_release_on",
            )
    if opinion == Opinion.EXTENSION:
        cap = measure_rules.ISOLATION_MAX_EXTENSION_MONTHS.value - measure.extension_months
        if not months or not 1 <= months <= cap:
            raise Refusal(
                _("延长期限应为1至%(cap)s个月（禁毒法第四十七条：累计不超过一年）。"),
                code="extension_over_limit",
                params={"cap": cap},
                field="extension_months",
            )
        drugs = measure.blockers.filter(code=BlockerCode.DRUGS_IN_FACILITY).exists()
        if passed_all and not drugs:
            raise Refusal(
                _(
                    "三项评估均合格且无所内藏匿、吸食毒品情形，不能提出延长意见"
                    "（诊断评估办法第三条；司法部令第127号第二十九条）。"
                ),
                code="extension_without_ground",
                field="opinion",
            )
    if opinion in (Opinion.CONTINUE, Opinion.EXTENSION) and rehab_years:
        raise Refusal(
            _("社区康复建议只在解除时提出。"),
            code="community_rehab_not_applicable",
            field="community_rehab_years",
        )
    if rehab_years and not 1 <= rehab_years <= COMMUNITY_REHAB_MAX_YEARS:
        raise Refusal(
            _("社区康复期限为1至3年（禁毒法第四十八条）。"),
            code="community_rehab_term",
            field="community_rehab_years",
        )


def _draft_proposal(evaluation, release_on, months, actor) -> Proposal:
    kind = (
        ProposalKind.EARLY_RELEASE
        if evaluation.opinion == Opinion.EARLY_RELEASE
        else ProposalKind.EXTENSION
    )
    proposal = Proposal.objects.create(
        evaluation=evaluation,
        measure=evaluation.measure,
        kind=kind,
        proposed_release_on=release_on if kind == ProposalKind.EARLY_RELEASE else None,
        proposed_extension_months=months if kind == ProposalKind.EXTENSION else None,
        reasons=evaluation.summary or result_summary(evaluation),
    )
    _event(
        evaluation.person,
        "evaluations.proposal.drafted",
        actor,
        evaluation.admission.facility,
        kind=proposal.get_kind_display(),
        on=evaluation.evaluated_on,
    )
    return proposal


# --- Proposal: committee, then the deciding organ -----------------------------------------------


def _lock_proposal(proposal: Proposal) -> Proposal:
    # Two leaders deciding at once: the second sees the first's decision.
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("evaluation__admission__facility", "evaluation__person", "measure")
        .get(pk=proposal.pk)
    )


def decide_in_committee(proposal: Proposal, *, approve: bool, on: date, actor, note: str = ""):
    """所务会: the facility committee sends the proposal to the deciding organ (LAW 47) or stops
    it. Sending starts the organ's 7 days (戒毒条例 Art. 33)."""
    stay = proposal.evaluation.admission
    _require(actor, "evaluations.approve_evaluation", stay)
    with acting_as(actor), transaction.atomic():
        proposal = _lock_proposal(proposal)
        if proposal.status != ProposalStatus.DRAFTED:
            sent = proposal.status != ProposalStatus.COMMITTEE_REJECTED
            if proposal.committee_on == on and sent == approve:
                return proposal  # a retried decision
            raise Refusal(_("该意见已经所务会审议。"), code="already_decided")
        _check_day(stay, on)
        if on < proposal.evaluation.evaluated_on:
            raise Refusal(_("审议日期不能早于评估日期。"), code="before_evaluation", field="on")
        if not approve and not note.strip():
            raise Refusal(_("不同意的，请写明理由。"), code="required", field="note")
        proposal.committee_on = on
        proposal.committee_by = str(actor)
        proposal.committee_note = note.strip()
        if approve:
            proposal.status = ProposalStatus.SUBMITTED
            proposal.submitted_on = on
            proposal.decision_due_by = on + timedelta(
                days=measure_rules.PROPOSAL_DECISION_DAYS.value
            )
        else:
            proposal.status = ProposalStatus.COMMITTEE_REJECTED
        proposal.save()
        decision = _("同意报送决定机关") if approve else _("不同意")
        _event(
            proposal.evaluation.person,
            "evaluations.proposal.committee_decided",
            actor,
            stay.facility,
            kind=proposal.get_kind_display(),
            decision=decision,
            on=on,
        )
        if approve:
            _event(
                proposal.evaluation.person,
                "evaluations.proposal.submitted",
                actor,
                stay.facility,
                kind=proposal.get_kind_display(),
                on=on,
                due=proposal.decision_due_by,
            )
    return proposal


def decide_proposal(
    proposal: Proposal,
    *,
    approve: bool,
    decided_on: date,
    actor,
    decision_number: str = "",
    release_on: date | None = None,
    months: int | None = None,
    note: str = "",
) -> Proposal:
    """The deciding organ's decision (戒毒条例 Art. 33). An approval moves the measure's term
    through `measures.services` — which refuses an early release a blocker bars, even one that
    arose after the proposal was sent."""
    measure = proposal.measure
    if not has_perm_any(actor, "evaluations.decide_proposal", [measure.deciding_organ]):
        raise PermissionDenied(_("只有作出强制隔离戒毒决定的机关可以审批该意见。"))
    with acting_as(actor), transaction.atomic():
        proposal = _lock_proposal(proposal)
        if proposal.status in (ProposalStatus.APPROVED, ProposalStatus.REJECTED):
            same = (proposal.status == ProposalStatus.APPROVED) == approve
            if proposal.decided_on == decided_on and same:
                return proposal  # a retried decision
            raise Refusal(_("决定机关已作出决定。"), code="already_decided")
        if proposal.status != ProposalStatus.SUBMITTED:
            raise Refusal(_("该意见尚未经所务会报送。"), code="not_submitted")
        if decided_on > clock.today():
            raise Refusal(_("日期不能晚于今天。"), code="future_date", field="decided_on")
        if decided_on < proposal.submitted_on:
            raise Refusal(
                _("决定日期不能早于收到意见的日期（%(day)s）。"),
                code="before_submission",
                params={"day": proposal.submitted_on.isoformat()},
                field="decided_on",
            )
        if approve and not decision_number.strip():
            raise Refusal(_("请填写决定书文号。"), code="required", field="decision_number")
        if not approve and not note.strip():
            raise Refusal(_("不批准的，请写明理由。"), code="required", field="note")
        if approve and proposal.kind == ProposalKind.EARLY_RELEASE:
            release_on = release_on or proposal.proposed_release_on
            measures.approve_early_release(
                proposal.measure,
                release_on=release_on,
                decided_on=decided_on,
                decision_number=decision_number.strip(),
                actor=actor,
            )
            proposal.approved_release_on = release_on
        elif approve:
            months = months or proposal.proposed_extension_months
            measures.extend_term(
                proposal.measure,
                months=months,
                decided_on=decided_on,
                decision_number=decision_number.strip(),
                actor=actor,
            )
            proposal.approved_extension_months = months
        proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
        proposal.decided_on = decided_on
        proposal.decided_by = actor
        proposal.decision_number = decision_number.strip()
        proposal.decision_note = note.strip()
        proposal.save()
        _event(
            proposal.evaluation.person,
            "evaluations.proposal.decided",
            actor,
            proposal.measure.deciding_organ,
            kind=proposal.get_kind_display(),
            decision=_("批准") if approve else _("不批准"),
            on=decided_on,
        )
    return proposal


# --- Zone gates ---------------------------------------------------------------------------------


def zone_gate(stay: Admission, from_zone, to_zone, on: date):
    """Moving on from a zone needs a passed stage evaluation of that zone, completed since the
    person entered it (MODEL 2018; domain.md §3.4). Returns (passed, note)."""
    from .choices import STAGE_FOR_ZONE

    kind = STAGE_FOR_ZONE.get(from_zone.kind) if from_zone is not None else None
    if kind is None:
        return True, ""
    entered = (
        stay.zone_changes.filter(to_zone=from_zone)
        .order_by("-on", "-id")
        .values_list("on", flat=True)
        .first()
        or stay.admitted_on
    )
    found = (
        Evaluation.objects.filter(
            admission=stay,
            kind=kind,
            status=EvaluationStatus.COMPLETED,
            evaluated_on__gte=entered,
            evaluated_on__lte=on,
        )
        .order_by("-evaluated_on", "-id")
        .first()
    )
    label = EvaluationKind(kind).label
    if found is None:
        return False, _zh(
            _("没有入区（%(day)s）以来完成的%(kind)s") % {"day": entered.isoformat(), "kind": label}
        )
    if not found.passed:
        return False, _zh(
            _("%(day)s%(kind)s不合格") % {"day": found.evaluated_on.isoformat(), "kind": label}
        )
    return True, _zh(
        _("%(day)s%(kind)s合格") % {"day": found.evaluated_on.isoformat(), "kind": label}
    )


# --- Scoring sheets ------------------------------------------------------------------------------


def set_scoring_sheet(
    dimension: str, unit, *, definition: dict, effective_from: date, source: str, actor
) -> ScoringSheet:
    """A province's (or facility's) own sheet for one dimension from `effective_from` (domain.md
    §4.5: only the detox and recovery sheets are published; the others are local). Rows are never
    edited: the same version sent twice returns the first."""
    if not has_perm(actor, "core.manage_rules", unit):
        raise PermissionDenied(_("您无权修改该单位的评分表。"))
    if dimension not in Dimension.values:
        raise Refusal(_("评估内容无效。"), code="invalid_dimension", field="dimension")
    if not isinstance(definition, dict):
        raise Refusal(_("评分表应为JSON对象。"), code="invalid_sheet", field="definition")
    definition = {**definition, "dimension": dimension}
    problems = sheets.validate_sheet(definition)
    if problems:
        raise Refusal(
            _("评分表有误：%(problems)s"),
            code="invalid_sheet",
            params={"problems": "；".join(problems)},
            field="definition",
        )
    if not source.strip():
        raise Refusal(_("请写明依据（文件名称和条款）。"), code="required", field="source")
    with acting_as(actor), transaction.atomic():
        existing = ScoringSheet.objects.filter(
            dimension=dimension, org_unit=unit, effective_from=effective_from
        ).first()
        if existing is not None:
            if existing.definition == definition:
                return existing
            raise Refusal(
                _("该单位在%(day)s已有一个版本；请选择其他生效日期。"),
                code="version_exists",
                params={"day": effective_from.isoformat()},
                field="effective_from",
            )
        return ScoringSheet.objects.create(
            dimension=dimension,
            org_unit=unit,
            effective_from=effective_from,
            definition=definition,
            source=source.strip(),
        )
