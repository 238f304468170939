"""Serious breach, referrals to the police and the police's inbox.

- The case page's section: the counts of 戒毒条例 Art. 20 against their thresholds, always
  shown; the referrals of the case with the draft ones' evidence and the 移交公安 button.
- `community:referral_inbox` (/community/referrals/): the deciding organ's reported referrals
  awaiting a decision, oldest first, with the counts, the evidence package and the decision form.
- One referral's page, its evidence PDF, and the POSTs: report, police decision, breach check.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm, has_perm_any, scope_q
from jiedu.core.views import apply_validation_error, next_url, paginate
from jiedu.measures.choices import IsolationGround, MeasureKind

from ..access import MAX_PK, get_case_for_user
from ..choices import BreachRule, CaseState, ReferralReason, ReferralStatus
from ..forms import referrals as forms
from ..models import Referral
from ..referral_documents import TITLES, render_referral_report, report_from
from ..services import violations
from ..services.common import case_units

VIEW = "community.view_case"
REFER = "community.refer_case"
DECIDE = "community.decide_referral"

# The ground of the isolation decision each referral asks for (禁毒法 Art. 38).
ISOLATION_GROUNDS = {
    ReferralReason.SERIOUS_BREACH: IsolationGround.SERIOUS_BREACH,
    ReferralReason.POSITIVE_TEST: IsolationGround.DRUG_USE_IN_COMMUNITY,
    ReferralReason.REFUSAL: IsolationGround.REFUSED_COMMUNITY,
}


def _referrals(user):
    return Referral.objects.restrict(user, "view").select_related(
        "organ", "isolation", "case", "case__unit", "case__measure", "person"
    )


def _get_referral(user, pk) -> Referral:
    """The referral `pk`, if `user` may see its case; else Http404."""
    if not 0 < pk <= MAX_PK:
        raise Http404("id out of range")
    referral = _referrals(user).filter(pk=pk).first()
    if referral is None:
        raise Http404("referral not found")
    referral.case = get_case_for_user(user, referral.case_id)
    return referral


def _counts(facts) -> list[dict]:
    """The three grounds of 戒毒条例 Art. 20 as (label, count, threshold, unit, met)."""
    t = facts.thresholds
    return [
        {
            "rule": BreachRule.REFUSED_TESTS,
            "label": _("拒检/逃检"),
            "n": facts.refused_or_evaded_tests,
            "limit": t.refused_tests,
            "unit": _("次"),
            "met": BreachRule.REFUSED_TESTS in facts.met,
        },
        {
            "rule": BreachRule.ABSENCES,
            "label": _("擅自离开"),
            "n": facts.unapproved_absences,
            "limit": t.absences,
            "unit": _("次"),
            "met": BreachRule.ABSENCES in facts.met,
        },
        {
            "rule": BreachRule.DAYS_AWAY,
            "label": _("累计"),
            "n": facts.unapproved_days_away,
            "limit": t.days_away,
            "unit": _("日"),
            "met": BreachRule.DAYS_AWAY in facts.met,
        },
    ]


def _evidence_counts(evidence: dict) -> list[dict]:
    """The counts frozen in a referral, in the same shape as `_counts`."""
    counts = evidence.get("counts") or {}
    limits = evidence.get("thresholds") or {}
    met = set(evidence.get("met") or [])
    rows = (
        (BreachRule.REFUSED_TESTS, _("拒检/逃检"), "refused_or_evaded_tests", _("次")),
        (BreachRule.ABSENCES, _("擅自离开"), "unapproved_absences", _("次")),
        (BreachRule.DAYS_AWAY, _("累计"), "unapproved_days_away", _("日")),
    )
    return [
        {
            "rule": rule,
            "label": label,
            "n": counts.get(key, 0),
            "limit": limits.get(key, "—"),
            "unit": unit,
            "met": rule in met,
        }
        for rule, label, key, unit in rows
    ]


def _isolation_link(user, referral) -> str | None:
    """The measures decision form for this person, preset to compulsory isolation on the
    referral's ground — for the police, who decide isolation as a measure."""
    if not has_perm(user, "measures.decide_measure", referral.organ):
        return None
    base = reverse("measures:measure_create", args=[referral.case.person.uuid])
    query = {
        "kind": MeasureKind.COMPULSORY_ISOLATION,
        "ground": ISOLATION_GROUNDS.get(referral.reason, ""),
    }
    return f"{base}?{urlencode(query)}"


def _row(user, referral, *, can_refer: bool, can_decide: bool, failed=None) -> dict:
    form_name = f"referral{referral.pk}"
    draft = referral.status == ReferralStatus.DRAFT
    reported = referral.status == ReferralStatus.REPORTED
    report_form = decide_form = None
    if draft and can_refer:
        report_form = failed[1] if failed and failed[0] == form_name else None
        report_form = report_form or forms.ReportReferralForm(prefix=form_name)
    if reported and can_decide and referral.case.is_open:
        decide_form = failed[1] if failed and failed[0] == form_name else None
        decide_form = decide_form or forms.PoliceDecisionForm(prefix=form_name)
    return {
        "referral": referral,
        "counts": _evidence_counts(referral.evidence),
        "evidence": referral.evidence,
        "report_form": report_form,
        "decide_form": decide_form,
        "isolation_link": _isolation_link(user, referral) if reported and can_decide else None,
        "measure_active": referral.case.measure.is_active,
    }


def case_section(request, case) -> str:
    """The case page's 严重违反协议与移交公安 section."""
    user = request.user
    units = case_units(case)
    can_refer = has_perm_any(user, REFER, units)
    facts = violations.breach_facts(case)
    referrals = list(_referrals(user).filter(case=case).order_by("-detected_on", "-id"))
    for r in referrals:
        r.case = case
    open_breach = any(
        r.reason == ReferralReason.SERIOUS_BREACH
        and r.status in (ReferralStatus.DRAFT, ReferralStatus.REPORTED)
        for r in referrals
    )
    context = {
        "case": case,
        "facts": facts,
        "counts": _counts(facts),
        "rows": [
            _row(
                user,
                r,
                can_refer=can_refer,
                can_decide=has_perm(user, DECIDE, r.organ),
            )
            for r in referrals
        ],
        "can_refer": can_refer,
        "needs_check": facts.serious and not open_breach and case.is_open and can_refer,
    }
    return render_to_string("community/referrals/_section.html", context, request=request)


@login_required
def referral_inbox(request):
    """The deciding organ's referrals awaiting its decision, oldest first."""
    user = request.user
    if not has_perm(user, DECIDE):
        raise PermissionDenied(_("您无权处理移交。"))
    # A case closed meanwhile (the measure ended: expiry, imprisonment, death) awaits nothing.
    qs = (
        _referrals(user)
        .filter(status=ReferralStatus.REPORTED)
        .exclude(case__state=CaseState.CLOSED)
    )
    organs = scope_q(user, DECIDE, "organ__path")
    if organs is not None:
        qs = qs.filter(organs)
    page = paginate(
        request,
        qs.select_related("case__person", "case__measure__deciding_organ").order_by(
            "reported_on", "id"
        ),
    )
    rows = []
    for r in page.object_list:
        rows.append(_row(user, r, can_refer=False, can_decide=True))
    log_access(
        AccessAction.SEARCH_PERSON,
        user=user,
        query="community referral inbox",
        result_count=page.paginator.count,
    )
    return render(
        request,
        "community/referrals/inbox.html",
        {"page": page, "rows": rows, "today": clock.today()},
    )


def _detail(request, referral, failed=None, status=200):
    user = request.user
    units = case_units(referral.case)
    row = _row(
        user,
        referral,
        can_refer=has_perm_any(user, REFER, units),
        can_decide=has_perm(user, DECIDE, referral.organ),
        failed=failed,
    )
    return render(
        request,
        "community/referrals/detail.html",
        {
            "row": row,
            "referral": referral,
            "case": referral.case,
            "person": referral.case.person,
            "title": TITLES[referral.reason],
        },
        status=status,
    )


@login_required
def referral_detail(request, pk):
    referral = _get_referral(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=referral.person_id)
    return _detail(request, referral)


@login_required
def referral_pdf(request, pk):
    """The evidence package (严重违反协议情况报告 …) as PDF."""
    referral = _get_referral(request.user, pk)
    log_access(AccessAction.EXPORT, user=request.user, person_pk=referral.person_id)
    with translation.override("zh-hans"):
        pdf = render_referral_report(report_from(referral, today=clock.today()))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="referral-{referral.pk}.pdf"'
    return response


@login_required
@require_POST
def referral_report(request, pk):
    referral = _get_referral(request.user, pk)
    get_case_for_user(request.user, referral.case_id, REFER)
    name = f"referral{referral.pk}"
    form = forms.ReportReferralForm(request.POST, prefix=name)
    if form.is_valid():
        try:
            violations.report_referral(referral, on=form.cleaned_data["on"], actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("已移交%(organ)s；公安机关作出决定前暂停社区程序。") % {"organ": referral.organ},
            )
            fallback = reverse("community:referral_detail", args=[referral.pk])
            return redirect(next_url(request, fallback))
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=referral.person_id)
    return _detail(request, referral, failed=(name, form), status=422)


@login_required
@require_POST
def referral_decide(request, pk):
    referral = _get_referral(request.user, pk)
    if not has_perm(request.user, DECIDE, referral.organ):
        raise PermissionDenied(_("您无权对该移交作出处理决定。"))
    name = f"referral{referral.pk}"
    form = forms.PoliceDecisionForm(request.POST, prefix=name)
    if form.is_valid():
        d = form.cleaned_data
        try:
            violations.record_police_decision(
                referral, outcome=d["outcome"], on=d["on"], note=d["note"], actor=request.user
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已登记处理决定：继续执行社区措施。"))
            return redirect(next_url(request, reverse("community:referral_inbox")))
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=referral.person_id)
    return _detail(request, referral, failed=(name, form), status=422)


@login_required
@require_POST
def referral_check(request, pk):
    """The worker runs the serious-breach check now (an absence still open crossed 30 days)."""
    case = get_case_for_user(request.user, pk, REFER)
    referral = violations.review_breach(case, actor=request.user)
    if referral is None:
        messages.info(
            request,
            _("未生成新的移交：未达到严重违反协议的情形，或公安机关已就相同情形作出决定。"),
        )
        return redirect(next_url(request, reverse("community:case_detail", args=[case.pk])))
    messages.warning(
        request, _("已构成严重违反社区戒毒（康复）协议（戒毒条例第二十条），已生成移交材料。")
    )
    return redirect(reverse("community:referral_detail", args=[referral.pk]))


urlpatterns = [
    path("referrals/", referral_inbox, name="referral_inbox"),
    path("referrals/<int:pk>/", referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/evidence.pdf", referral_pdf, name="referral_pdf"),
    path("referrals/<int:pk>/report/", referral_report, name="referral_report"),
    path("referrals/<int:pk>/decide/", referral_decide, name="referral_decide"),
    path("cases/<int:pk>/breach-check/", referral_check, name="referral_check"),
]
