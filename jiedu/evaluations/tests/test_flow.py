"""From admission to an approved early release, through the centres' records, the stage
evaluations at each zone gate and the one-year evaluation (domain.md §3.4, §4); and the blocked
cases that never get an early-release proposal (§4.6)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from jiedu.centres.choices import PointCategory, PointKind
from jiedu.centres.choices import TestResult as DrugTestResult
from jiedu.centres.services import points
from jiedu.core.refusals import Refusal
from jiedu.evaluations import queries, services
from jiedu.evaluations.choices import (
    DimensionResult,
    EvaluationKind,
    Opinion,
    ProposalKind,
    ProposalStatus,
)
from jiedu.evaluations.models import Proposal
from jiedu.facilities import services as facilities
from jiedu.facilities.choices import LeaveGround, ReturnTest, StageResult, ZoneKind
from jiedu.facilities.models import ZoneChange
from jiedu.measures import services as measures
from jiedu.measures.choices import BlockerCode, EndReason, MeasureStatus, NoticeKind
from jiedu.testing.cast import make_user

from .conftest import D, at, detox_records, recovery_records

pytestmark = pytest.mark.django_db

K = EvaluationKind


def evaluate(cast, stay, kind, day, *, by_hand=None, **completion):
    """Start, score the items the records say nothing about, complete."""
    officer = cast.facility_officer
    with at(day):
        evaluation = services.start_evaluation(stay, kind, on=D(day), actor=officer)
        blank = {
            i.code: (by_hand.get(i.code, i.max_points) if by_hand else i.max_points, "")
            for i in evaluation.items.all()
            if i.suggested_points is None
        }
        if blank:
            services.score_items(evaluation, blank, actor=officer)
        return services.complete_evaluation(evaluation, actor=officer, **completion)


def move(cast, stay, zones, kind, day, **extra):
    with at(day):
        return facilities.change_zone(
            stay,
            to_zone=zones[kind],
            on=D(day),
            reason="阶段评估后调整",
            stage_result=extra.pop("stage_result", ""),
            actor=extra.pop("actor", cast.facility_officer),
            **extra,
        )


def approved_month(cast, stay, day, second_leader):
    """One month of points through the default chain (中队 → 大队 → 管理科 → 所领导)."""
    with at(day):
        points.record_points(
            stay,
            on=D(day),
            category=PointCategory.DISCIPLINE,
            kind=PointKind.REWARD,
            points=5,
            reason="内务整洁",
            actor=cast.facility_officer,
        )
    month = stay_month(stay, day)
    end = D(day).replace(day=28) + timedelta(days=4)
    end = end - timedelta(days=end.day)
    with at(end):
        points.submit_month(month, actor=cast.facility_officer)
        for n in range(4):
            approver = cast.facility_leader if n % 2 == 0 else second_leader
            month = points.decide_step(month, decision="approve", note="", actor=approver)
    return month


def stay_month(stay, day):
    from jiedu.centres.models import PointMonth

    return PointMonth.objects.get(admission=stay, month=D(day).replace(day=1))


def test_admission_to_an_approved_early_release(cast, admit, zones):
    stay = admit("2024-03-01")
    measure = stay.measure
    second_leader = make_user("leader2", cast.facility, "facility_leader", "副所长")
    with at("2024-03-05"):
        services.open_handbook(stay, opened_on=D("2024-03-05"), actor=cast.facility_officer)

    # Detox: the medical centre's records pre-fill every detox item; the stage evaluation passes.
    detox_records(cast, stay, "2024-03-25")
    with at("2024-03-26"):
        draft = services.start_evaluation(
            stay, K.DETOX_STAGE, on=D("2024-03-26"), actor=cast.facility_officer
        )
    assert [(i.code, i.suggested_points) for i in draft.items.all()] == [
        ("drug_test_negative", 20),
        ("withdrawal_medication_stopped", 20),
        ("acute_withdrawal_gone", 20),
        ("no_protracted_withdrawal", 20),
        ("no_psychiatric_symptoms", 20),
    ]
    assert "阴性" in draft.items.get(code="drug_test_negative").basis
    with at("2024-03-26"):
        detox = services.complete_evaluation(draft, actor=cast.facility_officer)
    assert (detox.detox_result, detox.passed) == (DimensionResult.PASS, True)

    # Zone gate: detox → education rests on that evaluation.
    change = move(cast, stay, zones, ZoneKind.EDUCATION_ADAPTATION, "2024-04-01")
    assert change.stage_result == StageResult.PASS
    assert "生理脱毒阶段性评价合格" in change.evaluation_note

    # Education stage: behaviour from an approved month of points.
    approved_month(cast, stay, "2024-04-10", second_leader)
    education = evaluate(cast, stay, K.EDUCATION_STAGE, "2024-05-20")
    assert education.behaviour_result == DimensionResult.PASS
    monthly = education.items.get(code="monthly_points")
    assert monthly.suggested_points == 25 and "已审批1个月" in monthly.basis
    move(cast, stay, zones, ZoneKind.CONSOLIDATION, "2024-06-01")

    # One year: recovery from the medical, training, psychological and education records.
    recovery_records(cast, stay, "2025-02-20")
    one_year = evaluate(
        cast,
        stay,
        K.ONE_YEAR,
        "2025-02-25",
        opinion=Opinion.EARLY_RELEASE,
        proposed_release_on=D("2025-03-15"),
        community_rehab_years=1,
        summary="四项评估合格，建议提前解除",
    )
    suggested = {i.code: i.suggested_points for i in one_year.items.filter(dimension="recovery")}
    assert suggested == {
        "vital_signs": 20,
        "fitness": 20,
        "psych_test": None,  # no 16PF instrument here: scored by hand
        "relapse_risk_low": 20,
        "exam_pass": 20,
    }
    assert [one_year.result_for(d) for d in one_year.dimensions] == [
        DimensionResult.PASS,
        DimensionResult.PASS,
        DimensionResult.PASS,
        DimensionResult.GOOD,
    ]
    proposal = one_year.proposal
    assert (proposal.kind, proposal.status) == (ProposalKind.EARLY_RELEASE, "drafted")

    # Committee, then the deciding organ within 7 days (戒毒条例 Art. 33).
    with at("2025-02-27"), pytest.raises(PermissionDenied):
        services.decide_in_committee(
            proposal, approve=True, on=D("2025-02-27"), actor=cast.facility_officer
        )
    with at("2025-02-27"):
        proposal = services.decide_in_committee(
            proposal, approve=True, on=D("2025-02-27"), actor=cast.facility_leader
        )
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.decision_due_by == D("2025-03-06")
    assert list(queries.proposals_for_organ(Proposal.objects.restrict(cast.police))) == [proposal]
    with at("2025-03-03"), pytest.raises(PermissionDenied):
        services.decide_proposal(
            proposal, approve=True, decided_on=D("2025-03-03"), actor=cast.facility_leader
        )
    with at("2025-03-03"):
        proposal = services.decide_proposal(
            proposal,
            approve=True,
            decided_on=D("2025-03-03"),
            decision_number="江公提解字〔2025〕1号",
            actor=cast.police,
        )
    measure.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert measure.approved_release_on == D("2025-03-15")
    assert measure.term_end == D("2025-03-15")  # was 2026-02-28
    notice = measure.notices.get(kind=NoticeKind.EARLY_RELEASE_DECISION)
    assert notice.due_on == D("2025-03-04")  # 24 hours after service
    release_notice = measure.notices.get(kind=NoticeKind.RELEASE_DECIDING_ORGAN)
    assert release_notice.due_on == D("2025-03-12")  # 3 days before (戒毒条例 Art. 34)

    with at("2025-03-15"):
        facilities.release_person(
            stay, on=D("2025-03-15"), actor=cast.facility_leader, certificate_number="解字1号"
        )
    measure.refresh_from_db()
    assert (measure.status, measure.end_reason) == (MeasureStatus.ENDED, EndReason.EARLY_RELEASE)


def test_a_zone_gate_needs_a_passed_stage_evaluation_since_entering_the_zone(cast, admit, zones):
    stay = admit("2024-03-01")
    with at("2024-03-02"):
        services.open_handbook(stay, opened_on=D("2024-03-02"), actor=cast.facility_officer)
    with at("2024-04-01"), pytest.raises(Refusal) as exc:
        move(cast, stay, zones, ZoneKind.EDUCATION_ADAPTATION, "2024-04-01")
    assert exc.value.refusal_code == "stage_evaluation_required"
    assert "没有入区" in exc.value.message_dict["stage_result"][0]

    # A failed detox evaluation (positive test) does not open the gate either.
    detox_records(cast, stay, "2024-03-20", drug_test=DrugTestResult.POSITIVE)
    failed = evaluate(cast, stay, K.DETOX_STAGE, "2024-03-25")
    assert (failed.detox_result, failed.passed) == (DimensionResult.FAIL, False)
    with pytest.raises(Refusal) as exc:
        move(cast, stay, zones, ZoneKind.EDUCATION_ADAPTATION, "2024-04-01")
    assert "不合格" in exc.value.message_dict["stage_result"][0]

    # A leader may record an exception, with its reason.
    with pytest.raises(Refusal):
        move(cast, stay, zones, ZoneKind.EDUCATION_ADAPTATION, "2024-04-01",
             stage_result=StageResult.EXCEPTION, actor=cast.facility_leader)  # fmt: skip
    with pytest.raises(PermissionDenied):
        move(cast, stay, zones, ZoneKind.EDUCATION_ADAPTATION, "2024-04-01",
             stage_result=StageResult.EXCEPTION, evaluation_note="病情需要")  # fmt: skip
    move(cast, stay, zones, ZoneKind.EDUCATION_ADAPTATION, "2024-04-01",
         stage_result=StageResult.EXCEPTION, evaluation_note="所务会同意：病情需要",
         actor=cast.facility_leader)  # fmt: skip

    # Back to detox and forward again: the old evaluation predates the new entry.
    move(cast, stay, zones, ZoneKind.DETOX, "2024-04-10")
    with pytest.raises(Refusal):
        move(cast, stay, zones, ZoneKind.EDUCATION_ADAPTATION, "2024-04-20")
    assert ZoneChange.objects.filter(admission=stay).count() == 3


def blocked_by_escape(cast, stay):
    with at("2024-06-01"):
        measures.escape(stay.measure, on=D("2024-06-01"), actor=cast.facility_officer)
    with at("2024-06-11"):
        measures.recapture(stay.measure, on=D("2024-06-11"), actor=cast.facility_officer)


def blocked_by_drugs_in_facility(cast, stay):
    detox_records(cast, stay, "2024-06-01", drug_test=DrugTestResult.POSITIVE)


def blocked_by_relapse_after_home_leave(cast, stay):
    with at("2024-07-01"):
        leave = facilities.grant_home_leave(
            stay,
            ground=LeaveGround.RELATIVE_ILL,
            starts_on=D("2024-07-01"),
            due_back_on=D("2024-07-05"),
            actor=cast.facility_leader,
        )
    with at("2024-07-05"):
        facilities.return_from_leave(
            leave, on=D("2024-07-05"), return_test=ReturnTest.POSITIVE, actor=cast.facility_officer
        )


@pytest.mark.parametrize(
    ("block", "code"),
    [
        pytest.param(blocked_by_escape, BlockerCode.ESCAPED, id="戒毒条例32-escape"),
        pytest.param(blocked_by_drugs_in_facility, BlockerCode.DRUGS_IN_FACILITY,
                     id="司法部令127-29-drugs-in-facility"),
        pytest.param(blocked_by_relapse_after_home_leave, BlockerCode.RELAPSE_AFTER_HOME_LEAVE,
                     id="司法部令127-26-relapse-after-home-leave"),
    ],
)  # fmt: skip
def test_blocked_persons_never_get_an_early_release_proposal(cast, admit, block, code):
    stay = admit("2024-03-01")
    with at("2024-03-02"):
        services.open_handbook(stay, opened_on=D("2024-03-02"), actor=cast.facility_officer)
    block(cast, stay)
    assert code in stay.measure.blockers.values_list("code", flat=True)
    recovery_records(cast, stay, "2025-02-20")
    with pytest.raises(Refusal) as exc:
        evaluate(
            cast,
            stay,
            K.ONE_YEAR,
            "2025-03-01",
            by_hand={"drug_test_negative": 20, "no_drugs_in_facility": 20},
            opinion=Opinion.EARLY_RELEASE,
            proposed_release_on=D("2025-03-20"),
        )
    assert exc.value.refusal_code in ("early_release_blocked", "early_release_needs_pass")
    assert not Proposal.objects.filter(measure=stay.measure).exists()
    # The evaluation closes with "continue" and leaves no proposal.
    with at("2025-03-01"):
        draft = stay.evaluations.get(kind=K.ONE_YEAR)
        done = services.complete_evaluation(draft, actor=cast.facility_officer, opinion="continue")
    assert done.is_completed and not Proposal.objects.filter(measure=stay.measure).exists()


def test_a_blocker_after_the_proposal_stops_the_organs_approval(cast, admit):
    stay = admit("2024-03-01")
    with at("2024-03-02"):
        services.open_handbook(stay, opened_on=D("2024-03-02"), actor=cast.facility_officer)
    recovery_records(cast, stay, "2025-02-20")
    detox_records(cast, stay, "2025-02-21")
    one_year = evaluate(
        cast, stay, K.ONE_YEAR, "2025-02-25",
        opinion=Opinion.EARLY_RELEASE, proposed_release_on=D("2025-03-10"),
    )  # fmt: skip
    with at("2025-02-26"):
        proposal = services.decide_in_committee(
            one_year.proposal, approve=True, on=D("2025-02-26"), actor=cast.facility_leader
        )
    detox_records(cast, stay, "2025-02-28", drug_test=DrugTestResult.POSITIVE)
    with at("2025-03-01"), pytest.raises(Refusal) as exc:
        services.decide_proposal(
            proposal,
            approve=True,
            decided_on=D("2025-03-01"),
            decision_number="江公提解字〔2025〕2号",
            actor=cast.police,
        )
    assert exc.value.refusal_code == "early_release_blocked"
    stay.measure.refresh_from_db()
    assert stay.measure.approved_release_on is None


def test_a_failed_pre_expiry_evaluation_extends_the_term(cast, admit):
    stay = admit("2024-03-01")
    with at("2024-03-02"):
        services.open_handbook(stay, opened_on=D("2024-03-02"), actor=cast.facility_officer)
    with at("2025-12-01"):
        points.record_points(
            stay,
            on=D("2025-12-01"),
            category=PointCategory.DISCIPLINE,
            kind=PointKind.SERIOUS_VIOLATION,
            points=20,
            reason="打架斗殴",
            actor=cast.facility_officer,
        )
    with pytest.raises(Refusal) as exc:  # a clean record gives no ground for extension
        evaluate(cast, stay, K.PRE_EXPIRY, "2026-01-20", by_hand={"no_serious_violation": 40},
                 opinion=Opinion.EXTENSION, extension_months=3)  # fmt: skip
    assert exc.value.refusal_code == "extension_without_ground"
    with at("2026-01-20"):
        draft = stay.evaluations.get(kind=K.PRE_EXPIRY)
        services.score_items(
            draft, {"no_serious_violation": (0, "严重违纪：打架斗殴")}, actor=cast.facility_officer
        )
        with pytest.raises(Refusal) as exc:
            services.complete_evaluation(
                draft, actor=cast.facility_officer, opinion=Opinion.EXTENSION, extension_months=13
            )
        assert exc.value.refusal_code == "extension_over_limit"
        done = services.complete_evaluation(
            draft, actor=cast.facility_officer, opinion=Opinion.EXTENSION, extension_months=3
        )
    assert done.behaviour_result == DimensionResult.FAIL
    with at("2026-01-21"):
        proposal = services.decide_in_committee(
            done.proposal, approve=True, on=D("2026-01-21"), actor=cast.facility_leader
        )
    with at("2026-01-25"):
        services.decide_proposal(
            proposal,
            approve=True,
            decided_on=D("2026-01-25"),
            decision_number="江公延字〔2026〕1号",
            actor=cast.police,
        )
    measure = stay.measure
    measure.refresh_from_db()
    assert (measure.extension_months, measure.term_end) == (3, D("2026-05-31"))
    assert measure.notices.get(kind=NoticeKind.EXTENSION_DECISION).due_on == D("2026-01-26")


def test_overriding_a_suggestion_needs_a_reason(cast, admit):
    stay = admit("2024-03-01")
    detox_records(cast, stay, "2024-03-20")
    with at("2024-03-22"):
        services.open_handbook(stay, opened_on=D("2024-03-22"), actor=cast.facility_officer)
        draft = services.start_evaluation(
            stay, K.DETOX_STAGE, on=D("2024-03-22"), actor=cast.facility_officer
        )
        with pytest.raises(Refusal) as exc:
            services.score_items(
                draft, {"acute_withdrawal_gone": (0, "")}, actor=cast.facility_officer
            )
        assert "points_acute_withdrawal_gone" in exc.value.message_dict
        with pytest.raises(Refusal) as exc:  # every problem at its own item
            services.score_items(
                draft,
                {"acute_withdrawal_gone": (0, ""), "drug_test_negative": (30, "")},
                actor=cast.facility_officer,
            )
        assert set(exc.value.message_dict) == {
            "points_acute_withdrawal_gone",
            "points_drug_test_negative",
        }
        assert "2个评估项目有误" in str(exc.value.refusal_message % exc.value.refusal_params)
        with pytest.raises(Refusal):  # a pass/fail item has no half marks
            services.score_items(
                draft, {"acute_withdrawal_gone": (10, "部分")}, actor=cast.facility_officer
            )
        services.score_items(
            draft, {"acute_withdrawal_gone": (0, "谈话中仍诉心悸")}, actor=cast.facility_officer
        )
        item = draft.items.get(code="acute_withdrawal_gone")
        assert (item.points, item.is_overridden) == (0, True)
        done = services.complete_evaluation(draft, actor=cast.facility_officer)
    assert done.passed is False


def test_a_second_start_returns_the_same_draft_and_needs_a_handbook(cast, admit):
    stay = admit("2024-03-01")
    with at("2024-03-03"), pytest.raises(Refusal) as exc:
        services.start_evaluation(
            stay, K.ADMISSION, on=D("2024-03-03"), actor=cast.facility_officer
        )
    assert exc.value.refusal_code == "handbook_required"
    with at("2024-03-03"):
        services.open_handbook(stay, opened_on=D("2024-03-03"), actor=cast.facility_officer)
        first = services.start_evaluation(
            stay, K.ADMISSION, on=D("2024-03-03"), actor=cast.facility_officer
        )
        again = services.start_evaluation(
            stay, K.ADMISSION, on=D("2024-03-03"), actor=cast.facility_officer
        )
    assert first.pk == again.pk
    with at("2024-03-03"), pytest.raises(PermissionDenied):
        services.start_evaluation(stay, K.ADMISSION, on=D("2024-03-03"), actor=cast.outsider)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        pytest.param("2024-03-05", [("admission", "2024-03-16"), ("handbook", "2024-03-08")],
                     id="粤戒毒2015-37-handbook-within-7-days"),
        pytest.param("2024-03-09", [("handbook", "2024-03-08")], id="handbook-overdue"),
    ],
)  # fmt: skip
def test_what_is_due_for_a_new_admission(cast, admit, today, expected):
    stay = admit("2024-03-01")
    rows = queries.due_for_stays(queries.open_stays(cast.facility), D(today), within_days=14)
    got = sorted((r.kind, r.due_on.isoformat()) for r in rows if r.stay == stay)
    assert sorted(expected) == [g for g in got if g[0] in {e[0] for e in expected}]
    handbook = next(r for r in rows if r.kind == "handbook")
    assert handbook.overdue is (D(today) > D("2024-03-08"))
    detox = [r for r in queries.due_for_stays(queries.open_stays(cast.facility), D("2024-03-25"))
             if r.kind == K.DETOX_STAGE]  # fmt: skip
    assert [r.due_on for r in detox] == [D("2024-03-31")]  # 30 days in the detox zone


def test_a_16pf_result_entered_by_an_administrator_pre_fills_the_psychological_item(cast, admit):
    """16PF is licensed: the facility enters its scores as results (domain.md §4.5, item 3)."""
    from jiedu.centres.services import psychology

    admin = make_user("psyadmin", cast.province, "system_admin", "量表管理员")
    definition = {
        "code": "16pf",
        "version": 1,
        "name_zh": "卡特尔16种人格因素（结果录入）",
        "name_en": "16PF (results entry)",
        "source": "测评结果由持证工具得出，本系统只录入结果",
        "licence": "仅录入分数，不含题目",
        "mode": "results",
        "results": [
            {"code": "y", "name_zh": "心理健康因素", "name_en": "Mental health", "min": 0,
             "max": 40},
        ],
        "total": {"method": "sum", "items": ["y"]},
        "conversion": {"multiply": 0.25, "round": "none"},
        "bands": [
            {"code": "low", "label_zh": "偏低", "label_en": "Low", "min": 0, "max": 6.75},
            {"code": "normal", "label_zh": "正常", "label_en": "Normal", "min": 7, "max": 10},
        ],
    }  # fmt: skip
    instrument = psychology.add_instrument(definition, actor=admin)
    stay = admit("2024-03-01")
    with at("2025-02-20"):
        psychology.record_response(
            stay,
            instrument=instrument,
            answered_on=D("2025-02-20"),
            answers={"y": 30},
            actor=cast.facility_officer,
        )
        services.open_handbook(stay, opened_on=D("2025-02-20"), actor=cast.facility_officer)
        draft = services.start_evaluation(
            stay, K.ONE_YEAR, on=D("2025-02-20"), actor=cast.facility_officer
        )
    item = draft.items.get(code="psych_test")
    assert item.suggested_points == 20
    assert "7.5" in item.basis


def test_the_intake_test_is_not_drugs_in_the_facility(cast, admit):
    """司法部令第127号 Art. 29 concerns drugs hidden or used in the facility; the intake test
    finds what the person used before admission."""
    from jiedu.centres.choices import SampleType, TestOccasion
    from jiedu.centres.services import medical

    stay = admit("2024-03-01")
    with at("2024-03-01"):
        medical.record_drug_test(
            stay,
            tested_on=D("2024-03-01"),
            occasion=TestOccasion.INTAKE,
            sample=SampleType.URINE,
            substances="甲基苯丙胺",
            result=DrugTestResult.POSITIVE,
            tester="王医生",
            actor=cast.facility_officer,
        )
        services.open_handbook(stay, opened_on=D("2024-03-01"), actor=cast.facility_officer)
        draft = services.start_evaluation(
            stay, K.ADMISSION, on=D("2024-03-01"), actor=cast.facility_officer
        )
    assert draft.items.get(code="no_drugs_in_facility").suggested_points == 20
    assert draft.items.get(code="drug_test_negative").suggested_points == 0
    assert not stay.measure.blockers.exists()


def test_a_provinces_normal_range_decides_the_vital_signs_suggestion(cast, admit):
    """Normal ranges are configurable rules: a province's tighter heart-rate ceiling makes 95
    out of range, and the item loses that part's 4 points (身心康复 item 1)."""
    from jiedu.centres import rules as centre_rules
    from jiedu.centres.services import medical
    from jiedu.core import rules as rule_config

    stay = admit("2024-03-01")
    with at("2024-03-10"):
        medical.record_vital_signs(
            stay, measured_on=D("2024-03-10"), height_cm=170, weight_kg=65, respiration=16,
            heart_rate=95, systolic=120, diastolic=80, alt=20, ast=20,
            actor=cast.facility_officer,
        )  # fmt: skip
        services.open_handbook(stay, opened_on=D("2024-03-10"), actor=cast.facility_officer)
        before = services.start_evaluation(
            stay, K.ADMISSION, on=D("2024-03-10"), actor=cast.facility_officer
        )
    assert before.items.get(code="vital_signs").suggested_points == 20
    rule_config.set_rule_value(
        centre_rules.HEART_RATE_MAX,
        cast.province,
        value=90,
        effective_from=D("2024-03-01"),
        source="演示省戒毒医疗规范",
        actor=cast.admin,
    )
    with at("2024-03-10"):
        services.refresh_suggestions(before, actor=cast.facility_officer)
    item = before.items.get(code="vital_signs")
    assert (item.suggested_points, item.points) == (16, 16)
    assert "心率" in item.basis


# --- Found in review ----------------------------------------------------------------------------


def early_release_approved(cast, stay, release_on="2025-03-20"):
    with at("2024-03-02"):
        services.open_handbook(stay, opened_on=D("2024-03-02"), actor=cast.facility_officer)
    recovery_records(cast, stay, "2025-02-20")
    detox_records(cast, stay, "2025-02-21")
    one_year = evaluate(
        cast, stay, K.ONE_YEAR, "2025-02-25",
        opinion=Opinion.EARLY_RELEASE, proposed_release_on=D(release_on),
    )  # fmt: skip
    with at("2025-02-26"):
        proposal = services.decide_in_committee(
            one_year.proposal, approve=True, on=D("2025-02-26"), actor=cast.facility_leader
        )
    with at("2025-03-01"):
        return services.decide_proposal(
            proposal,
            approve=True,
            decided_on=D("2025-03-01"),
            decision_number="江公提解字〔2025〕9号",
            actor=cast.police,
        )


def test_a_blocker_after_the_approval_withdraws_it_and_the_term_runs_to_its_end(cast, admit):
    stay = admit("2024-03-01")
    early_release_approved(cast, stay)
    measure = stay.measure
    measure.refresh_from_db()
    assert measure.term_end == D("2025-03-20")
    detox_records(cast, stay, "2025-03-05", drug_test=DrugTestResult.POSITIVE)
    measure.refresh_from_db()
    assert (measure.approved_release_on, measure.term_end) == (None, D("2026-02-28"))
    assert measure.notices.get(kind=NoticeKind.RELEASE_DECIDING_ORGAN).due_on == D("2026-02-25")
    with at("2025-03-20"), pytest.raises(Refusal) as exc:
        facilities.release_person(
            stay, on=D("2025-03-20"), actor=cast.facility_leader, certificate_number="解字2号"
        )
    assert exc.value.refusal_code == "term_not_ended"
    with at("2026-02-28"):
        facilities.release_person(
            stay, on=D("2026-02-28"), actor=cast.facility_leader, certificate_number="解字2号"
        )
    measure.refresh_from_db()
    assert measure.end_reason == EndReason.EXPIRY


def test_a_second_early_release_proposal_is_refused(cast, admit):
    stay = admit("2024-03-01")
    early_release_approved(cast, stay)
    with pytest.raises(Refusal) as exc:
        evaluate(cast, stay, K.ONE_YEAR, "2025-03-02",
                 opinion=Opinion.EARLY_RELEASE, proposed_release_on=D("2025-03-10"))  # fmt: skip
    assert exc.value.refusal_code == "proposal_exists"
    assert Proposal.objects.filter(measure=stay.measure).count() == 1


def test_each_extension_decision_owes_its_own_notice_and_a_retry_extends_once(cast, admit):
    stay = admit("2024-03-01")
    measure = stay.measure
    for number, day in (
        ("江公延字〔2025〕1号", "2025-06-01"),
        ("江公延字〔2025〕2号", "2025-12-01"),
    ):
        for _attempt in range(2):  # the second call is a retried request
            with at(day):
                measures.extend_term(
                    measure, months=3, decided_on=D(day), decision_number=number, actor=cast.police
                )
    measure.refresh_from_db()
    assert measure.extension_months == 6
    notices = measure.notices.filter(kind=NoticeKind.EXTENSION_DECISION).order_by("due_on")
    assert [(n.document, n.due_on) for n in notices] == [
        ("江公延字〔2025〕1号", D("2025-06-02")),
        ("江公延字〔2025〕2号", D("2025-12-02")),
    ]


def test_zones_are_taken_in_order(cast, admit, zones):
    stay = admit("2024-03-01")
    detox_records(cast, stay, "2024-03-20")
    with at("2024-03-02"):
        services.open_handbook(stay, opened_on=D("2024-03-02"), actor=cast.facility_officer)
    evaluate(cast, stay, K.DETOX_STAGE, "2024-03-21")
    with pytest.raises(Refusal) as exc:
        move(cast, stay, zones, ZoneKind.RETURN_GUIDANCE, "2024-03-22")
    assert exc.value.refusal_code == "zone_skipped"
    move(cast, stay, zones, ZoneKind.EDUCATION_ADAPTATION, "2024-03-22")


def test_a_late_intake_test_is_refused(cast, admit):
    from jiedu.centres.choices import SampleType, TestOccasion
    from jiedu.centres.services import medical

    stay = admit("2024-03-01")
    with at("2024-09-01"), pytest.raises(Refusal) as exc:
        medical.record_drug_test(
            stay,
            tested_on=D("2024-09-01"),
            occasion=TestOccasion.INTAKE,
            sample=SampleType.URINE,
            substances="吗啡",
            result=DrugTestResult.POSITIVE,
            tester="王医生",
            actor=cast.facility_officer,
        )
    assert exc.value.refusal_code == "intake_test_too_late"


def test_a_retried_committee_decision_with_the_other_answer_is_refused(cast, admit):
    stay = admit("2024-03-01")
    with at("2024-03-02"):
        services.open_handbook(stay, opened_on=D("2024-03-02"), actor=cast.facility_officer)
    recovery_records(cast, stay, "2025-02-20")
    detox_records(cast, stay, "2025-02-21")
    one_year = evaluate(
        cast, stay, K.ONE_YEAR, "2025-02-25",
        opinion=Opinion.EARLY_RELEASE, proposed_release_on=D("2025-03-20"),
    )  # fmt: skip
    with at("2025-02-26"):
        services.decide_in_committee(
            one_year.proposal, approve=False, on=D("2025-02-26"), note="再观察",
            actor=cast.facility_leader,
        )  # fmt: skip
        with pytest.raises(Refusal) as exc:
            services.decide_in_committee(
                one_year.proposal, approve=True, on=D("2025-02-26"), actor=cast.facility_leader
            )
    assert exc.value.refusal_code == "already_decided"
