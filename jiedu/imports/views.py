"""Import pages: the upload form with the template downloads and recent imports, the report of
a file, and one batch's result. Each view: validate → service → render."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiedu.core.permissions import has_perm

from . import blank, services
from .access import get_batch_for_user
from .forms import UploadForm
from .models import ImportBatch

RECENT = 20


def _require_import(user) -> None:
    if not has_perm(user, services.PERM):
        raise Http404("no import permission")


def recent_batches(user):
    """The imports the user may see: those at units in their import scope, and their own."""
    in_scope = ImportBatch.objects.restrict(user, "import").values("pk")
    return (
        ImportBatch.objects.filter(Q(pk__in=in_scope) | Q(actor=user))
        .select_related("unit")
        .order_by("-created_at", "-id")[:RECENT]
    )


@login_required
def upload(request):
    _require_import(request.user)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            file = form.cleaned_data["file"]
            report = services.run_import(
                file.read(),
                file.name,
                actor=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
            if report.status == services.APPLIED:
                messages.success(
                    request,
                    _("导入完成：新建档案 %(p)s 份，登记措施 %(m)s 项。")
                    % {"p": report.persons_created, "m": report.measures_created},
                )
                return redirect("imports:batch_detail", pk=report.batch.pk)
            status = 422 if report.status == services.REJECTED else 200
            return render(
                request,
                "imports/report.html",
                {"report": report, "form": UploadForm()},
                status=status,
            )
    else:
        form = UploadForm()
    return render(
        request,
        "imports/upload.html",
        {"form": form, "batches": recent_batches(request.user)},
    )


@login_required
def batch_detail(request, pk: int):
    _require_import(request.user)
    batch = get_batch_for_user(request.user, pk)
    return render(request, "imports/batch_detail.html", {"batch": batch})


@login_required
def template_file(request, fmt: str):
    """The blank template: xlsx with an explanation sheet, or a CSV header row."""
    _require_import(request.user)
    if fmt == "xlsx":
        content = blank.template_xlsx()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = blank.template_csv()
        content_type = "text/csv; charset=utf-8"
    name = _("人员与措施导入模板")
    return FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=f"{name}.{fmt}",
        content_type=content_type,
    )
