"""The person portal (本人端, phone-first) and the worker's side of check-ins: the case page's
section, the case's check-ins, the review queue and the permission-checked photos.

Portal pages sign in with the portal session (`auth.portal_login_required`), never with a staff
login; the worker's pages are ordinary staff pages (`login_required`, `restrict`, 404 outside
scope).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from jiedu.community.access import get_case_for_user
from jiedu.community.choices import PLANNED_KINDS, CaseState, DueStatus, LeaveStatus, TransferStatus
from jiedu.community.models import CaseTransfer, DueItem, LeaveRequest
from jiedu.community.services.common import case_units
from jiedu.core import clock
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm, has_perm_any, scope_q
from jiedu.core.views import apply_validation_error, next_url, paginate, query_id

from . import auth, forms, services
from .access import get_account_for_user, get_checkin_for_user, get_face_for_user
from .choices import NEEDS_REVIEW, FaceStatus, ReviewOutcome
from .models import CheckIn, EnrolledFace, PortalAccount

MANAGE_CASE = "community.manage_case"
MANAGE_PORTAL = "community.manage_portal"
SECTION_ROWS = 7
UPCOMING_DAYS = 30
# What the person sees coming: the plan's tests, talks, visits and self-reports. Never random
# test days (DueKind.RANDOM_TEST): they must stay unpredictable to the person tested.
VISIBLE_KINDS = PLANNED_KINDS
# Pages the service worker keeps for offline use (the person's own, on their own phone).
OFFLINE_PAGES = ("checkins:home", "checkins:checkin")
SHELL_STATIC = (
    "checkins/portal.css",
    "checkins/portal.js",
    "checkins/icon-192.png",
    "checkins/icon-512.png",
)


# --- The portal: helpers ----------------------------------------------------------------------


def _portal_text() -> dict:
    """The sentences the portal's script shows, in the page's language."""
    return {
        "pending": _("待发送"),
        "sending": _("正在发送…"),
        "sent": _("已签到"),
        "saved_offline": _("当前无网络：签到已保存在本机，联网后自动发送。"),
        "retry": _("发送失败，稍后自动重试。"),
        "relogin": _("登录已过期：请重新登录，签到会在登录后自动发送。"),
        "refused": _("签到未被接受"),
        "need_photo": _("请先拍照。"),
        "location_pending": _("正在获取位置…"),
        "location_ok": _("已获取位置（精度约%(m)s米）"),
        "location_denied": _("未获取到位置：可以不带位置签到，专干会看到“无位置”。"),
        "location_none": _("此设备不支持定位：可以不带位置签到。"),
        "review": _("已转专干人工复核，不会因此自动扣分。"),
        "taken": _("拍摄于"),
        "face": dict(FaceStatus.choices),
    }


def _shell_urls() -> dict:
    return {
        "pages": [reverse(name) for name in OFFLINE_PAGES],
        "offline": reverse("checkins:offline"),
        "static": [static(p) for p in SHELL_STATIC],
    }


def _render_portal(request, template: str, context: dict, status: int = 200):
    account = getattr(request, "portal_account", None)
    context = {
        "account": account,
        "portal_text": _portal_text(),
        "shell": _shell_urls(),
        "api_url": reverse("api:checkin_create"),
        **context,
    }
    return render(request, template, context, status=status)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    portal = reverse("checkins:home")
    if (
        target.startswith(portal)
        and not target.startswith(f"{portal}staff/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback


# --- The portal: signing in and out -------------------------------------------------------------


@never_cache
def portal_login(request):
    if auth.get_account(request) is not None:
        return redirect("checkins:home")
    form = forms.PortalLoginForm(request.POST or None)
    failed = False
    if request.method == "POST" and form.is_valid():
        account = services.authenticate(form.cleaned_data["phone"], form.cleaned_data["password"])
        if account is not None:
            auth.login(request, account)
            if account.must_change_password:
                return redirect("checkins:password")
            return redirect(_safe_next(request, reverse("checkins:home")))
        failed = True
    return _render_portal(
        request,
        "checkins/login.html",
        {
            "form": form,
            "failed": failed,
            "next": request.GET.get("next", ""),
            "lockout_after": services.LOCKOUT_AFTER,
            "lockout_minutes": int(services.LOCKOUT_FOR.total_seconds() // 60),
        },
        status=200,
    )


@require_POST
def portal_logout(request):
    auth.logout(request)
    return redirect(f"{reverse('checkins:login')}?logged_out=1")


@never_cache
@auth.portal_login_required(allow_must_change=True)
def password_change(request):
    account = request.portal_account
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.change_password(
                account, old=form.cleaned_data["old"], new=form.cleaned_data["new"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            auth.refresh_session(request, account)
            messages.success(request, _("密码已修改。"))
            return redirect("checkins:home")
    return _render_portal(request, "checkins/password.html", {"form": form})


# --- The portal: pages ------------------------------------------------------------------------


def _notices(case, today) -> list[dict]:
    """What the person must know: reporting, a transfer's deadline, answers to leave requests."""
    notices = []
    if case.state == CaseState.AWAITING_REPORT and case.measure.report_due_by:
        notices.append(
            {
                "level": "danger" if case.measure.report_due_by < today else "warn",
                "text": _("请于%(day)s前到%(unit)s报到（戒毒条例第十四条）。")
                % {"day": case.measure.report_due_by.isoformat(), "unit": case.unit},
            }
        )
    transfer = (
        CaseTransfer.objects.filter(case=case, status=TransferStatus.MOVED)
        .select_related("to_unit")
        .order_by("-moved_on", "-id")
        .first()
    )
    if transfer is not None:
        notices.append(
            {
                "level": "danger" if transfer.report_due_by < today else "warn",
                "text": _("执行地已变更：请于%(day)s前到%(unit)s报到（戒毒条例第二十二条）。")
                % {"day": transfer.report_due_by.isoformat(), "unit": transfer.to_unit},
            }
        )
    recent = today - timedelta(days=UPCOMING_DAYS)
    for leave in LeaveRequest.objects.filter(case=case).order_by("-requested_on", "-id")[:5]:
        if leave.status == LeaveStatus.PENDING:
            text = _("%(a)s至%(b)s的请假申请待审批。")
        elif leave.status == LeaveStatus.APPROVED and leave.return_on >= recent:
            text = _("%(a)s至%(b)s的请假已批准，请按时返回并向专干报告。")
        elif leave.status == LeaveStatus.REJECTED and (leave.decided_on or today) >= recent:
            text = _("%(a)s至%(b)s的请假未获批准，请勿擅自离开执行地所在县（市、区）。")
        else:
            continue
        note = f"（{leave.decision_note}）" if leave.decision_note else ""
        notices.append(
            {
                "level": "warn" if leave.status == LeaveStatus.REJECTED else "",
                "text": text % {"a": leave.leave_on.isoformat(), "b": leave.return_on.isoformat()}
                + note,
            }
        )
    return notices


@never_cache
@auth.portal_login_required
def home(request):
    account = request.portal_account
    today = clock.today()
    case = services.current_case(account.person)
    context = {
        "case": case,
        "today": today,
        "today_checkins": list(CheckIn.objects.filter(account=account, on=today)),
        "upcoming": [],
        "notices": [],
    }
    if case is not None:
        context["upcoming"] = list(
            DueItem.objects.filter(
                case=case,
                status=DueStatus.OPEN,
                kind__in=VISIBLE_KINDS,
                due_on__gte=today,
                due_on__lte=today + timedelta(days=UPCOMING_DAYS),
            ).order_by("due_on", "kind")
        )
        context["notices"] = _notices(case, today)
    return _render_portal(request, "checkins/home.html", context)


@never_cache
@auth.portal_login_required
def checkin(request):
    account = request.portal_account
    today = clock.today()
    return _render_portal(
        request,
        "checkins/checkin.html",
        {
            "case": services.current_case(account.person),
            "enrolled": services.current_face(account) is not None,
            "today_checkins": list(CheckIn.objects.filter(account=account, on=today)),
            "needs_review": NEEDS_REVIEW,
        },
    )


@never_cache
@auth.portal_login_required
def leave(request):
    account = request.portal_account
    case = services.current_case(account.person)
    form = forms.LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.ask_leave(
                account,
                leave_on=data["leave_on"],
                return_on=data["return_on"],
                destination=data["destination"],
                reason=data["reason"],
                client_id=data["client_id"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("请假申请已提交，请等待审批结果。"))
            return redirect("checkins:leave")
    requests = (
        list(LeaveRequest.objects.filter(case=case).order_by("-requested_on", "-id")[:10])
        if case is not None
        else []
    )
    return _render_portal(
        request, "checkins/leave.html", {"form": form, "case": case, "requests": requests}
    )


def offline(request):
    """Shown by the service worker when a page is not cached and there is no network."""
    return _render_portal(request, "checkins/offline.html", {})


@cache
def _shell_version() -> str:
    digest = hashlib.sha256()
    for path in SHELL_STATIC:
        found = finders.find(path)
        if found:
            with open(found, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request):
    """/portal/sw.js: served under /portal/ so that its scope covers the portal pages."""
    body = render_to_string(
        "checkins/sw.js",
        {"version": _shell_version(), "shell_json": json.dumps(_shell_urls())},
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("checkins:home")
    return response


@require_GET
def manifest(request):
    icons = [
        {"src": static("checkins/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("checkins/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("checkins/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    data = {
        "name": _("社区戒毒（康复）本人端"),
        "short_name": _("本人端"),
        "lang": "zh-CN",
        "start_url": reverse("checkins:home"),
        "scope": reverse("checkins:home"),
        "display": "standalone",
        "background_color": "#f5f7f9",
        "theme_color": "#12395f",
        "icons": icons,
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


# --- The worker: the case page's section and the case's check-ins -----------------------------


def _account_context(request, case, **bound) -> dict:
    user = request.user
    units = case_units(case)
    can_portal = case.is_open and has_perm_any(user, MANAGE_PORTAL, units)
    account = PortalAccount.objects.filter(person_id=case.person_id).first()
    face = services.current_face(account) if account is not None else None
    context = {
        "case": case,
        "account": account,
        "face": face,
        "can_portal": can_portal,
        "can_review": has_perm_any(user, MANAGE_CASE, units),
        "locked": account is not None
        and account.locked_until is not None
        and account.locked_until > clock.now(),
        "open_form": None,
        "reset_form": None,
        "enrol_form": None,
        "review_form": forms.ReviewForm(auto_id=False),
        "needs_review": NEEDS_REVIEW,
    }
    if can_portal:
        if account is None:
            context["open_form"] = forms.OpenAccountForm(prefix="open")
        else:
            context["reset_form"] = forms.ResetPasswordForm(prefix="reset")
            context["enrol_form"] = forms.EnrolFaceForm(prefix="enrol")
    context.update(bound)
    return context


def case_section(request, case) -> str:
    """Check-ins on the case page: the portal account, the enrolled face, the last check-ins."""
    context = _account_context(request, case)
    checkins = CheckIn.objects.filter(case=case)
    context["recent"] = list(checkins[:SECTION_ROWS])
    context["total"] = checkins.count()
    context["to_review"] = checkins.filter(face_status__in=NEEDS_REVIEW, review_outcome="").count()
    return render_to_string("checkins/_case_section.html", context, request=request)


def _case_page(request, case, status: int = 200, **bound):
    context = _account_context(request, case, **bound)
    page = paginate(request, CheckIn.objects.filter(case=case), per_page=30)
    context.update({"page": page, "person": case.person})
    return render(request, "checkins/case_checkins.html", context, status=status)


@login_required
def case_checkins(request, pk):
    case = get_case_for_user(request.user, pk)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=case.person_id)
    return _case_page(request, case)


def _back(request, case) -> str:
    return next_url(request, reverse("checkins:case_checkins", args=[case.pk]))


@login_required
@require_POST
def account_open(request, pk):
    case = get_case_for_user(request.user, pk, MANAGE_PORTAL)
    form = forms.OpenAccountForm(request.POST, prefix="open")
    if form.is_valid():
        try:
            services.open_account(
                case.person,
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("本人端账号已开通；请将初始密码告知本人，首次登录须修改。"))
            return redirect(_back(request, case))
    return _case_page(request, case, status=422, open_form=form)


def _account_case(request, pk):
    account = get_account_for_user(request.user, pk, MANAGE_PORTAL)
    case = services.current_case(account.person)
    return account, get_case_for_user(request.user, case.pk, MANAGE_PORTAL)


@login_required
@require_POST
def account_reset(request, pk):
    account, case = _account_case(request, pk)
    form = forms.ResetPasswordForm(request.POST, prefix="reset")
    if form.is_valid():
        try:
            services.reset_password(
                account, password=form.cleaned_data["password"], actor=request.user
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("密码已重置；本人须用新的初始密码登录并修改。"))
            return redirect(_back(request, case))
    return _case_page(request, case, status=422, reset_form=form)


@login_required
@require_POST
def face_enrol(request, pk):
    account, case = _account_case(request, pk)
    form = forms.EnrolFaceForm(request.POST, request.FILES, prefix="enrol")
    if form.is_valid():
        photo = form.cleaned_data["photo"]
        photo.seek(0)
        try:
            services.enrol_face(
                account, photo_bytes=photo.read(), on=form.cleaned_data["on"], actor=request.user
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("比对照片已采集。"))
            return redirect(_back(request, case))
    return _case_page(request, case, status=422, enrol_form=form)


# --- The worker: the review queue -------------------------------------------------------------


# Reviewing acts on the case: the queue shows what the user may act on — the case's township,
# the person's managing unit, the deciding organ (not the township a case was transferred from,
# which still reads the history).
_REVIEW_SCOPE = (
    "case__unit__path",
    "case__person__managing_unit__path",
    "case__measure__deciding_organ__path",
)


def _in_review_scope(qs, user):
    q = scope_q(user, MANAGE_CASE, _REVIEW_SCOPE)
    return qs if q is None else qs.filter(q)


def _review_queue(user):
    return _in_review_scope(
        CheckIn.objects.filter(face_status__in=NEEDS_REVIEW, review_outcome=""), user
    )


@login_required
def review_queue(request):
    if not has_perm(request.user, MANAGE_CASE):
        raise Http404
    qs = (
        _review_queue(request.user)
        .select_related("case", "case__unit", "person", "account")
        .prefetch_related(
            Prefetch(
                "account__faces",
                queryset=EnrolledFace.objects.filter(replaced_at__isnull=True),
                to_attr="current_faces",
            )
        )
        .order_by("taken_at", "id")
    )
    case_filter = query_id(request, "case")
    if case_filter is not None:
        qs = qs.filter(case_id=case_filter)
    page = paginate(request, qs)
    # Check-ins whose comparison is overdue cannot be reviewed yet: say how many, so that a
    # stopped background worker does not look like an empty queue.
    late = _in_review_scope(
        CheckIn.objects.filter(
            face_status=FaceStatus.PENDING,
            received_at__lt=clock.now() - services.VERIFY_LATE_AFTER,
        ),
        request.user,
    ).count()
    return render(
        request,
        "checkins/review_queue.html",
        {
            "page": page,
            "case_filter": case_filter,
            "needs_review": NEEDS_REVIEW,
            "late_pending": late,
            "late_minutes": int(services.VERIFY_LATE_AFTER.total_seconds() // 60),
        },
    )


@login_required
@require_POST
def checkin_review(request, pk):
    checkin = get_checkin_for_user(request.user, pk, MANAGE_CASE)
    form = forms.ReviewForm(request.POST)
    fallback = reverse("checkins:review_queue")
    if form.is_valid():
        try:
            services.review_checkin(
                checkin,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("已复核：%(person)s %(on)s的签到——%(outcome)s。")
                % {
                    "person": checkin.case.person.name,
                    "on": checkin.on.isoformat(),
                    "outcome": ReviewOutcome(form.cleaned_data["outcome"]).label,
                },
            )
    else:
        messages.error(request, _("请选择复核结果。"))
    return redirect(next_url(request, fallback))


# --- The worker: photos -----------------------------------------------------------------------


def _photo_response(field, person_pk, user):
    if not field:
        raise Http404
    log_access(AccessAction.VIEW_PHOTO, user=user, person_pk=person_pk)
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def checkin_photo(request, pk):
    checkin = get_checkin_for_user(request.user, pk)
    return _photo_response(checkin.photo, checkin.person_id, request.user)


@login_required
def face_photo(request, pk):
    face = get_face_for_user(request.user, pk)
    return _photo_response(face.photo, face.account.person_id, request.user)
