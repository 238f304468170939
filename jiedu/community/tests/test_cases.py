"""The community case follows its measure (opened on decision, active on report-in, referred on
refusal, closed by an isolation decision), and the township's pages: the index, the case list
with its filters and caseload box, the case page with reporting; who may see them."""

from datetime import date

import pytest
from django.urls import reverse

from jiedu.community.access import get_case_for_user, get_unit_for_user
from jiedu.community.choices import CaseState, RiskClass
from jiedu.community.models import CommunityCase
from jiedu.community.rules import CASELOAD_MAX
from jiedu.community.services import cases as case_services
from jiedu.community.tests.conftest import at, case_of
from jiedu.core.models import AccessLogEntry
from jiedu.core.rules import set_rule_value
from jiedu.measures import services as measures
from jiedu.measures.choices import IsolationGround, MeasureKind, MeasureStatus

pytestmark = pytest.mark.django_db

D = date.fromisoformat


# --- The case follows the measure -----------------------------------------------------------------


def test_deciding_a_community_measure_opens_a_case_awaiting_report(cast, community_measure):
    measure = community_measure(served_on="2024-03-01")
    case = case_of(measure)
    assert case.state == CaseState.AWAITING_REPORT
    assert case.unit == cast.township_a
    assert case.opened_on == D("2024-03-01")
    assert case.worker is None


def test_rehabilitation_measure_opens_a_case_too(rehab_measure):
    measure = rehab_measure(term_months=36)
    assert case_of(measure).measure.kind == MeasureKind.COMMUNITY_REHABILITATION


def test_report_in_makes_the_case_active(community_measure, reported_case):
    case = reported_case(community_measure(), on="2024-03-05")
    assert case.state == CaseState.ACTIVE
    assert case.measure.reported_on == D("2024-03-05")


def test_refusal_after_the_deadline_refers_the_case(cast, community_measure):
    measure = community_measure(served_on="2024-03-01")
    day = measure.report_due_by.fromordinal(measure.report_due_by.toordinal() + 1)
    with at(day):
        measures.refuse(measure, on=day, actor=cast.worker_a)
    case = case_of(measure)
    assert case.state == CaseState.REFERRED
    assert case.measure.status == MeasureStatus.REFUSED


def test_isolation_decision_for_the_person_closes_the_case(cast, community_measure, reported_case):
    case = reported_case(community_measure(served_on="2024-03-01"), on="2024-03-02")
    with at("2024-05-01"):
        measures.decide_measure(
            measures.MeasureInput(
                person=case.person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=D("2024-05-01"),
                served_on=D("2024-05-01"),
                executing_unit=cast.facility,
                deciding_organ=cast.deciding_organ,
                decision_number="江公强戒决字〔2024〕901号",
                ground=IsolationGround.SERIOUS_BREACH,
            ),
            actor=cast.police,
        )
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert case.closed_on is not None


# --- Access -------------------------------------------------------------------------------------


def test_outsider_cannot_fetch_the_case_or_the_unit(cast, community_measure):
    from django.http import Http404

    case = case_of(community_measure())
    with pytest.raises(Http404):
        get_case_for_user(cast.outsider, case.pk)
    with pytest.raises(Http404):
        get_unit_for_user(cast.outsider, cast.township_a.code)
    with pytest.raises(Http404):
        get_case_for_user(cast.worker_a, 2**63)
    with pytest.raises(Http404):
        get_unit_for_user(cast.worker_a, cast.deciding_organ.code)  # not a township or county
    assert get_case_for_user(cast.police, case.pk) == case
    # The police may read the case but not work it.
    with pytest.raises(Http404):
        get_case_for_user(cast.police, case.pk, "community.manage_case")


@pytest.mark.parametrize("page", ["detail", "list"])
def test_outsider_gets_404_on_the_pages(client, cast, community_measure, page):
    case = case_of(community_measure())
    client.force_login(cast.outsider)
    url = {
        "detail": reverse("community:case_detail", args=[case.pk]),
        "list": reverse("community:case_list", args=[cast.township_a.code]),
    }[page]
    assert client.get(url).status_code == 404


# --- The index and the list ---------------------------------------------------------------------


def test_index_redirects_to_the_only_township(client, cast):
    client.force_login(cast.worker_a)  # county A has one township
    response = client.get(reverse("community:index"))
    assert response.status_code == 302
    assert response.url == reverse("community:case_list", args=[cast.township_a.code])


def test_index_lists_townships_with_counts(client, cast, community_measure):
    community_measure()
    community_measure(unit=cast.township_b)
    client.force_login(cast.supervisor)  # the city: townships A and B
    response = client.get(reverse("community:index"))
    assert response.status_code == 200
    rows = dict((u.code, c) for u, c in response.context["rows"])
    assert rows[cast.township_a.code]["open"] == 1
    assert rows[cast.township_b.code]["awaiting"] == 1


def test_index_is_404_without_community_permission(client, cast):
    client.force_login(cast.admin)
    assert client.get(reverse("community:index")).status_code == 404


def _list(client, cast, **params):
    url = reverse("community:case_list", args=[cast.township_a.code])
    return client.get(url, params)


def test_list_shows_open_cases_with_overdue_report_first(
    client, cast, community_measure, reported_case
):
    active = reported_case(community_measure(name="甲一", served_on="2024-03-01"))
    late = case_of(community_measure(name="乙二", served_on="2024-03-01"))
    client.force_login(cast.worker_a)
    with at("2024-04-01"):  # past the 15-day report window
        response = _list(client, cast)
    assert response.status_code == 200
    cases = list(response.context["page"])
    assert [c.pk for c in cases] == [late.pk, active.pk]
    assert "逾期未报到" in response.content.decode()
    assert "未指派" in response.content.decode()


def test_list_filters(client, cast, community_measure, reported_case):
    one = reported_case(community_measure(name="王五"))
    two = reported_case(community_measure(name="赵六"))
    case_of(community_measure(name="钱七"))
    CommunityCase.objects.filter(pk=two.pk).update(risk_class=RiskClass.HIGH)
    with at("2024-03-10"):
        case_services.assign_worker(one, cast.worker_a, actor=cast.supervisor)
    client.force_login(cast.worker_a)
    with at("2024-03-10"):
        by_state = _list(client, cast, state=CaseState.AWAITING_REPORT)
        by_worker = _list(client, cast, worker=cast.worker_a.pk)
        unassigned = _list(client, cast, unassigned="on")
        by_risk = _list(client, cast, risk=RiskClass.HIGH)
        by_name = _list(client, cast, q="赵六")

    def names(r):
        return {c.person.name for c in r.context["page"]}

    assert names(by_state) == {"钱七"}
    assert names(by_worker) == {"王五"}
    assert names(unassigned) == {"赵六", "钱七"}
    assert names(by_risk) == {"赵六"}
    assert names(by_name) == {"赵六"}
    assert AccessLogEntry.objects.filter(action="search_person", user_id=cast.worker_a.pk).exists()


def test_list_query_count_is_constant(
    client, cast, community_measure, django_assert_max_num_queries
):
    def build(n):
        for i in range(n):
            community_measure(name=f"人员{i}")

    client.force_login(cast.worker_a)
    build(3)
    with at("2024-03-10"):
        _list(client, cast)  # warm caches (content types, sessions)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            _list(client, cast)
        build(7)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = _list(client, cast)
    assert response.context["page"].paginator.count == 10


# --- Caseload -----------------------------------------------------------------------------------


def test_caseload_warning_above_the_rule(client, cast, community_measure, reported_case):
    # The rule's lowest allowed value is 5 (community.caseload.max_per_worker).
    with at("2024-01-01"):
        set_rule_value(
            CASELOAD_MAX,
            cast.county_a,
            value=5,
            effective_from=D("2024-01-01"),
            source="测试",
            actor=cast.admin,
        )
    cases = [reported_case(community_measure(name=f"人员{i}")) for i in range(6)]
    with at("2024-03-10"):
        for case in cases[:5]:
            _, warning = case_services.assign_worker(case, cast.worker_a, actor=cast.supervisor)
            assert warning is None
        _, warning = case_services.assign_worker(cases[5], cast.worker_a, actor=cast.supervisor)
    assert "6" in warning and "5" in warning
    client.force_login(cast.worker_a)
    with at("2024-03-10"):
        response = _list(client, cast)
    loads = {w.username: (n, warn) for w, n, warn in response.context["caseloads"]}
    assert loads["worker_a"][0] == 6
    assert loads["worker_a"][1]


def test_assign_worker_page_shows_the_warning_as_a_message(
    client, cast, community_measure, reported_case
):
    with at("2024-01-01"):
        set_rule_value(
            CASELOAD_MAX,
            cast.county_a,
            value=5,
            effective_from=D("2024-01-01"),
            source="测试",
            actor=cast.admin,
        )
    cases = [reported_case(community_measure(name=f"人员{i}")) for i in range(6)]
    with at("2024-03-10"):
        for case in cases[:5]:
            case_services.assign_worker(case, cast.worker_a, actor=cast.supervisor)
    client.force_login(cast.supervisor)
    with at("2024-03-10"):
        response = client.post(
            reverse("community:case_assign", args=[cases[5].pk]),
            {"assign-worker": cast.worker_a.pk},
            follow=True,
        )
    assert response.status_code == 200
    text = [str(m) for m in response.context["messages"]]
    assert any("超过" in m for m in text)
    assert case_of(cases[5].measure).worker == cast.worker_a


def test_worker_cannot_assign(client, cast, community_measure):
    case = case_of(community_measure())
    client.force_login(cast.worker_a)
    response = client.post(
        reverse("community:case_assign", args=[case.pk]), {"assign-worker": cast.worker_a.pk}
    )
    assert response.status_code == 404


# --- The case page ------------------------------------------------------------------------------


def test_case_page_shows_the_report_deadline_and_logs_access(client, cast, community_measure):
    measure = community_measure(served_on="2024-03-01")
    case = case_of(measure)
    client.force_login(cast.worker_a)
    with at("2024-03-05"):
        response = client.get(reverse("community:case_detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert measure.report_due_by.isoformat() in html
    assert 'id="report-form"' in html
    assert 'id="refuse-form"' not in html  # the window is still open
    assert AccessLogEntry.objects.filter(
        action="view_person", person_pk=case.person_id, user_id=cast.worker_a.pk
    ).exists()


def test_report_in_through_the_page(client, cast, community_measure):
    case = case_of(community_measure(served_on="2024-03-01"))
    client.force_login(cast.worker_a)
    with at("2024-03-05"):
        response = client.post(
            reverse("community:case_report_in", args=[case.pk]), {"report-on": "2024-03-05"}
        )
    assert response.status_code == 302
    assert case_of(case.measure).state == CaseState.ACTIVE


def test_late_report_needs_a_reason_shown_at_the_field(client, cast, community_measure):
    measure = community_measure(served_on="2024-03-01")
    case = case_of(measure)
    client.force_login(cast.worker_a)
    with at("2024-04-01"):
        page = client.get(reverse("community:case_detail", args=[case.pk]))
        assert 'id="refuse-form"' in page.content.decode()
        response = client.post(
            reverse("community:case_report_in", args=[case.pk]), {"report-on": "2024-04-01"}
        )
        assert response.status_code == 422
        assert response.context["report_form"].errors["late_reason"]
        ok = client.post(
            reverse("community:case_report_in", args=[case.pk]),
            {"report-on": "2024-04-01", "report-late_reason": "住院治疗"},
        )
    assert ok.status_code == 302
    assert case_of(measure).measure.late_report_reason == "住院治疗"


def test_refusal_through_the_page(client, cast, community_measure):
    case = case_of(community_measure(served_on="2024-03-01"))
    client.force_login(cast.worker_a)
    with at("2024-04-01"):
        response = client.post(
            reverse("community:case_refuse", args=[case.pk]), {"refuse-on": "2024-04-01"}
        )
    assert response.status_code == 302
    assert case_of(case.measure).state == CaseState.REFERRED


def test_refusal_before_the_deadline_is_refused(client, cast, community_measure):
    case = case_of(community_measure(served_on="2024-03-01"))
    client.force_login(cast.worker_a)
    with at("2024-03-05"):
        response = client.post(
            reverse("community:case_refuse", args=[case.pk]), {"refuse-on": "2024-03-05"}
        )
    assert response.status_code == 422
    assert case_of(case.measure).state == CaseState.AWAITING_REPORT


def test_police_read_the_case_page_without_work_forms(client, cast, community_measure):
    case = case_of(community_measure())
    client.force_login(cast.police)
    with at("2024-03-05"):
        response = client.get(reverse("community:case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert response.context["member_form"] is None
    assert response.context["assign_form"] is None


def test_alerts_unseen_first_and_marked_seen(client, cast, community_measure, reported_case):
    from jiedu.community.choices import AlertKind
    from jiedu.community.models import CaseAlert
    from jiedu.community.services.common import raise_alert

    case = reported_case(community_measure())
    old = raise_alert(case, AlertKind.POSITIVE_TEST, D("2024-03-02"), detail="旧", source="x:1")
    new = raise_alert(case, AlertKind.POSITIVE_TEST, D("2024-03-03"), detail="新", source="x:2")
    client.force_login(cast.worker_a)
    with at("2024-03-05"):
        client.post(reverse("community:casealert_seen", args=[new.pk]))
        response = client.get(reverse("community:case_detail", args=[case.pk]))
    assert [a.pk for a in response.context["alerts"]] == [old.pk, new.pk]
    assert CaseAlert.objects.get(pk=new.pk).seen_by == str(cast.worker_a)
