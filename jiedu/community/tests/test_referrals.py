"""Serious breach (戒毒条例 Art. 20) and referrals to the police: detection, reporting, the
police's decisions, the refusal flow, the evidence package and the pages."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from jiedu.community.choices import (
    AlertKind,
    BreachRule,
    CaseState,
    DueStatus,
    ReferralReason,
    ReferralStatus,
)
from jiedu.community.models import CaseAlert, CommunityCase, DueItem, Referral
from jiedu.community.services import absences, drug_tests, violations
from jiedu.measures import services as measures
from jiedu.measures.choices import IsolationGround, MeasureKind, MeasureStatus
from jiedu.testing.cast import PASSWORD

from .conftest import D, at, case_of


def refuse_test(case, actor, on, result="refused"):
    with at(on):
        return drug_tests.record_drug_test(
            case,
            taken_on=D(on),
            sample="urine",
            tier="onsite",
            result=result,
            staff_1="王明",
            note="本人拒绝留样" if result == "refused" else "通知后未到场",
            actor=actor,
        )


def away(case, actor, left_on, returned_on):
    with at(returned_on):
        return absences.record_absence(
            case, left_on=D(left_on), returned_on=D(returned_on), actor=actor
        )


@pytest.fixture
def case(cast, community_case):
    return community_case(served_on="2024-03-01", reported_on="2024-03-05")


def breached(cast, case):
    """Three refused/evaded tests: a serious breach with its draft referral."""
    for on, result in (
        ("2024-04-01", "refused"),
        ("2024-05-01", "evaded"),
        ("2024-06-01", "refused"),
    ):
        refuse_test(case, cast.worker_a, on, result)
    return Referral.objects.get(case=case, reason=ReferralReason.SERIOUS_BREACH)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


# --- Detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("article", "results", "serious"),
    [
        ("戒毒条例 Art. 20: 2 refused tests are not 3次以上", ["refused", "refused"], False),
        ("戒毒条例 Art. 20: refused + evaded = 2, not 3次以上", ["refused", "evaded"], False),
        ("戒毒条例 Art. 20: 3 refused tests = 3次以上", ["refused", "refused", "refused"], True),
        ("戒毒条例 Art. 20: refused and evaded add up to 3", ["evaded", "refused", "evaded"], True),
    ],
)
def test_refused_or_evaded_tests_threshold(cast, case, article, results, serious):
    days = ["2024-04-01", "2024-05-01", "2024-06-01"]
    for on, result in zip(days, results, strict=False):
        refuse_test(case, cast.worker_a, on, result)
    case.refresh_from_db()
    facts = violations.breach_facts(case, D("2024-07-01"))
    assert facts.refused_or_evaded_tests == len(results), article
    assert facts.serious is serious, article
    assert (
        (case.serious_breach_since == D(days[2]))
        if serious
        else (case.serious_breach_since is None)
    ), article
    assert Referral.objects.filter(case=case).count() == (1 if serious else 0), article


def test_detection_opens_one_draft_referral_and_one_alert_even_when_called_twice(cast, case):
    referral = breached(cast, case)
    with at("2024-06-02"):
        again = violations.detect_breach(case, on=D("2024-06-02"), actor=cast.worker_a)
        third = violations.detect_breach(case, on=D("2024-06-02"), actor=cast.worker_a)
    assert referral.pk == again.pk == third.pk
    assert referral.status == ReferralStatus.DRAFT
    assert referral.organ == cast.deciding_organ
    assert referral.source.startswith("communitydrugtest:")
    assert Referral.objects.filter(case=case).count() == 1
    assert CaseAlert.objects.filter(case=case, kind=AlertKind.SERIOUS_BREACH).count() == 1
    evidence = referral.evidence
    assert evidence["counts"]["refused_or_evaded_tests"] == 3
    assert evidence["thresholds"]["refused_or_evaded_tests"] == 3
    assert evidence["met"] == [BreachRule.REFUSED_TESTS]
    assert [t["result"] for t in evidence["tests"]] == ["refused", "evaded", "refused"]


def test_a_fourth_refusal_refreshes_the_draft_but_opens_nothing(cast, case):
    referral = breached(cast, case)
    refuse_test(case, cast.worker_a, "2024-06-15")
    referral.refresh_from_db()
    assert referral.evidence["counts"]["refused_or_evaded_tests"] == 4
    assert Referral.objects.filter(case=case).count() == 1


def test_mixed_grounds_in_the_evidence(cast, case):
    refuse_test(case, cast.worker_a, "2024-04-01")
    away(case, cast.worker_a, "2024-04-10", "2024-05-20")  # 41 days
    referral = Referral.objects.get(case=case)
    assert referral.evidence["met"] == [BreachRule.DAYS_AWAY]
    assert referral.source.startswith("absence:")
    case.refresh_from_db()
    assert case.serious_breach_since == D("2024-05-10")


# --- Reporting and the police ------------------------------------------------------------------


def open_items(case, on):
    return DueItem.objects.filter(case=case, status=DueStatus.OPEN, due_on__gte=on)


def test_report_refers_the_case_and_stops_the_schedule(cast, case):
    referral = breached(cast, case)
    with at("2024-06-03"):
        reported = violations.report_referral(referral, on=D("2024-06-03"), actor=cast.worker_a)
        again = violations.report_referral(referral, on=D("2024-06-03"), actor=cast.worker_a)
    case.refresh_from_db()
    assert reported.status == again.status == ReferralStatus.REPORTED
    assert reported.reported_by == str(cast.worker_a)
    assert case.state == CaseState.REFERRED
    assert not open_items(case, D("2024-06-03")).exists()
    # The measure's clock is not paused by a referral.
    assert case.measure.status == MeasureStatus.IN_PROGRESS
    assert case.measure.paused_days == 0


def test_police_return_the_case_to_the_township(cast, case):
    referral = breached(cast, case)
    with at("2024-06-03"):
        violations.report_referral(referral, on=D("2024-06-03"), actor=cast.worker_a)
    with at("2024-06-10"):
        with pytest.raises(PermissionDenied):
            violations.record_police_decision(
                referral, outcome="returned", on=D("2024-06-10"), actor=cast.worker_a
            )
        with pytest.raises(ValidationError) as isolation:
            violations.record_police_decision(
                referral, outcome="isolation", on=D("2024-06-10"), actor=cast.police
            )
        decided = violations.record_police_decision(
            referral, outcome="returned", on=D("2024-06-10"), note="批评教育", actor=cast.police
        )
    assert isolation.value.refusal_code == "use_measure_decision"
    case.refresh_from_db()
    assert decided.status == ReferralStatus.RETURNED
    assert case.state == CaseState.ACTIVE
    with at("2024-06-10"):
        assert open_items(case, D("2024-06-10")).exists()


def test_a_new_refusal_after_the_police_returned_the_case_opens_a_new_referral(cast, case):
    referral = breached(cast, case)
    with at("2024-06-03"):
        violations.report_referral(referral, on=D("2024-06-03"), actor=cast.worker_a)
    with at("2024-06-10"):
        violations.record_police_decision(
            referral, outcome="returned", on=D("2024-06-10"), actor=cast.police
        )
        assert violations.detect_breach(case, on=D("2024-06-10"), actor=cast.worker_a) is None
    refuse_test(case, cast.worker_a, "2024-07-01")
    assert Referral.objects.filter(case=case, status=ReferralStatus.DRAFT).count() == 1


def isolate(cast, case, ground, on):
    with at(on):
        return measures.decide_measure(
            measures.MeasureInput(
                person=case.person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=D(on),
                served_on=D(on),
                executing_unit=cast.police_facility,
                deciding_organ=cast.deciding_organ,
                decision_number=f"江公强戒决字〔2024〕{case.pk}号",
                ground=ground,
            ),
            actor=cast.police,
        )


def test_isolation_decision_converts_the_measure_and_closes_referral_and_case(cast, case):
    referral = breached(cast, case)
    with at("2024-06-03"):
        violations.report_referral(referral, on=D("2024-06-03"), actor=cast.worker_a)
    isolation = isolate(cast, case, IsolationGround.SERIOUS_BREACH, "2024-06-12")
    referral.refresh_from_db()
    case = CommunityCase.objects.get(pk=case.pk)
    assert referral.status == ReferralStatus.ISOLATION_DECIDED
    assert referral.isolation_id == isolation.pk
    assert referral.decided_on == D("2024-06-12")
    assert case.state == CaseState.CLOSED
    assert case.measure.status == MeasureStatus.CONVERTED


def test_refusal_opens_a_refusal_referral(cast, community_measure):
    measure = community_measure(served_on="2024-03-01")
    with at("2024-03-20"):
        measures.refuse(measure, on=D("2024-03-20"), actor=cast.worker_a)
    case = case_of(measure)
    referral = Referral.objects.get(case=case)
    assert case.state == CaseState.REFERRED
    assert referral.reason == ReferralReason.REFUSAL
    assert referral.status == ReferralStatus.DRAFT
    assert referral.evidence["refusal"]["refused_on"] == "2024-03-20"
    with at("2024-03-21"):
        violations.report_referral(referral, on=D("2024-03-21"), actor=cast.worker_a)
        with pytest.raises(ValidationError) as exc:
            violations.record_police_decision(
                referral, outcome="returned", on=D("2024-03-21"), actor=cast.police
            )
    assert exc.value.refusal_code == "measure_not_active"
    isolate(cast, case, IsolationGround.REFUSED_COMMUNITY, "2024-03-25")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ISOLATION_DECIDED
    assert case_of(measure).state == CaseState.CLOSED


def test_refer_falls_back_to_the_police_organ_above_the_township(cast, case):
    case.measure.deciding_organ = None
    assert violations.organ_for(case) == cast.deciding_organ


# --- Evidence package --------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_evidence_pdf_carries_the_counts_and_every_row(cast, case, client):
    away(case, cast.worker_a, "2024-04-10", "2024-04-12")
    referral = breached(cast, case)
    login(client, cast.worker_a)
    with at("2024-06-03"):
        response = client.get(reverse("community:referral_pdf", args=[referral.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "严重违反社区戒毒（康复）协议情况报告" in text
    assert case.person.id_number_masked in text
    assert "3次" in text and "3次以上" in text and "已达到" in text
    assert "累计超过30日" in text
    for day in ("2024年4月1日", "2024年5月1日", "2024年6月1日", "2024年4月10日"):
        assert day in text
    assert "拒绝检测" in text and "逃避检测" in text
    assert str(case.unit) in text


# --- Pages -------------------------------------------------------------------------------------


def test_case_section_shows_counts_and_the_report_button(cast, case, client):
    away(case, cast.worker_a, "2024-04-10", "2024-04-21")
    refuse_test(case, cast.worker_a, "2024-04-01")
    refuse_test(case, cast.worker_a, "2024-05-01")
    login(client, cast.worker_a)
    with at("2024-05-02"):
        page = client.get(reverse("community:case_detail", args=[case.pk])).content.decode()
    assert "拒检/逃检 <strong>2/3</strong>次" in page
    assert "擅自离开 <strong>1/3</strong>次" in page
    assert "累计 <strong>12/30</strong>日" in page
    refuse_test(case, cast.worker_a, "2024-06-01")
    with at("2024-06-02"):
        page = client.get(reverse("community:case_detail", args=[case.pk])).content.decode()
    assert "移交公安" in page and "已构成严重违反协议" in page


def test_worker_reports_from_the_page_and_police_decide_from_the_inbox(cast, case, client):
    referral = breached(cast, case)
    login(client, cast.worker_a)
    with at("2024-06-03"):
        response = client.post(
            reverse("community:referral_report", args=[referral.pk]),
            {f"referral{referral.pk}-on": "2024-06-03"},
        )
        assert response.status_code == 302
        # The worker has no inbox and cannot decide.
        assert client.get(reverse("community:referral_inbox")).status_code == 403
        denied = client.post(
            reverse("community:referral_decide", args=[referral.pk]),
            {
                f"referral{referral.pk}-outcome": "returned",
                f"referral{referral.pk}-on": "2024-06-03",
            },
        )
        assert denied.status_code == 403
    client.logout()
    login(client, cast.police)
    with at("2024-06-05"):
        inbox = client.get(reverse("community:referral_inbox"))
        assert inbox.status_code == 200
        html = inbox.content.decode()
        assert case.person.name in html
        assert f"kind={MeasureKind.COMPULSORY_ISOLATION}" in html
        assert "ground=serious_breach" in html
        response = client.post(
            reverse("community:referral_decide", args=[referral.pk]),
            {
                f"referral{referral.pk}-outcome": "returned",
                f"referral{referral.pk}-on": "2024-06-05",
                f"referral{referral.pk}-note": "予以警告",
            },
        )
        assert response.status_code == 302
        assert (
            case.person.name not in client.get(reverse("community:referral_inbox")).content.decode()
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RETURNED
    assert case_of(case.measure).state == CaseState.ACTIVE


def test_inbox_lists_oldest_first_in_a_fixed_number_of_queries(
    cast, community_case, client, django_assert_max_num_queries
):
    referrals = []
    for i, name in enumerate(("赵一", "钱二", "孙三")):
        c = community_case(served_on="2024-03-01", reported_on="2024-03-05", name=name)
        referral = breached(cast, c)
        day = D("2024-06-03") + timedelta(days=2 - i)  # the last one reported first
        with at(day):
            violations.report_referral(referral, on=day, actor=cast.worker_a)
        referrals.append(referral)
    login(client, cast.police)
    with at("2024-06-10"), django_assert_max_num_queries(12):
        html = client.get(reverse("community:referral_inbox")).content.decode()
    positions = [html.index(f'id="referral-{r.pk}"') for r in referrals]
    assert positions[2] < positions[1] < positions[0]


def test_outsider_gets_404_on_referral_pages(cast, case, client):
    referral = breached(cast, case)
    login(client, cast.outsider)
    for name in ("referral_detail", "referral_pdf"):
        assert client.get(reverse(f"community:{name}", args=[referral.pk])).status_code == 404
    response = client.post(
        reverse("community:referral_report", args=[referral.pk]),
        {f"referral{referral.pk}-on": "2024-06-03"},
    )
    assert response.status_code == 404
    assert client.post(reverse("community:referral_check", args=[case.pk])).status_code == 404


def test_breach_check_button_opens_the_referral_for_an_absence_still_open(cast, case, client):
    with at("2024-04-01"):
        absences.record_absence(case, left_on=D("2024-04-01"), actor=cast.worker_a)
    login(client, cast.worker_a)
    with at("2024-05-05"):
        page = client.get(reverse("community:case_detail", args=[case.pk])).content.decode()
        assert "生成移交材料" in page
        response = client.post(reverse("community:referral_check", args=[case.pk]))
    referral = Referral.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == reverse("community:referral_detail", args=[referral.pk])
    assert referral.evidence["met"] == [BreachRule.DAYS_AWAY]


def test_breach_facts_are_read_in_two_queries(cast, case, django_assert_num_queries):
    breached(cast, case)
    away(case, cast.worker_a, "2024-06-05", "2024-06-07")
    with django_assert_num_queries(2):
        facts = violations.breach_facts(case, D("2024-06-10"))
    assert (facts.refused_or_evaded_tests, facts.unapproved_absences) == (3, 1)
    assert facts.serious and facts.since == D("2024-06-01")
