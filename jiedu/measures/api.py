"""/api/v1/measures: decisions and the legal status machine over JSON, with the same scope, audit
and refusals as the pages.

Compulsory isolation is admitted, transferred and released through the facility services, so a
stay (入所记录) opens and closes with the measure; every other measure goes straight to the
measures services.
"""

from uuid import UUID

from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Field as NField
from ninja import Header, Query, Router, Schema, Status

from jiedu.core.api import INVALID, MALFORMED_BODY, SINGLE_LINE, UNAUTHENTICATED, ErrorOut
from jiedu.core.audit import log_access
from jiedu.core.clock import today
from jiedu.core.models import AccessAction
from jiedu.core.refusals import Refusal
from jiedu.facilities import services as facilities
from jiedu.facilities.choices import LeftReason
from jiedu.facilities.models import Admission
from jiedu.orgs.models import OrgUnit
from jiedu.people.access import get_person_for_user
from jiedu.people.choices import PersonStatus

from . import facts, services
from .access import get_measure_for_user
from .models import Measure
from .schemas import (
    AdmitIn,
    EscapeIn,
    KindLiteral,
    MeasureCreateIn,
    MeasureDetail,
    MeasureList,
    OnIn,
    ReleaseIn,
    ReportIn,
    StatusLiteral,
    SuspendIn,
    TerminateIn,
    TransferIn,
    UnitCode,
)

router = Router(tags=["measures"])

# Every action answers the measure, or says why not.
ACTION_RESPONSES = {
    200: MeasureDetail,
    403: ErrorOut,
    404: ErrorOut,
    **MALFORMED_BODY,
    **UNAUTHENTICATED,
    **INVALID,
}
ACTION_NOTE = (
    " 404 when the measure is missing or the caller may not execute it; 422 with the refusal's "
    "`code` (e.g. `illegal_transition`, `future_date`, `date_before_previous`) and a message in "
    "Chinese and English when the law or the status machine does not allow it; 403 when the "
    "caller may not act for the unit concerned. Repeating an action with the same day returns "
    "the measure unchanged."
)


class MeasureListParams(Schema):
    limit: int = NField(50, ge=1, le=200)
    offset: int = NField(0, ge=0, le=10_000_000)
    person: UUID | None = NField(None, description="The person's id")
    kind: KindLiteral | None = None
    status: StatusLiteral | None = None
    executing_unit: UnitCode | None = NField(None, description="Code of the executing unit")


def _with_relations(qs):
    return qs.select_related("person", "executing_unit", "deciding_organ")


def _item(m: Measure) -> dict:
    return {
        "id": m.pk,
        "person": m.person.uuid,
        "person_name": m.person.name,
        "kind": m.kind,
        "status": m.status,
        "deciding_organ": m.deciding_organ.code if m.deciding_organ else None,
        "decision_number": m.decision_number,
        "decided_on": m.decided_on,
        "served_on": m.served_on,
        "executing_unit": m.executing_unit.code,
        "ground": m.ground,
        "term_months": m.term_months,
        "extension_months": m.extension_months,
        "previous": m.previous_id,
        "reported_on": m.reported_on,
        "admitted_on": m.admitted_on,
        "transferred_on": m.transferred_on,
        "ended_on": m.ended_on,
        "end_reason": m.end_reason,
        "term_start": m.term_start,
        "term_end": m.term_end,
        "early_release_from": m.early_release_from,
        "latest_end_with_extension": m.latest_end_with_extension,
        "transfer_due_from": m.transfer_due_from,
        "transfer_due_by": m.transfer_due_by,
        "police_stage_limit": m.police_stage_limit,
        "report_due_by": m.report_due_by,
        "paused_days": m.paused_days,
    }


def _blockers(m: Measure) -> list[dict]:
    """The bars to early release today, in both languages (the texts cite their rules)."""
    texts = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts[language] = [
                (code, str(text)) for code, text in services.early_release_blockers(m, today())
            ]
    return [
        {"code": code, "message": zh, "message_en": en}
        for (code, zh), (_code, en) in zip(texts["zh-hans"], texts["en"], strict=True)
    ]


def _detail(request, m: Measure) -> dict:
    """The measure with its clocks, bars, pauses and notices. A measure is part of a person's
    file: every response carrying it is a read, logged."""
    m = _with_relations(Measure.objects).prefetch_related("blockers").get(pk=m.pk)
    log_access(AccessAction.VIEW_PERSON, user=request.auth, person_pk=m.person_id, channel="api")
    return {
        **_item(m),
        "followed_by": m.following.order_by("id").values_list("id", flat=True).first(),
        "early_release_blockers": _blockers(m),
        "pauses": [
            {"kind": p.kind, "started_on": p.started_on, "ended_on": p.ended_on}
            for p in m.pauses.order_by("started_on", "id")
        ],
        "notices": [
            {"kind": n.kind, "recipient": n.recipient, "due_on": n.due_on, "sent_on": n.sent_on}
            for n in m.notices.order_by("due_on", "id")
        ],
        "clock_sources": {field: source for field, _l, _d, source in services.clock_rows(m)},
        **_serious_breach(m),
    }


def _serious_breach(m: Measure) -> dict:
    """戒毒条例 Art. 20 facts from the app that keeps them (community), through the provider
    registry, so measures does not import it; null for measures no provider knows."""
    found = facts.serious_breach(m)
    if found is None:
        return {"serious_breach": None, "serious_breach_counts": None}
    return {"serious_breach": found["serious_breach"], "serious_breach_counts": found["counts"]}


def _unit(code: str | None, field: str) -> OrgUnit | None:
    if code is None:
        return None
    unit = OrgUnit.objects.filter(code=code, is_active=True).first()
    if unit is None:
        raise Refusal(
            _("找不到代码为 %(c)s 的单位。"), code="unknown_unit", params={"c": code}, field=field
        )
    return unit


def _renamed(exc: Refusal, fields: dict[str, str]) -> Refusal:
    """The services name fields as their models do; the API's request may call them otherwise."""
    if exc.refusal_field not in fields:
        return exc
    return Refusal(
        exc.refusal_message,
        code=exc.refusal_code,
        params=exc.refusal_params,
        field=fields[exc.refusal_field],
    )


def _intake(payload) -> facilities.IntakeInput:
    return facilities.IntakeInput(
        on=payload.on,
        identity_checked=payload.identity_checked,
        searched_by=list(payload.searched_by),
        pregnancy_test=payload.pregnancy_test,
        breastfeeding=payload.breastfeeding,
        files_received=payload.files_received,
    )


# --- Reads -------------------------------------------------------------------------------------


@router.get(
    "",
    response={200: MeasureList, **UNAUTHENTICATED, **INVALID},
    summary="List measures in scope",
    description="Measures the caller may view — executed by, decided by, or concerning a person "
    "managed by a unit in the caller's scope — newest decision first; `count` is the number of "
    "matches, `items` one page of them. Every call is written to the access log.",
)
def list_measures(request, params: Query[MeasureListParams]):
    qs = Measure.objects.restrict(request.auth, "view")
    filters = {}
    if params.person is not None:
        filters["person__uuid"] = params.person
    if params.kind is not None:
        filters["kind"] = params.kind
    if params.status is not None:
        filters["status"] = params.status
    if params.executing_unit is not None:
        filters["executing_unit__code"] = params.executing_unit
    qs = qs.filter(**filters)
    count = qs.count()
    rows = _with_relations(qs).order_by("-decided_on", "-id")[
        params.offset : params.offset + params.limit
    ]
    log_access(
        AccessAction.SEARCH_PERSON,
        user=request.auth,
        query=" ".join(["measures", *(f"{k}={v}" for k, v in filters.items())]),
        result_count=count,
        channel="api",
    )
    return {"items": [_item(m) for m in rows], "count": count}


@router.get(
    "/{id}",
    response={200: MeasureDetail, 404: ErrorOut, **UNAUTHENTICATED, **INVALID},
    summary="Open a measure with its clocks",
    description="Every legal date of the measure, computed from the decision, the events and the "
    "pauses, with `clock_sources` naming the rule behind each, the bars to early release today, "
    "the pauses and the notices the law requires. 404 both when there is no such measure and "
    "when it is outside the caller's scope. Every call is written to the access log.",
)
def get_measure(request, id: int):
    return Status(200, _detail(request, get_measure_for_user(request.auth, id)))


# --- Decisions ---------------------------------------------------------------------------------


def _replay(actor, data: services.MeasureInput, key: str | None) -> Measure | None:
    """The measure `decide_measure` would return rather than create: the same key's, or the
    same decision document's."""
    previous = services.decided_with_key(actor, key)
    if previous is not None:
        return previous
    number = data.decision_number.strip()
    if not number:
        return None
    return Measure.objects.filter(
        person=data.person, kind=data.kind, decision_number=number
    ).first()


@router.post(
    "",
    response={
        201: MeasureDetail,
        200: MeasureDetail,
        403: ErrorOut,
        404: ErrorOut,
        **MALFORMED_BODY,
        **UNAUTHENTICATED,
        **INVALID,
    },
    summary="Record a decision on a measure",
    description="A decision (决定/责令) on 社区戒毒, 强制隔离戒毒, 社区康复 or 自愿戒毒, with the "
    "guards of 禁毒法 Art. 38–39: a pregnant or breast-feeding woman is refused compulsory "
    "isolation (422 `isolation_excluded`), a person under 16 needs `minor_reason`. A compulsory "
    "isolation converts the person's open community measure (禁毒法 Art. 38). "
    "Retries are safe: the same `Idempotency-Key`, or the same decision document (person, kind, "
    "`decision_number`), returns the measure recorded first (200). "
    "404 when the caller cannot see `person`; 403 when the caller may not decide for "
    "`deciding_organ`; 422 `unknown_unit` for an unknown unit code.",
)
def create_measure(
    request,
    payload: MeasureCreateIn,
    idempotency_key: str = Header(
        "",
        alias="Idempotency-Key",
        max_length=100,
        pattern=SINGLE_LINE,
        description="Client-chosen key (e.g. a UUID) that makes a retried decision safe",
    ),
):
    person = get_person_for_user(request.auth, payload.person)
    if person.status != PersonStatus.ACTIVE:
        raise Http404("person file merged")  # decisions go to the file it was merged into
    data = services.MeasureInput(
        person=person,
        kind=payload.kind,
        decided_on=payload.decided_on,
        served_on=payload.served_on,
        executing_unit=_unit(payload.executing_unit, "executing_unit"),
        deciding_organ=_unit(payload.deciding_organ, "deciding_organ"),
        decision_number=payload.decision_number,
        ground=payload.ground,
        term_months=payload.term_months,
        pregnant=payload.pregnant,
        breastfeeding=payload.breastfeeding,
        minor_reason=payload.minor_reason,
        note=payload.note,
    )
    key = idempotency_key.strip() or None
    replay = _replay(request.auth, data, key)
    measure = services.decide_measure(data, actor=request.auth, idempotency_key=key)
    status = 200 if replay is not None and replay.pk == measure.pk else 201
    return Status(status, _detail(request, measure))


# --- The status machine ------------------------------------------------------------------------
# Each action answers the measure as the action left it, even when the action moved it out of
# the caller's scope (a police facility transferring a person to a judicial facility).


@router.post(
    "/{id}/report",
    response=ACTION_RESPONSES,
    summary="报到: the person reports in",
    description="Community measures: the term runs from this day (戒毒条例 Art. 14, 38). After "
    "`report_due_by` a `late_reason` is required (422 `report_overdue`)." + ACTION_NOTE,
)
def report_measure(request, id: int, payload: ReportIn):
    measure = get_measure_for_user(request.auth, id, "execute")
    services.report_in(measure, on=payload.on, actor=request.auth, late_reason=payload.late_reason)
    return Status(200, _detail(request, measure))


@router.post(
    "/{id}/admit",
    response=ACTION_RESPONSES,
    summary="入所: execution begins",
    description="Compulsory isolation: the intake checks of 司法部令第127号 Art. 11–15 "
    "(`identity_checked`, two `searched_by`, `pregnancy_test` for women; a pregnant or "
    "breast-feeding woman is not admitted, 422 `isolation_excluded`) and a stay opens at "
    "`facility`. Voluntary treatment starts at signing; admitting it again is refused."
    + ACTION_NOTE,
)
def admit_measure(request, id: int, payload: AdmitIn):
    measure = get_measure_for_user(request.auth, id, "execute")
    unit = _unit(payload.facility, "facility")
    try:
        if measure.is_isolation:
            facilities.admit_person(
                measure,
                facility=unit or measure.executing_unit,
                data=_intake(payload),
                actor=request.auth,
            )
        else:
            services.admit(measure, on=payload.on, actor=request.auth, unit=unit)
    except Refusal as exc:
        raise _renamed(exc, {"executing_unit": "facility"}) from None
    return Status(200, _detail(request, measure))


def _stay_to_transfer(measure: Measure, to_unit: OrgUnit) -> Admission | None:
    stay = Admission.objects.filter(measure=measure, left_on__isnull=True).first()
    if stay is not None and stay.facility_id == to_unit.pk:
        # Already there: the measures service answers a retried transfer unchanged (the sending
        # facility's stay is closed, and the receiving one may not act on it) and refuses the rest.
        return None
    return stay


@router.post(
    "/{id}/transfer",
    response=ACTION_RESPONSES,
    summary="移送: from the police facility to a judicial facility",
    description="Compulsory isolation, after 3–6 and never after 12 months in the police "
    "facility (戒毒条例 Art. 27; see `transfer_due_from`, `transfer_due_by`, "
    "`police_stage_limit`). The receiving facility takes the intake checks and the police-stage "
    "file (`files_received`, 司法部令第127号 Art. 15); the stay moves with the person. The "
    "answer shows the measure as transferred even though it has left the sending facility's "
    "scope; later reads by that facility answer 404." + ACTION_NOTE,
)
def transfer_measure(request, id: int, payload: TransferIn):
    measure = get_measure_for_user(request.auth, id, "execute")
    to_unit = _unit(payload.to_unit, "to_unit")
    stay = _stay_to_transfer(measure, to_unit) if measure.is_isolation else None
    if stay is not None:
        facilities.transfer_person(
            stay, to_facility=to_unit, data=_intake(payload), actor=request.auth
        )
    else:
        services.transfer(measure, on=payload.on, to_unit=to_unit, actor=request.auth)
    return Status(200, _detail(request, measure))


@router.post(
    "/{id}/escape",
    response=ACTION_RESPONSES,
    summary="脱逃: the person escaped",
    description="Compulsory isolation: the days on escape are not counted and early release is "
    "barred from now on (戒毒条例 Art. 32)." + ACTION_NOTE,
)
def escape_measure(request, id: int, payload: EscapeIn):
    measure = get_measure_for_user(request.auth, id, "execute")
    services.escape(measure, on=payload.on, actor=request.auth, reason=payload.reason)
    return Status(200, _detail(request, measure))


@router.post(
    "/{id}/recapture",
    response=ACTION_RESPONSES,
    summary="追回: the person is back",
    description="Compulsory isolation: the term end moves by the days away (戒毒条例 Art. 32)."
    + ACTION_NOTE,
)
def recapture_measure(request, id: int, payload: OnIn):
    measure = get_measure_for_user(request.auth, id, "execute")
    services.recapture(measure, on=payload.on, actor=request.auth)
    return Status(200, _detail(request, measure))


@router.post(
    "/{id}/suspend",
    response=ACTION_RESPONSES,
    summary="中止: detained or arrested",
    description="Community measures: the time suspended is added to the term "
    "(戒毒条例 Art. 24); `reason` is required." + ACTION_NOTE,
)
def suspend_measure(request, id: int, payload: SuspendIn):
    measure = get_measure_for_user(request.auth, id, "execute")
    services.suspend(measure, on=payload.on, actor=request.auth, reason=payload.reason)
    return Status(200, _detail(request, measure))


@router.post(
    "/{id}/resume",
    response=ACTION_RESPONSES,
    summary="恢复执行: a suspension ends",
    description="Community measures (戒毒条例 Art. 24)." + ACTION_NOTE,
)
def resume_measure(request, id: int, payload: OnIn):
    measure = get_measure_for_user(request.auth, id, "execute")
    services.resume(measure, on=payload.on, actor=request.auth)
    return Status(200, _detail(request, measure))


def _stay_to_release(measure: Measure, on) -> Admission | None:
    stays = Admission.objects.filter(measure=measure)
    return (
        stays.filter(left_on__isnull=True).first()
        # a retried release is answered from the stay it closed
        or stays.filter(left_reason=LeftReason.RELEASED, left_on=on).first()
    )


_REHAB_FIELDS = {
    "executing_unit": "community_rehab.executing_unit",
    "term_months": "community_rehab.term_months",
    "decision_number": "community_rehab.decision_number",
}


@router.post(
    "/{id}/release",
    response=ACTION_RESPONSES,
    summary="解除: the measure ends",
    description="At `term_end`, or with `early` on an approved proposal from "
    "`early_release_from` and only when `early_release_blockers` is empty (禁毒法 Art. 47; "
    "戒毒条例 Art. 32; 422 `early_release_blocked`, `term_not_ended`). Compulsory isolation "
    "closes the stay and needs `certificate_number` (戒毒条例 Art. 34); it may order 社区康复 "
    "(`community_rehab`, 禁毒法 Art. 48), which is answered as `followed_by`." + ACTION_NOTE,
)
def release_measure(request, id: int, payload: ReleaseIn):
    measure = get_measure_for_user(request.auth, id, "execute")
    order = None
    if payload.community_rehab is not None:
        rehab = payload.community_rehab
        order = services.CommunityRehabOrder(
            executing_unit=_unit(rehab.executing_unit, "community_rehab.executing_unit"),
            term_months=rehab.term_months,
            decision_number=rehab.decision_number,
        )
    stay = _stay_to_release(measure, payload.on) if measure.is_isolation else None
    try:
        if stay is not None:
            facilities.release_person(
                stay,
                on=payload.on,
                actor=request.auth,
                certificate_number=payload.certificate_number,
                early=payload.early,
                community_rehab=order,
            )
        else:
            services.release(
                measure,
                on=payload.on,
                actor=request.auth,
                early=payload.early,
                community_rehab=order,
            )
    except Refusal as exc:
        raise _renamed(exc, _REHAB_FIELDS if order is not None else {}) from None
    return Status(200, _detail(request, measure))


@router.post(
    "/{id}/terminate",
    response=ACTION_RESPONSES,
    summary="终止: the measure ends early for a legal reason",
    description="Community measures: imprisonment, compulsory education, death, revocation "
    "(戒毒条例 Art. 24); compulsory isolation: death, revocation, medical parole changed to "
    "community drug rehab (戒毒条例 Art. 31) — detention or a sentence does not end it "
    "(戒毒条例 Art. 36); voluntary: the agreement ended, death. 422 "
    "`termination_reason_not_allowed` otherwise." + ACTION_NOTE,
)
def terminate_measure(request, id: int, payload: TerminateIn):
    measure = get_measure_for_user(request.auth, id, "execute")
    services.terminate(measure, on=payload.on, reason=payload.reason, actor=request.auth)
    return Status(200, _detail(request, measure))
