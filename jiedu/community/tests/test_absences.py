"""Leave requests (戒毒条例 Art. 19) and absences (Art. 20): approval, overruns, alerts, and the
serious-breach detection they set off."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiedu.community.choices import AlertKind, BreachRule, LeaveStatus, ReferralReason
from jiedu.community.models import Absence, CaseAlert, LeaveRequest, Referral
from jiedu.community.services import absences, violations
from jiedu.testing.cast import PASSWORD

from .conftest import D, at

# The credit events absences score (others — a missed due item — come from the schedule).
OURS = ("absence_unapproved", "leave_kept")


def leave(case, actor, leave_on, return_on, **kw):
    with at(kw.pop("today", leave_on)):
        return absences.request_leave(
            case,
            leave_on=D(leave_on),
            return_on=D(return_on),
            destination=kw.pop("destination", "广州"),
            reason=kw.pop("reason", "探亲"),
            actor=actor,
            **kw,
        )


def away(case, actor, left_on, returned_on=None, *, today=None, **kw):
    with at(today or returned_on or left_on):
        return absences.record_absence(
            case,
            left_on=D(left_on),
            returned_on=D(returned_on) if returned_on else None,
            actor=actor,
            **kw,
        )


@pytest.fixture
def case(cast, community_case):
    return community_case(served_on="2024-03-01", reported_on="2024-03-05")


# --- Leave -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("article", "leave_on", "return_on", "status"),
    [
        (
            "戒毒条例 Art. 19: 2 days away need no written request",
            "2024-04-10",
            "2024-04-11",
            "approved",
        ),
        (
            "戒毒条例 Art. 19: 3 days away (3日以上) need approval",
            "2024-04-10",
            "2024-04-12",
            "pending",
        ),
        ("戒毒条例 Art. 19: 10 days away need approval", "2024-04-10", "2024-04-19", "pending"),
    ],
)
def test_leave_needs_approval_from_three_days(cast, case, article, leave_on, return_on, status):
    request = leave(case, cast.worker_a, leave_on, return_on, today="2024-04-08")
    assert request.status == status, article
    alerts = CaseAlert.objects.filter(case=case, kind=AlertKind.LEAVE_REQUEST)
    assert alerts.count() == (1 if status == "pending" else 0), article


def test_leave_from_the_portal_is_idempotent_on_the_client_id(cast, case):
    first = leave(
        case, None, "2024-04-10", "2024-04-14", today="2024-04-08", via_portal=True, client_id="c1"
    )
    again = leave(
        case, None, "2024-04-10", "2024-04-14", today="2024-04-08", via_portal=True, client_id="c1"
    )
    assert first.pk == again.pk
    assert first.via_portal and first.recorded_by.startswith("本人")
    assert LeaveRequest.objects.filter(case=case).count() == 1


def test_leave_cannot_start_in_the_past(cast, case):
    with pytest.raises(ValidationError) as exc:
        leave(case, cast.worker_a, "2024-04-01", "2024-04-05", today="2024-04-08")
    assert exc.value.refusal_code == "leave_in_past"
    assert exc.value.refusal_field == "leave_on"


def test_only_the_supervisor_decides_leave(cast, case):
    request = leave(case, cast.worker_a, "2024-04-10", "2024-04-14", today="2024-04-08")
    with at("2024-04-09"), pytest.raises(PermissionDenied):
        absences.decide_leave(request, approve=True, on=D("2024-04-09"), actor=cast.worker_a)
    with at("2024-04-09"):
        decided = absences.decide_leave(
            request, approve=True, note="同意", on=D("2024-04-09"), actor=cast.supervisor
        )
        again = absences.decide_leave(
            request, approve=True, on=D("2024-04-09"), actor=cast.supervisor
        )
        with pytest.raises(ValidationError) as exc:
            absences.decide_leave(request, approve=False, on=D("2024-04-09"), actor=cast.supervisor)
    assert decided.status == again.status == LeaveStatus.APPROVED
    assert exc.value.refusal_code == "leave_not_pending"
    alert = CaseAlert.objects.get(case=case, kind=AlertKind.LEAVE_REQUEST)
    assert alert.seen_at is not None


def test_outsider_cannot_request_leave(cast, case):
    with at("2024-04-08"), pytest.raises(PermissionDenied):
        absences.request_leave(
            case,
            leave_on=D("2024-04-10"),
            return_on=D("2024-04-12"),
            destination="广州",
            reason="",
            actor=cast.outsider,
        )


def test_cancel_leave(cast, case):
    request = leave(case, cast.worker_a, "2024-04-10", "2024-04-14", today="2024-04-08")
    with at("2024-04-08"):
        cancelled = absences.cancel_leave(request, actor=cast.worker_a)
    assert cancelled.status == LeaveStatus.CANCELLED


# --- Absences ----------------------------------------------------------------------------------


def approved_leave(cast, case, leave_on="2024-04-10", return_on="2024-04-14"):
    request = leave(case, cast.worker_a, leave_on, return_on, today="2024-04-08")
    with at("2024-04-08"):
        return absences.decide_leave(
            request, approve=True, on=D("2024-04-08"), actor=cast.supervisor
        )


def test_an_absence_inside_an_approved_leave_is_approved_and_scores_leave_kept(
    cast, case, monkeypatch
):
    awarded = []
    monkeypatch.setattr(
        "jiedu.community.services.credit.award",
        lambda case, code, **kw: awarded.append((code, kw["source"])) if code in OURS else None,
    )
    request = approved_leave(cast, case)
    rows = away(case, cast.worker_a, "2024-04-10", "2024-04-14")
    assert [(r.approved, r.leave_id) for r in rows] == [(True, request.pk)]
    assert awarded == [("leave_kept", f"leaverequest:{request.pk}")]
    assert not CaseAlert.objects.filter(case=case, kind=AlertKind.UNAPPROVED_ABSENCE).exists()
    assert violations.breach_facts(case, D("2024-04-20")).unapproved_absences == 0


def test_overrun_of_an_approved_leave_is_its_own_unapproved_absence(cast, case, monkeypatch):
    awarded = []
    monkeypatch.setattr(
        "jiedu.community.services.credit.award",
        lambda case, code, **kw: awarded.append(code) if code in OURS else None,
    )
    approved_leave(cast, case)
    rows = away(case, cast.worker_a, "2024-04-10", "2024-04-18")
    assert [(str(r.left_on), str(r.returned_on), r.approved) for r in rows] == [
        ("2024-04-10", "2024-04-14", True),
        ("2024-04-15", "2024-04-18", False),
    ]
    assert "超过批准的返回日期" in rows[1].note
    assert awarded == ["absence_unapproved"]
    facts = violations.breach_facts(case, D("2024-04-20"))
    assert (facts.unapproved_absences, facts.unapproved_days_away) == (1, 4)
    assert CaseAlert.objects.filter(case=case, kind=AlertKind.UNAPPROVED_ABSENCE).count() == 1


def test_leaving_before_the_approved_day_is_unapproved_for_the_days_before(cast, case):
    approved_leave(cast, case)
    rows = away(case, cast.worker_a, "2024-04-08", "2024-04-14", today="2024-04-14")
    assert [(str(r.left_on), str(r.returned_on), r.approved) for r in rows] == [
        ("2024-04-08", "2024-04-09", False),
        ("2024-04-10", "2024-04-14", True),
    ]


def test_still_away_after_the_approved_return_day_counts_and_is_split_on_return(cast, case):
    approved_leave(cast, case)
    (row,) = away(case, cast.worker_a, "2024-04-10", today="2024-04-10")
    assert row.approved and row.returned_on is None
    facts = violations.breach_facts(case, D("2024-04-20"))
    # Days 15th–20th beyond the leave count as an unapproved absence, not yet a row.
    assert (facts.unapproved_absences, facts.unapproved_days_away) == (1, 6)
    assert facts.absences[0].id is None and facts.absences[0].beyond_leave
    with at("2024-04-20"):
        rows = absences.record_return(row, on=D("2024-04-20"), actor=cast.worker_a)
        again = absences.record_return(row, on=D("2024-04-20"), actor=cast.worker_a)
    assert [(str(r.left_on), str(r.returned_on), r.approved) for r in rows] == [
        ("2024-04-10", "2024-04-14", True),
        ("2024-04-15", "2024-04-20", False),
    ]
    assert [r.pk for r in again] == [row.pk]
    assert Absence.objects.filter(case=case).count() == 2


def test_approved_absences_never_count(cast, case):
    for start in ("2024-04-01", "2024-05-01", "2024-06-01"):
        away(case, cast.supervisor, start, str(D(start) + timedelta(days=20)), approved=True)
    facts = violations.breach_facts(case, D("2024-07-01"))
    assert (facts.unapproved_absences, facts.unapproved_days_away, facts.serious) == (0, 0, False)


def test_a_worker_cannot_call_an_absence_approved_without_an_approved_leave(cast, case):
    # 戒毒条例 Art. 19: approving leave is the supervisor's; otherwise Art. 20 could be dodged.
    with pytest.raises(ValidationError) as refused:
        away(case, cast.worker_a, "2024-04-01", "2024-05-15", approved=True)
    assert refused.value.error_dict["approved"][0].code == "approval_needs_leave"
    assert not Absence.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("article", "returned_on", "unapproved"),
    [
        ("戒毒条例 Art. 19: away 2 days needs no written request", "2024-04-02", 0),
        ("戒毒条例 Art. 19: away 3 days needs one", "2024-04-03", 1),
    ],
)
def test_a_trip_under_three_days_is_no_unauthorised_absence(
    cast, case, article, returned_on, unapproved
):
    (row,) = away(case, cast.worker_a, "2024-04-01", returned_on)
    facts = violations.breach_facts(case, D("2024-05-01"))
    assert facts.unapproved_absences == unapproved
    assert row.approved is (unapproved == 0)


def test_unapproved_absence_raises_alert_and_is_idempotent_on_external_id(cast, case):
    first = away(case, cast.worker_a, "2024-04-01", "2024-04-03", external_id="dev-1")
    again = away(case, cast.worker_a, "2024-04-01", "2024-04-03", external_id="dev-1")
    assert [r.pk for r in first] == [r.pk for r in again]
    assert Absence.objects.filter(case=case).count() == 1
    alert = CaseAlert.objects.get(case=case, kind=AlertKind.UNAPPROVED_ABSENCE)
    assert "2024-04-01" in alert.detail


@pytest.mark.parametrize(
    ("article", "count", "serious"),
    [
        ("戒毒条例 Art. 20: 2 unapproved absences are not 3次以上", 2, False),
        ("戒毒条例 Art. 20: 3 unapproved absences = 3次以上", 3, True),
    ],
)
def test_third_unapproved_absence_is_a_serious_breach(cast, case, article, count, serious):
    for i in range(count):
        start = D("2024-04-01") + timedelta(days=30 * i)
        away(case, cast.worker_a, str(start), str(start + timedelta(days=2)))
    case.refresh_from_db()
    assert (case.serious_breach_since is not None) is serious, article
    referrals = Referral.objects.filter(case=case, reason=ReferralReason.SERIOUS_BREACH)
    assert referrals.count() == (1 if serious else 0), article
    if serious:
        assert case.serious_breach_since == D("2024-05-31")
        assert referrals.get().evidence["met"] == [BreachRule.ABSENCES]


@pytest.mark.parametrize(
    ("article", "periods", "serious"),
    [
        (
            "戒毒条例 Art. 20: one absence of 30 days is not 累计超过30日",
            [("2024-04-01", "2024-04-30")],
            False,
        ),
        (
            "戒毒条例 Art. 20: one absence of 31 days = 累计超过30日",
            [("2024-04-01", "2024-05-01")],
            True,
        ),
        (
            "戒毒条例 Art. 20: two absences of 15 days each = 30, not over",
            [("2024-04-01", "2024-04-15"), ("2024-06-01", "2024-06-15")],
            False,
        ),
        (
            "戒毒条例 Art. 20: 15 + 16 days = 31, over 30",
            [("2024-04-01", "2024-04-15"), ("2024-06-01", "2024-06-16")],
            True,
        ),
        (
            "戒毒条例 Art. 20: an overlapping second entry adds no days (union: 30)",
            [("2024-04-01", "2024-04-30"), ("2024-04-20", "2024-04-25")],
            False,
        ),
    ],
)
def test_days_away_threshold(cast, case, article, periods, serious):
    for left, back in periods:
        away(case, cast.worker_a, left, back)
    case.refresh_from_db()
    assert (case.serious_breach_since is not None) is serious, article
    facts = violations.breach_facts(case, D("2024-07-01"))
    assert facts.serious is serious, article
    assert (BreachRule.DAYS_AWAY in facts.met) is serious, article


def test_an_open_absence_crosses_30_days_while_the_person_is_away(cast, case):
    (row,) = away(case, cast.worker_a, "2024-04-01", today="2024-04-01")
    assert not violations.breach_facts(case, D("2024-04-30")).serious
    # No fact is recorded on the 31st day; the count as of that day shows the breach …
    facts = violations.breach_facts(case, D("2024-05-01"))
    assert facts.serious and facts.unapproved_days_away == 31
    assert facts.since == D("2024-05-01")
    # … the worker's check opens the referral then, and the return records it for good.
    with at("2024-05-02"):
        referral = violations.review_breach(case, actor=cast.worker_a)
        absences.record_return(row, on=D("2024-05-02"), actor=cast.worker_a)
    case.refresh_from_db()
    assert referral is not None and referral.reason == ReferralReason.SERIOUS_BREACH
    assert case.serious_breach_since == D("2024-05-01")
    assert Referral.objects.filter(case=case).count() == 1


def test_return_detects_a_breach_when_the_absence_was_recorded_open(cast, case):
    (row,) = away(case, cast.worker_a, "2024-04-01", today="2024-04-01")
    with at("2024-05-10"):
        absences.record_return(row, on=D("2024-05-10"), actor=cast.worker_a)
    case.refresh_from_db()
    assert case.serious_breach_since == D("2024-05-01")


def test_absence_dates_are_checked(cast, case):
    with pytest.raises(ValidationError) as future:
        away(case, cast.worker_a, "2024-04-10", today="2024-04-09")
    with pytest.raises(ValidationError) as before:
        away(case, cast.worker_a, "2024-02-01", today="2024-04-09")
    with pytest.raises(ValidationError) as backwards:
        away(case, cast.worker_a, "2024-04-05", "2024-04-03", today="2024-04-09")
    assert future.value.refusal_code == "future_date"
    assert before.value.refusal_code == "before_measure"
    assert backwards.value.refusal_field == "returned_on"


def test_outsider_and_police_cannot_record_absences(cast, case):
    for actor in (cast.outsider, cast.police):
        with pytest.raises(PermissionDenied):
            away(case, actor, "2024-04-01", "2024-04-02")


# --- Pages -------------------------------------------------------------------------------------


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_worker_records_an_absence_and_a_return_on_the_page(cast, case, client):
    login(client, cast.worker_a)
    with at("2024-04-05"):
        response = client.post(
            reverse("community:absence_create", args=[case.pk]),
            {
                "absence-left_on": "2024-04-01",
                "absence-approved": "no",
                "absence-destination": "广州",
            },
        )
        assert response.status_code == 302
        page = client.get(reverse("community:case_detail", args=[case.pk])).content.decode()
    assert "尚未返回（已5日）" in page and "擅自离开" in page
    absence = Absence.objects.get(case=case)
    with at("2024-04-06"):
        response = client.post(
            reverse("community:absence_return", args=[absence.pk]),
            {f"return{absence.pk}-on": "2024-04-06"},
        )
    assert response.status_code == 302
    absence.refresh_from_db()
    assert absence.returned_on == D("2024-04-06")


def test_a_refused_form_is_shown_at_its_field(cast, case, client):
    login(client, cast.worker_a)
    with at("2024-04-05"):
        response = client.post(
            reverse("community:absence_create", args=[case.pk]),
            {"absence-left_on": "2024-04-09"},
        )
    assert response.status_code == 422
    assert "日期不能晚于今天" in response.content.decode()


def test_supervisor_approves_leave_on_the_page(cast, case, client):
    request = leave(case, cast.worker_a, "2024-04-10", "2024-04-14", today="2024-04-08")
    login(client, cast.worker_a)
    with at("2024-04-08"):
        page = client.get(reverse("community:absence_list", args=[case.pk])).content.decode()
        assert f'id="decide-{request.pk}"' not in page  # the worker cannot approve
    client.logout()
    login(client, cast.supervisor)
    with at("2024-04-08"):
        page = client.get(reverse("community:absence_list", args=[case.pk])).content.decode()
        assert f'id="decide-{request.pk}"' in page
        response = client.post(
            reverse("community:leaverequest_decide", args=[request.pk]),
            {f"decide{request.pk}-approve": "yes", f"decide{request.pk}-on": "2024-04-08"},
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == LeaveStatus.APPROVED


def test_outsider_gets_404_on_absence_pages(cast, case, client):
    (row,) = away(case, cast.worker_a, "2024-04-01", "2024-04-02")
    request = leave(case, cast.worker_a, "2024-04-10", "2024-04-14", today="2024-04-08")
    login(client, cast.outsider)
    with at("2024-04-08"):
        assert client.get(reverse("community:absence_list", args=[case.pk])).status_code == 404
        for name, pk in (
            ("absence_create", case.pk),
            ("absence_return", row.pk),
            ("leaverequest_create", case.pk),
            ("leaverequest_decide", request.pk),
            ("leaverequest_cancel", request.pk),
        ):
            assert client.post(reverse(f"community:{name}", args=[pk])).status_code == 404, name


def test_absence_list_in_a_fixed_number_of_queries(
    cast, case, client, django_assert_max_num_queries
):
    for i in range(6):
        start = D("2024-04-01") + timedelta(days=3 * i)
        away(case, cast.supervisor, str(start), str(start), approved=bool(i % 2))
    login(client, cast.worker_a)
    with at("2024-05-01"), django_assert_max_num_queries(20):
        response = client.get(reverse("community:absence_list", args=[case.pk]))
    assert response.status_code == 200
