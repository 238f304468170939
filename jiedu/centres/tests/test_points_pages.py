"""The behaviour-points pages and API: quick entry on the work page, the person's file with the
chain, the administrators' chain page; scope (404 alike for missing and forbidden); retried POSTs;
query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedu.accounts.services import issue_token
from jiedu.centres.choices import Grade, MonthStatus, PointCategory, PointKind
from jiedu.centres.models import ApprovalChain, PointEntry, PointMonth
from jiedu.centres.services import points as services
from jiedu.core.models import AccessLogEntry
from jiedu.testing.cast import make_user

from .test_points import admitted, at, entry, run_chain, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def stay(cast):
    return admitted(cast)


def work_url(cast):
    return reverse("centres:points_work", args=[cast.facility.code])


def file_url(stay):
    return reverse("centres:points_file", args=[stay.pk])


def entry_post(stay, **extra):
    return {
        "stay": stay.pk,
        "on": "2024-03-05",
        "category": PointCategory.DISCIPLINE,
        "kind": PointKind.REWARD,
        "points": "3",
        "reason": "内务整洁",
        **extra,
    }


def test_the_work_page_records_a_quick_entry_once(cast, stay, client):
    client.force_login(cast.facility_officer)
    with at("2024-03-05"):
        page = client.get(work_url(cast))
        assert page.status_code == 200
        assert stay.person.name in page.content.decode()
        first = client.post(work_url(cast), entry_post(stay))
        retried = client.post(work_url(cast), entry_post(stay))
    assert first.status_code == retried.status_code == 302
    assert PointEntry.objects.filter(admission=stay).count() == 1


def test_a_refused_entry_is_shown_at_its_field(cast, stay, client):
    client.force_login(cast.facility_officer)
    with at("2024-03-05"):
        response = client.post(work_url(cast), entry_post(stay, points="11"))
    assert response.status_code == 422
    assert response.context["form"].errors["points"]
    assert not PointEntry.objects.exists()


def test_the_work_page_lists_the_months_awaiting_my_step_and_the_grades(cast, stay, client):
    other = admitted(cast, name="李四")
    month = submitted(cast, stay)  # in approval, step 中队审批
    entry(cast, other, "2024-03-06")  # March still open on April 1st: not submitted
    client.force_login(cast.facility_leader)
    with at("2024-04-01"):
        page = client.get(work_url(cast))
    assert [m.pk for m in page.context["awaiting"]] == [month.pk]
    assert [m.admission_id for m in page.context["unsubmitted"]] == [other.pk]
    assert {g: n for g, _label, n in page.context["grades"]}[Grade.NORMAL] == 2
    # The officer, who may not approve, sees nothing awaiting.
    client.force_login(cast.facility_officer)
    with at("2024-04-01"):
        assert client.get(work_url(cast)).context["awaiting"] == []


def test_a_person_with_a_strict_month_is_listed_on_the_work_page(cast, stay, client):
    leaders = [
        cast.facility_leader,
        make_user("leader_b", cast.facility, "facility_leader"),
    ]
    month = submitted(cast, stay, kind=PointKind.SERIOUS_VIOLATION, points=5, reason="打架")
    run_chain(month, [leaders[0], leaders[1], leaders[0], leaders[1]])
    client.force_login(cast.facility_officer)
    with at("2024-04-03"):
        page = client.get(work_url(cast))
    assert [s.pk for s in page.context["strict"]] == [stay.pk]


def test_the_chain_is_worked_through_the_file_page(cast, stay, client):
    second = make_user("leader_b", cast.facility, "facility_leader")
    client.force_login(cast.facility_officer)
    with at("2024-03-31"):
        assert (
            client.post(
                reverse("centres:points_entry", args=[stay.pk]), entry_post(stay)
            ).status_code
            == 302
        )
        month = PointMonth.objects.get(admission=stay)
        page = client.get(file_url(stay))
        assert page.status_code == 200
        assert page.context["rows"][0]["can_submit"]
        client.post(reverse("centres:points_submit", args=[stay.pk, month.pk]))
    month.refresh_from_db()
    assert month.status == MonthStatus.IN_APPROVAL
    decide = reverse("centres:points_decide", args=[stay.pk, month.pk])
    with at("2024-04-01"):
        for user in (cast.facility_leader, second, cast.facility_leader, second):
            client.force_login(user)
            assert client.get(file_url(stay)).context["rows"][0]["can_decide"]
            step = PointMonth.objects.get(pk=month.pk).next_step
            response = client.post(decide, {"decision": "approve", "step": step})
            assert response.status_code == 302
        # A retried final approval changes nothing.
        client.post(decide, {"decision": "approve", "step": 3})
    month.refresh_from_db()
    assert month.status == MonthStatus.APPROVED
    assert month.approvals.count() == 4
    with at("2024-04-01"):
        page = client.get(file_url(stay))
    assert [p["state"] for p in page.context["rows"][0]["progress"]] == ["done"] * 4


def test_a_return_without_a_note_is_refused_on_the_page(cast, stay, client):
    month = submitted(cast, stay)
    client.force_login(cast.facility_leader)
    decide = reverse("centres:points_decide", args=[stay.pk, month.pk])
    with at("2024-04-01"):
        response = client.post(decide, {"decision": "return", "note": "", "step": 0}, follow=True)
    assert "退回须写明原因" in response.content.decode()
    month.refresh_from_db()
    assert month.status == MonthStatus.IN_APPROVAL
    with at("2024-04-01"):
        client.post(decide, {"decision": "return", "note": "事由不清", "step": 0})
        page = client.get(file_url(stay))
    month.refresh_from_db()
    assert month.status == MonthStatus.OPEN
    assert page.context["rows"][0]["returned"].note == "事由不清"


def test_the_administrator_adds_a_chain_version(cast, client):
    client.force_login(cast.admin)
    url = reverse("centres:approval_chain")
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {
            "org_unit": cast.province.pk,
            "effective_from": "2024-03-01",
            "steps": "中队审批\n大队审批",
            "source": "办法",
        },
    )
    assert bad.status_code == 422 and bad.context["form"].errors["steps"]
    ok = client.post(
        url,
        {
            "org_unit": cast.province.pk,
            "effective_from": "2024-03-01",
            "steps": "中队审批\n\n大队审批\n所领导审批 *",
            "source": "演示省行为考核办法",
        },
    )
    assert ok.status_code == 302
    chain = ApprovalChain.objects.get()
    assert chain.steps == [
        {"label": "中队审批", "leader": False},
        {"label": "大队审批", "leader": False},
        {"label": "所领导审批", "leader": True},
    ]
    page = client.get(ok["Location"])
    assert "所领导审批*" in page.content.decode()


def test_the_chain_page_is_for_administrators_only(cast, client):
    client.force_login(cast.facility_leader)
    assert client.get(reverse("centres:approval_chain")).status_code == 403


# --- Scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["outsider", "auditor"])
def test_users_outside_the_centre_get_404_everywhere(cast, stay, client, user):
    """The outsider is of another unit; the auditor sees the facility's stays but has no centre
    permission."""
    month = submitted(cast, stay)
    client.force_login(getattr(cast, user))
    with at("2024-04-01"):
        for url in (work_url(cast), file_url(stay)):
            assert client.get(url).status_code == 404, url
        for url, data in (
            (reverse("centres:points_entry", args=[stay.pk]), entry_post(stay)),
            (reverse("centres:points_submit", args=[stay.pk, month.pk]), {}),
            (reverse("centres:points_decide", args=[stay.pk, month.pk]), {"decision": "approve"}),
        ):
            assert client.post(url, data).status_code == 404, url
        missing = reverse("centres:points_work", args=["no-such-facility"])
        assert client.get(missing).status_code == 404
    month.refresh_from_db()
    assert month.next_step == 0 and month.approvals.count() == 0


def test_a_month_of_another_stay_is_404(cast, stay, client):
    month = submitted(cast, stay)
    other = admitted(cast, name="李四")
    client.force_login(cast.facility_leader)
    url = reverse("centres:points_decide", args=[other.pk, month.pk])
    assert client.post(url, {"decision": "approve", "step": 0}).status_code == 404


# --- API ------------------------------------------------------------------------------------------


def api_get(client, user, stay_id):
    _token, plain = issue_token(actor=user, user=user)
    return client.get(
        f"/api/v1/centres/stays/{stay_id}/points", HTTP_AUTHORIZATION=f"Bearer {plain}"
    )


def test_the_api_gives_months_entries_approvals_and_grade(cast, stay, client):
    month = submitted(cast, stay, points=4)
    run_chain(month, [cast.facility_leader])
    response = api_get(client, cast.facility_officer, stay.pk)
    assert response.status_code == 200
    body = response.json()
    assert body["current_grade"] == "normal"
    (m,) = body["months"]
    assert m["month"] == "2024-03-01" and m["status"] == "in_approval" and m["total"] == 4.0
    assert m["step_label"] == "大队审批"
    assert [e["points"] for e in m["entries"]] == [4.0]
    assert m["approvals"][0]["decided_by"] == str(cast.facility_leader)
    assert AccessLogEntry.objects.filter(person_pk=stay.person_id, channel="api").exists()


@pytest.mark.parametrize("user", ["outsider", "auditor"])
def test_the_api_answers_404_outside_the_centre(cast, stay, client, user):
    assert api_get(client, getattr(cast, user), stay.pk).status_code == 404
    assert api_get(client, cast.facility_officer, 999999).status_code == 404


# --- Query counts ---------------------------------------------------------------------------------


def _work_page_queries(cast, client) -> int:
    client.force_login(cast.facility_leader)
    with at("2024-04-01"), CaptureQueriesContext(connection) as queries:
        assert client.get(work_url(cast)).status_code == 200
    return len(queries)


def test_the_work_page_runs_a_fixed_number_of_queries(cast, client, django_assert_max_num_queries):
    submitted(cast, admitted(cast))
    entry(cast, admitted(cast, name="李四"), "2024-03-12")  # not submitted
    baseline = _work_page_queries(cast, client)
    for i in range(4):
        submitted(cast, admitted(cast, name=f"人员{i}"))
        entry(cast, admitted(cast, name=f"未交{i}"), "2024-03-12")
    client.force_login(cast.facility_leader)
    with at("2024-04-01"), django_assert_max_num_queries(baseline):
        page = client.get(work_url(cast))
    assert len(page.context["awaiting"]) == 5
    assert len(page.context["unsubmitted"]) == 5
    assert page.context["resident_count"] == 10


def test_the_file_page_runs_a_fixed_number_of_queries(
    cast, stay, client, django_assert_max_num_queries
):
    month = submitted(cast, stay)
    run_chain(month, [cast.facility_leader])
    client.force_login(cast.facility_officer)
    with at("2024-04-05"), CaptureQueriesContext(connection) as one:
        client.get(file_url(stay))
    for day in ("2024-04-02", "2024-04-03", "2024-04-04"):
        entry(cast, stay, day, reason=day)
    entry(cast, stay, "2024-05-02")
    with at("2024-05-05"), django_assert_max_num_queries(len(one) + 1):
        # +1: an open month resolves the chain that would apply, once per page
        client.get(file_url(stay))
    assert services.current_grade(stay) == Grade.NORMAL
