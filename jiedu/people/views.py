"""Person registry pages. Each view: validate → access → service → render."""

import uuid as uuidlib

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiedu.core.audit import log_access
from jiedu.core.export import Column, export_response
from jiedu.core.models import AccessAction, AccessLogEntry, ChangeLogEntry
from jiedu.core.permissions import has_perm
from jiedu.core.views import apply_validation_error, paginate, query_param, render_list

from . import services
from .access import (
    can_view_full_id,
    can_view_health,
    get_health_for_user,
    get_person_for_user,
    person_has_perm,
)
from .choices import PersonStatus
from .events import event_text
from .forms import DrugUseForm, FamilyContactForm, HealthForm, MergeForm, PersonForm, PhotoForm
from .models import DrugUse, FamilyContact, Person, PersonEvent
from .panels import render_panels
from .querysets import mask_query, search


@login_required
def person_list(request):
    q = query_param(request)
    base = Person.objects.restrict(request.user, "view").active()
    if not has_perm(request.user, "people.view_person"):
        raise Http404
    results = search(base, q).select_related("managing_unit").order_by("name", "birth_date", "id")
    page = paginate(request, results)
    log_access(
        AccessAction.SEARCH_PERSON,
        user=request.user,
        query=mask_query(q),
        result_count=page.paginator.count,
    )
    return render_list(
        request,
        "people/person_list.html",
        "people/_person_results.html",
        {
            "page": page,
            "q": q,
            "can_add": has_perm(request.user, "people.add_person"),
            "can_export": has_perm(request.user, "people.export_person"),
            "can_import": has_perm(request.user, "imports.import_record"),
        },
    )


# 人员档案 export: the same search as the list, within the export permission's scope.
EXPORT_COLUMNS = [
    Column(gettext_lazy("档案编号"), "uuid", width=38),
    Column(gettext_lazy("姓名"), "name"),
    Column(gettext_lazy("性别"), lambda p: p.get_gender_display(), width=6),
    Column(gettext_lazy("出生日期"), "birth_date", width=12),
    Column(gettext_lazy("证件类型"), lambda p: p.get_id_type_display(), width=14),
    # Masked only: the full number is revealed one file at a time, logged (reveal_id).
    Column(gettext_lazy("证件号码"), "id_number_masked", width=22),
    Column(gettext_lazy("户籍地详址"), "hukou_address", width=30),
    Column(gettext_lazy("现居住地详址"), "residence_address", width=30),
    Column(gettext_lazy("管理单位"), "managing_unit.name", width=24),
    Column(gettext_lazy("措施执行单位"), "measure_unit.name", width=24),
]


@login_required
def person_export(request, fmt: str = "csv"):
    """The current search as a spreadsheet (xlsx, or CSV in UTF-8 with BOM); masked ID numbers
    only; one access-log row with the query and the number of rows."""
    if not has_perm(request.user, "people.export_person"):
        raise Http404
    q = query_param(request)
    rows = (
        search(
            Person.objects.restrict(request.user, "view").restrict(request.user, "export").active(),
            q,
        )
        .select_related("managing_unit", "measure_unit")
        .order_by("name", "birth_date", "id")
    )
    return export_response(
        request, rows, EXPORT_COLUMNS, name=_("人员档案"), fmt=fmt, query=mask_query(q)
    )


def _person_input(form) -> services.PersonInput:
    d = form.cleaned_data
    return services.PersonInput(
        name=d["name"],
        gender=d["gender"],
        birth_date=d["birth_date"],
        managing_unit=d["managing_unit"],
        id_type=d["id_type"],
        id_number=d.get("id_number", ""),
        ethnicity=d.get("ethnicity", ""),
        nationality=d.get("nationality") or "CN",
        hukou_division=d.get("hukou_division"),
        hukou_address=d.get("hukou_address", ""),
        residence_division=d.get("residence_division"),
        residence_address=d.get("residence_address", ""),
        notes=d.get("notes", ""),
        aliases=tuple(d.get("aliases", [])),
        phones=tuple(d.get("phones", [])),
    )


@login_required
def person_create(request):
    if not has_perm(request.user, "people.add_person"):
        raise Http404
    duplicates = []
    same_id = False
    if request.method == "POST":
        form = PersonForm(request.POST, user=request.user, creating=True)
        if form.is_valid():
            try:
                person = services.create_person(
                    _person_input(form),
                    actor=request.user,
                    confirm_not_duplicate=form.cleaned_data["confirm_not_duplicate"],
                    idempotency_key=form.cleaned_data.get("idempotency_key") or None,
                )
            except services.DuplicatePersonError as exc:
                duplicates = [
                    (c, person_has_perm(request.user, "people.view_person", c))
                    for c in exc.candidates
                ]
                same_id = exc.same_id
                form.add_error(
                    "id_number" if exc.same_id else "confirm_not_duplicate", exc.messages[0]
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except PermissionDenied as exc:
                form.add_error("managing_unit", str(exc))
            else:
                messages.success(request, _("已建立档案：%(name)s") % {"name": person.name})
                return redirect("people:person_detail", uuid=person.uuid)
    else:
        form = PersonForm(
            user=request.user,
            creating=True,
            initial={"idempotency_key": uuidlib.uuid4().hex, "nationality": "CN"},
        )
    if not duplicates or same_id:
        # The confirmation only makes sense next to the likely duplicates it confirms.
        form.fields["confirm_not_duplicate"].widget = forms.HiddenInput()
    return render(
        request,
        "people/person_form.html",
        {"form": form, "creating": True, "duplicates": duplicates, "same_id": same_id},
    )


@login_required
def person_detail(request, uuid):
    person = get_person_for_user(request.user, uuid)
    if person.status == PersonStatus.MERGED and person.merged_into_id:
        messages.info(request, _("该档案已合并至另一档案，已为您打开合并后的档案。"))
        try:
            target = get_person_for_user(request.user, person.merged_into.uuid)
        except Http404:
            target = None
        if target is not None:
            return redirect("people:person_detail", uuid=target.uuid)
    log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=person.pk)
    history_pks = services.history_person_pks(person)
    health_visible = can_view_health(request.user, person)
    events = PersonEvent.objects.filter(person__in=history_pks)
    if not health_visible:
        # Even that a health record changed is health information.
        events = events.exclude(code__startswith="people.health.")
    events = events.order_by("-occurred_at", "-id")[:100]
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "aliases": person.aliases.all(),
            "phones": person.phones.all(),
            "drug_uses": person.drug_uses.select_related("drug_type"),
            "family": person.family.all(),
            "health": get_health_for_user(request.user, person),
            "health_visible": health_visible,
            "can_edit_health": person_has_perm(request.user, "people.change_health", person),
            "can_edit": person_has_perm(request.user, "people.change_person", person),
            "can_merge": has_perm(request.user, "people.merge_person", person.managing_unit),
            "can_reveal_id": can_view_full_id(request.user, person),
            "can_audit": has_perm(request.user, "core.view_audit", person.managing_unit),
            "timeline": [(e, event_text(e)) for e in events],
            "panels": render_panels(request, person),
            "merged_from": person.merged_from.all(),
            "drug_form": DrugUseForm(birth_date=person.birth_date),
            "family_form": FamilyContactForm(),
            "photo_form": PhotoForm(),
        },
    )


@login_required
def person_edit(request, uuid):
    person = get_person_for_user(request.user, uuid, "change")
    if request.method == "POST":
        form = PersonForm(
            request.POST,
            instance=Person.objects.get(pk=person.pk),
            user=request.user,
            creating=False,
        )
        if form.is_valid():
            changes = {f: form.cleaned_data[f] for f in services.PERSON_FIELDS if f in form.fields}
            changes["id_type"] = form.cleaned_data["id_type"]
            number = form.cleaned_data.get("id_number", "")
            # The form does not show the number on file: a blank box keeps it.
            if number or changes["id_type"] != person.id_type:
                changes["id_number"] = number
            try:
                services.edit_person(
                    person,
                    changes,
                    actor=request.user,
                    aliases=form.cleaned_data["aliases"],
                    phones=form.cleaned_data["phones"],
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("档案已保存。"))
                return redirect("people:person_detail", uuid=person.uuid)
    else:
        form = PersonForm(instance=person, user=request.user, creating=False)
        log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person})


@login_required
def health_edit(request, uuid):
    person = get_person_for_user(request.user, uuid)
    if person.status != PersonStatus.ACTIVE:
        raise Http404
    if not person_has_perm(request.user, "people.change_health", person):
        raise Http404
    record = get_health_for_user(request.user, person)
    if request.method == "POST":
        form = HealthForm(request.POST, instance=record)
        if form.is_valid():
            services.update_health(person, form.cleaned_data, actor=request.user)
            messages.success(request, _("健康信息已保存。"))
            return redirect("people:person_detail", uuid=person.uuid)
    else:
        form = HealthForm(instance=record)
        log_access(AccessAction.VIEW_PERSON, user=request.user, person_pk=person.pk)
    return render(request, "people/health_form.html", {"form": form, "person": person})


@login_required
@require_POST
def drug_use_add(request, uuid):
    person = get_person_for_user(request.user, uuid, "change")
    form = DrugUseForm(request.POST, birth_date=person.birth_date)
    if form.is_valid():
        services.save_drug_use(person, actor=request.user, **form.cleaned_data)
        messages.success(request, _("吸毒史已保存。"))
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect("people:person_detail", uuid=person.uuid)


@login_required
@require_POST
def drug_use_remove(request, uuid, pk):
    person = get_person_for_user(request.user, uuid, "change")
    use = get_object_or_404(DrugUse, person=person, pk=pk)
    services.remove_drug_use(use, actor=request.user)
    return redirect("people:person_detail", uuid=person.uuid)


@login_required
@require_POST
def family_add(request, uuid):
    person = get_person_for_user(request.user, uuid, "change")
    form = FamilyContactForm(request.POST)
    if form.is_valid():
        services.save_family_contact(person, actor=request.user, **form.cleaned_data)
        messages.success(request, _("家庭成员已保存。"))
    else:
        for field, errors in form.errors.items():
            for e in errors:
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}：{e}" if label else e)
    return redirect("people:person_detail", uuid=person.uuid)


@login_required
@require_POST
def family_remove(request, uuid, pk):
    person = get_person_for_user(request.user, uuid, "change")
    contact = get_object_or_404(FamilyContact, person=person, pk=pk)
    services.remove_family_contact(contact, actor=request.user)
    return redirect("people:person_detail", uuid=person.uuid)


@login_required
@require_POST
def photo_upload(request, uuid):
    person = get_person_for_user(request.user, uuid, "change")
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.set_photo(person, form.cleaned_data["photo"], actor=request.user)
        except ValidationError as exc:
            for e in exc.messages:
                messages.error(request, e)
        else:
            messages.success(request, _("照片已上传。"))
    else:
        for e in form.errors.get("photo", []):
            messages.error(request, e)
    return redirect("people:person_detail", uuid=person.uuid)


@login_required
def photo(request, uuid):
    person = get_person_for_user(request.user, uuid)
    if not person.photo:
        raise Http404
    log_access(AccessAction.VIEW_PHOTO, user=request.user, person_pk=person.pk)
    response = FileResponse(person.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def reveal_id(request, uuid):
    person = get_person_for_user(request.user, uuid)
    if not can_view_full_id(request.user, person):
        raise Http404
    log_access(AccessAction.REVEAL_ID, user=request.user, person_pk=person.pk)
    response = HttpResponse(person.id_number or "—", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@login_required
def person_merge(request, uuid):
    person = get_person_for_user(request.user, uuid)
    if not has_perm(request.user, "people.merge_person", person.managing_unit):
        raise Http404
    candidates = [
        c
        for c in services.find_duplicates(
            name=person.name,
            birth_date=person.birth_date,
            id_index=person.id_number_index,
            exclude_pk=person.pk,
        )
        if has_perm(request.user, "people.merge_person", c.managing_unit)
    ]
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            other = get_person_for_user(request.user, form.cleaned_data["other"])
        except Http404:
            form.add_error("other", _("找不到该档案，或不在您的管辖范围内。"))
        else:
            source, target = (
                (other, person)
                if form.cleaned_data["keep"] == "this"
                else (
                    person,
                    other,
                )
            )
            try:
                kept = services.merge_persons(source, target, actor=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except PermissionDenied as exc:
                form.add_error("other", str(exc))
            else:
                messages.success(request, _("档案已合并，两份档案的历史记录均已保留。"))
                return redirect("people:person_detail", uuid=kept.uuid)
    return render(
        request,
        "people/person_merge.html",
        {"person": person, "form": form, "candidates": candidates},
    )


@login_required
def person_history(request, uuid):
    """Auditor view: who viewed or changed this person (and the files merged into it)."""
    person = get_person_for_user(request.user, uuid)
    if not has_perm(request.user, "core.view_audit", person.managing_unit):
        raise Http404
    pks = services.history_person_pks(person)
    changes = paginate(request, ChangeLogEntry.objects.filter(person_pk__in=pks))
    accesses = AccessLogEntry.objects.filter(person_pk__in=pks)[:200]
    log_access(AccessAction.VIEW_AUDIT, user=request.user, person_pk=person.pk)
    return render(
        request,
        "people/person_history.html",
        {
            "person": person,
            "changes": changes,
            "accesses": accesses,
            "health_visible": can_view_health(request.user, person),
        },
    )
