"""The demo's centre records and diagnostic evaluations: every centre has records, every kind of
evaluation is there, proposals stand at each step of their way, the blocked persons have none,
and the work lists of the evaluation and education centres have rows.

Like `test_demo_measures`, the full demo is loaded once for the module inside one transaction
rolled back at the end (once, not twice: idempotency is tested there).
"""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction

from jiedu.centres import choices as centre_choices
from jiedu.centres import models as centre_models
from jiedu.centres.services.education import overdue_talks
from jiedu.centres.services.medical import needs_special_zone
from jiedu.core import clock
from jiedu.demo import province
from jiedu.evaluations.choices import EvaluationKind, EvaluationStatus, Opinion, ProposalStatus
from jiedu.evaluations.models import Evaluation, Handbook, Proposal
from jiedu.evaluations.queries import due_for_stays, open_stays
from jiedu.facilities.choices import ZoneKind
from jiedu.facilities.models import Admission
from jiedu.measures.choices import BlockerCode, EndReason, MeasureStatus
from jiedu.measures.models import Measure
from jiedu.orgs.models import OrgUnit


@pytest.fixture(scope="module")
def today(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        yield clock.today()
        transaction.set_rollback(True)


@pytest.fixture
def loaded(today, db) -> date:
    return today


def judicial() -> OrgUnit:
    return OrgUnit.objects.get(code=province.JUDICIAL_FACILITY)


RECORDS = {
    "medical": ("FacilityDrugTest", "MedicationOrder", "WithdrawalCheck", "VitalSigns"),
    "education": ("CourseSession", "Attendance", "CaseOfficer", "Talk", "Exam"),
    "psychology": ("InstrumentResponse", "CounsellingSession", "CrisisIntervention"),
    "training": ("FitnessTest", "TrainingSession"),
    "points": ("PointEntry", "PointMonth", "PointApproval"),
}


def test_persons_in_the_judicial_facility_have_records_from_every_centre(loaded):
    here = Admission.objects.filter(facility=judicial(), left_on__isnull=True)
    assert here.count() > 20
    for centre, names in RECORDS.items():
        for name in names:
            assert getattr(centre_models, name).objects.exists(), (centre, name)
    for model in (
        centre_models.VitalSigns,
        centre_models.Talk,
        centre_models.InstrumentResponse,
        centre_models.PointEntry,
        centre_models.Attendance,
    ):
        with_records = here.filter(pk__in=model.objects.values("admission")).count()
        assert with_records >= here.count() * 0.8, model.__name__
    assert all(centre_models.CaseOfficer.objects.filter(admission=s).exists() for s in here)


def test_behaviour_months_go_through_the_chain_with_two_leaders(loaded):
    months = centre_models.PointMonth.objects
    assert months.filter(status=centre_choices.MonthStatus.APPROVED).count() > 100
    assert months.filter(status=centre_choices.MonthStatus.IN_APPROVAL).exists()
    assert months.filter(
        status=centre_choices.MonthStatus.OPEN, month__gte=loaded.replace(day=1)
    ).exists()
    approvers = set(
        centre_models.PointApproval.objects.values_list("decided_by__username", flat=True)
    )
    assert {"demo_leader", "demo_captain"} <= approvers


def test_psychology_has_an_item_9_alert_followed_by_a_crisis_intervention(loaded):
    alerted = [
        r
        for r in centre_models.InstrumentResponse.objects.filter(instrument__code="phq9")
        if any(a.get("item") == 9 for a in r.alerts)
    ]
    assert alerted
    crisis = centre_models.CrisisIntervention.objects.get(admission=alerted[0].admission)
    assert crisis.started_on >= alerted[0].answered_on
    bands = set(
        centre_models.InstrumentResponse.objects.filter(
            instrument__code="relapse_risk"
        ).values_list("band", flat=True)
    )
    assert "low" in bands


def test_a_drug_test_in_the_facility_was_positive_and_bars_early_release(loaded):
    positive = centre_models.FacilityDrugTest.objects.filter(
        result=centre_choices.TestResult.POSITIVE
    ).exclude(occasion=centre_choices.TestOccasion.INTAKE)
    assert positive.count() == 1
    assert (
        positive.get()
        .admission.measure.blockers.filter(code=BlockerCode.DRUGS_IN_FACILITY)
        .exists()
    )


def test_the_special_zone_holds_persons_with_a_severe_condition(loaded):
    special = Admission.objects.filter(
        facility=judicial(), left_on__isnull=True, zone__kind=ZoneKind.SPECIAL
    )
    assert special.exists()
    assert all(needs_special_zone(stay) for stay in special)


# --- Evaluations ---------------------------------------------------------------------------------


def test_evaluations_of_every_kind_exist_and_stage_evaluations_gate_the_zone_moves(loaded):
    completed = Evaluation.objects.filter(status=EvaluationStatus.COMPLETED)
    assert set(completed.values_list("kind", flat=True)) == set(EvaluationKind.values)
    assert Evaluation.objects.filter(
        kind=EvaluationKind.ONE_YEAR, status=EvaluationStatus.DRAFT
    ).exists()
    # A stage that did not pass kept its person in the zone (drugs found in the facility).
    failed = completed.get(kind=EvaluationKind.CONSOLIDATION_STAGE, passed=False)
    assert failed.admission.zone.kind == ZoneKind.CONSOLIDATION


def test_an_approved_early_release_moved_the_term_end(loaded):
    approved = Proposal.objects.filter(kind="early_release", status=ProposalStatus.APPROVED)
    waiting = [p for p in approved if p.measure.status == MeasureStatus.IN_PROGRESS]
    assert waiting
    for proposal in waiting:
        measure = proposal.measure
        assert measure.approved_release_on == proposal.approved_release_on
        assert measure.term_end == proposal.approved_release_on
        assert measure.term_end < measure.latest_end_with_extension
    released = Measure.objects.filter(end_reason=EndReason.EARLY_RELEASE)
    assert released.exists()
    for measure in released:
        assert measure.ended_on == measure.approved_release_on
        assert Proposal.objects.filter(measure=measure, status=ProposalStatus.APPROVED).exists()


def test_an_approved_extension_is_on_the_measure(loaded):
    extended = Proposal.objects.filter(kind="extension", status=ProposalStatus.APPROVED)
    assert extended.exists()
    for proposal in extended:
        assert proposal.measure.extension_months == proposal.approved_extension_months > 0
        assert proposal.evaluation.kind == EvaluationKind.PRE_EXPIRY


def test_a_submitted_proposal_awaits_the_organ_within_seven_days(loaded):
    waiting = Proposal.objects.filter(status=ProposalStatus.SUBMITTED)
    assert waiting.exists()
    assert any(loaded <= p.decision_due_by <= loaded + timedelta(days=7) for p in waiting)


def test_an_on_time_release_recommends_community_rehabilitation(loaded):
    assert Evaluation.objects.filter(
        kind=EvaluationKind.PRE_EXPIRY,
        opinion=Opinion.ON_TIME_RELEASE,
        community_rehab_recommended=True,
    ).exists()


def test_blocked_persons_have_a_continue_opinion_and_no_early_release_proposal(loaded):
    blocked = Measure.objects.filter(
        blockers__code__in=(
            BlockerCode.ESCAPED,
            BlockerCode.DRUGS_IN_FACILITY,
            BlockerCode.RELAPSE_AFTER_HOME_LEAVE,
        )
    ).distinct()
    assert not Proposal.objects.filter(measure__in=blocked, kind="early_release").exists()
    continued = Evaluation.objects.filter(
        kind=EvaluationKind.ONE_YEAR, opinion=Opinion.CONTINUE, measure__in=blocked
    )
    codes = set(continued.values_list("measure__blockers__code", flat=True))
    assert {
        BlockerCode.ESCAPED,
        BlockerCode.DRUGS_IN_FACILITY,
        BlockerCode.RELAPSE_AFTER_HOME_LEAVE,
    } <= codes


# --- Work lists ----------------------------------------------------------------------------------


def test_the_handbook_and_evaluation_due_lists_have_rows(loaded):
    rows = due_for_stays(open_stays(judicial()), loaded)
    kinds = {(row.kind, row.overdue) for row in rows}
    assert ("handbook", True) in kinds
    assert (EvaluationKind.ADMISSION, True) in kinds
    assert any(kind == EvaluationKind.PRE_EXPIRY for kind, _overdue in kinds)
    opened = Handbook.objects.select_related("admission")
    assert all(h.opened_on <= h.admission.admitted_on + timedelta(days=7) for h in opened)


def test_a_few_persons_have_overdue_talks(loaded):
    assert 2 <= len(overdue_talks(judicial(), loaded)) <= 5
