"""A follow-up plan opens when a measure ends by release (禁毒法 Art. 47–48; 戒毒条例 Art. 23, 34,
40), once per measure, at the township of a 社区康复 ordered at release or else the unit managing
the person; termination and conversion open none; a new measure closes it."""

import pytest

from jiedu.aftercare import services
from jiedu.aftercare.choices import CloseReason, PlanStatus
from jiedu.aftercare.models import FollowUpPlan, FollowUpVisit
from jiedu.measures import services as measures
from jiedu.measures.choices import EndReason, IsolationGround, MeasureKind
from jiedu.measures.models import Measure
from jiedu.people.models import PersonEvent

from .conftest import RELEASED, D, at, decide, end_community, new_person, release_isolation

pytestmark = pytest.mark.django_db


def test_release_from_isolation_opens_a_plan_at_the_managing_unit(cast):
    measure = release_isolation(cast)
    plan = FollowUpPlan.objects.get(measure=measure)
    assert plan.person_id == measure.person_id
    assert plan.unit == cast.township_a  # the unit that manages the file
    assert plan.starts_on == RELEASED == measure.ended_on
    assert plan.status == PlanStatus.OPEN
    assert plan.visit_months == [1, 3, 6, 12, 24, 36]
    visits = list(plan.visits.order_by("month").values_list("month", "due_on", "visited_on"))
    assert [v[:2] for v in visits] == [
        (1, D("2024-03-29")),
        (3, D("2024-05-29")),
        (6, D("2024-08-29")),
        (12, D("2025-02-28")),  # 2025 has no 29 February: the month's end
        (24, D("2026-02-28")),
        (36, D("2027-02-28")),
    ]
    assert all(v[2] is None for v in visits)
    event = PersonEvent.objects.get(person=measure.person, code="aftercare.plan.opened")
    assert event.data["unit"] == str(cast.township_a)


def test_community_rehab_ordered_at_release_hands_the_plan_to_its_township(cast):
    measure = release_isolation(cast, rehab_unit=cast.township_b)
    plan = FollowUpPlan.objects.get(measure=measure)
    assert plan.unit == cast.township_b
    assert plan.status == PlanStatus.OPEN  # the 社区康复 decision does not end the follow-up
    assert PersonEvent.objects.filter(
        person=measure.person, code="aftercare.plan.unit_changed"
    ).exists()
    assert services.responsible_unit(measure) == cast.township_b


def test_the_end_of_the_follow_on_rehab_keeps_the_one_follow_up(cast):
    isolation = release_isolation(cast, rehab_unit=cast.township_a)
    rehab = Measure.objects.get(previous=isolation)
    with at(RELEASED):
        rehab = measures.report_in(rehab, on=RELEASED, actor=cast.worker_a)
    with at(rehab.term_end):
        measures.release(rehab, on=rehab.term_end, actor=cast.worker_a)
    plans = FollowUpPlan.objects.filter(person=isolation.person)
    assert [(p.measure_id, p.status) for p in plans] == [(isolation.pk, PlanStatus.OPEN)]


@pytest.mark.parametrize(
    "kind", [MeasureKind.COMMUNITY_DRUG_REHAB, MeasureKind.COMMUNITY_REHABILITATION]
)
def test_the_end_of_a_community_measure_opens_a_plan(cast, kind):
    months = 12 if kind == MeasureKind.COMMUNITY_REHABILITATION else None
    measure = end_community(cast, kind=kind, term_months=months)
    plan = FollowUpPlan.objects.get(measure=measure)
    assert plan.starts_on == measure.ended_on
    assert plan.unit == cast.township_a
    assert plan.visits.count() == 6


def test_termination_opens_no_plan(cast):
    person = new_person(cast)
    measure = decide(cast, person, MeasureKind.COMMUNITY_DRUG_REHAB, "2022-03-01")
    with at("2022-03-02"):
        measure = measures.report_in(measure, on=D("2022-03-02"), actor=cast.worker_a)
    with at("2022-09-01"):
        measures.terminate(
            measure, on=D("2022-09-01"), reason=EndReason.IMPRISONMENT, actor=cast.worker_a
        )
    assert not FollowUpPlan.objects.filter(person=person).exists()


def test_conversion_opens_no_plan(cast):
    person = new_person(cast)
    community = decide(cast, person, MeasureKind.COMMUNITY_DRUG_REHAB, "2022-03-01")
    with at("2022-03-02"):
        measures.report_in(community, on=D("2022-03-02"), actor=cast.worker_a)
    decide(
        cast,
        person,
        MeasureKind.COMPULSORY_ISOLATION,
        "2022-06-01",
        ground=IsolationGround.DRUG_USE_IN_COMMUNITY,
    )
    community.refresh_from_db()
    assert community.status == "converted"
    assert not FollowUpPlan.objects.filter(person=person).exists()


def test_opening_again_returns_the_first_plan(cast, plan):
    again = services.open_plan(plan.measure, actor=cast.worker_a)
    assert again.pk == plan.pk
    assert FollowUpPlan.objects.count() == 1
    assert FollowUpVisit.objects.count() == 6


def test_a_measure_still_running_starts_no_follow_up(cast):
    from jiedu.core.refusals import Refusal

    measure = decide(cast, new_person(cast), MeasureKind.COMMUNITY_DRUG_REHAB, "2022-03-01")
    with pytest.raises(Refusal) as exc:
        services.open_plan(measure, actor=cast.worker_a)
    assert exc.value.refusal_code == "measure_not_released"


def test_a_new_measure_closes_the_open_plan(cast, plan):
    decide(cast, plan.person, MeasureKind.COMMUNITY_DRUG_REHAB, "2024-07-01")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    assert plan.close_reason == CloseReason.NEW_MEASURE
    assert plan.closed_on == D("2024-07-01")
    assert PersonEvent.objects.filter(person=plan.person, code="aftercare.plan.closed").exists()


def test_voluntary_treatment_leaves_the_plan_open(cast, plan):
    with at("2024-07-01"):
        measures.decide_measure(
            measures.MeasureInput(
                person=plan.person,
                kind=MeasureKind.VOLUNTARY,
                decided_on=D("2024-07-01"),
                served_on=D("2024-07-01"),
                executing_unit=cast.clinic,
                term_months=6,
            ),
            actor=_clinic_user(cast),
        )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.OPEN


def _clinic_user(cast):
    from jiedu.testing.cast import make_user

    return make_user("clinic_doctor", cast.clinic, "deciding_officer")


def test_death_during_the_follow_on_rehab_closes_the_plan(cast):
    isolation = release_isolation(cast, rehab_unit=cast.township_a)
    rehab = Measure.objects.get(previous=isolation)
    with at("2024-05-01"):
        measures.terminate(rehab, on=D("2024-05-01"), reason=EndReason.DEATH, actor=cast.worker_a)
    plan = FollowUpPlan.objects.get(measure=isolation)
    assert (plan.status, plan.close_reason, plan.closed_on) == (
        PlanStatus.CLOSED,
        CloseReason.DEAD,
        D("2024-05-01"),
    )


def test_a_change_of_place_of_the_follow_on_rehab_moves_the_follow_up(cast):
    isolation = release_isolation(cast, rehab_unit=cast.township_a)
    rehab = Measure.objects.get(previous=isolation)
    with at("2024-03-05"):
        rehab = measures.report_in(rehab, on=D("2024-03-05"), actor=cast.worker_a)
        measures.change_place(
            rehab, on=D("2024-03-05"), to_unit=cast.township_b, actor=cast.worker_a, reason="搬家"
        )
    assert FollowUpPlan.objects.get(measure=isolation).unit == cast.township_b
