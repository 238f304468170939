"""Recording visits and help: a visit fills its scheduled slot, a retry changes nothing, dates in
the future or before the release are refused at their field, a visit that finds the person dead
or gone abroad ends the follow-up; completion waits for three years without relapse (戒毒条例
Art. 7)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jiedu.aftercare import services
from jiedu.aftercare.choices import CloseReason, HelpKind, PlanStatus, VisitMethod, VisitStatus
from jiedu.aftercare.models import FollowUpVisit, HelpRecord
from jiedu.core.models import ChangeLogEntry
from jiedu.core.refusals import Refusal
from jiedu.people.models import PersonEvent

from .conftest import D, at

pytestmark = pytest.mark.django_db


def visit(plan_or_visit, actor, on="2024-04-02", today="2024-04-10", **kwargs):
    data = {
        "visited_on": D(on),
        "method": VisitMethod.HOME,
        "contact_made": True,
        "status": VisitStatus.ABSTINENT,
        "test_result": "negative",
        "employment": "employed",
        "family_situation": "stable",
        "note": "在家，情绪稳定",
        **kwargs,
    }
    with at(today):
        return services.record_visit(plan_or_visit, actor=actor, **data)


def refusal(call) -> Refusal:
    with pytest.raises(Refusal) as exc:
        call()
    return exc.value


def field_of(exc: Refusal) -> str:
    return exc.refusal_field


def test_a_visit_fills_the_scheduled_slot_that_fell_due(cast, plan):
    v = visit(plan, cast.worker_a, on="2024-04-02")  # month 1 was due 2024-03-29
    assert (v.month, v.due_on, v.visited_on) == (1, D("2024-03-29"), D("2024-04-02"))
    assert v.visitor == str(cast.worker_a)
    assert plan.visits.count() == 6  # filled, not added
    assert PersonEvent.objects.filter(person=plan.person, code="aftercare.visit.recorded").exists()
    assert ChangeLogEntry.objects.filter(person_pk=plan.person_id, object_id=str(v.pk)).exists()


def test_a_retried_visit_is_recorded_once(cast, plan):
    first = visit(plan, cast.worker_a)
    again = visit(plan, cast.worker_a)
    assert again.pk == first.pk
    assert plan.visits.filter(visited_on__isnull=False).count() == 1
    assert plan.visits.count() == 6


def test_the_same_external_id_returns_the_first_record(cast, plan):
    first = visit(plan, cast.worker_a, external_id="APP-77")
    again = visit(plan, cast.worker_a, external_id="APP-77")
    assert again.pk == first.pk
    exc = refusal(lambda: visit(plan, cast.worker_a, external_id="APP-77", note="另一次"))
    assert (exc.refusal_code, field_of(exc)) == ("external_id_conflict", "external_id")


def test_a_filled_slot_takes_the_same_visit_again_but_not_another(cast, plan):
    slot = plan.visits.get(month=1)
    first = visit(slot, cast.worker_a)
    assert visit(slot, cast.worker_a).pk == first.pk
    exc = refusal(lambda: visit(slot, cast.worker_a, on="2024-04-03"))
    assert exc.refusal_code == "visit_recorded"


def test_a_visit_in_the_future_is_refused_at_its_date(cast, plan):
    exc = refusal(lambda: visit(plan, cast.worker_a, on="2024-04-11", today="2024-04-10"))
    assert (exc.refusal_code, field_of(exc)) == ("future_date", "visited_on")
    assert not plan.visits.filter(visited_on__isnull=False).exists()


def test_a_visit_before_the_release_is_refused(cast, plan):
    exc = refusal(lambda: visit(plan, cast.worker_a, on="2024-02-28"))
    assert (exc.refusal_code, field_of(exc)) == ("before_plan", "visited_on")


def test_a_visit_long_before_a_slot_is_due_is_an_extra_visit(cast, plan):
    v = visit(plan, cast.worker_a, on="2024-03-05")  # month 1 is due 2024-03-29, within 30 days
    assert v.month == 1
    v2 = visit(plan, cast.worker_a, on="2024-03-10", note="群众反映，走访核实")  # month 3: 05-29
    assert (v2.month, v2.due_on) == (None, None)
    assert plan.visits.count() == 7
    slot = plan.visits.get(month=12)
    exc = refusal(lambda: visit(slot, cast.worker_a, on="2024-04-02"))
    assert (exc.refusal_code, field_of(exc)) == ("visit_too_early", "visited_on")


def test_an_extra_visit_can_be_asked_for(cast, plan):
    v = visit(plan, cast.worker_a, extra=True)
    assert v.month is None
    assert plan.visits.get(month=1).visited_on is None


@pytest.mark.parametrize(
    "status, reason",
    [(VisitStatus.DEAD, CloseReason.DEAD), (VisitStatus.MOVED_ABROAD, CloseReason.MOVED_ABROAD)],
)
def test_a_visit_that_finds_the_person_dead_or_abroad_ends_the_plan(cast, plan, status, reason):
    visit(
        plan,
        cast.worker_a,
        on="2024-04-02",
        status=status,
        contact_made=False,
        test_result="not_tested",
        method=VisitMethod.INFORMANT,
    )
    plan.refresh_from_db()
    assert (plan.status, plan.close_reason, plan.closed_on) == (
        PlanStatus.CLOSED,
        reason,
        D("2024-04-02"),
    )
    exc = refusal(lambda: visit(plan, cast.worker_a, on="2024-04-05"))
    assert (exc.refusal_code, field_of(exc)) == ("plan_closed", "visited_on")


@pytest.mark.parametrize(
    "changes, code, field",
    [
        ({"status": VisitStatus.LOST_CONTACT}, "contact_contradiction", "status"),
        ({"contact_made": False}, "test_without_contact", "test_result"),
        ({"test_result": "positive"}, "positive_not_relapsed", "status"),
        ({"method": "mail"}, "invalid_choice", "method"),
        ({"status": ""}, "invalid_choice", "status"),
    ],
)
def test_contradictory_visits_are_refused_at_the_field(cast, plan, changes, code, field):
    exc = refusal(lambda: visit(plan, cast.worker_a, **changes))
    assert (exc.refusal_code, field_of(exc)) == (code, field)


def test_a_relapse_keeps_the_plan_open(cast, plan):
    v = visit(plan, cast.worker_a, status=VisitStatus.RELAPSED, test_result="positive")
    assert v.detected_use
    plan.refresh_from_db()
    assert plan.status == PlanStatus.OPEN


def test_an_outsider_may_not_record_a_visit(cast, plan):
    with pytest.raises(PermissionDenied):
        visit(plan, cast.outsider)
    with pytest.raises(PermissionDenied):
        visit(plan, cast.auditor)  # reads only


# --- Closing ----------------------------------------------------------------------------------


def test_completion_waits_for_three_years_without_relapse(cast, plan):
    with at("2026-03-01"):
        exc = refusal(
            lambda: services.close_plan(
                plan, on=D("2026-03-01"), reason=CloseReason.COMPLETED, actor=cast.worker_a
            )
        )
    assert (exc.refusal_code, field_of(exc)) == ("control_not_ended", "reason")
    assert "2027-02-28" in exc.messages[0]  # three years after the release of 2024-02-29
    with at("2027-03-01"):
        closed = services.close_plan(
            plan, on=D("2027-03-01"), reason=CloseReason.COMPLETED, actor=cast.worker_a
        )
        again = services.close_plan(
            plan, on=D("2027-03-01"), reason=CloseReason.COMPLETED, actor=cast.worker_a
        )
    assert closed.status == PlanStatus.CLOSED and again.pk == closed.pk


def test_a_relapse_found_on_a_visit_restarts_the_three_years(cast, plan):
    visit(plan, cast.worker_a, on="2024-04-02", status=VisitStatus.RELAPSED, test_result="positive")
    with at("2027-03-01"):
        exc = refusal(
            lambda: services.close_plan(
                plan, on=D("2027-03-01"), reason=CloseReason.COMPLETED, actor=cast.worker_a
            )
        )
    assert "2027-04-02" in exc.messages[0]


def test_closing_a_closed_plan_again_differently_is_refused(cast, plan):
    with at("2024-05-01"):
        services.close_plan(
            plan, on=D("2024-05-01"), reason=CloseReason.TRANSFERRED, actor=cast.worker_a
        )
        exc = refusal(
            lambda: services.close_plan(
                plan, on=D("2024-05-01"), reason=CloseReason.DEAD, actor=cast.worker_a
            )
        )
    assert exc.refusal_code == "plan_closed"


# --- Help -------------------------------------------------------------------------------------


def help_(plan, actor, **kwargs):
    data = {
        "kind": HelpKind.JOB_PLACEMENT,
        "given_on": D("2024-04-02"),
        "provider": "花桥街道社区服务中心",
        "amount": None,
        "description": "介绍到物流公司做分拣员",
        **kwargs,
    }
    with at("2024-04-10"):
        return services.record_help(plan, actor=actor, **data)


def test_help_is_recorded_once(cast, plan):
    record = help_(plan, cast.worker_a)
    assert help_(plan, cast.worker_a).pk == record.pk
    hardship = help_(plan, cast.worker_a, kind=HelpKind.HARDSHIP_ASSISTANCE, amount="800")
    assert hardship.amount == Decimal("800.00")
    assert HelpRecord.objects.filter(plan=plan).count() == 2
    assert (
        PersonEvent.objects.filter(person=plan.person, code="aftercare.help.recorded").count() == 2
    )


@pytest.mark.parametrize(
    "changes, code, field",
    [
        ({"amount": "-1"}, "negative_amount", "amount"),
        ({"kind": HelpKind.OTHER, "description": " "}, "required", "description"),
        ({"kind": "money"}, "invalid_choice", "kind"),
        ({"given_on": D("2024-04-11")}, "future_date", "given_on"),
        ({"given_on": D("2024-01-01")}, "before_plan", "given_on"),
    ],
)
def test_bad_help_is_refused_at_the_field(cast, plan, changes, code, field):
    exc = refusal(lambda: help_(plan, cast.worker_a, **changes))
    assert (exc.refusal_code, field_of(exc)) == (code, field)
    assert not HelpRecord.objects.exists()


def test_visits_keep_the_person_on_each_row(cast, plan):
    v = visit(plan, cast.worker_a)
    assert FollowUpVisit.objects.filter(person=plan.person, pk=v.pk).exists()
