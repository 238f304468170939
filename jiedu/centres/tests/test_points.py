"""行为考核与分级管理: daily points, the monthly approval chain, the grade (司法部令第127号 Art. 16;
戒毒条例 Art. 30; domain.md §3.3, §4.5).

The grade thresholds and the per-entry limits have no national figure: the values below are
Jiedu's configurable defaults (jiedu/centres/points_rules.py), which a province may change.
"""

import itertools
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from jiedu.accounts.models import Membership, Role
from jiedu.centres import points_rules
from jiedu.centres.choices import Grade, MonthStatus, PointCategory, PointKind
from jiedu.centres.models import PointApproval, PointEntry, PointMonth
from jiedu.centres.services import points as services
from jiedu.core import rules
from jiedu.core.refusals import Refusal
from jiedu.facilities import services as facilities
from jiedu.measures import services as measures
from jiedu.measures.choices import IsolationGround, MeasureKind
from jiedu.people.models import PersonEvent
from jiedu.testing.cast import make_person, make_user
from jiedu.utilities import resident_id

pytestmark = pytest.mark.django_db

D = date.fromisoformat
_numbers = itertools.count(1)
DEFAULTS = "configurable default, no national figure (domain.md §4.5; points_rules.py)"


def at(day):
    return time_machine.travel(D(day), tick=False)


def admitted(cast, day="2024-03-01", name="张三"):
    seq = (next(_numbers) % 499) * 2 + 1
    birth = D("1990-05-17")
    person = make_person(
        cast.worker_a,
        cast.township_a,
        name,
        birth,
        "male",
        id_number=resident_id.build("990102", birth, seq),
    )
    with at(day):
        measure = measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=D(day),
                served_on=D(day),
                executing_unit=cast.facility,
                deciding_organ=cast.deciding_organ,
                decision_number=f"江公强戒决字〔2024〕{next(_numbers)}号",
                ground=IsolationGround.RELAPSE,
            ),
            actor=cast.police,
        )
        return facilities.admit_person(
            measure,
            facility=cast.facility,
            data=facilities.IntakeInput(
                on=D(day), identity_checked=True, searched_by=["民警甲", "民警乙"]
            ),
            actor=cast.facility_officer,
        )


def entry(cast, stay, day, kind=PointKind.REWARD, points=5, reason="内务整洁", **extra):
    with at(extra.pop("today", day)):
        return services.record_points(
            stay,
            on=D(day),
            category=extra.pop("category", PointCategory.DISCIPLINE),
            kind=kind,
            points=points,
            reason=reason,
            actor=extra.pop("actor", cast.facility_officer),
        )


def submitted(cast, stay, day="2024-03-10", today="2024-04-01", **entry_args):
    e = entry(cast, stay, day, today=day, **entry_args)
    with at(today):
        return services.submit_month(e.month, actor=cast.facility_officer)


@pytest.fixture
def stay(cast):
    return admitted(cast)


@pytest.fixture
def leaders(cast):
    """Four facility leaders: one per step of the default chain, each may approve any step."""
    return [
        cast.facility_leader,
        *(make_user(f"leader_{i}", cast.facility, "facility_leader", f"审批人{i}") for i in "bcd"),
    ]


@pytest.fixture
def approver(cast):
    """A 中队 officer who may approve points but is no facility leader."""
    role = Role.objects.create(
        code="points_approver",
        name="考核审批民警",
        permissions=[
            "centres.view_record",
            "centres.approve_points",
            "facilities.view_admission",
        ],
    )
    user = make_user("squad", cast.facility, "facility_officer", "中队长")
    Membership.objects.create(user=user, org_unit=cast.facility, role=role)
    return user


def run_chain(month, users, day="2024-04-02"):
    with at(day):
        for user in users:
            month = services.decide_step(month, decision="approve", note="", actor=user)
    return month


# --- Grade thresholds (configurable defaults; no national figure) ------------------------------


@pytest.mark.parametrize(
    ("total", "serious", "grade", "why"),
    [
        (Decimal("20"), 0, Grade.LENIENT, f"≥20 → 宽管: {DEFAULTS}"),
        (Decimal("19.5"), 0, Grade.NORMAL, f"just under 20 → 普管: {DEFAULTS}"),
        (Decimal("0"), 0, Grade.NORMAL, f"0 → 普管: {DEFAULTS}"),
        (Decimal("-10"), 0, Grade.NORMAL, f"−10 is not below −10 → 普管: {DEFAULTS}"),
        (Decimal("-10.5"), 0, Grade.STRICT, f"below −10 → 严管: {DEFAULTS}"),
        (Decimal("45"), 1, Grade.STRICT, f"any serious violation → 严管: {DEFAULTS}"),
    ],
)
def test_the_grade_follows_the_configurable_thresholds(cast, total, serious, grade, why):
    assert services.grade_for(total, serious, cast.facility, D("2024-03-31")) == grade, why


def test_a_province_may_set_its_own_thresholds(cast):
    rules.set_rule_value(
        points_rules.LENIENT_FROM,
        cast.province,
        value=30,
        effective_from=D("2024-01-01"),
        source="演示省强制隔离戒毒人员行为考核办法 第十条",
        actor=cast.admin,
    )
    assert services.grade_for(Decimal("25"), 0, cast.facility, D("2024-03-31")) == Grade.NORMAL
    assert services.grade_for(Decimal("30"), 0, cast.facility, D("2024-03-31")) == Grade.LENIENT
    # Before the province's version took effect the default applied.
    assert services.grade_for(Decimal("25"), 0, cast.facility, D("2023-12-31")) == Grade.LENIENT


@pytest.mark.parametrize(
    ("kind", "points", "ok"),
    [
        (PointKind.REWARD, "10", True),  # ENTRY_MAX default 10 (configurable default)
        (PointKind.DEDUCTION, "10.5", False),
        (PointKind.OUTSTANDING, "20", True),  # MAJOR_ENTRY_MAX default 20 (configurable default)
        (PointKind.SERIOUS_VIOLATION, "20.5", False),
        (PointKind.REWARD, "0", False),
        (PointKind.REWARD, "0.25", False),  # one decimal at most
    ],
)
def test_one_entry_stays_within_its_limit(cast, stay, kind, points, ok):
    if ok:
        assert entry(cast, stay, "2024-03-05", kind=kind, points=points).points == Decimal(points)
    else:
        with pytest.raises(Refusal) as exc:
            entry(cast, stay, "2024-03-05", kind=kind, points=points)
        assert exc.value.refusal_field == "points"


# --- Entries -------------------------------------------------------------------------------------


def test_the_month_keeps_its_total_and_serious_violations(cast, stay):
    entry(cast, stay, "2024-03-02", points=5)
    entry(cast, stay, "2024-03-03", kind=PointKind.OUTSTANDING, points=8, reason="见义勇为")
    entry(cast, stay, "2024-03-04", kind=PointKind.DEDUCTION, points=3, reason="迟到")
    last = entry(
        cast, stay, "2024-03-05", kind=PointKind.SERIOUS_VIOLATION, points=15, reason="打架"
    )
    month = PointMonth.objects.get(pk=last.month_id)
    assert month.month == D("2024-03-01")
    assert month.total == Decimal("-5")
    assert month.serious_violations == 1
    assert PointMonth.objects.filter(admission=stay).count() == 1


def test_a_retried_identical_entry_is_not_recorded_twice(cast, stay):
    first = entry(cast, stay, "2024-03-02")
    again = entry(cast, stay, "2024-03-02")
    assert again.pk == first.pk
    assert PointEntry.objects.filter(admission=stay).count() == 1
    assert PointMonth.objects.get(admission=stay).total == Decimal("5")
    other = entry(cast, stay, "2024-03-02", reason="帮助他人")
    assert other.pk != first.pk


def test_entries_are_refused_while_the_month_is_in_approval(cast, stay):
    month = submitted(cast, stay)
    with pytest.raises(Refusal) as exc:
        entry(cast, stay, "2024-03-20", today="2024-04-01")
    assert exc.value.refusal_code == "month_closed"
    # The next month is open.
    assert entry(cast, stay, "2024-04-01").month_id != month.pk


def test_entries_need_the_centre_permission_and_a_day_within_the_stay(cast, stay):
    with pytest.raises(PermissionDenied):
        entry(cast, stay, "2024-03-02", actor=cast.outsider)
    with pytest.raises(Refusal) as exc:
        entry(cast, stay, "2024-02-28", today="2024-03-02")
    assert exc.value.refusal_code == "before_admission"
    with pytest.raises(Refusal) as exc:
        entry(cast, stay, "2024-03-09", today="2024-03-08")
    assert exc.value.refusal_code == "future_date"


# --- Submission ----------------------------------------------------------------------------------


def test_a_month_is_submitted_from_its_last_day_with_the_chain_then_in_force(cast, stay):
    e = entry(cast, stay, "2024-03-10")
    with at("2024-03-30"), pytest.raises(Refusal) as exc:
        services.submit_month(e.month, actor=cast.facility_officer)
    assert exc.value.refusal_code == "month_not_ended"
    with at("2024-03-31"):
        month = services.submit_month(e.month, actor=cast.facility_officer)
        again = services.submit_month(e.month, actor=cast.facility_officer)  # a retried POST
    assert month.status == again.status == MonthStatus.IN_APPROVAL
    assert month.chain == services.DEFAULT_CHAIN
    assert month.step_label == "中队审批"


# --- The chain -----------------------------------------------------------------------------------


def test_the_full_chain_with_distinct_approvers_fixes_the_grade(cast, stay, leaders):
    month = submitted(cast, stay, points=10)
    month = run_chain(month, leaders)
    assert month.status == MonthStatus.APPROVED
    assert month.approved_on == D("2024-04-02")
    assert month.grade == Grade.NORMAL  # 10 points: between −10 and 20 (configurable defaults)
    approvals = list(PointApproval.objects.filter(month=month).order_by("step"))
    assert [a.step_label for a in approvals] == [s["label"] for s in services.DEFAULT_CHAIN]
    assert [a.decided_by for a in approvals] == leaders
    event = PersonEvent.objects.get(code="centres.point_month.approved")
    assert event.person_id == stay.person_id
    assert event.data["month"] == "2024-03"
    assert services.current_grade(stay) == Grade.NORMAL


def test_a_serious_violation_makes_the_month_strict(cast, stay, leaders):
    entry(cast, stay, "2024-03-02", kind=PointKind.OUTSTANDING, points=20, reason="抢险")
    entry(cast, stay, "2024-03-03", kind=PointKind.OUTSTANDING, points=20, reason="检举")
    month = submitted(cast, stay, kind=PointKind.SERIOUS_VIOLATION, points=1, reason="私藏违禁品")
    assert month.total == Decimal("39")
    month = run_chain(month, leaders)
    assert month.grade == Grade.STRICT
    assert services.current_grade(stay) == Grade.STRICT


def test_a_leader_step_is_refused_to_a_non_leader(cast, stay, approver, leaders):
    month = submitted(cast, stay)
    month = run_chain(month, [approver, leaders[1], leaders[2]])
    assert month.step_label == "所领导审批"
    with at("2024-04-02"), pytest.raises(PermissionDenied):
        services.decide_step(month, decision="approve", note="", actor=approver)
    assert not services.may_decide(month, approver)
    assert services.may_decide(month, cast.facility_leader)


def test_approving_needs_the_approval_permission(cast, stay):
    month = submitted(cast, stay)
    with at("2024-04-02"), pytest.raises(PermissionDenied):
        services.decide_step(month, decision="approve", note="", actor=cast.facility_officer)


def test_one_user_may_not_approve_two_consecutive_steps(cast, stay, leaders):
    month = submitted(cast, stay)
    a, b = leaders[:2]
    month = run_chain(month, [a])
    with at("2024-04-02"), pytest.raises(Refusal) as exc:
        services.decide_step(month, decision="approve", note="", actor=a)
    assert exc.value.refusal_code == "same_approver"
    month = run_chain(month, [b, a, b])  # alternating is allowed
    assert month.status == MonthStatus.APPROVED


def test_a_return_needs_a_note_and_reopens_the_month(cast, stay, leaders):
    month = submitted(cast, stay)
    month = run_chain(month, leaders[:2])
    with at("2024-04-03"), pytest.raises(Refusal) as exc:
        services.decide_step(month, decision="return", note=" ", actor=leaders[2])
    assert exc.value.refusal_field == "note"
    with at("2024-04-03"):
        month = services.decide_step(
            month, decision="return", note="3月15日扣分事由不清", actor=leaders[2]
        )
    assert month.status == MonthStatus.OPEN
    assert month.next_step == 0
    assert PointApproval.objects.get(month=month, decision="return").note == "3月15日扣分事由不清"
    # Corrections may now be entered, and the month submitted again from step one.
    entry(cast, stay, "2024-03-15", kind=PointKind.DEDUCTION, points=2, today="2024-04-03")
    with at("2024-04-03"):
        month = services.submit_month(month, actor=cast.facility_officer)
    assert month.status == MonthStatus.IN_APPROVAL and month.next_step == 0
    # The earlier round's approvals do not count: leaders[1] approved step 1 then, not now.
    month = run_chain(month, [leaders[1], leaders[0], leaders[1], leaders[0]], day="2024-04-04")
    assert month.status == MonthStatus.APPROVED
    assert month.total == Decimal("3")


def test_a_retried_decision_is_a_no_op(cast, stay, leaders):
    month = submitted(cast, stay)
    with at("2024-04-02"):
        first = services.decide_step(month, decision="approve", note="", actor=leaders[0], step=0)
        again = services.decide_step(month, decision="approve", note="", actor=leaders[0], step=0)
    assert first.next_step == again.next_step == 1
    assert PointApproval.objects.filter(month=month).count() == 1
    with at("2024-04-02"), pytest.raises(Refusal) as exc:
        services.decide_step(month, decision="approve", note="", actor=leaders[2], step=0)
    assert exc.value.refusal_code == "step_moved"


# --- Chain configuration -------------------------------------------------------------------------

PROVINCE_CHAIN = [
    {"label": "中队合议", "leader": False},
    {"label": "中队审批", "leader": False},
    {"label": "大队审批", "leader": False},
    {"label": "所领导审批", "leader": True},
    {"label": "上传公示材料", "leader": True},
]


def test_a_province_chain_overrides_the_default_and_a_facility_chain_the_province(
    cast, stay, leaders
):
    with at("2024-02-01"):
        services.set_approval_chain(
            cast.province,
            steps=PROVINCE_CHAIN,
            effective_from=D("2024-03-01"),
            source="演示省行为考核办法",
            actor=cast.admin,
        )
        services.set_approval_chain(
            cast.facility,
            steps=[{"label": "所务会", "leader": True}],
            effective_from=D("2024-05-01"),
            source="本所规定",
            actor=cast.admin,
        )
    assert services.resolve_chain(cast.facility, D("2024-02-29")).is_default
    assert services.resolve_chain(cast.facility, D("2024-03-31")).steps == PROVINCE_CHAIN
    assert services.resolve_chain(cast.facility, D("2024-05-01")).steps[0]["label"] == "所务会"
    # The overview resolves many units at once, the same way.
    for day in ("2024-02-29", "2024-03-31", "2024-05-01"):
        units = [cast.facility, cast.police_facility, cast.county_b]
        many = services.resolve_chains(units, D(day))
        assert many == {u.pk: services.resolve_chain(u, D(day)) for u in units}, day
    # The chain is the one in force on the month's last day, kept with the month.
    month = submitted(cast, stay, today="2024-05-02")
    assert month.chain == PROVINCE_CHAIN
    month = run_chain(month, [leaders[0], leaders[1], leaders[0], leaders[1], leaders[0]])
    assert month.status == MonthStatus.APPROVED


@pytest.mark.parametrize(
    ("steps", "code"),
    [
        ([], "step_count"),
        ([{"label": f"环节{i}", "leader": True} for i in range(13)], "step_count"),
        ([{"label": "中队审批", "leader": False}], "last_step_not_leader"),
        ([{"label": " ", "leader": True}], "step_label_required"),
    ],
)
def test_a_chain_is_validated(cast, steps, code):
    with pytest.raises(Refusal) as exc:
        services.set_approval_chain(
            cast.province, steps=steps, effective_from=D("2024-03-01"), source="x", actor=cast.admin
        )
    assert exc.value.refusal_code == code


def test_a_chain_needs_the_rules_permission_and_versions_are_never_edited(cast):
    args = {"steps": PROVINCE_CHAIN, "effective_from": D("2024-03-01"), "source": "办法"}
    with pytest.raises(PermissionDenied):
        services.set_approval_chain(cast.facility, actor=cast.facility_leader, **args)
    first = services.set_approval_chain(cast.province, actor=cast.admin, **args)
    assert services.set_approval_chain(cast.province, actor=cast.admin, **args).pk == first.pk
    with pytest.raises(Refusal) as exc:
        services.set_approval_chain(
            cast.province, actor=cast.admin, **{**args, "steps": PROVINCE_CHAIN[-1:]}
        )
    assert exc.value.refusal_code == "version_exists"


# --- Summary for the diagnostic evaluation -------------------------------------------------------


def test_the_behaviour_summary_counts_approved_months_only(cast, stay, leaders):
    march = submitted(cast, stay, points=10)
    run_chain(march, leaders)
    entry(cast, stay, "2024-04-03", kind=PointKind.SERIOUS_VIOLATION, points=5, reason="打架")
    april = submitted(cast, stay, day="2024-04-04", today="2024-05-01", points=9, reason="劳动")
    run_chain(april, leaders, day="2024-05-02")
    entry(cast, stay, "2024-05-03")  # open: not counted
    summary = services.behaviour_summary(stay, D("2024-03-01"), D("2024-05-31"))
    assert summary == {
        "months_approved": 2,
        "total": Decimal("14"),
        "average_monthly": Decimal("7.0"),
        "serious_violations": 1,
        "latest_grade": Grade.STRICT,
    }
    empty = services.behaviour_summary(stay, D("2025-01-01"), D("2025-02-01"))
    assert empty["months_approved"] == 0 and empty["average_monthly"] is None
    assert empty["latest_grade"] == Grade.NORMAL
