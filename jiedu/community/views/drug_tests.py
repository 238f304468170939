"""Drug tests, A/B bottles and their expiry list: the case page's section, the case's full list
with the entry form, the objection and disposal buttons, and a township's bottle list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm, has_perm_any
from jiedu.core.views import next_url, paginate

from .. import rules
from ..access import get_case_for_user, get_record_for_user, get_unit_for_user
from ..choices import CaseState, TestResult, TestTier
from ..forms import drug_tests as forms
from ..models import CommunityDrugTest
from ..services import drug_tests as services
from ..services.common import case_units

VIEW = "community.view_case"
MANAGE = "community.manage_case"
SECTION_ROWS = 5


def _tests(user, case):
    """The case's tests in scope, newest first, with the lab tests that check each (one query
    for the page, one for the checks)."""
    checks = CommunityDrugTest.objects.order_by("taken_on", "id")
    return (
        CommunityDrugTest.objects.restrict(user, "view")
        .filter(case=case)
        .select_related("checks")
        .prefetch_related(Prefetch("checked_by", queryset=checks, to_attr="checks_of"))
        .order_by("-taken_on", "-id")
    )


def _rows(tests) -> list[dict]:
    today = clock.today()
    return [
        {
            "test": t,
            "classes": _classes(t),
            "cleared": services.cleared(t, t.checks_of),
            "objection_open": (
                t.objection_due_by is not None
                and t.objection_on is None
                and t.objection_due_by >= today
            ),
            "bottles_due": (
                t.retain_until is not None
                and t.bottles_disposed_on is None
                and t.retain_until <= today
            ),
        }
        for t in tests
    ]


def _classes(test) -> list[tuple[str, str]]:
    """(label, result) per drug class, positives first."""
    items = [(str(services.DRUG_CLASSES.get(code, code)), r) for code, r in test.results.items()]
    return sorted(items, key=lambda item: (item[1] != TestResult.POSITIVE, item[0]))


def _checkable(case):
    """Tests a new lab test or re-test may check: the case's positive on-site and lab results."""
    return CommunityDrugTest.objects.filter(
        case=case, result=TestResult.POSITIVE, tier__in=(TestTier.ONSITE, TestTier.LAB)
    ).order_by("-taken_on", "-id")


def _entry_form(request, case, data=None):
    return forms.DrugTestForm(
        data, prefix="test", worker_name=str(request.user), checkable=_checkable(case)
    )


def _can_manage(user, case) -> bool:
    return has_perm_any(user, MANAGE, case_units(case))


def _context(request, case, tests, form=None) -> dict:
    can_manage = _can_manage(request.user, case)
    # Tests are recorded once the person has reported in, until the case ends (the objection
    # and disposal buttons stay: bottles outlive the case).
    can_record = can_manage and case.state in (CaseState.ACTIVE, CaseState.REFERRED)
    if can_record and form is None:
        form = _entry_form(request, case)
    return {
        "case": case,
        "person": case.person,
        "rows": _rows(tests),
        "can_manage": can_manage,
        "form": form if can_record else None,
        "day_form": forms.DayForm(prefix="day"),
        "today": clock.today(),
    }


def case_section(request, case) -> str:
    """The case page's 吸毒检测 section: the last tests, what is open on them, the entry form."""
    tests = _tests(request.user, case)
    context = _context(request, case, list(tests[:SECTION_ROWS]))
    context["total"] = tests.count()
    return render_to_string("community/drug_tests/_section.html", context, request=request)


@login_required
def drug_test_list(request, pk):
    case = get_case_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=case.person_id)
    return _render_list(request, case)


def _render_list(request, case, form=None, status=200):
    page = paginate(request, _tests(request.user, case))
    context = _context(request, case, page.object_list, form)
    context["page"] = page
    return render(request, "community/drug_tests/list.html", context, status=status)


@login_required
@require_POST
def drug_test_create(request, pk):
    case = get_case_for_user(request.user, pk, MANAGE)
    form = _entry_form(request, case, request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            test = services.record_drug_test(case, actor=request.user, **data)
        except ValidationError as exc:
            _show_refusal(form, exc)
        else:
            _announce(request, test)
            return redirect(next_url(request, reverse("community:drug_test_list", args=[case.pk])))
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=case.person_id)
    return _render_list(request, case, form, status=422)


def _show_refusal(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(form.show_refusal_at(field), error)
    else:
        for error in exc.error_list:
            form.add_error(None, error)


def _announce(request, test) -> None:
    what = (
        f"{test.taken_on:%Y-%m-%d} {test.get_tier_display()}（{test.get_sample_display()}）"
        f"{test.get_result_display()}"
    )
    messages.success(request, _("已登记检测：%(t)s。") % {"t": what})
    if test.result == TestResult.POSITIVE and test.referral is not None:
        messages.warning(
            request,
            _("检测阳性：已生成移交公安的待办（疑似社区戒毒期间吸毒），请及时报告。"),
        )
    if test.referral is not None and test.result != TestResult.POSITIVE:
        messages.warning(
            request, _("已构成严重违反社区戒毒（康复）协议（戒毒条例第二十条），请移交公安。")
        )


def _day_action(request, pk, run, done_message):
    test = get_record_for_user(CommunityDrugTest, request.user, pk, MANAGE)
    case = test.case
    form = forms.DayForm(request.POST, prefix="day")
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写日期。"))
        run(test, form.cleaned_data["on"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done_message)
    return redirect(next_url(request, reverse("community:drug_test_list", args=[case.pk])))


@login_required
@require_POST
def drug_test_objection(request, pk):
    return _day_action(
        request,
        pk,
        lambda test, on: services.record_objection(test, on=on, actor=request.user),
        _("已登记异议（申请实验室检测或复检）。"),
    )


@login_required
@require_POST
def drug_test_dispose(request, pk):
    return _day_action(
        request,
        pk,
        lambda test, on: services.dispose_bottles(test, on=on, actor=request.user),
        _("已登记样本销毁。"),
    )


@login_required
def bottle_list(request, code):
    """A township's A/B bottles whose retention is over or ends within the notice period
    (吸毒检测程序规定 Art. 8: kept ≥6 months): expired first, each with its dispose button."""
    unit = get_unit_for_user(request.user, code)
    today = clock.today()
    days = rule_config.value(rules.BOTTLE_EXPIRY_NOTICE_DAYS, unit, today)
    scope = CommunityDrugTest.objects.restrict(request.user, "view").filter(
        Q(case__unit__path__startswith=unit.path)
    )
    expiring = services.bottles_expiring(scope, today, days)
    page = paginate(request, expiring.select_related("person", "case"))
    counts = expiring.aggregate(
        expired=_count(Q(retain_until__lte=today)), due=_count(Q(retain_until__gt=today))
    )
    log_access(
        AccessAction.SEARCH_PERSON,
        user=request.user,
        query=f"bottles:{unit.code}",
        result_count=page.paginator.count,
    )
    return render(
        request,
        "community/drug_tests/bottles.html",
        {
            "unit": unit,
            "page": page,
            "days": days,
            "today": today,
            "expired": counts["expired"],
            "due": counts["due"],
            "can_manage": has_perm(request.user, MANAGE, unit),
            "day_form": forms.DayForm(prefix="day"),
        },
    )


def _count(condition):
    return Count("id", filter=condition)


urlpatterns = [
    path("cases/<int:pk>/tests/", drug_test_list, name="drug_test_list"),
    path("cases/<int:pk>/tests/new/", drug_test_create, name="drug_test_create"),
    path("tests/<int:pk>/objection/", drug_test_objection, name="drug_test_objection"),
    path("tests/<int:pk>/dispose/", drug_test_dispose, name="drug_test_dispose"),
    path("<str:code>/bottles/", bottle_list, name="bottle_list"),
]
