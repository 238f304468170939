"""Pre-fill: what the five centres' records already say about each sheet item.

Each source reads the records of one stay up to the evaluation day and suggests points with the
record it rests on; `None` points when the records say nothing (the evaluator scores by hand).
The evaluator confirms or overrides every suggestion (an override needs a reason), so a missing
or stale record never decides a result on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from jiedu.centres.choices import (
    MedicationPurpose,
    PsychiatricState,
    Severity,
    TestOccasion,
    TestResult,
)
from jiedu.centres.models import (
    Exam,
    FacilityDrugTest,
    FitnessTest,
    InstrumentResponse,
    MedicationOrder,
    VitalSigns,
    WithdrawalCheck,
)
from jiedu.facilities.models import Admission, Segregation


@dataclass(frozen=True)
class Suggestion:
    points: Decimal | None
    basis: str


@dataclass(frozen=True)
class Context:
    stay: Admission
    on: date  # the evaluation day: records after it are not read
    item: dict

    @property
    def full(self) -> Decimal:
        return Decimal(str(self.item["max_points"]))

    @property
    def params(self) -> dict:
        return self.item.get("params") or {}

    def verdict(self, ok: bool, basis: str) -> Suggestion:
        return Suggestion(self.full if ok else Decimal(0), basis)


NOTHING = Suggestion(None, "")


def _plain(value: Decimal) -> str:
    """60 as "60", 7.5 as "7.5" (never "6E+1")."""
    return format(value.normalize(), "f")


SOURCES: dict[str, Callable[[Context], Suggestion]] = {}


def source(name: str):
    def wrap(fn):
        SOURCES[name] = fn
        return fn

    return wrap


def suggest(item: dict, stay: Admission, on: date) -> Suggestion:
    name = item.get("prefill")
    if not name or name not in SOURCES:
        return NOTHING
    return SOURCES[name](Context(stay, on, item))


def _records(model, ctx: Context, day_field: str):
    return model.objects.filter(admission=ctx.stay, **{f"{day_field}__lte": ctx.on}).order_by(
        f"-{day_field}", "-id"
    )


# --- 生理脱毒 -----------------------------------------------------------------------------------


@source("drug_test_negative")
def _drug_test_negative(ctx: Context) -> Suggestion:
    test = _records(FacilityDrugTest, ctx, "tested_on").first()
    if test is None:
        return NOTHING
    basis = _("%(day)s所内检测：%(result)s") % {
        "day": test.tested_on.isoformat(),
        "result": test.get_result_display(),
    }
    return ctx.verdict(test.result == TestResult.NEGATIVE, basis)


@source("withdrawal_medication_stopped")
def _withdrawal_medication_stopped(ctx: Context) -> Suggestion:
    orders = list(
        _records(MedicationOrder, ctx, "started_on").filter(purpose=MedicationPurpose.WITHDRAWAL)
    )
    if not orders:
        return ctx.verdict(True, _("本次入所无控制戒断症状用药记录"))
    running = [o for o in orders if o.stopped_on is None or o.stopped_on > ctx.on]
    if running:
        return ctx.verdict(False, _("%(drug)s仍在使用") % {"drug": running[0].drug})
    last = max(o.stopped_on for o in orders)
    return ctx.verdict(True, _("控制戒断症状用药已于%(day)s停止") % {"day": last.isoformat()})


def _latest_check(ctx: Context) -> WithdrawalCheck | None:
    return _records(WithdrawalCheck, ctx, "checked_on").first()


@source("acute_withdrawal_gone")
def _acute_withdrawal_gone(ctx: Context) -> Suggestion:
    check = _latest_check(ctx)
    if check is None:
        return NOTHING
    basis = _("%(day)s戒断症状评估：急性戒断症状%(level)s") % {
        "day": check.checked_on.isoformat(),
        "level": check.get_acute_symptoms_display(),
    }
    return ctx.verdict(check.acute_symptoms == Severity.NONE, basis)


@source("no_protracted_withdrawal")
def _no_protracted_withdrawal(ctx: Context) -> Suggestion:
    check = _latest_check(ctx)
    if check is None:
        return NOTHING
    from jiedu.centres.choices import PROTRACTED_SYMPTOMS

    names = dict(PROTRACTED_SYMPTOMS)
    marked = [str(names.get(code, code)) for code in check.protracted_symptoms]
    basis = _("%(day)s戒断症状评估：%(found)s") % {
        "day": check.checked_on.isoformat(),
        "found": "、".join(marked) if marked else _("无明显稽延性戒断症状"),
    }
    return ctx.verdict(not marked, basis)


@source("no_psychiatric_symptoms")
def _no_psychiatric_symptoms(ctx: Context) -> Suggestion:
    check = _latest_check(ctx)
    if check is None:
        return NOTHING
    basis = _("%(day)s戒断症状评估：%(state)s") % {
        "day": check.checked_on.isoformat(),
        "state": check.get_psychiatric_state_display(),
    }
    return ctx.verdict(check.psychiatric_state != PsychiatricState.PRESENT, basis)


# --- 身心康复 -----------------------------------------------------------------------------------


@source("vital_signs")
def _vital_signs(ctx: Context) -> Suggestion:
    from jiedu.centres.services.medical import VITAL_ITEM_LABELS, normal_ranges, vitals_in_range

    vitals = _records(VitalSigns, ctx, "measured_on").first()
    if vitals is None:
        return NOTHING
    # The ranges in force at the facility on the evaluation day (a province may set its own).
    ranges = normal_ranges(ctx.stay.facility, ctx.on)
    parts = vitals_in_range(vitals, ctx.stay.person.gender, ranges)
    step = Decimal(str(ctx.item.get("step", 4)))
    good = [name for name, ok in parts.items() if ok]
    bad = [str(VITAL_ITEM_LABELS.get(name, name)) for name, ok in parts.items() if not ok]
    points = min(ctx.full, step * len(good))
    basis = _("%(day)s生命体征：%(bad)s") % {
        "day": vitals.measured_on.isoformat(),
        "bad": (_("异常：") + "、".join(bad)) if bad else _("各项正常"),
    }
    return Suggestion(points, basis)


@source("fitness")
def _fitness(ctx: Context) -> Suggestion:
    test = _records(FitnessTest, ctx, "tested_on").first()
    if test is None:
        return NOTHING
    basis = _("%(day)s体能测试：%(result)s") % {
        "day": test.tested_on.isoformat(),
        "result": _("达标") if test.passed else _("未达标"),
    }
    return ctx.verdict(test.passed, basis)


def _latest_response(ctx: Context) -> InstrumentResponse | None:
    return (
        _records(InstrumentResponse, ctx, "answered_on")
        .filter(instrument__code=ctx.params.get("instrument"))
        .select_related("instrument")
        .first()
    )


@source("instrument_score")
def _instrument_score(ctx: Context) -> Suggestion:
    response = _latest_response(ctx)
    if response is None:
        return NOTHING
    score = response.standard_score if response.standard_score is not None else response.raw_score
    at_least = Decimal(str(ctx.params.get("at_least", 0)))
    basis = _("%(day)s %(name)s：%(score)s分") % {
        "day": response.answered_on.isoformat(),
        "name": response.instrument.name,
        "score": _plain(score),
    }
    return ctx.verdict(score >= at_least, basis)


@source("instrument_band")
def _instrument_band(ctx: Context) -> Suggestion:
    response = _latest_response(ctx)
    if response is None:
        return NOTHING
    basis = _("%(day)s %(name)s：%(band)s") % {
        "day": response.answered_on.isoformat(),
        "name": response.instrument.name,
        "band": response.band_label or response.band,
    }
    return ctx.verdict(response.band == ctx.params.get("band"), basis)


@source("exam_pass")
def _exam_pass(ctx: Context) -> Suggestion:
    exams = _records(Exam, ctx, "taken_on")
    if ctx.params.get("subject"):
        exams = exams.filter(subject=ctx.params["subject"])
    exam = exams.first()
    if exam is None:
        return NOTHING
    basis = _("%(day)s %(subject)s考试：%(score)s分") % {
        "day": exam.taken_on.isoformat(),
        "subject": exam.get_subject_display(),
        "score": _plain(exam.score),
    }
    return ctx.verdict(exam.score >= Decimal(str(ctx.params.get("at_least", 60))), basis)


# --- 行为表现 -----------------------------------------------------------------------------------


def _behaviour(ctx: Context) -> dict:
    from jiedu.centres.services.points import behaviour_summary

    return behaviour_summary(ctx.stay, ctx.stay.admitted_on, ctx.on)


@source("no_serious_violation")
def _no_serious_violation(ctx: Context) -> Suggestion:
    summary = _behaviour(ctx)
    count = summary["serious_violations"]
    basis = _("入所以来严重违纪%(count)s次") % {"count": count}
    return ctx.verdict(count == 0, basis)


@source("monthly_points")
def _monthly_points(ctx: Context) -> Suggestion:
    summary = _behaviour(ctx)
    if not summary["months_approved"]:
        return NOTHING
    average = Decimal(str(summary["average_monthly"]))
    basis = _("已审批%(months)s个月，月均%(average)s分") % {
        "months": summary["months_approved"],
        "average": average.quantize(Decimal("0.1")),
    }
    return ctx.verdict(average >= Decimal(str(ctx.params.get("at_least", 0))), basis)


@source("no_drugs_in_facility")
def _no_drugs_in_facility(ctx: Context) -> Suggestion:
    # The intake test finds what the person used before admission, not in the facility.
    found = (
        _records(FacilityDrugTest, ctx, "tested_on")
        .filter(result__in=(TestResult.POSITIVE, TestResult.REFUSED))
        .exclude(occasion=TestOccasion.INTAKE)
        .first()
    )
    if found is None:
        return ctx.verdict(True, _("本次入所所内检测均为阴性或无阳性记录"))
    basis = _("%(day)s所内检测%(result)s") % {
        "day": found.tested_on.isoformat(),
        "result": found.get_result_display(),
    }
    return ctx.verdict(False, basis)


@source("no_segregation")
def _no_segregation(ctx: Context) -> Suggestion:
    last = (
        Segregation.objects.filter(admission=ctx.stay, starts_on__lte=ctx.on)
        .order_by("-starts_on")
        .first()
    )
    if last is None:
        return ctx.verdict(True, _("本次入所无单独管理记录"))
    basis = _("%(day)s被单独管理（%(reason)s）") % {
        "day": last.starts_on.isoformat(),
        "reason": last.reason,
    }
    return ctx.verdict(False, basis)


# --- 社会环境与适应能力 -------------------------------------------------------------------------


@source("family_support")
def _family_support(ctx: Context) -> Suggestion:
    from jiedu.people.models import FamilyContact

    count = FamilyContact.objects.filter(person_id=ctx.stay.person_id).count()
    if not count:
        return NOTHING
    return ctx.verdict(True, _("档案中有%(count)s名家庭成员或联系人") % {"count": count})


@source("vocational_skill")
def _vocational_skill(ctx: Context) -> Suggestion:
    exam = _records(Exam, ctx, "taken_on").filter(subject="vocational", score__gte=60).first()
    if exam is None:
        return NOTHING
    basis = _("%(day)s职业技能考试%(score)s分") % {
        "day": exam.taken_on.isoformat(),
        "score": _plain(exam.score),
    }
    return ctx.verdict(True, basis)
