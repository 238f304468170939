"""The evaluation pages: the centre's work page, a stay's evaluation file, scoring with the
pre-filled suggestions (an override needs a reason, shown at its item), completion, the
committee (禁毒法 Art. 47) and the deciding organ (戒毒条例 Art. 33: decision within 7 days);
scope (404 alike for missing and forbidden); the access log; query counts."""

from __future__ import annotations

import itertools
import sys
import types
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedu.centres.services import medical
from jiedu.core.models import AccessAction, AccessLogEntry
from jiedu.evaluations import services
from jiedu.evaluations.choices import (
    EvaluationKind,
    EvaluationStatus,
    Opinion,
    ProposalStatus,
)
from jiedu.evaluations.models import Evaluation, Handbook, Proposal
from jiedu.evaluations.panels import evaluations_panel
from jiedu.facilities import services as facilities
from jiedu.facilities.choices import ZoneKind
from jiedu.measures import services as measures
from jiedu.measures.choices import IsolationGround, MeasureKind
from jiedu.testing.cast import make_person
from jiedu.utilities import resident_id

pytestmark = pytest.mark.django_db

D = date.fromisoformat
_numbers = itertools.count(1)


def at(day: str):
    return time_machine.travel(D(day), tick=False)


@pytest.fixture
def zone(cast):
    """The detox zone (and an education zone after it, so that leaving detox is gated)."""
    facilities.add_zone(
        cast.facility,
        kind=ZoneKind.EDUCATION_ADAPTATION,
        name="二区",
        beds=12,
        actor=cast.facility_leader,
    )
    return facilities.add_zone(
        cast.facility, kind=ZoneKind.DETOX, name="一区", beds=12, actor=cast.facility_leader
    )


def admitted(cast, zone=None, name="王五", day="2026-03-01"):
    """A man decided into compulsory isolation by the county A police and admitted to the
    judicial facility the same day (in the detox zone when one is given)."""
    n = next(_numbers)
    birth = D("1990-05-17")
    with at(day):
        person = make_person(
            cast.worker_a,
            cast.township_a,
            name,
            birth,
            "male",
            id_number=resident_id.build("990102", birth, (n % 499) * 2 + 1),
        )
        measure = measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=D(day),
                served_on=D(day),
                executing_unit=cast.facility,
                deciding_organ=cast.deciding_organ,
                decision_number=f"江公强戒决字〔{day[:4]}〕{n}号",
                ground=IsolationGround.RELAPSE,
            ),
            actor=cast.police,
        )
        bed = zone.beds.order_by("code")[n % 12] if zone is not None else None
        return facilities.admit_person(
            measure,
            facility=cast.facility,
            data=facilities.IntakeInput(
                on=D(day), identity_checked=True, searched_by=["民警甲", "民警乙"], bed=bed
            ),
            actor=cast.facility_officer,
        )


def detox_records(cast, stay, day="2026-03-15"):
    """What the medical centre recorded: a negative test, withdrawal medication stopped, and a
    withdrawal check with no symptoms — the detox sheet's pre-fill reads these."""
    officer = cast.facility_officer
    with at(day):
        medical.record_drug_test(
            stay,
            tested_on=D(day),
            occasion="routine",
            sample="urine",
            substances="吗啡、甲基苯丙胺",
            result="negative",
            tester="刘医生",
            actor=officer,
        )
        order = medical.record_medication(
            stay,
            drug="洛非西定",
            purpose="withdrawal",
            dose="0.2mg 每日两次",
            started_on=stay.admitted_on,
            prescriber="刘医生",
            actor=officer,
        )
        medical.stop_medication(order, on=D(day), actor=officer)
        medical.record_withdrawal_check(
            stay,
            checked_on=D(day),
            acute_symptoms="none",
            protracted_symptoms=[],
            psychiatric_state="none",
            examiner="刘医生",
            actor=officer,
        )


def with_handbook(cast, stay, day="2026-03-02"):
    with at(day):
        return services.open_handbook(stay, opened_on=D(day), actor=cast.facility_officer)


def detox_draft(cast, stay, day="2026-03-20"):
    with_handbook(cast, stay)
    detox_records(cast, stay)
    with at(day):
        return services.start_evaluation(
            stay, EvaluationKind.DETOX_STAGE, on=D(day), actor=cast.facility_officer
        )


def score_post(evaluation, action="save", **changes) -> dict:
    """The scoring form as the page sends it: every item at its pre-filled points."""
    data = {"action": action, "summary": ""}
    for item in evaluation.items.all():
        points = item.points if item.points is not None else item.max_points
        data[f"points_{item.code}"] = str(points)
        data[f"reason_{item.code}"] = ""
    data.update(changes)
    return data


def full_marks_post(evaluation, action="complete", **changes) -> dict:
    data = {"action": action, "summary": "各项均达标"}
    for item in evaluation.items.all():
        data[f"points_{item.code}"] = str(item.max_points)
        data[f"reason_{item.code}"] = "现场考核全部达标"
    data.update(changes)
    return data


def one_year_completed(cast, stay):
    """一年后综合诊断评估, all passed, with an early-release opinion (a drafted proposal)."""
    with_handbook(cast, stay, "2024-03-02")
    with at("2025-03-05"):
        evaluation = services.start_evaluation(
            stay, EvaluationKind.ONE_YEAR, on=D("2025-03-05"), actor=cast.facility_officer
        )
        services.score_items(
            evaluation,
            {i.code: (i.max_points, "现场考核全部达标") for i in evaluation.items.all()},
            actor=cast.facility_officer,
        )
        return services.complete_evaluation(
            evaluation,
            actor=cast.facility_officer,
            opinion=Opinion.EARLY_RELEASE,
            summary="三项合格",
            proposed_release_on=D("2025-03-20"),
        )


def sent(cast, evaluation):
    """The committee sends the evaluation's proposal to the deciding organ."""
    with at("2025-03-05"):
        return services.decide_in_committee(
            evaluation.proposal, approve=True, on=D("2025-03-05"), actor=cast.facility_leader
        )


def url(name, *args):
    return reverse(f"evaluations:{name}", args=args)


# --- Pages for an allowed user ------------------------------------------------------------------


def test_the_work_page_lists_the_handbook_due_with_a_start_button(cast, zone, client):
    stay = admitted(cast, zone, "赵六")
    client.force_login(cast.facility_officer)
    with at("2026-03-10"):  # 7 days from admission have passed
        page = client.get(url("work", cast.facility.code))
    assert page.status_code == 200
    html = page.content.decode()
    assert "赵六" in html
    due = {d.kind: d for d in page.context["due"]}
    assert due["handbook"].overdue
    assert due["handbook"].due_on == D("2026-03-08")
    assert reverse("evaluations:handbook_open", args=[stay.pk]) in html
    assert "已逾期" in html


def test_the_work_page_shows_drafts_proposals_and_completed(cast, client):
    stay = admitted(cast, name="钱七", day="2024-03-01")
    evaluation = one_year_completed(cast, stay)
    proposal = evaluation.proposal
    other = admitted(cast, name="孙八", day="2024-03-01")
    with_handbook(cast, other, "2024-03-02")
    with at("2025-03-05"):
        draft = services.start_evaluation(
            other, EvaluationKind.ADMISSION, on=D("2025-03-05"), actor=cast.facility_officer
        )
    client.force_login(cast.facility_leader)
    with at("2025-03-06"):
        page = client.get(url("work", cast.facility.code))
    assert [e.pk for e in page.context["drafts"]] == [draft.pk]
    assert [p.pk for p in page.context["committee"]] == [proposal.pk]
    assert [e.pk for e, _r in page.context["completed"]] == [evaluation.pk]
    html = page.content.decode()
    assert reverse("evaluations:proposal_committee", args=[proposal.pk]) in html  # leader
    client.force_login(cast.facility_officer)
    with at("2025-03-06"):
        html = client.get(url("work", cast.facility.code)).content.decode()
    assert reverse("evaluations:proposal_committee", args=[proposal.pk]) not in html


def test_the_stay_page_shows_the_handbook_due_date_and_the_zone_gate(cast, zone, client):
    stay = admitted(cast, zone)
    client.force_login(cast.facility_officer)
    with at("2026-03-05"):
        page = client.get(url("stay", stay.pk))
    assert page.status_code == 200
    assert page.context["handbook_due_by"] == D("2026-03-08")
    assert not page.context["handbook_overdue"]
    assert page.context["handbook_form"] is not None
    assert page.context["start_form"] is None  # no evaluation before the handbook
    gate = page.context["gate"]
    assert gate["kind"] == EvaluationKind.DETOX_STAGE and not gate["passed"]
    assert "生理脱毒阶段性评价" in page.content.decode()
    assert AccessLogEntry.objects.filter(
        action=AccessAction.VIEW_PERSON, person_pk=stay.person_id
    ).exists()


def test_the_stay_page_marks_a_missing_handbook_overdue(cast, zone, client):
    stay = admitted(cast, zone)
    client.force_login(cast.facility_officer)
    with at("2026-03-09"):
        page = client.get(url("stay", stay.pk))
    assert page.context["handbook_overdue"]
    assert 'id="handbook-due" class="danger"' in page.content.decode()


def test_the_detail_page_shows_each_suggestion_with_its_basis(cast, zone, client):
    stay = admitted(cast, zone)
    evaluation = detox_draft(cast, stay)
    client.force_login(cast.facility_officer)
    with at("2026-03-20"):
        page = client.get(url("detail", evaluation.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "2026-03-15所内检测：阴性" in html
    assert "控制戒断症状用药已于2026-03-15停止" in html
    assert "重新读取中心记录" in html
    form = page.context["form"]
    assert (
        form["points_drug_test_negative"].value()
        == "20"  # the pre-filled 20.0 of the sheet, shown plainly
    )
    assert "opinion" not in form.fields  # a stage evaluation forms no opinion
    assert AccessLogEntry.objects.filter(person_pk=stay.person_id).exists()


def test_a_comprehensive_evaluation_offers_only_its_opinions(cast, client):
    stay = admitted(cast, day="2024-03-01")
    with_handbook(cast, stay, "2024-03-02")
    with at("2025-03-05"):
        evaluation = services.start_evaluation(
            stay, EvaluationKind.ONE_YEAR, on=D("2025-03-05"), actor=cast.facility_officer
        )
    client.force_login(cast.facility_officer)
    with at("2025-03-05"):
        page = client.get(url("detail", evaluation.pk))
    choices = [value for value, _label in page.context["form"].fields["opinion"].choices]
    assert choices == ["", Opinion.EARLY_RELEASE, Opinion.CONTINUE]


def test_the_proposal_page_and_list(cast, client):
    stay = admitted(cast, name="钱七", day="2024-03-01")
    proposal = one_year_completed(cast, stay).proposal
    client.force_login(cast.facility_leader)
    with at("2025-03-06"):
        page = client.get(url("proposal", proposal.pk))
        listing = client.get(url("proposal_list"))
    assert page.status_code == 200
    assert page.context["committee_form"] is not None
    assert page.context["decision_form"] is None
    assert listing.status_code == 200
    assert [p.pk for p in listing.context["rows"]] == [proposal.pk]
    # The organ sees the proposal only once the committee has sent it; then it decides.
    client.force_login(cast.police)
    with at("2025-03-06"):
        assert client.get(url("proposal", proposal.pk)).status_code == 404
        assert list(client.get(url("proposal_list")).context["rows"]) == []
    sent(cast, proposal.evaluation)
    with at("2025-03-06"):
        page = client.get(url("proposal", proposal.pk))
    assert page.status_code == 200
    assert page.context["committee_form"] is None
    assert page.context["decision_form"] is not None


def test_the_report_pdf_is_served_and_logged_as_an_export(cast, client, monkeypatch):
    stay = admitted(cast, day="2024-03-01")
    evaluation = one_year_completed(cast, stay)
    fake = types.ModuleType("jiedu.evaluations.documents")
    fake.render_evaluation_report = lambda e: b"%PDF-1.4 report of " + str(e.pk).encode()
    monkeypatch.setitem(sys.modules, "jiedu.evaluations.documents", fake)
    client.force_login(cast.facility_officer)
    response = client.get(url("report_pdf", evaluation.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AccessLogEntry.objects.filter(
        action=AccessAction.EXPORT, person_pk=stay.person_id
    ).exists()


def test_the_person_panel_lists_the_evaluations_the_user_may_see(cast, zone):
    stay = admitted(cast, zone)
    evaluation = detox_draft(cast, stay)
    request = RequestFactory().get("/")
    request.user = cast.facility_officer
    html = evaluations_panel(request, stay.person)
    assert reverse("evaluations:detail", args=[evaluation.pk]) in html
    assert "生理脱毒阶段性评价" in html
    request.user = cast.outsider
    assert evaluations_panel(request, stay.person) == ""
    request.user = cast.worker_a  # sees the person, not the facility's evaluations
    assert evaluations_panel(request, stay.person) == ""


# --- Scope: 404 alike for missing and forbidden --------------------------------------------------


@pytest.mark.parametrize("user", ["outsider", "police_facility_officer", "auditor", "worker_a"])
def test_users_without_the_evaluation_permission_there_get_404(cast, client, user):
    stay = admitted(cast, day="2024-03-01")
    evaluation = one_year_completed(cast, stay)
    proposal = evaluation.proposal
    client.force_login(getattr(cast, user))
    gets = [
        url("work", cast.facility.code),
        url("stay", stay.pk),
        url("detail", evaluation.pk),
        url("report_pdf", evaluation.pk),
    ]
    posts = [
        url("handbook_open", stay.pk),
        url("evaluation_start", stay.pk),
        url("detail", evaluation.pk),
        url("evaluation_refresh", evaluation.pk),
    ]
    if user != "worker_a":  # county A's police bureau is inside county A: see below
        gets.append(url("proposal", proposal.pk))
        posts += [url("proposal_committee", proposal.pk), url("proposal_decide", proposal.pk)]
    for address in gets:
        assert client.get(address).status_code == 404, address
    for address in posts:
        assert client.post(address, {}).status_code == 404, address


def test_a_community_worker_has_no_proposal_pages(cast, client):
    stay = admitted(cast, day="2024-03-01")
    proposal = one_year_completed(cast, stay).proposal
    client.force_login(cast.worker_a)
    assert client.get(url("proposal", proposal.pk)).status_code == 404
    assert client.get(url("proposal_list")).status_code == 403


def test_missing_records_are_404(cast, client):
    client.force_login(cast.facility_leader)
    for address in [
        url("work", "NO-SUCH"),
        url("work", cast.county_a.code),  # a unit that is not a facility
        url("stay", 999999),
        url("detail", 999999),
        url("report_pdf", 999999),
        url("proposal", 999999),
    ]:
        assert client.get(address).status_code == 404, address


def test_the_organ_sees_only_its_own_proposals(cast, client):
    stay = admitted(cast, day="2024-03-01")
    proposal = sent(cast, one_year_completed(cast, stay))
    client.force_login(cast.police)
    with at("2025-03-06"):
        rows = client.get(url("proposal_list")).context["rows"]
    assert [p.pk for p in rows] == [proposal.pk]
    client.force_login(cast.police_facility_officer)  # another facility's leader
    with at("2025-03-06"):
        rows = client.get(url("proposal_list")).context["rows"]
    assert list(rows) == []


# --- POST flows ---------------------------------------------------------------------------------


def test_opening_the_handbook(cast, zone, client):
    stay = admitted(cast, zone)
    client.force_login(cast.facility_officer)
    with at("2026-03-05"):
        response = client.post(url("handbook_open", stay.pk), {"handbook-opened_on": "2026-03-05"})
        retried = client.post(url("handbook_open", stay.pk), {"handbook-opened_on": "2026-03-05"})
        page = client.get(url("stay", stay.pk))
    assert response.status_code == retried.status_code == 302
    assert Handbook.objects.filter(admission=stay).count() == 1
    handbook = Handbook.objects.get(admission=stay)
    assert handbook.opened_on == D("2026-03-05")
    assert handbook.number in page.content.decode()
    assert page.context["start_form"] is not None


def test_a_handbook_dated_before_admission_is_refused_at_its_field(cast, zone, client):
    stay = admitted(cast, zone)
    client.force_login(cast.facility_officer)
    with at("2026-03-05"):
        response = client.post(url("handbook_open", stay.pk), {"handbook-opened_on": "2026-02-01"})
    assert response.status_code == 422
    assert response.context["handbook_form"].errors["opened_on"]
    assert not Handbook.objects.exists()


def test_starting_an_evaluation_prefills_from_the_centres_records(cast, zone, client):
    stay = admitted(cast, zone)
    with_handbook(cast, stay)
    detox_records(cast, stay)
    client.force_login(cast.facility_officer)
    data = {"start-kind": EvaluationKind.DETOX_STAGE, "start-evaluated_on": "2026-03-20"}
    with at("2026-03-20"):
        response = client.post(url("evaluation_start", stay.pk), data)
        retried = client.post(url("evaluation_start", stay.pk), data)
    evaluation = Evaluation.objects.get(admission=stay)
    assert response.status_code == retried.status_code == 302
    assert response["Location"] == url("detail", evaluation.pk)
    points = {i.code: i.points for i in evaluation.items.all()}
    assert points == {
        "drug_test_negative": 20,
        "withdrawal_medication_stopped": 20,
        "acute_withdrawal_gone": 20,
        "no_protracted_withdrawal": 20,
        "no_psychiatric_symptoms": 20,
    }


def test_starting_without_a_handbook_is_refused_at_the_kind(cast, zone, client):
    stay = admitted(cast, zone)
    client.force_login(cast.facility_officer)
    with at("2026-03-20"):
        response = client.post(
            url("evaluation_start", stay.pk),
            {"start-kind": EvaluationKind.DETOX_STAGE, "start-evaluated_on": "2026-03-20"},
        )
    assert response.status_code == 422
    assert "请先建立诊断评估手册" in str(response.context["start_form"].errors["kind"])
    assert not Evaluation.objects.exists()


def test_an_override_without_a_reason_is_shown_at_its_item(cast, zone, client):
    stay = admitted(cast, zone)
    evaluation = detox_draft(cast, stay)
    client.force_login(cast.facility_officer)
    data = score_post(evaluation, points_acute_withdrawal_gone="0")
    with at("2026-03-20"):
        response = client.post(url("detail", evaluation.pk), data)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "请填写调整理由" in str(errors["points_acute_withdrawal_gone"])
    html = response.content.decode()
    row = html[html.index('id="item-acute_withdrawal_gone"') :]
    row = row[: row.index("</tr>")]
    assert "has-error" in row and "请填写调整理由" in row
    assert evaluation.items.get(code="acute_withdrawal_gone").points == 20  # nothing saved

    data["reason_acute_withdrawal_gone"] = "复查时仍有轻度戒断症状"
    with at("2026-03-20"):
        response = client.post(url("detail", evaluation.pk), data)
    assert response.status_code == 302
    item = evaluation.items.get(code="acute_withdrawal_gone")
    assert item.points == 0 and item.override_reason == "复查时仍有轻度戒断症状"


def test_a_number_out_of_range_is_shown_at_its_item(cast, zone, client):
    stay = admitted(cast, zone)
    evaluation = detox_draft(cast, stay)
    client.force_login(cast.facility_officer)
    data = score_post(evaluation, points_drug_test_negative="25", reason_drug_test_negative="x")
    with at("2026-03-20"):
        response = client.post(url("detail", evaluation.pk), data)
    assert response.status_code == 422
    assert "分值应在0到" in str(response.context["form"].errors["points_drug_test_negative"])


def test_completing_a_detox_stage_evaluation(cast, zone, client):
    stay = admitted(cast, zone)
    evaluation = detox_draft(cast, stay)
    client.force_login(cast.facility_officer)
    with at("2026-03-20"):
        response = client.post(url("detail", evaluation.pk), score_post(evaluation, "complete"))
        page = client.get(url("detail", evaluation.pk))
        stay_page = client.get(url("stay", stay.pk))
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.COMPLETED
    assert evaluation.passed is True and evaluation.detox_result == "pass"
    assert page.context["form"] is None
    html = page.content.decode()
    assert "合格" in html and url("report_pdf", evaluation.pk) in html
    assert stay_page.context["gate"]["passed"]


def test_completing_with_an_item_unscored_is_refused(cast, zone, client):
    stay = admitted(cast, zone)
    with_handbook(cast, stay)  # no centre records: nothing to pre-fill
    with at("2026-03-20"):
        evaluation = services.start_evaluation(
            stay, EvaluationKind.DETOX_STAGE, on=D("2026-03-20"), actor=cast.facility_officer
        )
    client.force_login(cast.facility_officer)
    data = score_post(evaluation, "complete", points_drug_test_negative="")
    with at("2026-03-20"):
        response = client.post(url("detail", evaluation.pk), data)
    assert response.status_code == 422
    assert "未评分" in str(response.context["form"].non_field_errors())
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.DRAFT


def test_refreshing_reads_records_entered_after_the_start(cast, zone, client):
    stay = admitted(cast, zone)
    with_handbook(cast, stay)
    with at("2026-03-20"):
        evaluation = services.start_evaluation(
            stay, EvaluationKind.DETOX_STAGE, on=D("2026-03-20"), actor=cast.facility_officer
        )
    assert evaluation.items.get(code="drug_test_negative").suggested_points is None
    detox_records(cast, stay, "2026-03-20")
    client.force_login(cast.facility_officer)
    with at("2026-03-20"):
        response = client.post(url("evaluation_refresh", evaluation.pk))
    assert response.status_code == 302
    assert evaluation.items.get(code="drug_test_negative").suggested_points == 20


def test_a_medical_officer_reads_but_does_not_score(cast, zone, client):
    stay = admitted(cast, zone)
    evaluation = detox_draft(cast, stay)
    from jiedu.testing.cast import make_user

    doctor = make_user("facility_doctor", cast.facility, "medical_officer")
    client.force_login(doctor)
    with at("2026-03-20"):
        page = client.get(url("detail", evaluation.pk))
        post = client.post(url("detail", evaluation.pk), score_post(evaluation))
    assert page.status_code == 200 and page.context["form"] is None
    assert post.status_code == 403


def test_one_year_early_release_through_committee_and_organ(cast, client):
    stay = admitted(cast, name="钱七", day="2024-03-01")
    measure = stay.measure
    with_handbook(cast, stay, "2024-03-02")
    with at("2025-03-05"):
        evaluation = services.start_evaluation(
            stay, EvaluationKind.ONE_YEAR, on=D("2025-03-05"), actor=cast.facility_officer
        )
    client.force_login(cast.facility_officer)
    # The early-release opinion needs a release day.
    with at("2025-03-05"):
        response = client.post(
            url("detail", evaluation.pk),
            full_marks_post(evaluation, opinion=Opinion.EARLY_RELEASE),
        )
    assert response.status_code == 422
    assert response.context["form"].errors["proposed_release_on"]
    with at("2025-03-05"):
        response = client.post(
            url("detail", evaluation.pk),
            full_marks_post(
                evaluation,
                opinion=Opinion.EARLY_RELEASE,
                proposed_release_on="2025-03-20",
                community_rehab_years="2",
            ),
        )
    assert response.status_code == 302
    proposal = Proposal.objects.get(evaluation=evaluation)
    assert proposal.status == ProposalStatus.DRAFTED

    # 所务会: a refusal needs reasons; then the leader sends it on.
    client.force_login(cast.facility_leader)
    committee = url("proposal_committee", proposal.pk)
    with at("2025-03-06"):
        response = client.post(
            committee, {"committee-decision": "reject", "committee-on": "2025-03-06"}
        )
        assert response.status_code == 422
        assert response.context["committee_form"].errors["note"]
        response = client.post(
            committee,
            {
                "committee-decision": "approve",
                "committee-on": "2025-03-06",
                "next": url("work", cast.facility.code),
            },
        )
    assert response.status_code == 302
    assert response["Location"] == url("work", cast.facility.code)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.decision_due_by == D("2025-03-13")

    # The facility officer may not decide for the organ.
    decide = url("proposal_decide", proposal.pk)
    decision = {
        "decide-decision": "approve",
        "decide-decided_on": "2025-03-10",
        "decide-decision_number": "江公强戒提决字〔2025〕1号",
        "decide-release_on": "",
        "decide-note": "",
    }
    with at("2025-03-10"):
        assert client.post(decide, decision).status_code == 403

    client.force_login(cast.police)
    with at("2025-03-10"):
        page = client.get(url("proposal", proposal.pk))
        assert page.context["decision_form"] is not None
        missing_number = client.post(decide, {**decision, "decide-decision_number": ""})
        assert missing_number.status_code == 422
        assert missing_number.context["decision_form"].errors["decision_number"]
        response = client.post(decide, decision)
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert proposal.approved_release_on == D("2025-03-20")
    measure.refresh_from_db()
    assert measure.approved_release_on == D("2025-03-20")
    assert measure.term_end == D("2025-03-20")
    with at("2025-03-10"):
        page = client.get(url("proposal", proposal.pk))
    assert [what for _d, _w, what in page.context["history"]][-1].startswith("决定机关批准")


def test_the_organ_list_marks_a_decision_overdue(cast, client):
    stay = admitted(cast, day="2024-03-01")
    proposal = one_year_completed(cast, stay).proposal
    with at("2025-03-06"):
        services.decide_in_committee(
            proposal, approve=True, on=D("2025-03-06"), actor=cast.facility_leader
        )
    client.force_login(cast.police)
    with at("2025-03-20"):  # due 2025-03-13
        html = client.get(url("proposal_list")).content.decode()
    row = html[html.index(f'id="proposal-{proposal.pk}"') - 40 :]
    assert "state-overdue" in row[:80] and "已逾期" in row


# --- Query counts -------------------------------------------------------------------------------


def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


def test_the_work_page_runs_a_fixed_number_of_queries(
    cast, zone, client, django_assert_max_num_queries
):
    detox_draft(cast, admitted(cast, zone, "人员0"))
    client.force_login(cast.facility_officer)
    address = url("work", cast.facility.code)
    with at("2026-03-21"):
        baseline = _queries(client, address)
    for i in range(1, 5):
        detox_draft(cast, admitted(cast, zone, f"人员{i}"))
    with at("2026-03-21"), django_assert_max_num_queries(baseline):
        page = client.get(address)
    assert len(page.context["drafts"]) == 5
    # Each one's admission evaluation (overdue) and detox stage evaluation (still a draft).
    assert len(page.context["due"]) == 10


def test_the_proposal_list_runs_a_fixed_number_of_queries(
    cast, client, django_assert_max_num_queries
):
    sent(cast, one_year_completed(cast, admitted(cast, day="2024-03-01")))
    client.force_login(cast.police)
    address = url("proposal_list")
    with at("2025-03-06"):
        baseline = _queries(client, address)
    for i in range(3):
        sent(cast, one_year_completed(cast, admitted(cast, name=f"人员{i}", day="2024-03-01")))
    with at("2025-03-06"), django_assert_max_num_queries(baseline):
        page = client.get(address)
    assert len(page.context["rows"]) == 4


def test_the_evaluation_page_shows_the_proposal_only_to_those_who_may_see_proposals(cast, client):
    from jiedu.testing.cast import make_user

    evaluation = one_year_completed(cast, admitted(cast, day="2024-03-01"))
    doctor = make_user("facility_doctor", cast.facility, "medical_officer")
    with at("2025-03-06"):
        client.force_login(cast.facility_leader)
        assert client.get(url("detail", evaluation.pk)).context["proposal"] is not None
        client.force_login(doctor)
        page = client.get(url("detail", evaluation.pk))
        stay_page = client.get(url("stay", evaluation.admission_id))
    assert page.status_code == 200 and page.context["proposal"] is None
    # The stay's evaluation list carries no proposal for the doctor either.
    assert [proposal for _e, _results, proposal in stay_page.context["rows"]] == [None]
