"""心理矫治中心: scored instruments (as data, scored by `centres.scoring`), responses, counselling
and crisis intervention — the psychological health file (司法部令第127号 Art. 39; domain.md §3.5).

A response whose answers raise an alert (a risk item such as PHQ-9 item 9, or an alert band)
writes the timeline event `centres.response.alerted`; the work page lists it until a counselling
session or a crisis intervention follows.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from jiedu.core.context import acting_as
from jiedu.core.permissions import has_perm
from jiedu.core.refusals import Refusal
from jiedu.facilities.models import Admission
from jiedu.people.events import record_event

from .. import scoring
from ..choices import ResponseSource, RiskLevel, SessionKind
from ..models import CounsellingSession, CrisisIntervention, Instrument, InstrumentResponse
from .common import check_day, record_fields, require

MANAGE = "centres.manage_record"
MANAGE_INSTRUMENT = "centres.manage_instrument"
MAX_SCORE = 100_000  # InstrumentResponse stores scores in 7 digits with 2 decimals
ALERT_WINDOW_DAYS = 30  # the work page lists alerts this recent that nobody has followed up


def _in_language(zh: str, en: str) -> str:
    return en if (translation.get_language() or "").startswith("en") else zh


# A message given in both languages by the engine, rendered in the language active when shown
# (a form in the user's language, the API's `message` / `message_en`).
bilingual_text = lazy(_in_language, str)


class DefinitionRefusal(Refusal):
    """An instrument definition the engine rejects: every problem, at the `definition` field."""

    def __init__(self, errors: list[str]):
        ValidationError.__init__(
            self, {"definition": [ValidationError(e, code="invalid_definition") for e in errors]}
        )
        self.refusal_code = "invalid_definition"
        self.refusal_message = errors[0] if errors else ""
        self.refusal_params = None
        self.refusal_field = "definition"
        self.errors = errors


class AnswerRefusal(Refusal):
    """An answer sheet the engine cannot score; `item` (or `result_field`) names the answer."""

    def __init__(self, exc: scoring.ScoringError):
        super().__init__(
            bilingual_text(exc.message_zh, exc.message_en),
            code=exc.code,
            field=answer_field(exc.item, exc.field),
        )
        self.item = exc.item
        self.result_field = exc.field
        self.message_zh = exc.message_zh
        self.message_en = exc.message_en


def answer_field(item: int | None, result: str | None) -> str:
    """The form field of an item or result field: `item_9`, `result_a`, or `answers`."""
    if item is not None:
        return f"item_{item}"
    if result is not None:
        return f"result_{result}"
    return "answers"


# --- Instruments -------------------------------------------------------------------------------


def sync_shipped_instruments() -> list[Instrument]:
    """Create or update the shipped instruments from `instrument_data/*.json`: a new version
    is a new row (responses keep the version they were scored with)."""
    rows = []
    with transaction.atomic():
        for definition in scoring.shipped_definitions():
            instrument, created = Instrument.objects.get_or_create(
                code=definition["code"],
                version=definition["version"],
                defaults={"name": definition["name_zh"], "definition": definition, "shipped": True},
            )
            if not created and (
                instrument.definition != definition
                or instrument.name != definition["name_zh"]
                or not instrument.shipped
            ):
                instrument.definition = definition
                instrument.name = definition["name_zh"]
                instrument.shipped = True
                instrument.save(update_fields=["definition", "name", "shipped"])
            rows.append(instrument)
    return rows


def add_instrument(definition: dict, *, actor) -> Instrument:
    """An administrator's instrument (a province's scale, a 16PF results sheet): checked by the
    engine; the same definition added again returns the first row."""
    if not has_perm(actor, MANAGE_INSTRUMENT):
        raise PermissionDenied(_("您无权维护心理测评量表。"))
    if not isinstance(definition, dict):
        raise DefinitionRefusal(["The definition must be a JSON object / 量表定义须为JSON对象"])
    try:
        loaded = scoring.load_definition(definition)
    except scoring.DefinitionError as exc:
        raise DefinitionRefusal(exc.errors) from None
    limits = []  # what the Instrument row can hold
    if len(loaded["code"]) > 40:
        limits.append("'code' is longer than 40 characters / 代码超过40个字符")
    if len(loaded["name_zh"]) > 100:
        limits.append("'name_zh' is longer than 100 characters / 中文名称超过100个字符")
    if loaded["version"] > 32767:
        limits.append("'version' is above 32767 / 版本号超过32767")
    if limits:
        raise DefinitionRefusal(limits)
    with acting_as(actor), transaction.atomic():
        existing = Instrument.objects.filter(code=loaded["code"], version=loaded["version"]).first()
        if existing is not None:
            if existing.definition == loaded:
                return existing
            raise Refusal(
                _("量表%(code)s已有第%(version)s版，修改后的定义请使用新的版本号。"),
                code="instrument_version_exists",
                params={"code": loaded["code"], "version": loaded["version"]},
                field="definition",
            )
        try:
            with transaction.atomic():
                return Instrument.objects.create(
                    code=loaded["code"],
                    version=loaded["version"],
                    name=loaded["name_zh"],
                    definition=loaded,
                    shipped=False,
                )
        except IntegrityError:
            return Instrument.objects.get(code=loaded["code"], version=loaded["version"])


def current_instruments():
    """The newest active version of each instrument, by code."""
    latest: dict[str, Instrument] = {}
    for instrument in Instrument.objects.filter(is_active=True).order_by("code", "-version"):
        latest.setdefault(instrument.code, instrument)
    return list(latest.values())


def current_instrument(code: str) -> Instrument | None:
    return Instrument.objects.filter(code=code, is_active=True).order_by("-version").first()


# --- Responses ---------------------------------------------------------------------------------


def _decimal(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _alert_text(result: scoring.ScoreResult) -> str:
    """What the timeline says: the band and every risk item that fired (stored in Chinese, the
    source language, like other saved labels)."""
    parts = [result.band.label_zh] if result.band is not None else []
    parts += [a.message_zh for a in result.alerts if a.item is not None or a.field is not None]
    return "；".join(parts)


def record_response(
    stay: Admission,
    *,
    instrument: Instrument,
    answered_on: date,
    answers: dict,
    actor,
    source: str = ResponseSource.STAFF,
    external_id: str = "",
) -> InstrumentResponse:
    """One administration of an instrument, scored by the engine. The same `external_id` again
    (a device's retry) returns the first response."""
    require(actor, MANAGE, stay)
    if source not in ResponseSource.values:
        raise Refusal(_("来源不正确。"), code="invalid_source", field="source")
    external_id = (external_id or "").strip()
    if external_id:
        previous = InstrumentResponse.objects.filter(
            admission=stay, external_id=external_id
        ).first()
        if previous is not None:
            return _same_or_refuse(previous, instrument, answered_on)
    if not instrument.is_active:
        raise Refusal(_("该量表已停用。"), code="instrument_inactive", field="instrument")
    check_day(stay, answered_on, "answered_on")
    try:
        result = scoring.score(instrument.definition, answers)
    except scoring.ScoringError as exc:
        raise AnswerRefusal(exc) from None
    except scoring.DefinitionError as exc:
        raise DefinitionRefusal(exc.errors) from None
    if any(abs(v) >= MAX_SCORE for v in (result.raw, result.standard or 0)):
        raise Refusal(
            _("得分超出可保存的范围（绝对值须小于%(max)s）。"),
            code="score_out_of_range",
            params={"max": MAX_SCORE},
            field="answers",
        )
    stored_answers = {str(k): v for k, v in answers.items()}
    with acting_as(actor), transaction.atomic():
        try:
            with transaction.atomic():
                response = InstrumentResponse.objects.create(
                    instrument=instrument,
                    answered_on=answered_on,
                    answers=stored_answers,
                    raw_score=_decimal(result.raw),
                    standard_score=_decimal(result.standard),
                    subscales=result.subscales,
                    band=result.band.code if result.band else "",
                    band_label=result.band.label_zh if result.band else "",
                    alerts=[asdict(a) for a in result.alerts],
                    source=source,
                    external_id=external_id,
                    **record_fields(stay, actor),
                )
        except IntegrityError:
            # The same external_id sent twice at once: the first one stands.
            previous = InstrumentResponse.objects.get(admission=stay, external_id=external_id)
            return _same_or_refuse(previous, instrument, answered_on)
        if result.alerts:
            record_event(
                stay.person,
                "centres.response.alerted",
                actor=actor,
                org_unit=stay.facility,
                instrument=instrument.name,
                band=_alert_text(result),
                on=answered_on.isoformat(),
            )
    return response


def _same_or_refuse(previous, instrument, answered_on) -> InstrumentResponse:
    if previous.instrument_id != instrument.pk or previous.answered_on != answered_on:
        raise Refusal(
            _("该外部编号已用于另一次测评。"), code="external_id_reused", field="external_id"
        )
    return previous


def latest_response(stay: Admission, code: str) -> InstrumentResponse | None:
    """The newest response to instrument `code` (any version) in this stay."""
    return (
        InstrumentResponse.objects.filter(admission=stay, instrument__code=code)
        .select_related("instrument")
        .order_by("-answered_on", "-id")
        .first()
    )


# --- Counselling and crisis intervention (司法部令第127号 Art. 39) ---------------------------


def record_counselling(
    stay: Admission,
    *,
    held_on: date,
    kind: str,
    counsellor: str,
    minutes: int,
    summary: str,
    actor,
) -> CounsellingSession:
    """心理咨询; the same session recorded twice is kept once."""
    require(actor, MANAGE, stay)
    check_day(stay, held_on, "held_on")
    if kind not in SessionKind.values:
        raise Refusal(_("请选择咨询形式。"), code="invalid_kind", field="kind")
    counsellor, summary = (counsellor or "").strip(), (summary or "").strip()
    if not counsellor:
        raise Refusal(_("请填写咨询师。"), code="required", field="counsellor")
    if not isinstance(minutes, int) or not 1 <= minutes <= 480:
        raise Refusal(_("时长须在1至480分钟之间。"), code="invalid_minutes", field="minutes")
    if not summary:
        raise Refusal(_("请填写咨询记录。"), code="required", field="summary")
    with acting_as(actor), transaction.atomic():
        Admission.objects.select_for_update().filter(pk=stay.pk).first()
        same = CounsellingSession.objects.filter(
            admission=stay, held_on=held_on, kind=kind, counsellor=counsellor, summary=summary
        ).first()
        if same is not None:
            return same
        return CounsellingSession.objects.create(
            held_on=held_on,
            kind=kind,
            counsellor=counsellor,
            minutes=minutes,
            summary=summary,
            **record_fields(stay, actor),
        )


def start_crisis_intervention(
    stay: Admission,
    *,
    started_on: date,
    trigger: str,
    risk_level: str,
    actions: str,
    actor,
) -> CrisisIntervention:
    """心理危机干预 (司法部令第127号 Art. 39): one open intervention per person at a time."""
    require(actor, MANAGE, stay)
    check_day(stay, started_on, "started_on")
    trigger, actions = (trigger or "").strip(), (actions or "").strip()
    if not trigger:
        raise Refusal(_("请填写起因。"), code="required", field="trigger")
    if risk_level not in RiskLevel.values:
        raise Refusal(_("请选择风险等级。"), code="invalid_risk_level", field="risk_level")
    if not actions:
        raise Refusal(_("请填写干预措施。"), code="required", field="actions")
    with acting_as(actor), transaction.atomic():
        # Two starts at once would both find no open intervention.
        Admission.objects.select_for_update().filter(pk=stay.pk).first()
        open_one = CrisisIntervention.objects.filter(admission=stay, closed_on__isnull=True).first()
        if open_one is not None:
            if open_one.started_on == started_on and open_one.trigger == trigger:
                return open_one  # a retried start
            raise Refusal(
                _("该人员已有进行中的危机干预（%(day)s起），请先结案。"),
                code="crisis_open",
                params={"day": open_one.started_on.isoformat()},
            )
        crisis = CrisisIntervention.objects.create(
            started_on=started_on,
            trigger=trigger,
            risk_level=risk_level,
            actions=actions,
            **record_fields(stay, actor),
        )
        record_event(
            stay.person,
            "centres.crisis.started",
            actor=actor,
            org_unit=stay.facility,
            on=started_on.isoformat(),
        )
    return crisis


def close_crisis_intervention(
    crisis: CrisisIntervention, *, closed_on: date, outcome: str, actor
) -> CrisisIntervention:
    stay = crisis.admission
    require(actor, MANAGE, stay)
    outcome = (outcome or "").strip()
    if not outcome:
        raise Refusal(_("请填写干预结果。"), code="required", field="outcome")
    check_day(stay, closed_on, "closed_on")
    if closed_on < crisis.started_on:
        raise Refusal(
            _("结案日期不能早于干预日期（%(day)s）。"),
            code="invalid_period",
            params={"day": crisis.started_on.isoformat()},
            field="closed_on",
        )
    with acting_as(actor), transaction.atomic():
        crisis = CrisisIntervention.objects.select_for_update().get(pk=crisis.pk)
        if crisis.closed_on is not None:
            if crisis.closed_on == closed_on:
                return crisis  # a retried close
            raise Refusal(
                _("该危机干预已于%(day)s结案。"),
                code="crisis_closed",
                params={"day": crisis.closed_on.isoformat()},
            )
        crisis.closed_on = closed_on
        crisis.outcome = outcome
        crisis.save(update_fields=["closed_on", "outcome"])
    return crisis


# --- What needs attention (work page) ----------------------------------------------------------


def open_alerts(facility, today: date):
    """Responses with alerts in the last 30 days at the facility's open stays that no counselling
    session or crisis intervention has followed (on or after the day of the response)."""
    later_counselling = CounsellingSession.objects.filter(
        admission=OuterRef("admission"), held_on__gte=OuterRef("answered_on")
    )
    later_crisis = CrisisIntervention.objects.filter(
        admission=OuterRef("admission"), started_on__gte=OuterRef("answered_on")
    )
    return (
        InstrumentResponse.objects.filter(
            admission__facility=facility,
            admission__left_on__isnull=True,
            answered_on__gte=today - timedelta(days=ALERT_WINDOW_DAYS),
        )
        .exclude(alerts=[])
        .exclude(Exists(later_counselling))
        .exclude(Exists(later_crisis))
        .select_related("admission__person", "instrument")
        .order_by("answered_on", "id")
    )


def open_crises(facility):
    return (
        CrisisIntervention.objects.filter(admission__facility=facility, closed_on__isnull=True)
        .select_related("admission__person")
        .order_by("started_on", "id")
    )


def unassessed_stays(facility):
    """Current residents with no instrument response in this stay yet."""
    return (
        Admission.objects.filter(facility=facility, left_on__isnull=True)
        .exclude(Exists(InstrumentResponse.objects.filter(admission=OuterRef("pk"))))
        .select_related("person")
        .order_by("admitted_on", "person__name", "id")
    )
