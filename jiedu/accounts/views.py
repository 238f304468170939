from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiedu.core.permissions import grants_for, scope_q
from jiedu.core.views import apply_validation_error, paginate, query_param

from . import services
from .forms import MembershipForm, TokenForm, UserCreateForm
from .models import ApiToken, Membership, User


def _managed_users(actor):
    q = scope_q(actor, "accounts.manage_user", "memberships__org_unit__path")
    users = User.objects.all() if q is None else User.objects.filter(q)
    return users.distinct().order_by("username")


def _require_manage(actor):
    if not grants_for(actor).has_anywhere("accounts.manage_user"):
        raise Http404


@login_required
def user_list(request):
    _require_manage(request.user)
    q = query_param(request)
    users = _managed_users(request.user)
    if q:
        users = users.filter(username__icontains=q) | users.filter(display_name__icontains=q)
    page = paginate(request, users.prefetch_related("memberships__org_unit", "memberships__role"))
    return render(request, "accounts/user_list.html", {"page": page, "q": q})


@login_required
def user_create(request):
    _require_manage(request.user)
    form = UserCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.create_user(
                actor=request.user,
                username=d["username"],
                display_name=d["display_name"],
                password=d["password"],
                phone=d["phone"],
                org_unit=d["org_unit"],
                role=d["role"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            form.add_error("org_unit", str(exc))
        else:
            messages.success(request, _("已新建用户：%(u)s") % {"u": user.username})
            return redirect("accounts:user_detail", username=user.username)
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
def user_detail(request, username):
    _require_manage(request.user)
    subject = get_object_or_404(_managed_users(request.user), username=username)
    form = MembershipForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_membership(actor=request.user, user=subject, **form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error("org_unit", str(exc))
        else:
            messages.success(request, _("岗位已添加。"))
            return redirect("accounts:user_detail", username=subject.username)
    memberships = subject.memberships.select_related("org_unit", "role").order_by("-is_active")
    return render(
        request,
        "accounts/user_detail.html",
        {"subject": subject, "memberships": memberships, "form": form},
    )


@login_required
@require_POST
def membership_end(request, username, pk):
    _require_manage(request.user)
    subject = get_object_or_404(_managed_users(request.user), username=username)
    membership = get_object_or_404(Membership, user=subject, pk=pk)
    try:
        services.end_membership(membership, actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("accounts:user_detail", username=subject.username)


@login_required
@require_POST
def user_toggle_active(request, username):
    _require_manage(request.user)
    subject = get_object_or_404(_managed_users(request.user), username=username)
    try:
        services.set_user_active(subject, not subject.is_active, actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("accounts:user_detail", username=subject.username)


@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _token, new_token = services.issue_token(
            actor=request.user,
            user=request.user,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    response = render(
        request,
        "accounts/token_list.html",
        {"form": form, "tokens": tokens, "new_token": new_token},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, user=request.user, pk=pk)
    services.revoke_token(token, actor=request.user)
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:token_list")
