"""Drug tests during a community measure (吸毒检测程序规定 = TEST; 涉毒人员毛发样本检测规范 = HAIR;
domain.md §5.2–5.6): the test and its per-class results, the two staff, the A/B bottles and how
long they are kept, the 3-day objection window, the hair window, and what a result sets off —
the due test it satisfies, credit, the worker's alert, the breach check for a refused or evaded
test (戒毒条例 Art. 20) and the report to the police for a positive one (JX §五(七)3).

A device or another system resending the same `external_id` gets the test already recorded; the
same id with other contents is refused (`external_id_conflict`), never recorded twice.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.refusals import Refusal
from jiedu.measures.clocks import add_months, deadline_after
from jiedu.people.events import record_event

from .. import rules
from ..choices import (
    NON_COMPLIANT_RESULTS,
    TEST_KINDS,
    AlertKind,
    CaseState,
    ReferralReason,
    ReferralStatus,
    SampleType,
    TestResult,
    TestTier,
)
from ..models import CommunityCase, CommunityDrugTest, Referral
from . import common
from .common import check_day, check_open, lock_case, raise_alert, record_fields, require, zh

MANAGE = "community.manage_case"

# Drug classes on the usual kits and lab reports; `results` may name others (a lab report lists
# what it tested), these are the ones the form offers.
DRUG_CLASSES = {
    "methamphetamine": _("甲基苯丙胺（冰毒）"),
    "morphine": _("吗啡（阿片类）"),
    "ketamine": _("氯胺酮"),
    "mdma": _("MDMA（摇头丸）"),
    "thc": _("大麻（THC）"),
    "cocaine": _("可卡因"),
}
CLASS_RESULTS = (TestResult.NEGATIVE, TestResult.POSITIVE)
CLASS_CODE_MAX = 40

# Samples split into A/B bottles on the spot when positive (TEST Art. 8); hair is cut and split
# by the lab (HAIR), not at an on-site test.
BOTTLED_SAMPLES = (SampleType.URINE, SampleType.SALIVA, SampleType.BLOOD)
# The person may object to these (TEST Art. 12: apply for a lab test after an on-site result;
# Art. 15: apply for a re-test after a lab result); a re-test is final.
OBJECTABLE_TIERS = (TestTier.ONSITE, TestTier.LAB)
# What each tier may check (TEST Art. 12, 15): a lab test checks an on-site result, a re-test
# checks a lab result.
CHECKABLE_TIER = {TestTier.LAB: TestTier.ONSITE, TestTier.LAB_RETEST: TestTier.LAB}

# The fields compared when an external id comes again.
PAYLOAD_FIELDS = (
    "taken_on",
    "sample",
    "tier",
    "result",
    "results",
    "kit",
    "cutoff",
    "institution",
    "staff_1",
    "staff_2",
    "bottle_a",
    "bottle_b",
    "hair_segment_cm",
    "checks_id",
    "note",
)


# --- Small checks ------------------------------------------------------------------------------


def _choice(value, choices, field: str) -> str:
    if value not in choices.values:
        raise Refusal(_("请选择有效的选项。"), code="invalid_choice", field=field)
    return value


def _line(value, field: str, max_length: int) -> str:
    value = " ".join(str(value or "").split())
    if len(value) > max_length:
        raise Refusal(_("最多%(n)s个字。"), code="too_long", params={"n": max_length}, field=field)
    return value


def _max_length(field: str) -> int:
    return CommunityDrugTest._meta.get_field(field).max_length


def _clean_results(results, result: str) -> tuple[dict, str]:
    """Per-class results and the overall result that agrees with them: positive if and only if
    some class is positive. With classes and no overall result, the result follows them."""
    if results in (None, ""):
        results = {}
    if not isinstance(results, dict):
        raise Refusal(_("分项结果格式不正确。"), code="invalid_results", field="results")
    cleaned = {}
    for key, value in results.items():
        code = str(key).strip()
        if not code or len(code) > CLASS_CODE_MAX or value not in CLASS_RESULTS:
            raise Refusal(
                _("分项结果应为“药物类别: 阴性/阳性”（negative/positive）。"),
                code="invalid_results",
                field="results",
            )
        cleaned[code] = str(value)
    any_positive = TestResult.POSITIVE in cleaned.values()
    if not result:
        if not cleaned:
            raise Refusal(_("请选择检测结果。"), code="required", field="result")
        return cleaned, TestResult.POSITIVE if any_positive else TestResult.NEGATIVE
    _choice(result, TestResult, "result")
    if result in NON_COMPLIANT_RESULTS:
        if cleaned:
            raise Refusal(
                _("拒绝或逃避检测没有样本，不能填写分项结果。"),
                code="no_sample",
                field="results",
            )
        return cleaned, result
    if cleaned and (result == TestResult.POSITIVE) != any_positive:
        raise Refusal(
            _("总体结果与分项结果不一致：任一类别阳性，总体结果即为阳性；全部阴性则为阴性。"),
            code="results_mismatch",
            field="result",
        )
    return cleaned, result


def _check_staff(result: str, staff_1: str, staff_2: str, note: str) -> None:
    if result in NON_COMPLIANT_RESULTS:
        # No sample was taken: one staff member says what happened, in the note.
        if not staff_1 and not staff_2:
            raise Refusal(_("请填写在场的检测人员。"), code="staff_required", field="staff_1")
        if not note:
            raise Refusal(
                _("拒绝或逃避检测时，请在备注中写明经过。"), code="note_required", field="note"
            )
        return
    # 吸毒检测程序规定 Art. 8: at least two staff collect, send and test a sample.
    if not staff_1:
        raise Refusal(
            _("采集、送检、检测样本应有两名以上工作人员（吸毒检测程序规定第八条）。"),
            code="two_staff_required",
            field="staff_1",
        )
    if not staff_2 or staff_2 == staff_1:
        raise Refusal(
            _("采集、送检、检测样本应有两名以上工作人员（吸毒检测程序规定第八条）。"),
            code="two_staff_required",
            field="staff_2",
        )


def _check_bottles(result, sample, tier, bottle_a: str, bottle_b: str) -> None:
    if result in NON_COMPLIANT_RESULTS:
        if bottle_a or bottle_b:
            raise Refusal(
                _("拒绝或逃避检测没有样本，不能填写样本瓶编号。"),
                code="no_sample",
                field="bottle_a" if bottle_a else "bottle_b",
            )
        return
    needed = result == TestResult.POSITIVE and tier == TestTier.ONSITE
    if needed and sample in BOTTLED_SAMPLES:
        # 吸毒检测程序规定 Art. 8: a positive on-site sample is split into numbered, sealed A and B
        # bottles for a lab test or re-test.
        for field, number in (("bottle_a", bottle_a), ("bottle_b", bottle_b)):
            if not number:
                raise Refusal(
                    _("现场检测阳性的样本应分装A、B两瓶，请填写编号（吸毒检测程序规定第八条）。"),
                    code="bottles_required",
                    field=field,
                )
    if bottle_a and bottle_a == bottle_b:
        raise Refusal(_("A、B两瓶的编号不能相同。"), code="bottles_same", field="bottle_b")


def _check_hair(sample, result, hair_segment_cm, max_cm: int):
    if sample != SampleType.HAIR:
        if hair_segment_cm not in (None, ""):
            raise Refusal(
                _("只有毛发样本需要填写截取长度。"), code="hair_only", field="hair_segment_cm"
            )
        return None
    if result in NON_COMPLIANT_RESULTS:
        if hair_segment_cm not in (None, ""):
            raise Refusal(
                _("拒绝或逃避检测没有样本，不能填写毛发截取长度。"),
                code="no_sample",
                field="hair_segment_cm",
            )
        return None
    if hair_segment_cm in (None, ""):
        raise Refusal(
            _("请填写毛发截取长度（距发根厘米数）。"), code="required", field="hair_segment_cm"
        )
    if not isinstance(hair_segment_cm, int) or isinstance(hair_segment_cm, bool):
        raise Refusal(_("请填写整数厘米。"), code="invalid", field="hair_segment_cm")
    # HAIR: the sample is the 3 cm next to the root; only that segment dates use to 6 months.
    if not 1 <= hair_segment_cm <= max_cm:
        raise Refusal(
            _("毛发样本应截取距发根%(n)s厘米以内的发段（涉毒人员毛发样本检测规范）。"),
            code="hair_segment_too_long",
            params={"n": max_cm},
            field="hair_segment_cm",
        )
    return hair_segment_cm


def _check_checks(case, tier, taken_on, institution, checks) -> None:
    """A lab test checks an on-site result; a re-test checks a lab result, at another
    institution (TEST Art. 3–4, 12, 15)."""
    if checks is None:
        return
    if checks.case_id != case.pk:
        raise Refusal(_("所复核的检测不属于本个案。"), code="checks_other_case", field="checks")
    wanted = CHECKABLE_TIER.get(tier)
    if wanted is None or checks.tier != wanted:
        raise Refusal(
            _("实验室检测复核现场检测，实验室复检复核实验室检测；现场检测不复核其他检测。"),
            code="checks_wrong_tier",
            field="checks",
        )
    if checks.result != TestResult.POSITIVE:
        raise Refusal(_("只有阳性结果需要复核。"), code="checks_not_positive", field="checks")
    if taken_on < checks.taken_on:
        raise Refusal(
            _("复核日期不能早于被复核检测的日期（%(day)s）。"),
            code="checks_later",
            params={"day": checks.taken_on.isoformat()},
            field="taken_on",
        )
    if tier == TestTier.LAB_RETEST:
        if not institution:
            raise Refusal(
                _("请填写复检机构（不得为原实验室检测机构）。"),
                code="required",
                field="institution",
            )
        # TEST Art. 3–4: the re-test is done by a designated lab that is not the one that did the
        # lab test.
        if _same_institution(institution, checks.institution):
            raise Refusal(
                _("实验室复检应由原检测机构以外的机构进行（吸毒检测程序规定第四条）。"),
                code="same_institution",
                field="institution",
            )


def _same_institution(a: str, b: str) -> bool:
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()


def _payload_of(test: CommunityDrugTest) -> dict:
    return {name: getattr(test, name) for name in PAYLOAD_FIELDS}


def _replay(case, external_id: str, payload: dict) -> CommunityDrugTest | None:
    """The test already recorded under `external_id`; a different payload is refused."""
    if not external_id:
        return None
    existing = CommunityDrugTest.objects.filter(case=case, external_id=external_id).first()
    if existing is None:
        return None
    if _payload_of(existing) != payload:
        raise Refusal(
            _("外部编号%(id)s已用于另一条不同内容的检测记录。"),
            code="external_id_conflict",
            params={"id": external_id},
            field="external_id",
        )
    return existing


def _evidence(test: CommunityDrugTest) -> dict:
    """The test as it stands, frozen into the referral (the package the police receive)."""
    return {
        "test": {
            "id": test.pk,
            "taken_on": test.taken_on.isoformat(),
            "sample": zh(test.get_sample_display()),
            "tier": zh(test.get_tier_display()),
            "result": zh(test.get_result_display()),
            "results": dict(test.results),
            "kit": test.kit,
            "cutoff": test.cutoff,
            "institution": test.institution,
            "staff": [s for s in (test.staff_1, test.staff_2) if s],
            "bottle_a": test.bottle_a,
            "bottle_b": test.bottle_b,
            "retain_until": test.retain_until.isoformat() if test.retain_until else None,
            "objection_due_by": (
                test.objection_due_by.isoformat() if test.objection_due_by else None
            ),
            "use_window_from": (test.use_window_from.isoformat() if test.use_window_from else None),
            "checks": test.checks_id,
        }
    }


def describe(test: CommunityDrugTest) -> str:
    """One line in the source language for alerts and the timeline."""
    return (
        f"{test.taken_on.isoformat()} {zh(test.get_tier_display())}"
        f"（{zh(test.get_sample_display())}）：{zh(test.get_result_display())}"
    )


# --- Recording a test --------------------------------------------------------------------------


def record_drug_test(
    case: CommunityCase,
    *,
    taken_on: date,
    sample: str,
    tier: str,
    result: str,
    results: dict | None = None,
    kit: str = "",
    cutoff: str = "",
    institution: str = "",
    staff_1: str = "",
    staff_2: str = "",
    bottle_a: str = "",
    bottle_b: str = "",
    hair_segment_cm: int | None = None,
    checks: CommunityDrugTest | None = None,
    note: str = "",
    external_id: str = "",
    actor,
) -> CommunityDrugTest:
    """吸毒检测 during a community measure. Refused and evaded tests are results too.

    After saving, in the same transaction: the due test it meets is done (not for a refusal or
    evasion, nor for a lab check of a test already recorded); credit; the worker's alert; a
    refused/evaded test runs the serious-breach check (戒毒条例 Art. 20); a positive one opens the
    report to the police for suspected use during the measure (禁毒法 Art. 35; JX §五(七)3). A
    negative lab test or re-test of a positive result clears it and raises nothing.

    The returned test carries `referral` (the referral opened or found by this recording, or
    None) and `replayed` (True when `external_id` returned a test already recorded).
    """
    require(actor, MANAGE, case)
    sample = _choice(sample, SampleType, "sample")
    tier = _choice(tier, TestTier, "tier")
    results, result = _clean_results(results, (result or "").strip())
    staff_1 = _line(staff_1, "staff_1", _max_length("staff_1"))
    staff_2 = _line(staff_2, "staff_2", _max_length("staff_2"))
    fields = {
        "kit": _line(kit, "kit", _max_length("kit")),
        "cutoff": _line(cutoff, "cutoff", _max_length("cutoff")),
        "institution": _line(institution, "institution", _max_length("institution")),
        "bottle_a": _line(bottle_a, "bottle_a", _max_length("bottle_a")),
        "bottle_b": _line(bottle_b, "bottle_b", _max_length("bottle_b")),
        "note": _line(note, "note", _max_length("note")),
    }
    external_id = _line(external_id, "external_id", _max_length("external_id"))
    if not isinstance(hair_segment_cm, int) and hair_segment_cm not in (None, ""):
        raise Refusal(_("请填写整数厘米。"), code="invalid", field="hair_segment_cm")
    payload = {
        "taken_on": taken_on,
        "sample": sample,
        "tier": tier,
        "result": result,
        "results": results,
        "staff_1": staff_1,
        "staff_2": staff_2,
        "hair_segment_cm": hair_segment_cm if hair_segment_cm != "" else None,
        "checks_id": checks.pk if checks is not None else None,
        **fields,
    }
    replayed = _replay(case, external_id, payload)
    if replayed is not None:
        return _answer(replayed, replayed=True)

    check_open(case)
    if case.state not in (CaseState.ACTIVE, CaseState.REFERRED):
        raise Refusal(
            _("本人尚未报到，社区戒毒（康复）尚未开始执行，不能登记检测。"),
            code="case_not_active",
        )
    check_day(case, taken_on, "taken_on")
    _check_staff(result, staff_1, staff_2, fields["note"])
    _check_bottles(result, sample, tier, fields["bottle_a"], fields["bottle_b"])
    keys = [
        rules.BOTTLE_RETENTION_MONTHS,
        rules.OBJECTION_DAYS,
        rules.HAIR_WINDOW_MONTHS,
        rules.HAIR_SEGMENT_CM,
    ]
    v = rule_config.values(keys, case.unit, taken_on)
    hair_cm = _check_hair(sample, result, payload["hair_segment_cm"], v[rules.HAIR_SEGMENT_CM])
    if tier == TestTier.ONSITE and checks is not None:
        raise Refusal(_("现场检测不复核其他检测。"), code="checks_wrong_tier", field="checks")
    _check_checks(case, tier, taken_on, fields["institution"], checks)

    if not external_id:
        # A form sent twice: the same test with the same contents is one test (a refused test
        # counted twice would bring a serious breach nearer, 戒毒条例 Art. 20).
        same = CommunityDrugTest.objects.filter(case=case, external_id="", **_lookup(payload))
        same = next((t for t in same if t.results == results), None)
        if same is not None:
            return _answer(same, replayed=True)

    try:
        with acting_as(actor), transaction.atomic():
            case = lock_case(case)
            check_open(case)  # the measure may have ended while the form was open
            test = CommunityDrugTest(
                measure_id=case.measure_id,
                taken_on=taken_on,
                sample=sample,
                tier=tier,
                result=result,
                results=results,
                staff_1=staff_1,
                staff_2=staff_2,
                hair_segment_cm=hair_cm,
                checks=checks,
                external_id=external_id,
                **fields,
                **record_fields(case, actor),
            )
            _set_clocks(test, v)
            test.save()
            referral = _after_recording(case, test, actor)
    except IntegrityError:
        # The same external id sent twice at once: the other request recorded it.
        if not external_id:
            raise
        replayed = _replay(case, external_id, payload)
        if replayed is None:
            raise
        return _answer(replayed, replayed=True)
    test.referral = referral
    test.replayed = False
    return test


def _lookup(payload: dict) -> dict:
    return {k: v for k, v in payload.items() if k != "results"}


def _set_clocks(test: CommunityDrugTest, v: dict) -> None:
    if test.bottle_a or test.bottle_b:
        # 吸毒检测程序规定 Art. 8 (2017): A/B bottles kept at least 6 months.
        test.retain_until = add_months(test.taken_on, v[rules.BOTTLE_RETENTION_MONTHS])
    if test.result == TestResult.POSITIVE and test.tier in OBJECTABLE_TIERS:
        # TEST Art. 12, 15 (2017): 3 days to apply for a lab test or a re-test.
        test.objection_due_by = deadline_after(test.taken_on, days=v[rules.OBJECTION_DAYS])
    if test.result == TestResult.POSITIVE and test.sample == SampleType.HAIR:
        # HAIR Art. 10: positive within 3 cm of the root = use in the 6 months before sampling.
        test.use_window_from = add_months(test.taken_on, -v[rules.HAIR_WINDOW_MONTHS])


def _after_recording(case: CommunityCase, test: CommunityDrugTest, actor) -> Referral | None:
    from . import credit, schedule, violations

    source = common.source_of(test)
    is_check = test.checks_id is not None
    if test.result not in NON_COMPLIANT_RESULTS and not is_check:
        # A refusal is not a test taken; a lab check of a sample already counted is not a new one.
        due = schedule.satisfy(case, TEST_KINDS, test.taken_on, source=source)
        if due is not None:
            test.due_item = due
            test.save(update_fields=["due_item"])
    if not is_check:
        # The lab check of the same sample is the same event: it is scored once.
        credit.award(
            case,
            f"test_{test.result}",
            on=test.taken_on,
            source=source,
            actor=actor,
            detail=describe(test),
        )
    referral = None
    if test.result == TestResult.POSITIVE:
        raise_alert(
            case, AlertKind.POSITIVE_TEST, test.taken_on, detail=describe(test), source=source
        )
        _event(case, test, actor)
        # 禁毒法 Art. 35; JX §五(七)3: suspected use during the measure goes to the police; the
        # community procedure is suspended once it is reported.
        referral = violations.refer(
            case,
            ReferralReason.POSITIVE_TEST,
            on=test.taken_on,
            source=source,
            actor=actor,
            evidence=_evidence(test),
        )
    elif test.result in NON_COMPLIANT_RESULTS:
        raise_alert(
            case, AlertKind.NON_COMPLIANT_TEST, test.taken_on, detail=describe(test), source=source
        )
        _event(case, test, actor)
        # 戒毒条例 Art. 20: refusing or evading tests 3 or more times is a serious breach.
        referral = violations.detect_breach(case, on=test.taken_on, actor=actor)
    credit.refresh_case(case)
    return referral


def _event(case, test, actor) -> None:
    record_event(
        case.person,
        "community.drug_test.recorded",
        actor=actor,
        org_unit=case.unit,
        on=test.taken_on.isoformat(),
        tier=zh(test.get_tier_display()),
        sample=zh(test.get_sample_display()),
        result=zh(test.get_result_display()),
    )


def _answer(test: CommunityDrugTest, *, replayed: bool) -> CommunityDrugTest:
    test.referral = referral_of(test)
    test.replayed = replayed
    return test


def referral_of(test: CommunityDrugTest) -> Referral | None:
    """The referral recording this test opened or joined: the one it is the source of, else the
    open referral of its ground (suspected use for a positive test; serious breach for a refused
    or evaded one). A retried request gets the same answer as the first."""
    found = (
        Referral.objects.filter(case_id=test.case_id, source=common.source_of(test))
        .order_by("id")
        .first()
    )
    if found is not None:
        return found
    if test.result == TestResult.POSITIVE:
        reason = ReferralReason.POSITIVE_TEST
    elif test.result in NON_COMPLIANT_RESULTS:
        reason = ReferralReason.SERIOUS_BREACH
    else:
        return None
    return (
        Referral.objects.filter(
            case_id=test.case_id,
            reason=reason,
            status__in=(ReferralStatus.DRAFT, ReferralStatus.REPORTED),
        )
        .order_by("id")
        .first()
    )


# --- Objections and bottles --------------------------------------------------------------------


def record_objection(test: CommunityDrugTest, *, on: date, actor) -> CommunityDrugTest:
    """The person objects to a positive result and applies for a lab test or a re-test, within
    3 days (吸毒检测程序规定 Art. 12, 15; 5 days before 2017)."""
    case = test.case
    require(actor, MANAGE, case)
    if test.objection_due_by is None:
        raise Refusal(
            _("该检测结果不能提出异议（只有现场检测或实验室检测的阳性结果可以）。"),
            code="no_objection_window",
            field="on",
        )
    if test.objection_on is not None:
        if test.objection_on == on:
            return test
        raise Refusal(
            _("已于%(day)s登记异议。"),
            code="already_objected",
            params={"day": test.objection_on.isoformat()},
            field="on",
        )
    if on > clock.today():
        raise Refusal(_("日期不能晚于今天。"), code="future_date", field="on")
    if on < test.taken_on:
        raise Refusal(
            _("异议日期不能早于检测日期（%(day)s）。"),
            code="before_test",
            params={"day": test.taken_on.isoformat()},
            field="on",
        )
    if on > test.objection_due_by:
        raise Refusal(
            _(
                "异议期限已于%(day)s届满（检测结果告知后3日内，吸毒检测程序规定第十二条、第十五条）。"
            ),
            code="objection_late",
            params={"day": test.objection_due_by.isoformat()},
            field="on",
        )
    with acting_as(actor), transaction.atomic():
        test = CommunityDrugTest.objects.select_for_update().get(pk=test.pk)
        if test.objection_on is None:
            test.objection_on = on
            test.save(update_fields=["objection_on"])
            record_event(
                case.person,
                "community.drug_test.objected",
                actor=actor,
                org_unit=case.unit,
                on=on.isoformat(),
                test=describe(test),
            )
    return test


def dispose_bottles(test: CommunityDrugTest, *, on: date, actor) -> CommunityDrugTest:
    """销毁A、B瓶样本: only once the retention period is over (吸毒检测程序规定 Art. 8: kept
    ≥6 months). The case may have ended meanwhile; the bottles are still the township's."""
    require(actor, MANAGE, test.case)
    if test.retain_until is None:
        raise Refusal(_("该检测没有留存的A、B瓶样本。"), code="no_bottles", field="on")
    if test.bottles_disposed_on is not None:
        return test
    if on > clock.today():
        raise Refusal(_("日期不能晚于今天。"), code="future_date", field="on")
    if on < test.retain_until:
        raise Refusal(
            _("样本应保存至%(day)s，期满前不得销毁（吸毒检测程序规定第八条）。"),
            code="retention_not_over",
            params={"day": test.retain_until.isoformat()},
            field="on",
        )
    with acting_as(actor), transaction.atomic():
        test = CommunityDrugTest.objects.select_for_update().get(pk=test.pk)
        if test.bottles_disposed_on is None:
            test.bottles_disposed_on = on
            test.save(update_fields=["bottles_disposed_on"])
    return test


# --- Queries -----------------------------------------------------------------------------------


def bottles_expiring(queryset, today: date, days: int):
    """Tests whose A/B bottles are still kept and whose retention ends within `days` days or has
    ended: expired first (oldest retention end first), then the ones due soonest."""
    return queryset.filter(
        bottles_disposed_on__isnull=True,
        retain_until__isnull=False,
        retain_until__lte=today + timedelta(days=days),
    ).order_by("retain_until", "id")


def objections_open(queryset, today: date):
    """Positive results the person may still object to today (no objection recorded yet)."""
    return queryset.filter(objection_due_by__gte=today, objection_on__isnull=True).order_by(
        "objection_due_by", "id"
    )


def cleared(test: CommunityDrugTest, checks_of: list[CommunityDrugTest]) -> bool:
    """Whether a negative lab test or re-test of this positive test (among `checks_of`, the
    tests that check it) has cleared it."""
    return test.result == TestResult.POSITIVE and any(
        c.result == TestResult.NEGATIVE for c in checks_of
    )
