"""Risk classes 高/中/低 (分级分类管控, PLAN16 §12; RISK 2016, domain.md §6.3, *secondary source*):
each criterion alone, high beating medium, a province re-weighting, health reasons hidden, the
RISK_HIGH alert once, and the worker-recorded facts."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from jiedu.accounts.models import Membership, Role
from jiedu.community import credit_rules as cr
from jiedu.community import risk
from jiedu.community.choices import AlertKind, CreditTier, RiskClass
from jiedu.community.models import CaseAlert
from jiedu.community.services import credit
from jiedu.community.services import drug_tests as tests
from jiedu.core.rules import set_rule_value
from jiedu.testing.cast import make_user

from .conftest import D, at

ON = D("2025-06-15")
DEFAULT_LEVELS = {code: c.default for code, c in cr.CRITERIA.items()}
CRITERIA = risk.Criteria(levels=DEFAULT_LEVELS, lookback_months=12, checkin_gap_days=7)
HIGH, MEDIUM, LOW = RiskClass.HIGH, RiskClass.MEDIUM, RiskClass.LOW

# (facts, class, reason codes, what the row rests on)
CRITERION_ROWS = [
    ({}, LOW, [], "none of the criteria"),
    ({"measure_refused": True}, HIGH, ["refusal"], "RISK 2016: refusing 社戒/社康"),
    ({"open_refusal_referral": True}, HIGH, ["refusal"], "RISK 2016; 戒毒条例 Art. 14"),
    (
        {"serious_breach_since": D("2025-06-01")},
        HIGH,
        ["serious_breach"],
        "RISK 2016; 戒毒条例 Art. 20",
    ),
    ({"self_harm_tendency": True}, HIGH, ["self_harm"], "RISK 2016"),
    ({"psychiatric_abnormality": True}, HIGH, ["psychiatric"], "RISK 2016"),
    ({"loss_of_control": True}, HIGH, ["loss_of_control"], "RISK 2016"),
    ({"severe_illness": True}, HIGH, ["severe_illness"], "RISK 2016"),
    # Jiedu defaults (no national figure): within the last 12 months, the day 12 months back
    # included.
    ({"last_positive_on": D("2024-06-15")}, MEDIUM, ["positive_test"], "default: 12 months"),
    ({"last_positive_on": D("2024-06-14")}, LOW, [], "default: 12 months + 1 day"),
    ({"last_refused_test_on": D("2025-01-01")}, MEDIUM, ["refused_test"], "default"),
    ({"last_refused_test_on": D("2024-06-14")}, LOW, [], "default: outside 12 months"),
    ({"last_unapproved_absence_on": ON}, MEDIUM, ["unapproved_absence"], "default"),
    ({"last_unapproved_absence_on": D("2024-01-01")}, LOW, [], "default: outside 12 months"),
    ({"credit_tier": CreditTier.FAIL}, MEDIUM, ["credit_fail"], "default: tier 不合格"),
    ({"credit_tier": CreditTier.PASS}, LOW, [], "default: tier 合格"),
    (
        {"portal_since": D("2025-06-01"), "last_checkin_on": D("2025-06-08")},
        MEDIUM,
        ["checkin_gap"],
        "default: 7 days without a check-in (7天以上: >= 7)",
    ),
    (
        {"portal_since": D("2025-06-01"), "last_checkin_on": D("2025-06-09")},
        LOW,
        [],
        "default: 6 days",
    ),
    ({"portal_since": D("2025-06-08")}, MEDIUM, ["checkin_gap"], "default: never since opening"),
    ({"last_checkin_on": D("2025-01-01")}, LOW, [], "no portal account: no gap"),
]


@pytest.mark.parametrize(
    ("facts", "expected", "reasons", "basis"), CRITERION_ROWS, ids=[r[3] for r in CRITERION_ROWS]
)
def test_each_criterion_alone_gives_its_class(facts, expected, reasons, basis):
    assert risk.classify(risk.RiskFacts(on=ON, **facts), CRITERIA) == (expected, reasons)


def test_every_criterion_has_a_test_a_sentence_and_a_level_rule():
    from jiedu.core import rules

    assert set(cr.CRITERIA) == set(risk.TESTS) == set(risk.REASON_TEXT)
    for code, criterion in cr.CRITERIA.items():
        spec = rules.spec(cr.risk_key(code))
        assert (spec.minimum, spec.maximum) == (0, 2)
        assert spec.fallback  # no full national list: a default a province may change
        assert spec.default == criterion.default


def test_high_beats_medium_and_all_reasons_are_kept_highest_first():
    facts = risk.RiskFacts(
        on=ON, credit_tier=CreditTier.FAIL, self_harm_tendency=True, last_positive_on=ON
    )
    assert risk.classify(facts, CRITERIA) == (HIGH, ["self_harm", "positive_test", "credit_fail"])


def test_a_criterion_weighted_0_is_not_counted_and_one_weighted_2_makes_high():
    facts = risk.RiskFacts(on=ON, last_positive_on=ON)
    off = risk.Criteria(levels={**DEFAULT_LEVELS, "positive_test": 0})
    high = risk.Criteria(levels={**DEFAULT_LEVELS, "positive_test": 2})
    assert risk.classify(facts, off) == (LOW, [])
    assert risk.classify(facts, high) == (HIGH, ["positive_test"])


def test_the_look_back_and_the_gap_are_configurable():
    facts = risk.RiskFacts(on=ON, last_positive_on=D("2024-12-15"), portal_since=D("2025-06-12"))
    assert risk.classify(facts, risk.Criteria(DEFAULT_LEVELS, 6, 7)) == (MEDIUM, ["positive_test"])
    assert risk.classify(facts, risk.Criteria(DEFAULT_LEVELS, 5, 3)) == (MEDIUM, ["checkin_gap"])


# --- On the case ---------------------------------------------------------------------------------


def local_rule(cast, key, value, effective_from, unit=None):
    return set_rule_value(
        key,
        unit or cast.province,
        value=value,
        effective_from=D(effective_from),
        source="演示省社区戒毒人员风险分级办法（测试）",
        actor=cast.admin,
    )


def refuse_test(cast, case, on):
    with at(on):
        return tests.record_drug_test(
            case,
            taken_on=D(on),
            sample="urine",
            tier="onsite",
            result="refused",
            staff_1="王专干",
            note="本人拒绝留取尿样",
            actor=cast.worker_a,
        )


def test_a_refused_test_makes_the_case_medium_until_a_province_weights_it_0(cast, community_case):
    case = community_case()
    refuse_test(cast, case, "2024-03-04")
    case.refresh_from_db()
    assert (case.risk_class, case.risk_reasons) == (MEDIUM, ["refused_test"])
    local_rule(cast, cr.risk_key("refused_test"), 0, "2024-03-05")
    with at("2024-03-05"):
        credit.refresh_case(case)
    case.refresh_from_db()
    assert (case.risk_class, case.risk_reasons) == (LOW, [])


def test_a_fresh_case_is_low_risk(community_case):
    case = community_case()
    case.refresh_from_db()
    assert case.risk_class == LOW


def test_a_refusal_to_report_makes_the_case_high(cast, community_measure):
    from jiedu.measures import services as measures

    measure = community_measure()
    with at("2024-03-20"):  # the 15 days to report in have passed (戒毒条例 Art. 14)
        measures.refuse(measure, on=D("2024-03-20"), actor=cast.worker_a)
    case = measure.community_case
    case.refresh_from_db()
    assert case.risk_class == HIGH
    assert "refusal" in case.risk_reasons


def test_the_high_risk_alert_is_raised_once(cast, community_case):
    case = community_case()
    with at("2024-03-05"):
        credit.set_risk_facts(
            case,
            self_harm_tendency=True,
            psychiatric_abnormality=None,
            loss_of_control=False,
            severe_illness=False,
            actor=cast.worker_a,
        )
        credit.refresh_case(case)
    with at("2024-03-06"):
        credit.refresh_case(case)  # still high: no new alert
    alerts = CaseAlert.objects.filter(case=case, kind=AlertKind.RISK_HIGH)
    assert alerts.count() == 1
    alert = alerts.get()
    assert alert.source == "risk:2024-03-05"
    assert "有自杀、自伤倾向" in alert.detail


def test_the_alert_names_a_psychiatric_reason_only_as_health(cast, community_case):
    case = community_case()
    with at("2024-03-05"):
        credit.set_risk_facts(
            case,
            self_harm_tendency=False,
            psychiatric_abnormality=True,
            loss_of_control=False,
            severe_illness=False,
            actor=health_worker(cast),
        )
    detail = CaseAlert.objects.get(case=case, kind=AlertKind.RISK_HIGH).detail
    assert "精神" not in detail
    assert "健康原因" in detail


# --- Health reasons ------------------------------------------------------------------------------


def health_worker(cast):
    """A worker in county A who also holds people.view_health (a community doctor's role)."""
    role, _created = Role.objects.get_or_create(
        code="community_health_test",
        defaults={
            "name": "社区医务人员",
            "permissions": [
                "people.view_person",
                "people.view_health",
                "community.view_case",
                "community.manage_case",
            ],
        },
    )
    user = make_user("community_doctor", cast.county_a, "community_worker", "社区医生")
    Membership.objects.create(user=user, org_unit=cast.county_a, role=role)
    return user


def test_psychiatric_abnormality_can_be_set_only_with_the_health_permission(cast, community_case):
    case = community_case()
    facts = {"self_harm_tendency": False, "loss_of_control": False, "severe_illness": False}
    with at("2024-03-05"):
        credit.set_risk_facts(case, psychiatric_abnormality=True, actor=cast.worker_a, **facts)
        case.refresh_from_db()
        assert case.psychiatric_abnormality is False  # left unchanged
        credit.set_risk_facts(
            case, psychiatric_abnormality=True, actor=health_worker(cast), **facts
        )
    case.refresh_from_db()
    assert case.psychiatric_abnormality is True
    assert (case.risk_class, case.risk_reasons) == (HIGH, ["psychiatric"])


def test_a_worker_without_health_permission_keeps_the_psychiatric_fact_when_saving(
    cast, community_case
):
    case = community_case()
    doctor = health_worker(cast)
    facts = {"self_harm_tendency": False, "loss_of_control": False, "severe_illness": False}
    with at("2024-03-05"):
        credit.set_risk_facts(case, psychiatric_abnormality=True, actor=doctor, **facts)
        credit.set_risk_facts(case, psychiatric_abnormality=False, actor=cast.worker_a, **facts)
    case.refresh_from_db()
    assert case.psychiatric_abnormality is True


def render_section(user, case) -> str:
    from jiedu.community.access import get_case_for_user
    from jiedu.community.views.credit import case_section

    request = RequestFactory().get(f"/community/cases/{case.pk}/")
    request.user = user
    return case_section(request, get_case_for_user(user, case.pk))


def test_the_psychiatric_reason_is_hidden_without_people_view_health(cast, community_case):
    case = community_case()
    doctor = health_worker(cast)
    with at("2024-03-05"):
        credit.set_risk_facts(
            case,
            self_harm_tendency=False,
            psychiatric_abnormality=True,
            loss_of_control=False,
            severe_illness=False,
            actor=doctor,
        )
        worker_html = render_section(cast.worker_a, case)
        doctor_html = render_section(doctor, case)
    assert "健康原因" in worker_html
    assert "精神异常" not in worker_html  # neither the reason, nor the fact, nor the form field
    assert "psychiatric_abnormality" not in worker_html
    assert "精神异常" in doctor_html
    assert "健康原因" not in doctor_html
    assert 'name="risk-psychiatric_abnormality"' in doctor_html


def test_the_risk_form_records_the_facts_and_refreshes_the_class(cast, community_case, client):
    case = community_case()
    client.force_login(cast.worker_a)
    with at("2024-03-05"):
        response = client.post(
            reverse("community:risk_facts_update", args=[case.pk]),
            {"risk-loss_of_control": "on", "risk-psychiatric_abnormality": "on"},
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.loss_of_control is True
    assert case.psychiatric_abnormality is False  # the field is not theirs to send
    assert (case.risk_class, case.risk_reasons) == (HIGH, ["loss_of_control"])


def test_the_risk_form_is_404_for_an_outsider_and_for_a_reader(cast, community_case, client):
    case = community_case()
    url = reverse("community:risk_facts_update", args=[case.pk])
    with at("2024-03-05"):
        client.force_login(cast.outsider)
        assert client.post(url, {"risk-self_harm_tendency": "on"}).status_code == 404
        client.force_login(cast.police)  # view_case only
        assert client.post(url, {"risk-self_harm_tendency": "on"}).status_code == 404
    case.refresh_from_db()
    assert case.self_harm_tendency is False


def test_reason_text_fills_in_the_configured_figures():
    text = risk.reason_text("positive_test", may_see_health=False, months=6, days=7)
    assert text == "近6个月内吸毒检测结果阳性"
    assert risk.reason_text("psychiatric", may_see_health=False) == "健康原因"
    assert risk.reason_text("psychiatric", may_see_health=True) == "精神异常"


def test_a_reason_code_no_longer_known_shows_as_its_code():
    assert risk.reason_text("gone", may_see_health=True) == "gone"


def test_the_class_set_is_the_national_one():
    # A class set like Zhejiang's A/B/C1/C2 needs a new classifier, not new rule values.
    assert [c for c, _label in RiskClass.choices] == ["high", "medium", "low"]


def test_the_risk_form_on_a_closed_case_shows_the_refusal(cast, community_case, client):
    from jiedu.community.choices import CaseState

    case = community_case()
    case.state = CaseState.CLOSED
    case.save(update_fields=["state"])
    client.force_login(cast.worker_a)
    with at("2024-03-05"):
        response = client.post(
            reverse("community:risk_facts_update", args=[case.pk]),
            {"risk-self_harm_tendency": "on"},
        )
    assert response.status_code == 422
    assert "已结案" in response.content.decode()
    case.refresh_from_db()
    assert case.self_harm_tendency is False


def test_the_risk_form_answers_htmx_with_hx_location(cast, community_case, client):
    case = community_case()
    client.force_login(cast.worker_a)
    with at("2024-03-05"):
        response = client.post(
            reverse("community:risk_facts_update", args=[case.pk]),
            {"risk-severe_illness": "on"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 204
    assert response["HX-Location"] == reverse("community:case_detail", args=[case.pk])
