"""Pages of the diagnostic evaluation (诊断评估): the evaluation centre's work page, a stay's
evaluation file, one evaluation (scoring, completion, report), proposals and their decisions by
the facility committee and the deciding organ (强制隔离戒毒诊断评估办法; 戒毒条例 Art. 33)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import grants_for, has_perm, has_perm_any
from jiedu.core.views import apply_validation_error, next_url, paginate, query_param
from jiedu.people.querysets import mask_query, search_by_person

from . import forms, queries, services
from .access import (
    get_evaluation_for_user,
    get_facility_for_user,
    get_proposal_for_user,
    get_stay_for_user,
)
from .choices import (
    DIMENSION_ORDER,
    STAGE_FOR_ZONE,
    EvaluationKind,
    EvaluationStatus,
    ProposalStatus,
)
from .models import Evaluation, Handbook, Proposal

CONDUCT = "evaluations.conduct_evaluation"
APPROVE = "evaluations.approve_evaluation"
DECIDE = "evaluations.decide_proposal"


def _results(evaluation) -> list[dict]:
    """Each scored dimension with its total and result class, in sheet order."""
    return [
        {
            "dimension": d,
            "result": evaluation.result_for(d.value),
            "label": getattr(evaluation, f"get_{d.value}_result_display")(),
            "total": evaluation.scores.get(d.value, ""),
        }
        for d in DIMENSION_ORDER
        if d.value in evaluation.dimensions
    ]


# --- The evaluation centre's work page ----------------------------------------------------------


@login_required
def work(request, code):
    facility = get_facility_for_user(request.user, code)
    user, today = request.user, clock.today()
    q = query_param(request)
    stays = search_by_person(queries.open_stays(facility).restrict(user, "view"), q)
    due = paginate(request, queries.due_for_stays(stays, today))
    in_facility = {"admission__facility__path__startswith": facility.path}
    evaluations = Evaluation.objects.restrict(user, "view").filter(**in_facility)
    if q:
        log_access(
            AccessAction.SEARCH_PERSON,
            user=user,
            query=mask_query(q),
            result_count=due.paginator.count,
        )
    drafts = (
        search_by_person(evaluations, q)
        .filter(status=EvaluationStatus.DRAFT)
        .select_related("person", "admission")
        .order_by("evaluated_on", "id")
    )
    completed = (
        evaluations.filter(status=EvaluationStatus.COMPLETED)
        .select_related("person", "admission")
        .order_by("-completed_at", "-id")[:20]
    )
    committee = queries.proposals_for_committee(facility).restrict(user, "view")
    at_organ = queries.proposals_for_organ(
        Proposal.objects.restrict(user, "view").filter(
            **{f"evaluation__{k}": v for k, v in in_facility.items()}
        )
    )
    return render(
        request,
        "evaluations/work.html",
        {
            "facility": facility,
            "q": q,
            "due": due,
            "drafts": drafts,
            "completed": [(e, _results(e)) for e in completed],
            "committee": committee,
            "at_organ": at_organ,
            "today": today,
            "can_conduct": has_perm(user, CONDUCT, facility),
            "can_approve": has_perm(user, APPROVE, facility),
            "committee_form": forms.CommitteeForm(prefix="committee", auto_id=False),
        },
    )


# --- A stay's evaluation file -------------------------------------------------------------------


def _stay_context(request, stay, *, handbook_form=None, start_form=None) -> dict:
    today = clock.today()
    handbook = Handbook.objects.filter(admission=stay).first()
    evaluations = list(Evaluation.objects.filter(admission=stay).order_by("-evaluated_on", "-id"))
    proposals = {
        p.evaluation_id: p
        for p in queries.visible_proposals(request.user).filter(evaluation__admission=stay)
    }
    zone = stay.zone
    gate_kind = STAGE_FOR_ZONE.get(zone.kind) if zone is not None else None
    gate = None
    if gate_kind is not None and stay.left_on is None:
        passed, note = services.zone_gate(stay, zone, None, today)
        gate = {"kind": EvaluationKind(gate_kind), "passed": passed, "note": note}
    conduct = has_perm(request.user, CONDUCT, stay.facility) and stay.left_on is None
    due_by = services.handbook_due_by(stay)
    return {
        "stay": stay,
        "person": stay.person,
        "measure": stay.measure,
        "handbook": handbook,
        "handbook_due_by": due_by,
        "handbook_overdue": handbook is None and today > due_by,
        "handbook_late": handbook is not None and handbook.opened_on > due_by,
        "rows": [(e, _results(e), proposals.get(e.pk)) for e in evaluations],
        "gate": gate,
        "can_conduct": conduct,
        "handbook_form": (handbook_form or forms.HandbookForm(prefix="handbook"))
        if conduct and handbook is None
        else None,
        "start_form": (
            start_form
            or forms.StartForm(prefix="start", suggested_kind=gate_kind.value if gate_kind else "")
        )
        if conduct and (handbook is not None or start_form is not None)
        else None,
        "today": today,
    }


@login_required
def stay(request, stay_pk):
    stay = get_stay_for_user(request.user, stay_pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=stay.person_id)
    return render(request, "evaluations/stay.html", _stay_context(request, stay))


@login_required
@require_POST
def handbook_open(request, stay_pk):
    stay = get_stay_for_user(request.user, stay_pk)
    form = forms.HandbookForm(request.POST, prefix="handbook")
    if form.is_valid():
        try:
            services.open_handbook(
                stay,
                opened_on=form.cleaned_data["opened_on"],
                number=form.cleaned_data["number"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已建立诊断评估手册。"))
            return redirect("evaluations:stay", stay_pk=stay.pk)
    context = _stay_context(request, stay, handbook_form=form)
    return render(request, "evaluations/stay.html", context, status=422)


@login_required
@require_POST
def evaluation_start(request, stay_pk):
    stay = get_stay_for_user(request.user, stay_pk)
    form = forms.StartForm(request.POST, prefix="start")
    if form.is_valid():
        try:
            evaluation = services.start_evaluation(
                stay,
                form.cleaned_data["kind"],
                on=form.cleaned_data["evaluated_on"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已开始评估，系统已根据各中心记录预填分值。"))
            return redirect("evaluations:detail", pk=evaluation.pk)
    context = _stay_context(request, stay, start_form=form)
    return render(request, "evaluations/stay.html", context, status=422)


# --- One evaluation -----------------------------------------------------------------------------


def _detail_context(request, evaluation, form=None) -> dict:
    items = list(evaluation.items.all())
    stay = evaluation.admission
    can_conduct = (
        not evaluation.is_completed
        and stay.left_on is None
        and has_perm(request.user, CONDUCT, stay.facility)
    )
    if form is None and can_conduct:
        form = forms.ScoreForm(evaluation=evaluation, items=items)
    proposal = queries.visible_proposals(request.user).filter(evaluation=evaluation).first()
    dimensions = []
    for dim in DIMENSION_ORDER:
        if dim.value not in evaluation.dimensions:
            continue
        dimensions.append(
            {
                "dimension": dim,
                "sheet": evaluation.sheets.get(dim.value, {}),
                "items": [i for i in items if i.dimension == dim.value],
                "result": evaluation.result_for(dim.value),
                "result_label": getattr(evaluation, f"get_{dim.value}_result_display")(),
                "total": evaluation.scores.get(dim.value, ""),
            }
        )
    return {
        "evaluation": evaluation,
        "stay": stay,
        "person": evaluation.person,
        "form": form if can_conduct else None,
        "dimensions": dimensions,
        "proposal": proposal,
        "can_view_proposal": proposal is not None
        and has_perm(request.user, "evaluations.view_proposal", stay.facility),
    }


@login_required
def detail(request, pk):
    evaluation = get_evaluation_for_user(request.user, pk)
    if request.method == "POST":
        return _score(request, evaluation)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=evaluation.person_id)
    return render(request, "evaluations/detail.html", _detail_context(request, evaluation))


def _score(request, evaluation):
    """保存 saves the points; 完成评估 saves them and completes the evaluation."""
    if not has_perm(request.user, CONDUCT, evaluation.admission.facility):
        raise PermissionDenied
    items = list(evaluation.items.all())
    form = forms.ScoreForm(request.POST, evaluation=evaluation, items=items)
    complete = request.POST.get("action") == "complete"
    if form.is_valid():
        try:
            services.score_items(evaluation, form.scores(), actor=request.user)
            if complete:
                services.complete_evaluation(evaluation, actor=request.user, **form.completion())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if complete:
                messages.success(request, _("评估已完成。"))
            else:
                messages.success(request, _("评分已保存。"))
            return redirect("evaluations:detail", pk=evaluation.pk)
    evaluation = get_evaluation_for_user(request.user, evaluation.pk)
    context = _detail_context(request, evaluation, form=form)
    return render(request, "evaluations/detail.html", context, status=422)


@login_required
@require_POST
def evaluation_refresh(request, pk):
    """重新读取中心记录: suggestions from records entered since the draft was started."""
    evaluation = get_evaluation_for_user(request.user, pk)
    try:
        services.refresh_suggestions(evaluation, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已重新读取各中心记录，未调整的项目已更新预填分。"))
    return redirect("evaluations:detail", pk=evaluation.pk)


@login_required
def report_pdf(request, pk):
    """诊断评估报告 (PDF)."""
    evaluation = get_evaluation_for_user(request.user, pk)
    # Imported here: the report module is written separately and may load heavy PDF libraries.
    from .documents import render_evaluation_report

    log_access(AccessAction.EXPORT, user=request.user, person_pk=evaluation.person_id)
    pdf = render_evaluation_report(evaluation)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="evaluation-{evaluation.pk}.pdf"'
    return response


# --- Proposals ----------------------------------------------------------------------------------


@login_required
def proposal_list(request):
    if not grants_for(request.user).has_anywhere("evaluations.view_proposal"):
        raise PermissionDenied
    today = clock.today()
    rows = paginate(
        request,
        queries.visible_proposals(request.user)
        .select_related("evaluation__person", "evaluation__admission__facility", "measure")
        .annotate(
            open_first=Case(
                When(status=ProposalStatus.SUBMITTED, then=Value(0)),
                When(status=ProposalStatus.DRAFTED, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", "decision_due_by", "-created_at", "-id"),
    )
    return render(request, "evaluations/proposal_list.html", {"rows": rows, "today": today})


def _proposal_context(request, proposal, *, committee_form=None, decision_form=None) -> dict:
    evaluation = proposal.evaluation
    facility = evaluation.admission.facility
    user = request.user
    can_committee = proposal.status == ProposalStatus.DRAFTED and has_perm(user, APPROVE, facility)
    can_decide = proposal.status == ProposalStatus.SUBMITTED and has_perm_any(
        user, DECIDE, [proposal.measure.deciding_organ]
    )
    return {
        "proposal": proposal,
        "evaluation": evaluation,
        "person": evaluation.person,
        "measure": proposal.measure,
        "results": _results(evaluation),
        "history": _history(proposal),
        "today": clock.today(),
        "can_view_evaluation": has_perm(user, "evaluations.view_evaluation", facility),
        "committee_form": (committee_form or forms.CommitteeForm(prefix="committee"))
        if can_committee
        else None,
        "decision_form": (decision_form or forms.DecisionForm(prefix="decide", proposal=proposal))
        if can_decide
        else None,
    }


def _history(proposal) -> list[tuple]:
    """(day, who, what) of each step the proposal has been through."""
    steps = [
        (
            proposal.evaluation.completed_at.date() if proposal.evaluation.completed_at else None,
            proposal.evaluation.evaluator,
            _("诊断评估形成意见：%(kind)s") % {"kind": proposal.get_kind_display()},
        )
    ]
    if proposal.committee_on:
        approved = proposal.status != ProposalStatus.COMMITTEE_REJECTED
        what = _("所务会同意报送决定机关") if approved else _("所务会不同意")
        if proposal.committee_note:
            what = f"{what}：{proposal.committee_note}"
        steps.append((proposal.committee_on, proposal.committee_by, what))
    if proposal.submitted_on:
        steps.append(
            (
                proposal.submitted_on,
                "",
                _("报送决定机关，应于%(day)s前作出决定")
                % {"day": proposal.decision_due_by.isoformat()},
            )
        )
    if proposal.decided_on:
        what = (
            _("决定机关批准（%(number)s）") % {"number": proposal.decision_number}
            if proposal.status == ProposalStatus.APPROVED
            else _("决定机关不批准")
        )
        if proposal.decision_note:
            what = f"{what}：{proposal.decision_note}"
        steps.append((proposal.decided_on, str(proposal.decided_by or ""), what))
    return steps


@login_required
def proposal(request, pk):
    proposal = get_proposal_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=proposal.evaluation.person_id)
    return render(request, "evaluations/proposal.html", _proposal_context(request, proposal))


@login_required
@require_POST
def proposal_committee(request, pk):
    proposal = get_proposal_for_user(request.user, pk)
    form = forms.CommitteeForm(request.POST, prefix="committee")
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.decide_in_committee(
                proposal,
                approve=d["decision"] == "approve",
                on=d["on"],
                note=d["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已登记所务会审议结果。"))
            return redirect(
                next_url(request, reverse("evaluations:proposal", kwargs={"pk": proposal.pk}))
            )
    proposal = get_proposal_for_user(request.user, pk)
    context = _proposal_context(request, proposal, committee_form=form)
    return render(request, "evaluations/proposal.html", context, status=422)


@login_required
@require_POST
def proposal_decide(request, pk):
    proposal = get_proposal_for_user(request.user, pk)
    form = forms.DecisionForm(request.POST, prefix="decide", proposal=proposal)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.decide_proposal(
                proposal,
                approve=d["decision"] == "approve",
                decided_on=d["decided_on"],
                decision_number=d["decision_number"],
                release_on=d.get("release_on"),
                months=d.get("months"),
                note=d["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已登记决定机关的决定。"))
            return redirect("evaluations:proposal", pk=proposal.pk)
    proposal = get_proposal_for_user(request.user, pk)
    context = _proposal_context(request, proposal, decision_form=form)
    return render(request, "evaluations/proposal.html", context, status=422)


# --- Scoring sheets (administrators) ------------------------------------------------------------


@login_required
def scoring_sheets(request):
    """The sheets in force at each province, city and facility the administrator looks after,
    every local version, and a form to add one (domain.md §4.5: sheets are data)."""
    import json

    from jiedu.core.permissions import scope_q
    from jiedu.facilities.services import FACILITY_KINDS
    from jiedu.orgs.choices import UnitKind
    from jiedu.orgs.models import OrgUnit

    from .models import ScoringSheet
    from .sheets import SHIPPED, sheet_for

    user = request.user
    if not has_perm(user, "core.manage_rules"):
        raise PermissionDenied
    units = OrgUnit.objects.filter(
        is_active=True, kind__in=(UnitKind.PROVINCE, UnitKind.CITY, *FACILITY_KINDS)
    )
    q = scope_q(user, "core.manage_rules", "path")
    if q is not None:
        units = units.filter(q)
    units = units.order_by("path")
    form = forms.ScoringSheetForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.set_scoring_sheet(
                d["dimension"],
                d["org_unit"],
                definition=d["definition"],
                effective_from=d["effective_from"],
                source=d["source"],
                actor=user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已保存新版本。"))
            return redirect("evaluations:scoring_sheets")
    history = ScoringSheet.objects.select_related("org_unit").order_by(
        "dimension", "org_unit__path", "-effective_from"
    )
    q = scope_q(user, "core.manage_rules", "org_unit__path")
    if q is not None:
        history = history.filter(q)
    today = clock.today()
    facilities = [u for u in units if u.kind in FACILITY_KINDS]
    in_force = [(u, [(d, sheet_for(d, u, today)) for d in DIMENSION_ORDER]) for u in facilities]
    shipped = [
        (dimension, sheet, json.dumps(sheet, ensure_ascii=False, indent=2))
        for dimension, sheet in SHIPPED.items()
    ]
    return render(
        request,
        "evaluations/scoring_sheets.html",
        {"form": form, "history": history, "in_force": in_force, "shipped": shipped},
    )
