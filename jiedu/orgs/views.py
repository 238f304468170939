from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiedu.core.permissions import has_perm
from jiedu.core.views import apply_validation_error

from . import services
from .access import get_unit_for_user
from .forms import UnitEditForm, UnitForm
from .models import OrgUnit


@login_required
def unit_list(request):
    units = OrgUnit.objects.restrict(request.user, "view").order_by("path")
    if not units.exists() and not has_perm(request.user, "orgs.view_orgunit"):
        raise Http404
    rows = [(u, has_perm(request.user, "orgs.manage_orgunit", u)) for u in units]
    return render(request, "orgs/unit_list.html", {"rows": rows})


@login_required
def unit_create(request, code):
    parent = get_unit_for_user(request.user, code, "manage")
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.create_unit(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已新建：%(name)s") % {"name": unit.name})
            return redirect("orgs:unit_list")
    return render(request, "orgs/unit_form.html", {"form": form, "parent": parent})


@login_required
def unit_edit(request, code):
    unit = get_unit_for_user(request.user, code, "manage")
    form = UnitEditForm(
        request.POST or None,
        initial={
            "code": unit.code,
            "name": unit.name,
            "division_code": unit.division_code,
            "is_active": unit.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_unit(unit, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("orgs:unit_list")
    return render(request, "orgs/unit_form.html", {"form": form, "unit": unit})
