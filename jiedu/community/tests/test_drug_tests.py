"""Community drug tests (吸毒检测程序规定 = TEST; 涉毒人员毛发样本检测规范 = HAIR): every rule at
its edges — two staff, A/B bottles and their retention, the 3-day objection window, the hair
window, the re-test at another institution, per-class results — what each result sets off
(schedule, credit, alert, breach check, referral), idempotent retries, the bottle expiry list,
and the pages (scope, permissions, constant queries)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from jiedu.community.choices import AlertKind, ReferralReason
from jiedu.community.models import CaseAlert, CommunityDrugTest, CreditEntry, Referral
from jiedu.community.services import drug_tests as services
from jiedu.community.services import schedule, violations
from jiedu.community.services.common import source_of
from jiedu.community.tests.conftest import at
from jiedu.community.views.drug_tests import case_section
from jiedu.core import rules as rule_config
from jiedu.core.models import AccessLogEntry
from jiedu.core.refusals import Refusal
from jiedu.people.models import PersonEvent
from jiedu.testing.cast import make_user

pytestmark = pytest.mark.django_db

D = date.fromisoformat
TODAY = "2024-06-15"

NEGATIVE = {"methamphetamine": "negative", "morphine": "negative", "ketamine": "negative"}
POSITIVE = {"methamphetamine": "positive", "morphine": "negative", "ketamine": "negative"}


@pytest.fixture
def today():
    with at(TODAY):
        yield D(TODAY)


@pytest.fixture
def case(community_case, today):
    """An active 社区戒毒 case: served 2024-03-01, reported 2024-03-05 (term to 2027-03-04)."""
    return community_case(reported_on="2024-03-05")


def record(case, actor, **overrides):
    values = {
        "taken_on": D("2024-06-10"),
        "sample": "urine",
        "tier": "onsite",
        "result": "negative",
        "results": dict(NEGATIVE),
        "staff_1": "王专干",
        "staff_2": "李民警",
    }
    values.update(overrides)
    return services.record_drug_test(case, actor=actor, **values)


def positive(case, actor, **overrides):
    values = {
        "result": "positive",
        "results": dict(POSITIVE),
        "bottle_a": "A-0610-1",
        "bottle_b": "B-0610-1",
        "kit": "三联尿检板 20240501",
        "institution": "花桥派出所",
    }
    values.update(overrides)
    return record(case, actor, **values)


def refused(case, actor, **overrides):
    values = {
        "result": "refused",
        "results": {},
        "staff_2": "",
        "note": "本人拒绝留取尿样",
    }
    values.update(overrides)
    return record(case, actor, **values)


def refusal(excinfo, code, field=None):
    exc = excinfo.value
    assert exc.refusal_code == code
    if field is not None:
        assert exc.refusal_field == field


@pytest.fixture
def spies(monkeypatch):
    """Record the calls to the schedule and the breach check (and still run them)."""
    calls = {"satisfy": [], "detect_breach": []}
    real_satisfy, real_detect = schedule.satisfy, violations.detect_breach

    def satisfy(case, kinds, on, *, source):
        calls["satisfy"].append((tuple(kinds), on, source))
        return real_satisfy(case, kinds, on, source=source)

    def detect_breach(case, *, on, actor):
        calls["detect_breach"].append(on)
        return real_detect(case, on=on, actor=actor)

    monkeypatch.setattr(schedule, "satisfy", satisfy)
    monkeypatch.setattr(violations, "detect_breach", detect_breach)
    return calls


# --- A negative test ---------------------------------------------------------------------------


def test_a_negative_test_is_recorded_satisfies_the_schedule_and_earns_credit(cast, case, spies):
    test = record(case, cast.worker_a)
    assert test.person_id == case.person_id
    assert test.measure_id == case.measure_id
    assert test.recorded_by == str(cast.worker_a)
    assert test.results == NEGATIVE
    assert (test.retain_until, test.objection_due_by, test.use_window_from) == (None, None, None)
    assert spies["satisfy"] == [
        (("scheduled_test", "random_test"), D("2024-06-10"), source_of(test))
    ]
    assert spies["detect_breach"] == []
    assert not CaseAlert.objects.filter(case=case).exclude(kind="risk_high").exists()
    assert CreditEntry.objects.filter(case=case, code="test_negative", source=source_of(test))
    assert not PersonEvent.objects.filter(code="community.drug_test.recorded").exists()
    assert test.referral is None


def test_the_result_follows_the_classes_when_only_the_classes_are_given(cast, case):
    assert record(case, cast.worker_a, result="").result == "negative"
    test = record(
        case,
        cast.worker_a,
        result="",
        results=dict(POSITIVE),
        taken_on=D("2024-06-11"),
        bottle_a="A1",
        bottle_b="B1",
    )
    assert test.result == "positive"


@pytest.mark.parametrize(
    ("result", "results", "code", "field"),
    [
        # Positive if and only if some class is positive.
        ("positive", NEGATIVE, "results_mismatch", "result"),
        ("negative", POSITIVE, "results_mismatch", "result"),
        ("", {}, "required", "result"),
        ("negative", {"methamphetamine": "maybe"}, "invalid_results", "results"),
        ("negative", {"": "negative"}, "invalid_results", "results"),
        ("negative", ["methamphetamine"], "invalid_results", "results"),
        ("unknown", {}, "invalid_choice", "result"),
    ],
)
def test_the_overall_result_must_agree_with_the_classes(cast, case, result, results, code, field):
    with pytest.raises(Refusal) as excinfo:
        record(case, cast.worker_a, result=result, results=results, bottle_a="A", bottle_b="B")
    refusal(excinfo, code, field)


def test_a_positive_result_without_classes_is_taken_as_given(cast, case):
    assert positive(case, cast.worker_a, results={}).result == "positive"


# --- Two staff (TEST Art. 8) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("staff_1", "staff_2", "code", "field"),
    [
        # 吸毒检测程序规定 Art. 8: at least two staff collect, send and test a sample.
        ("王专干", "李民警", None, None),
        ("王专干", "", "two_staff_required", "staff_2"),
        ("", "李民警", "two_staff_required", "staff_1"),
        ("王专干", "王专干", "two_staff_required", "staff_2"),
        ("王专干", "  王专干 ", "two_staff_required", "staff_2"),
        ("   ", "李民警", "two_staff_required", "staff_1"),
    ],
)
def test_a_sample_taken_needs_two_different_staff(cast, case, staff_1, staff_2, code, field):
    if code is None:
        assert record(case, cast.worker_a, staff_1=staff_1, staff_2=staff_2).pk
        return
    with pytest.raises(Refusal) as excinfo:
        record(case, cast.worker_a, staff_1=staff_1, staff_2=staff_2)
    refusal(excinfo, code, field)


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({}, None, None),
        ({"result": "evaded", "note": "约定检测当日失联"}, None, None),
        ({"staff_1": "", "staff_2": ""}, "staff_required", "staff_1"),
        ({"note": ""}, "note_required", "note"),
        ({"results": {"methamphetamine": "negative"}}, "no_sample", "results"),
        ({"bottle_a": "A-1"}, "no_sample", "bottle_a"),
        ({"sample": "hair"}, None, None),
        ({"sample": "hair", "hair_segment_cm": 3}, "no_sample", "hair_segment_cm"),
    ],
)
def test_a_refused_or_evaded_test_needs_one_staff_and_a_note(cast, case, overrides, code, field):
    if code is None:
        assert refused(case, cast.worker_a, **overrides).pk
        return
    with pytest.raises(Refusal) as excinfo:
        refused(case, cast.worker_a, **overrides)
    refusal(excinfo, code, field)


# --- A/B bottles and their retention (TEST Art. 8) ---------------------------------------------


@pytest.mark.parametrize("sample", ["urine", "saliva", "blood"])
@pytest.mark.parametrize(
    ("bottles", "field"), [({"bottle_a": ""}, "bottle_a"), ({"bottle_b": ""}, "bottle_b")]
)
def test_a_positive_on_site_sample_needs_both_bottles(cast, case, sample, bottles, field):
    with pytest.raises(Refusal) as excinfo:
        positive(case, cast.worker_a, sample=sample, **bottles)
    refusal(excinfo, "bottles_required", field)


@pytest.mark.parametrize(
    "overrides",
    [
        {"tier": "lab", "institution": "市禁毒检测中心"},  # the lab keeps its own samples
        {"sample": "hair", "hair_segment_cm": 3},
    ],
)
def test_bottles_are_not_required_outside_a_positive_on_site_fluid_sample(cast, case, overrides):
    test = positive(case, cast.worker_a, bottle_a="", bottle_b="", **overrides)
    assert test.retain_until is None


def test_the_two_bottles_have_different_numbers(cast, case):
    with pytest.raises(Refusal) as excinfo:
        positive(case, cast.worker_a, bottle_a="X-1", bottle_b="X-1")
    refusal(excinfo, "bottles_same", "bottle_b")


@pytest.mark.parametrize(
    ("taken_on", "retain_until"),
    [
        # 吸毒检测程序规定 Art. 8 (2017): kept at least 6 months (2 months before).
        ("2024-06-10", "2024-12-10"),
        ("2024-08-29", "2025-02-28"),  # no 29 February in 2025: the month's end
        ("2024-08-31", "2025-02-28"),
        ("2026-08-31", "2027-02-28"),
        ("2026-12-31", "2027-06-30"),
    ],
)
def test_bottles_are_kept_six_months_with_the_month_end_clamp(cast, case, taken_on, retain_until):
    with at(taken_on):
        test = positive(case, cast.worker_a, taken_on=D(taken_on))
    assert test.retain_until == D(retain_until)


def test_a_local_rule_may_keep_bottles_longer_but_never_shorter(cast, case):
    rule_config.set_rule_value(
        "community.test.bottle_retention_months",
        cast.city,
        value=12,
        effective_from=D("2024-01-01"),
        source="东湖市规定",
        actor=cast.admin,
    )
    assert positive(case, cast.worker_a).retain_until == D("2025-06-10")
    with pytest.raises(Refusal):
        rule_config.set_rule_value(
            "community.test.bottle_retention_months",
            cast.city,
            value=5,
            effective_from=D("2024-02-01"),
            source="x",
            actor=cast.admin,
        )


def test_bottles_are_disposed_only_once_the_retention_is_over(cast, case):
    test = positive(case, cast.worker_a)
    assert test.retain_until == D("2024-12-10")
    with at("2024-12-09"), pytest.raises(Refusal) as excinfo:
        services.dispose_bottles(test, on=D("2024-12-09"), actor=cast.worker_a)
    refusal(excinfo, "retention_not_over", "on")
    with at("2024-12-10"):
        done = services.dispose_bottles(test, on=D("2024-12-10"), actor=cast.worker_a)
        assert done.bottles_disposed_on == D("2024-12-10")
        with pytest.raises(Refusal) as excinfo:
            services.dispose_bottles(test, on=D("2024-12-11"), actor=cast.worker_a)
        refusal(excinfo, "future_date", "on")


def test_a_test_without_bottles_has_nothing_to_dispose(cast, case):
    test = record(case, cast.worker_a)
    with pytest.raises(Refusal) as excinfo:
        services.dispose_bottles(test, on=D(TODAY), actor=cast.worker_a)
    refusal(excinfo, "no_bottles", "on")


def test_the_outsider_may_not_dispose_of_bottles(cast, case):
    test = positive(case, cast.worker_a)
    with at("2025-01-01"), pytest.raises(PermissionDenied):
        services.dispose_bottles(test, on=D("2025-01-01"), actor=cast.outsider)


# --- Objections (TEST Art. 12, 15) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "code"),
    [
        # 吸毒检测程序规定 Art. 12, 15 (2017): within 3 days (5 before).
        ("2024-06-10", None),
        ("2024-06-13", None),  # day 3
        ("2024-06-14", "objection_late"),  # day 4
        ("2024-06-09", "before_test"),
    ],
)
def test_the_person_may_object_within_three_days(cast, case, on, code):
    test = positive(case, cast.worker_a)
    assert test.objection_due_by == D("2024-06-13")
    if code is None:
        assert services.record_objection(test, on=D(on), actor=cast.worker_a).objection_on == D(on)
        assert PersonEvent.objects.filter(code="community.drug_test.objected").count() == 1
        return
    with pytest.raises(Refusal) as excinfo:
        services.record_objection(test, on=D(on), actor=cast.worker_a)
    refusal(excinfo, code, "on")


@pytest.mark.parametrize(
    ("tier", "window"),
    [("onsite", True), ("lab", True), ("lab_retest", False)],  # a re-test is final
)
def test_positive_on_site_and_lab_results_open_the_objection_window(cast, case, tier, window):
    test = positive(case, cast.worker_a, tier=tier, institution="市禁毒检测中心")
    assert (test.objection_due_by is not None) is window


def test_a_negative_result_cannot_be_objected_to(cast, case):
    test = record(case, cast.worker_a)
    with pytest.raises(Refusal) as excinfo:
        services.record_objection(test, on=D("2024-06-11"), actor=cast.worker_a)
    refusal(excinfo, "no_objection_window", "on")


def test_an_objection_recorded_twice_is_one_and_another_day_is_refused(cast, case):
    test = positive(case, cast.worker_a)
    services.record_objection(test, on=D("2024-06-11"), actor=cast.worker_a)
    test.refresh_from_db()
    assert services.record_objection(test, on=D("2024-06-11"), actor=cast.worker_a).pk == test.pk
    with pytest.raises(Refusal) as excinfo:
        services.record_objection(test, on=D("2024-06-12"), actor=cast.worker_a)
    refusal(excinfo, "already_objected", "on")


def test_open_objections_are_those_still_in_their_window(cast, case):
    first = positive(case, cast.worker_a, taken_on=D("2024-06-10"))
    second = positive(case, cast.worker_a, taken_on=D("2024-06-12"), bottle_a="A-2", bottle_b="B-2")
    record(case, cast.worker_a, taken_on=D("2024-06-14"))
    qs = CommunityDrugTest.objects.all()
    assert list(services.objections_open(qs, D("2024-06-13"))) == [first, second]
    assert list(services.objections_open(qs, D("2024-06-14"))) == [second]
    services.record_objection(second, on=D("2024-06-14"), actor=cast.worker_a)
    assert list(services.objections_open(qs, D("2024-06-14"))) == []


# --- Hair (HAIR Art. 10) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cm", "code"),
    [
        (None, "required"),
        (1, None),
        (3, None),
        (4, "hair_segment_too_long"),
        (0, "hair_segment_too_long"),
    ],
)
def test_a_hair_sample_is_cut_within_three_cm_of_the_root(cast, case, cm, code):
    kwargs = {
        "sample": "hair",
        "tier": "lab",
        "institution": "市禁毒检测中心",
        "hair_segment_cm": cm,
    }
    if code is None:
        assert record(case, cast.worker_a, **kwargs).hair_segment_cm == cm
        return
    with pytest.raises(Refusal) as excinfo:
        record(case, cast.worker_a, **kwargs)
    refusal(excinfo, code, "hair_segment_cm")


def test_only_a_hair_sample_has_a_segment(cast, case):
    with pytest.raises(Refusal) as excinfo:
        record(case, cast.worker_a, hair_segment_cm=3)
    refusal(excinfo, "hair_only", "hair_segment_cm")


@pytest.mark.parametrize(
    ("taken_on", "window_from"),
    [
        # HAIR Art. 10: positive within 3 cm of the root = use in the 6 months before sampling.
        ("2024-06-10", "2023-12-10"),
        ("2024-08-31", "2024-02-29"),  # leap year: the month's end
        ("2025-08-31", "2025-02-28"),
    ],
)
def test_a_positive_hair_result_carries_its_six_month_window(cast, case, taken_on, window_from):
    with at(taken_on):
        test = positive(
            case,
            cast.worker_a,
            taken_on=D(taken_on),
            sample="hair",
            tier="lab",
            hair_segment_cm=3,
            bottle_a="",
            bottle_b="",
        )
    assert test.use_window_from == D(window_from)


def test_a_negative_hair_result_has_no_window(cast, case):
    test = record(
        case, cast.worker_a, sample="hair", tier="lab", hair_segment_cm=3, institution="实验室"
    )
    assert test.use_window_from is None


# --- Lab test and re-test (TEST Art. 3–4) ------------------------------------------------------


@pytest.fixture
def lab_positive(cast, case):
    onsite = positive(case, cast.worker_a)
    lab = positive(
        case,
        cast.worker_a,
        tier="lab",
        taken_on=D("2024-06-12"),
        checks=onsite,
        institution="东湖市禁毒检测中心",
        bottle_a="",
        bottle_b="",
    )
    return onsite, lab


def retest(case, actor, lab, **overrides):
    values = {"tier": "lab_retest", "checks": lab, "taken_on": D("2024-06-14")}
    values.update(overrides)
    return record(case, actor, **values)


@pytest.mark.parametrize(
    "institution", ["东湖市禁毒检测中心", " 东湖市禁毒检测中心 ", "东湖市 禁毒检测中心"]
)
def test_a_re_test_at_the_institution_of_the_lab_test_is_refused(
    cast, case, lab_positive, institution
):
    _onsite, lab = lab_positive
    with pytest.raises(Refusal) as excinfo:
        retest(case, cast.worker_a, lab, institution=institution)
    refusal(excinfo, "same_institution", "institution")


def test_a_re_test_at_another_institution_is_recorded(cast, case, lab_positive):
    _onsite, lab = lab_positive
    test = retest(case, cast.worker_a, lab, institution="省公安厅物证鉴定中心")
    assert test.checks_id == lab.pk
    assert test.objection_due_by is None  # the re-test is final


def test_a_re_test_of_a_lab_test_names_its_institution(cast, case, lab_positive):
    _onsite, lab = lab_positive
    with pytest.raises(Refusal) as excinfo:
        retest(case, cast.worker_a, lab, institution="")
    refusal(excinfo, "required", "institution")


def test_what_a_test_may_check(cast, case, community_case, lab_positive):
    onsite, lab = lab_positive
    negative = record(case, cast.worker_a, taken_on=D("2024-06-01"))
    other_case = community_case(name="赵六", reported_on="2024-03-05")
    stranger = positive(other_case, cast.worker_a)
    rows = [
        ({"tier": "onsite", "checks": onsite}, "checks_wrong_tier", "checks"),
        (
            {"tier": "lab_retest", "checks": onsite, "institution": "X"},
            "checks_wrong_tier",
            "checks",
        ),
        ({"tier": "lab", "checks": lab}, "checks_wrong_tier", "checks"),
        ({"tier": "lab", "checks": negative}, "checks_not_positive", "checks"),
        ({"tier": "lab", "checks": stranger}, "checks_other_case", "checks"),
        (
            {"tier": "lab", "checks": onsite, "taken_on": D("2024-06-09")},
            "checks_later",
            "taken_on",
        ),
    ]
    for overrides, code, field in rows:
        with pytest.raises(Refusal) as excinfo:
            record(case, cast.worker_a, **overrides)
        refusal(excinfo, code, field)


def test_a_negative_lab_test_clears_the_positive_on_site_test_and_raises_nothing(cast, case, spies):
    onsite = positive(case, cast.worker_a)
    alerts = CaseAlert.objects.filter(case=case).count()
    referrals = Referral.objects.filter(case=case).count()
    spies["satisfy"].clear()
    lab = record(
        case,
        cast.worker_a,
        tier="lab",
        taken_on=D("2024-06-12"),
        checks=onsite,
        institution="东湖市禁毒检测中心",
    )
    assert CaseAlert.objects.filter(case=case).count() == alerts
    assert Referral.objects.filter(case=case).count() == referrals
    assert spies["satisfy"] == []  # the same sample: no second due test is met
    assert not CreditEntry.objects.filter(source=source_of(lab)).exists()
    assert services.cleared(onsite, list(onsite.checked_by.all()))
    assert lab.referral is None


# --- What a result sets off --------------------------------------------------------------------


def test_a_positive_test_raises_the_alert_and_opens_the_referral(cast, case, spies):
    test = positive(case, cast.worker_a)
    alert = CaseAlert.objects.get(case=case, kind=AlertKind.POSITIVE_TEST)
    assert alert.source == source_of(test)
    assert "阳性" in alert.detail
    # JX §五(七)3: suspected use during the measure goes to the police.
    referral = Referral.objects.get(case=case, reason=ReferralReason.POSITIVE_TEST)
    assert referral.status == "draft"
    assert referral.source == source_of(test)
    assert referral.evidence["test"]["id"] == test.pk
    assert referral.evidence["test"]["bottle_a"] == "A-0610-1"
    assert test.referral == referral
    assert PersonEvent.objects.filter(
        person=case.person, code="community.drug_test.recorded"
    ).exists()
    assert CreditEntry.objects.filter(case=case, code="test_positive").exists()
    assert len(spies["satisfy"]) == 1  # a positive test is a test taken
    assert spies["detect_breach"] == []


def test_a_second_positive_joins_the_open_referral(cast, case):
    first = positive(case, cast.worker_a)
    second = positive(case, cast.worker_a, taken_on=D("2024-06-14"), bottle_a="A-2", bottle_b="B-2")
    assert second.referral == first.referral
    assert Referral.objects.filter(case=case).count() == 1
    assert CaseAlert.objects.filter(case=case, kind=AlertKind.POSITIVE_TEST).count() == 2


@pytest.mark.parametrize("result", ["refused", "evaded"])
def test_a_refused_or_evaded_test_does_not_satisfy_the_schedule_and_runs_the_breach_check(
    cast, case, spies, result
):
    test = refused(case, cast.worker_a, result=result)
    assert spies["satisfy"] == []
    assert spies["detect_breach"] == [D("2024-06-10")]
    assert CaseAlert.objects.filter(case=case, kind=AlertKind.NON_COMPLIANT_TEST).count() == 1
    assert CreditEntry.objects.filter(case=case, code=f"test_{result}").exists()
    assert PersonEvent.objects.filter(code="community.drug_test.recorded").exists()
    assert test.referral is None


def test_the_third_refusal_is_a_serious_breach(cast, case):
    # 戒毒条例 Art. 20: evading or refusing tests 3 or more times (2 is not yet).
    refused(case, cast.worker_a, taken_on=D("2024-05-10"))
    second = refused(case, cast.worker_a, taken_on=D("2024-05-20"), result="evaded")
    assert second.referral is None
    case.refresh_from_db()
    assert case.serious_breach_since is None
    third = refused(case, cast.worker_a, taken_on=D("2024-06-10"))
    case.refresh_from_db()
    assert case.serious_breach_since == D("2024-06-10")
    assert third.referral is not None
    assert third.referral.reason == ReferralReason.SERIOUS_BREACH


# --- Dates, state, permission ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("taken_on", "code"),
    [("2024-06-16", "future_date"), ("2024-02-29", "before_measure")],
)
def test_the_day_lies_within_the_measure_and_not_in_the_future(cast, case, taken_on, code):
    with pytest.raises(Refusal) as excinfo:
        record(case, cast.worker_a, taken_on=D(taken_on))
    refusal(excinfo, code, "taken_on")


def test_no_test_is_recorded_before_the_person_reported_in(cast, community_measure, today):
    from jiedu.community.tests.conftest import case_of

    waiting = case_of(community_measure())
    with pytest.raises(Refusal) as excinfo:
        record(waiting, cast.worker_a)
    refusal(excinfo, "case_not_active")


@pytest.mark.parametrize("who", ["outsider", "police"])
def test_only_the_case_workers_record_tests(cast, case, who):
    with pytest.raises(PermissionDenied):
        record(case, getattr(cast, who))


# --- Retries -----------------------------------------------------------------------------------


def test_the_same_external_id_returns_the_first_test(cast, case):
    first = positive(case, cast.worker_a, external_id="dev-1")
    again = positive(case, cast.worker_a, external_id="dev-1")
    assert again.pk == first.pk
    assert again.replayed is True
    assert again.referral == first.referral
    assert CommunityDrugTest.objects.count() == 1
    assert CaseAlert.objects.filter(kind=AlertKind.POSITIVE_TEST).count() == 1


def test_the_same_external_id_with_other_contents_is_refused(cast, case):
    positive(case, cast.worker_a, external_id="dev-1")
    with pytest.raises(Refusal) as excinfo:
        positive(case, cast.worker_a, external_id="dev-1", bottle_b="B-other")
    refusal(excinfo, "external_id_conflict", "external_id")


def test_a_form_sent_twice_records_one_test(cast, case):
    first = refused(case, cast.worker_a)
    assert refused(case, cast.worker_a).pk == first.pk
    assert CommunityDrugTest.objects.count() == 1


# --- Bottle expiry list ------------------------------------------------------------------------


@pytest.fixture
def bottles(cast, case):
    """Positive on-site tests whose bottles are kept until 2024-09-10, -10-05, -10-20, -12-10."""
    made = {}
    for taken_on in ("2024-03-10", "2024-04-05", "2024-04-20", "2024-06-10"):
        with at(taken_on):
            made[taken_on] = positive(
                case,
                cast.worker_a,
                taken_on=D(taken_on),
                bottle_a=f"A-{taken_on}",
                bottle_b=f"B-{taken_on}",
            )
    return made


def test_the_expiry_list_shows_expired_bottles_first_then_those_due_soon(cast, bottles):
    qs = CommunityDrugTest.objects.all()
    with at("2024-09-25"):
        listed = [t.retain_until for t in services.bottles_expiring(qs, D("2024-09-25"), 30)]
    assert listed == [D("2024-09-10"), D("2024-10-05"), D("2024-10-20")]
    with at("2024-10-05"):
        services.dispose_bottles(bottles["2024-03-10"], on=D("2024-10-05"), actor=cast.worker_a)
    listed = [t.retain_until for t in services.bottles_expiring(qs, D("2024-10-05"), 0)]
    assert listed == [D("2024-10-05")]


# --- Pages -------------------------------------------------------------------------------------


def list_url(case):
    return reverse("community:drug_test_list", args=[case.pk])


def test_the_form_makes_the_common_case_fast(client, cast, case):
    client.force_login(cast.worker_a)
    response = client.get(list_url(case))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["taken_on"].value() == D(TODAY)
    assert form["sample"].value() == "urine"
    assert form["tier"].value() == "onsite"
    assert form["result"].value() == "negative"
    assert form["staff_1"].value() == str(cast.worker_a)
    assert AccessLogEntry.objects.filter(user_id=cast.worker_a.pk, person_pk=case.person_id)


def form_data(**overrides):
    data = {
        "test-taken_on": "2024-06-14",
        "test-sample": "urine",
        "test-tier": "onsite",
        "test-result": "negative",
        "test-classes_tested": ["methamphetamine", "morphine", "ketamine"],
        "test-staff_1": "甲区专干",
        "test-staff_2": "社区民警",
    }
    data.update(overrides)
    return data


def test_a_test_is_recorded_through_the_page(client, cast, case):
    client.force_login(cast.worker_a)
    response = client.post(reverse("community:drug_test_create", args=[case.pk]), form_data())
    assert response.status_code == 302
    test = CommunityDrugTest.objects.get()
    assert test.results == NEGATIVE
    assert test.staff_1 == "甲区专干"


def test_a_positive_through_the_page_takes_the_ticked_classes(client, cast, case):
    client.force_login(cast.worker_a)
    data = form_data(
        **{
            "test-result": "positive",
            "test-classes_positive": ["ketamine"],
            "test-bottle_a": "A-9",
            "test-bottle_b": "B-9",
        }
    )
    response = client.post(reverse("community:drug_test_create", args=[case.pk]), data)
    assert response.status_code == 302
    test = CommunityDrugTest.objects.get()
    assert test.results == {**NEGATIVE, "ketamine": "positive"}
    assert test.retain_until == D("2024-12-14")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"test-staff_2": ""}, "staff_2"),
        ({"test-result": "positive", "test-classes_positive": ["morphine"]}, "bottle_a"),
        ({"test-result": "positive"}, "result"),  # no class ticked positive
        ({"test-taken_on": "2024-06-16"}, "taken_on"),
    ],
)
def test_a_refusal_shows_at_its_field(client, cast, case, overrides, field):
    client.force_login(cast.worker_a)
    response = client.post(
        reverse("community:drug_test_create", args=[case.pk]), form_data(**overrides)
    )
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert not CommunityDrugTest.objects.exists()


def test_a_refused_test_through_the_page_drops_the_kit_classes(client, cast, case):
    client.force_login(cast.worker_a)
    data = form_data(**{"test-result": "refused", "test-note": "拒绝留样", "test-staff_2": ""})
    response = client.post(reverse("community:drug_test_create", args=[case.pk]), data)
    assert response.status_code == 302
    assert CommunityDrugTest.objects.get().results == {}


def test_the_case_section_shows_the_last_tests_and_the_form(rf, cast, case):
    positive(case, cast.worker_a)
    request = rf.get("/")
    request.user = cast.worker_a
    html = case_section(request, case)
    assert "A-0610-1" in html
    assert "2024-12-10" in html  # bottles kept until
    assert "2024-06-13" in html  # objection due by
    assert 'id="record-test"' in html
    request.user = cast.police  # may see, may not record
    html = case_section(request, case)
    assert "A-0610-1" in html
    assert 'id="record-test"' not in html


def test_the_case_page_includes_the_section(client, cast, case):
    positive(case, cast.worker_a)
    client.force_login(cast.worker_a)
    response = client.get(reverse("community:case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert "A-0610-1" in response.content.decode()


def test_the_outsider_gets_404_everywhere(client, cast, case):
    test = positive(case, cast.worker_a)
    client.force_login(cast.outsider)
    assert client.get(list_url(case)).status_code == 404
    post = client.post(reverse("community:drug_test_create", args=[case.pk]), form_data())
    assert post.status_code == 404
    day = {"day-on": TODAY}
    assert (
        client.post(reverse("community:drug_test_objection", args=[test.pk]), day).status_code
        == 404
    )
    assert (
        client.post(reverse("community:drug_test_dispose", args=[test.pk]), day).status_code == 404
    )
    assert (
        client.get(reverse("community:bottle_list", args=[cast.township_a.code])).status_code == 404
    )
    assert CommunityDrugTest.objects.count() == 1


def test_the_police_see_the_tests_but_record_nothing(client, cast, case):
    positive(case, cast.worker_a)
    client.force_login(cast.police)
    response = client.get(list_url(case))
    assert response.status_code == 200
    assert response.context["form"] is None
    post = client.post(reverse("community:drug_test_create", args=[case.pk]), form_data())
    assert post.status_code == 404


def test_an_objection_and_a_disposal_through_the_page(client, cast, case):
    test = positive(case, cast.worker_a)
    client.force_login(cast.worker_a)
    url = reverse("community:drug_test_objection", args=[test.pk])
    assert client.post(url, {"day-on": "2024-06-12"}).status_code == 302
    test.refresh_from_db()
    assert test.objection_on == D("2024-06-12")
    url = reverse("community:drug_test_dispose", args=[test.pk])
    response = client.post(url, {"day-on": TODAY}, follow=True)
    assert "2024-12-10" in response.content.decode()  # refused: kept until then
    test.refresh_from_db()
    assert test.bottles_disposed_on is None


def test_the_bottle_list_puts_expired_first_with_a_dispose_button(client, cast, bottles):
    url = reverse("community:bottle_list", args=[cast.township_a.code])
    with at("2024-09-25"):
        client.force_login(cast.worker_a)
        response = client.get(url)
    assert response.status_code == 200
    assert [t.retain_until for t in response.context["page"]] == [
        D("2024-09-10"),
        D("2024-10-05"),
        D("2024-10-20"),
    ]
    assert (response.context["expired"], response.context["due"]) == (1, 2)
    html = response.content.decode()
    dispose = reverse("community:drug_test_dispose", args=[bottles["2024-03-10"].pk])
    assert dispose in html
    assert reverse("community:drug_test_dispose", args=[bottles["2024-04-05"].pk]) not in html
    with at("2024-09-25"):
        response = client.post(dispose, {"day-on": "2024-09-25", "next": url})
    assert response.status_code == 302
    bottles["2024-03-10"].refresh_from_db()
    assert bottles["2024-03-10"].bottles_disposed_on == D("2024-09-25")


def _many_positives(case, actor, n, start=0):
    for i in range(start, start + n):
        positive(
            case,
            actor,
            taken_on=D("2024-03-10"),
            bottle_a=f"A-{i}",
            bottle_b=f"B-{i}",
            external_id=f"q-{i}",
        )


def test_the_pages_take_a_constant_number_of_queries(client, cast, case):
    bottles = reverse("community:bottle_list", args=[cast.township_a.code])
    _many_positives(case, cast.worker_a, 2)
    pages = {}
    with at("2024-09-25"):
        client.force_login(cast.worker_a)
        client.get(bottles)  # warm the per-process caches
        client.get(list_url(case))
        few_list = count_queries(lambda: client.get(list_url(case)))
        few_bottles = count_queries(lambda: client.get(bottles))
        _many_positives(case, cast.worker_a, 8, start=2)
        assert 0 < count_queries(lambda: pages.update(list=client.get(list_url(case)))) <= few_list
        assert 0 < count_queries(lambda: pages.update(bottles=client.get(bottles))) <= few_bottles
    assert len(pages["list"].context["rows"]) == 10
    assert len(pages["bottles"].context["page"]) == 10


def count_queries(request) -> int:
    """The number of SQL queries `request()` makes (counted as they run: the query log is emptied
    by every request the test client makes)."""
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        request()
    return count


def test_a_supervisor_of_the_city_sees_the_bottle_list(client, cast, bottles):
    with at("2024-09-25"):
        client.force_login(cast.supervisor)
        response = client.get(reverse("community:bottle_list", args=[cast.township_a.code]))
    assert response.status_code == 200
    assert len(response.context["page"]) == 3


def test_a_worker_of_another_unit_cannot_reach_the_township_list(client, cast, bottles):
    user = make_user("worker_b2", cast.township_b, "community_worker", "乙街道专干")
    client.force_login(user)
    assert (
        client.get(reverse("community:bottle_list", args=[cast.township_a.code])).status_code == 404
    )


def test_a_test_taken_meets_the_due_test_and_a_refusal_does_not(cast, case):
    from jiedu.community.models import DueItem

    due = (
        DueItem.objects.filter(
            case=case,
            kind__in=("scheduled_test", "random_test"),
            status="open",
            window_start__lte=D("2024-06-10"),
            due_on__gte=D("2024-06-10"),
        )
        .order_by("due_on", "id")
        .first()
    )
    assert due is not None
    refused(case, cast.worker_a)
    due.refresh_from_db()
    assert due.status == "open"
    test = record(case, cast.worker_a)
    assert test.due_item is not None
    test.due_item.refresh_from_db()
    assert test.due_item.status == "done"
    assert test.due_item.done_by_record == source_of(test)


def test_no_form_before_the_person_reports_in(client, cast, community_measure, today):
    from jiedu.community.tests.conftest import case_of

    waiting = case_of(community_measure())
    client.force_login(cast.worker_a)
    response = client.get(list_url(waiting))
    assert response.status_code == 200
    assert response.context["form"] is None
