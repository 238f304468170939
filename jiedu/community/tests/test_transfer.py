"""变更执行地 (戒毒条例 Art. 22) end to end: the case moves to township B, both townships see the
handover, the old one keeps the history, the person reports at the new place within 15 days
(the term runs on), the old agreement lapses and a new one is signed there."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from jiedu.community.access import get_case_for_user
from jiedu.community.choices import AlertKind, CaseState, TransferStatus
from jiedu.community.models import Agreement, CaseAlert, CaseTransfer, CommunityCase
from jiedu.community.rules import TRANSFER_REPORT_DAYS
from jiedu.community.services import cases as case_services
from jiedu.community.services import team
from jiedu.community.tests.conftest import at
from jiedu.core.refusals import Refusal
from jiedu.core.rules import set_rule_value

pytestmark = pytest.mark.django_db

D = date.fromisoformat
MOVED = "2024-05-10"


@pytest.fixture
def moved(cast, community_case):
    """An active case with a worker and an agreement, moved to township B on MOVED."""
    case = community_case(served_on="2024-03-01", reported_on="2024-03-02")
    with at("2024-03-02"):
        case_services.assign_worker(case, cast.worker_a, actor=cast.supervisor)
        first = team.sign_agreement(case, on=D("2024-03-02"), actor=cast.worker_a)
    term_end = case.measure.term_end
    with at(MOVED):
        transfer = team.transfer_case(
            case, to_unit=cast.township_b, on=D(MOVED), reason="迁居", actor=cast.supervisor
        )
    case = CommunityCase.objects.get(pk=case.pk)
    return case, transfer, first, term_end


def test_the_case_moves_and_the_term_runs_on(cast, moved):
    case, transfer, _first, term_end = moved
    assert case.unit == cast.township_b
    assert case.transferred_from == cast.township_a
    assert case.measure.executing_unit == cast.township_b
    assert case.state == CaseState.ACTIVE
    assert case.measure.term_end == term_end  # 戒毒条例 Art. 22: counted continuously
    assert case.worker is None  # township B assigns its own
    assert transfer.from_unit == cast.township_a
    assert transfer.to_unit == cast.township_b
    assert transfer.status == TransferStatus.MOVED
    # 戒毒条例 Art. 22: report at the new place within 15 days.
    assert transfer.report_due_by == D(MOVED) + timedelta(days=15)


def test_the_agreement_in_force_lapses(moved):
    case, _transfer, first, _ = moved
    first.refresh_from_db()
    assert first.superseded_on == D(MOVED)
    assert team.agreement_in_force(case) is None


def test_the_new_township_is_alerted(moved):
    case, transfer, _first, _ = moved
    alert = CaseAlert.objects.get(case=case, kind=AlertKind.TRANSFER_IN)
    assert str(transfer.report_due_by) in alert.detail


def test_a_retry_returns_the_same_transfer(cast, moved):
    case, transfer, _first, _ = moved
    with at(MOVED):
        again = team.transfer_case(
            case, to_unit=cast.township_b, on=D(MOVED), reason="迁居", actor=cast.supervisor
        )
    assert again == transfer
    assert CaseTransfer.objects.filter(case=case).count() == 1


def test_both_townships_see_the_transfer_and_the_case(cast, moved):
    case, transfer, _first, _ = moved
    # township B (county B's worker) now works the case
    assert CaseTransfer.objects.restrict(cast.outsider, "view").filter(pk=transfer.pk).exists()
    assert get_case_for_user(cast.outsider, case.pk) == case
    assert get_case_for_user(cast.outsider, case.pk, "community.manage_case") == case
    # township A keeps the history
    assert CaseTransfer.objects.restrict(cast.worker_a, "view").filter(pk=transfer.pk).exists()
    assert get_case_for_user(cast.worker_a, case.pk) == case
    assert Agreement.objects.restrict(cast.worker_a, "view").filter(case=case).exists()


def test_the_pages_of_both_townships(client, cast, moved):
    case, transfer, _first, _ = moved
    url = reverse("community:case_detail", args=[case.pk])
    client.force_login(cast.outsider)
    with at("2024-05-12"):
        response = client.get(url)
        listing = client.get(reverse("community:case_list", args=[cast.township_b.code]))
    assert response.status_code == 200
    assert response.context["pending_transfer"] == transfer
    assert response.context["transfer_report_form"] is not None
    assert case.pk in [c.pk for c in listing.context["page"]]
    assert "转入待报到" in listing.content.decode()
    client.force_login(cast.worker_a)
    with at("2024-05-12"):
        old = client.get(url)
        old_list = client.get(reverse("community:case_list", args=[cast.township_a.code]))
    assert old.status_code == 200
    assert old.context["transfers"] == [transfer]
    assert case.pk not in [c.pk for c in old_list.context["page"]]
    assert [t.pk for t in old_list.context["moved_out"]] == [transfer.pk]


def test_overdue_transfer_report_shows_and_is_queryable(client, cast, moved):
    case, transfer, _first, _ = moved
    due = transfer.report_due_by
    queryset = CaseTransfer.objects.all()
    assert list(team.overdue_transfers(queryset, due)) == []
    assert list(team.overdue_transfers(queryset, due + timedelta(days=1))) == [transfer]
    client.force_login(cast.outsider)
    with at(due + timedelta(days=1)):
        response = client.get(reverse("community:case_detail", args=[case.pk]))
    assert response.context["transfer_overdue"] is True
    assert "变更执行地后逾期未报到" in response.content.decode()
    with at(due + timedelta(days=1)):
        listing = client.get(reverse("community:case_list", args=[cast.township_b.code]))
    assert "变更执行地后逾期未报到" in listing.content.decode()


def test_new_agreement_only_after_reporting_at_the_new_place(cast, moved):
    case, transfer, first, _ = moved
    with at("2024-05-15"), pytest.raises(Refusal) as exc:
        team.sign_agreement(case, on=D("2024-05-15"), actor=cast.outsider)
    assert exc.value.refusal_code == "transfer_not_reported"
    with at("2024-05-15"):
        reported = team.record_transfer_report(transfer, on=D("2024-05-15"), actor=cast.outsider)
        assert reported.status == TransferStatus.REPORTED
        assert team.agreement_due(case)
        new = team.sign_agreement(case, on=D("2024-05-15"), actor=cast.outsider)
    assert new.unit == cast.township_b
    assert new.number.startswith(cast.township_b.code)
    assert new.superseded_on is None
    first.refresh_from_db()
    assert first.superseded_on == D(MOVED)
    assert list(team.overdue_transfers(CaseTransfer.objects.all(), D("2024-12-31"))) == []


def test_transfer_report_not_before_the_move(cast, moved):
    _case, transfer, _first, _ = moved
    with at("2024-05-15"), pytest.raises(Refusal) as exc:
        team.record_transfer_report(transfer, on=D("2024-05-09"), actor=cast.outsider)
    assert exc.value.refusal_code == "before_transfer"


def test_a_worker_cannot_move_a_case(cast, community_case):
    case = community_case()
    with at("2024-04-01"), pytest.raises(PermissionDenied):
        team.transfer_case(
            case, to_unit=cast.township_b, on=D("2024-04-01"), reason="迁居", actor=cast.worker_a
        )


def test_transfer_needs_a_reason(cast, community_case):
    case = community_case()
    with at("2024-04-01"), pytest.raises(Refusal) as exc:
        team.transfer_case(
            case, to_unit=cast.township_b, on=D("2024-04-01"), reason=" ", actor=cast.supervisor
        )
    assert exc.value.refusal_code == "required"


def test_report_days_resolved_at_the_new_unit(cast, community_case):
    """A province may shorten the 15 days (戒毒条例 Art. 22, bound 1–15); the rule at the new
    township applies."""
    with at("2024-01-01"):
        set_rule_value(
            TRANSFER_REPORT_DAYS,
            cast.county_b,
            value=10,
            effective_from=D("2024-01-01"),
            source="测试",
            actor=cast.admin,
        )
    case = community_case()
    with at("2024-04-01"):
        transfer = team.transfer_case(
            case, to_unit=cast.township_b, on=D("2024-04-01"), reason="迁居", actor=cast.supervisor
        )
    assert transfer.report_due_by == D("2024-04-11")


def test_transfer_through_the_page(client, cast, community_case):
    case = community_case()
    client.force_login(cast.supervisor)
    with at("2024-04-01"):
        response = client.post(
            reverse("community:casetransfer_create", args=[case.pk]),
            {
                "transfer-to_unit": cast.township_b.pk,
                "transfer-moved_on": "2024-04-01",
                "transfer-reason": "迁居",
            },
        )
    assert response.status_code == 302
    transfer = CaseTransfer.objects.get(case=case)
    client.force_login(cast.outsider)
    with at("2024-04-03"):
        response = client.post(
            reverse("community:casetransfer_report", args=[transfer.pk]),
            {"transfer_report-on": "2024-04-03"},
        )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.REPORTED
