"""康复训练中心: fitness tests graded against the standards by sex and age (`centres.fitness`),
and training sessions (禁毒法 Art. 43: physical rehabilitation; domain.md §4.5 身心康复 item 2).

A retried identical record returns the record already made.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jiedu.centres import fitness
from jiedu.centres import rules as centre_rules
from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.refusals import Refusal
from jiedu.facilities.models import Admission
from jiedu.measures.services import age_on

from ..choices import TrainingKind
from ..models import FitnessTest, TrainingSession
from .common import check_day, record_fields, require

MANAGE = "centres.manage_record"

# Counts no person reaches in one minute, and reach/index values outside what the tests can
# give: a typing error, refused at the field.
PLAUSIBLE = {
    "chest_expander_pulls": (Decimal(0), Decimal(150)),
    "push_ups": (Decimal(0), Decimal(150)),
    "sit_ups": (Decimal(0), Decimal(100)),
    "sit_and_reach_cm": (Decimal(-40), Decimal(50)),
    "step_index": (Decimal(20), Decimal(150)),
}
ITEM_LABELS = {
    "chest_expander_pulls": _("拉力器"),
    "push_ups": _("俯卧撑"),
    "sit_ups": _("仰卧起坐"),
    "sit_and_reach_cm": _("坐位体前屈"),
    "step_index": _("台阶试验指数"),
}
MEASURED = ("calisthenics_fluent", *PLAUSIBLE)
MAX_MINUTES = 480  # the model's check constraint: one day's training


def _decimal(value):
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


def record_fitness_test(
    stay: Admission,
    *,
    tested_on: date,
    calisthenics_fluent: bool | None,
    chest_expander_pulls: int | None,
    push_ups: int | None,
    sit_ups: int | None,
    sit_and_reach_cm,
    step_index,
    tester: str,
    actor,
) -> FitnessTest:
    """体能测试: each item graded for the person's sex and age on the day; `passed` is 身心康复
    item 2 (radio calisthenics fluent, or ≥10 chest-expander pulls in one minute)."""
    require(actor, MANAGE, stay)
    check_day(stay, tested_on, "tested_on")
    tester = (tester or "").strip()
    if not tester:
        raise Refusal(
            _("请填写%(f)s。"), code="required", params={"f": _("测试人")}, field="tester"
        )
    values = {
        "calisthenics_fluent": calisthenics_fluent,
        "chest_expander_pulls": chest_expander_pulls,
        "push_ups": push_ups,
        "sit_ups": sit_ups,
        "sit_and_reach_cm": _decimal(sit_and_reach_cm),
        "step_index": _decimal(step_index),
    }
    if all(values[k] is None for k in MEASURED):
        raise Refusal(_("请至少填写一个测试项目。"), code="no_items", field="calisthenics_fluent")
    for field, (low, high) in PLAUSIBLE.items():
        value = values[field]
        if value is not None and not low <= Decimal(str(value)) <= high:
            raise Refusal(
                _("%(f)s应在%(low)s至%(high)s之间，请核对。"),
                code="implausible_value",
                params={"f": ITEM_LABELS[field], "low": low, "high": high},
                field=field,
            )
    person = stay.person
    grades, passed = fitness.grade(
        values,
        sex=person.gender,
        age=age_on(person.birth_date, tested_on),
        chest_expander_pass=rule_config.value(
            centre_rules.CHEST_EXPANDER_PASS, stay.facility, tested_on
        ),
    )
    with acting_as(actor), transaction.atomic():
        for same in FitnessTest.objects.filter(admission=stay, tested_on=tested_on):
            if all(getattr(same, k) == v for k, v in values.items()):
                return same  # a retried entry
        return FitnessTest.objects.create(
            tested_on=tested_on,
            grades=grades,
            passed=passed,
            tester=tester,
            **values,
            **record_fields(stay, actor),
        )


def record_training(
    stay: Admission, *, held_on: date, kind: str, minutes: int, note: str = "", actor
) -> TrainingSession:
    require(actor, MANAGE, stay)
    check_day(stay, held_on, "held_on")
    if kind not in TrainingKind.values:
        raise Refusal(_("请选择有效的选项。"), code="invalid_choice", field="kind")
    if not 0 < minutes <= MAX_MINUTES:
        raise Refusal(
            _("训练时长应在1至%(n)s分钟之间。"),
            code="implausible_value",
            params={"n": MAX_MINUTES},
            field="minutes",
        )
    note = (note or "").strip()
    with acting_as(actor), transaction.atomic():
        same = TrainingSession.objects.filter(
            admission=stay, held_on=held_on, kind=kind, minutes=minutes, note=note
        ).first()
        if same is not None:
            return same
        return TrainingSession.objects.create(
            held_on=held_on, kind=kind, minutes=minutes, note=note, **record_fields(stay, actor)
        )
