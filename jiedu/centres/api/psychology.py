"""/api/v1/centres: the psychological health file of a stay, the instruments with their
definitions, and instrument responses sent by devices or other systems (scored by the engine
exactly as on the page)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from pydantic import StrictFloat, StrictInt

from jiedu.core.api import INVALID, MALFORMED_BODY, SINGLE_LINE, UNAUTHENTICATED, ErrorOut
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.permissions import has_perm
from jiedu.core.refusals import Refusal

from ..access import get_stay_for_user
from ..choices import ResponseSource
from ..models import CounsellingSession, CrisisIntervention, Instrument, InstrumentResponse
from ..services import psychology as services

router = Router()


class AlertOut(Schema):
    code: str
    item: int | None = None
    field: str | None = None
    message_zh: str
    message_en: str


class ResponseOut(Schema):
    id: int
    instrument: str = Field(description="The instrument's code")
    version: int
    instrument_name: str
    answered_on: date
    answers: dict[str, Any]
    raw_score: float
    standard_score: float | None
    score: float = Field(description="The score the bands use: standard when converted, else raw")
    subscales: dict[str, float]
    band: str
    band_label: str
    alerts: list[AlertOut]
    source: str
    external_id: str


class CounsellingOut(Schema):
    held_on: date
    kind: str
    counsellor: str
    minutes: int
    summary: str


class CrisisOut(Schema):
    id: int
    started_on: date
    trigger: str
    risk_level: str
    actions: str
    closed_on: date | None
    outcome: str


class PsychologyOut(Schema):
    stay: int
    person: str
    responses: list[ResponseOut]
    counselling: list[CounsellingOut]
    crises: list[CrisisOut]


class InstrumentOut(Schema):
    code: str
    version: int
    name: str
    shipped: bool
    is_active: bool
    definition: dict[str, Any] = Field(description="The definition (see jiedu/centres/scoring)")


class ResponseIn(Schema):
    instrument: str = Field(max_length=40, description="The instrument's code, e.g. `phq9`")
    version: int | None = Field(None, ge=1, description="Default: the newest active version")
    answered_on: date
    answers: dict[str, StrictInt | StrictFloat | None] = Field(
        description='Answers by item number ("1": 2, …), or by result field code in results mode'
    )
    external_id: str = Field(
        "",
        max_length=100,
        pattern=SINGLE_LINE,
        description="The sender's id of this answer sheet; sending it again returns the first",
    )


class AnswerErrorOut(ErrorOut):
    item: int | None = Field(None, description="The item the message is about")
    result_field: str | None = Field(None, description="The result field, in results mode")


def _response(r: InstrumentResponse) -> dict:
    standard = float(r.standard_score) if r.standard_score is not None else None
    return {
        "id": r.pk,
        "instrument": r.instrument.code,
        "version": r.instrument.version,
        "instrument_name": r.instrument.name,
        "answered_on": r.answered_on,
        "answers": r.answers,
        "raw_score": float(r.raw_score),
        "standard_score": standard,
        "score": standard if standard is not None else float(r.raw_score),
        "subscales": r.subscales,
        "band": r.band,
        "band_label": r.band_label,
        "alerts": r.alerts,
        "source": r.source,
        "external_id": r.external_id,
    }


@router.get(
    "/stays/{stay_id}/psychology",
    response={200: PsychologyOut, 404: ErrorOut, **UNAUTHENTICATED, **INVALID},
    summary="A person's psychological health file (心理矫治) for one stay",
    description="Instrument responses with their scores, bands and alerts, counselling sessions "
    "and crisis interventions (司法部令第127号 Art. 39). 404 both when there is no such stay and "
    "when the caller may not view the centre's records there. Every call is written to the "
    "access log.",
)
def get_psychology(request, stay_id: int):
    user = request.auth
    stay = get_stay_for_user(user, stay_id)
    log_access(AccessAction.VIEW_PERSON, user=user, person_pk=stay.person_id, channel="api")
    return {
        "stay": stay.pk,
        "person": str(stay.person.uuid),
        "responses": [
            _response(r)
            for r in InstrumentResponse.objects.restrict(user, "view")
            .filter(admission=stay)
            .select_related("instrument")
        ],
        "counselling": list(
            CounsellingSession.objects.restrict(user, "view")
            .filter(admission=stay)
            .values("held_on", "kind", "counsellor", "minutes", "summary")
        ),
        "crises": [
            {
                "id": c.pk,
                "started_on": c.started_on,
                "trigger": c.trigger,
                "risk_level": c.risk_level,
                "actions": c.actions,
                "closed_on": c.closed_on,
                "outcome": c.outcome,
            }
            for c in CrisisIntervention.objects.restrict(user, "view").filter(admission=stay)
        ],
    }


@router.get(
    "/instruments",
    response={200: list[InstrumentOut], 404: ErrorOut, **UNAUTHENTICATED},
    summary="The scored instruments (量表) with their definitions",
    description="Every instrument and version, shipped or added by an administrator, with the "
    "definition a client needs to show the items and options. 404 for callers without access "
    "to any centre's records.",
)
def list_instruments(request):
    user = request.auth
    if not (has_perm(user, "centres.view_record") or has_perm(user, "centres.manage_instrument")):
        raise Http404("no centre permission")
    return [
        {
            "code": i.code,
            "version": i.version,
            "name": i.name,
            "shipped": i.shipped,
            "is_active": i.is_active,
            "definition": i.definition,
        }
        for i in Instrument.objects.order_by("code", "-version")
    ]


def _instrument(payload: ResponseIn) -> Instrument:
    if payload.version is not None:
        instrument = Instrument.objects.filter(
            code=payload.instrument, version=payload.version
        ).first()
    else:
        instrument = services.current_instrument(payload.instrument)
    if instrument is None:
        raise Refusal(
            _("没有代码为 %(code)s 的量表。"),
            code="unknown_instrument",
            params={"code": payload.instrument},
            field="instrument",
        )
    return instrument


@router.post(
    "/stays/{stay_id}/instrument-responses",
    response={
        201: ResponseOut,
        200: ResponseOut,
        403: ErrorOut,
        404: ErrorOut,
        422: AnswerErrorOut,
        **MALFORMED_BODY,
        **UNAUTHENTICATED,
    },
    summary="Record an instrument response (测评结果)",
    description="Scores the answers with the instrument's definition and stores the raw and "
    "standard scores, subscales, band and alerts; an alert (e.g. PHQ-9 item 9) is written to "
    "the person's timeline. 201 when recorded; 200 when `external_id` was already recorded "
    "for this stay (the first response is returned). 422 with the engine's message in Chinese "
    "and English and the `item` it concerns when an answer is missing, not an option or out of "
    "range; 422 `unknown_instrument`, `future_date`, `before_admission`. 404 when the stay is "
    "missing or not in scope; 403 when the caller may view but not record.",
)
def create_response(request, stay_id: int, payload: ResponseIn):
    user = request.auth
    stay = get_stay_for_user(user, stay_id)
    instrument = _instrument(payload)
    external_id = payload.external_id.strip()
    repeat = bool(external_id) and (
        InstrumentResponse.objects.filter(admission=stay, external_id=external_id).exists()
    )
    try:
        response = services.record_response(
            stay,
            instrument=instrument,
            answered_on=payload.answered_on,
            answers=payload.answers,
            actor=user,
            source=ResponseSource.API,
            external_id=external_id,
        )
    except services.AnswerRefusal as exc:
        field = services.answer_field(exc.item, exc.result_field)
        error = {
            "field": ("answers." + field.split("_", 1)[1]) if field != "answers" else "answers",
            "code": exc.refusal_code,
            "message": exc.message_zh,
            "message_en": exc.message_en,
        }
        return Status(
            422,
            {
                "code": exc.refusal_code,
                "message": exc.message_zh,
                "message_en": exc.message_en,
                "errors": [error],
                "item": exc.item,
                "result_field": exc.result_field,
            },
        )
    response = InstrumentResponse.objects.select_related("instrument").get(pk=response.pk)
    return Status(200 if repeat else 201, _response(response))
