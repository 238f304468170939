"""The work team (戒毒条例 Art. 17) and the agreement (戒毒条例 Art. 16, 38): who is on the team
on a day, signing after report-in only, numbering, supersession, the frozen text and its PDF."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pypdf import PdfReader

from jiedu.community.choices import TeamRole
from jiedu.community.documents import render_agreement
from jiedu.community.models import Agreement
from jiedu.community.services import team
from jiedu.community.tests.conftest import at, case_of
from jiedu.core.models import AccessLogEntry
from jiedu.core.refusals import Refusal

pytestmark = pytest.mark.django_db

D = date.fromisoformat


def sign(case, actor, day="2024-03-05", **kwargs):
    with at(day):
        return team.sign_agreement(case, on=D(day), actor=actor, **kwargs)


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- The team -----------------------------------------------------------------------------------


def test_team_members_join_and_leave_and_the_past_team_is_kept(cast, community_case):
    case = community_case(served_on="2024-03-01")
    with at("2024-03-02"):
        worker = team.add_member(
            case,
            role=TeamRole.SOCIAL_WORKER,
            user=cast.worker_a,
            started_on=D("2024-03-02"),
            actor=cast.worker_a,
        )
        mother = team.add_member(
            case,
            role=TeamRole.FAMILY_MEMBER,
            name="张母",
            phone="13800000000",
            started_on=D("2024-03-02"),
            actor=cast.worker_a,
        )
        again = team.add_member(
            case,
            role=TeamRole.FAMILY_MEMBER,
            name="张母",
            started_on=D("2024-03-02"),
            actor=cast.worker_a,
        )
    assert again == mother
    assert worker.name == str(cast.worker_a)
    with at("2024-04-01"):
        team.end_member(mother, on=D("2024-04-01"), actor=cast.worker_a)
        assert set(team.team_on(case, D("2024-03-15"))) == {worker, mother}
        assert list(team.team_on(case, D("2024-04-02"))) == [worker]


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"role": "", "name": "某"}, "required"),
        ({"role": TeamRole.VOLUNTEER, "name": ""}, "required"),
        (
            {"role": TeamRole.VOLUNTEER, "name": "某", "started_on": D("2024-02-01")},
            "before_measure",
        ),
        ({"role": TeamRole.VOLUNTEER, "name": "某", "started_on": D("2024-12-01")}, "future_date"),
    ],
)
def test_add_member_refusals(cast, community_case, kwargs, code):
    case = community_case(served_on="2024-03-01")
    kwargs = {"started_on": D("2024-03-02"), **kwargs}
    with at("2024-03-05"), pytest.raises(Refusal) as exc:
        team.add_member(case, actor=cast.worker_a, **kwargs)
    assert exc.value.refusal_code == code


def test_end_member_before_start_is_refused(cast, community_case):
    case = community_case()
    with at("2024-03-05"):
        member = team.add_member(
            case,
            role=TeamRole.VOLUNTEER,
            name="志愿者",
            started_on=D("2024-03-05"),
            actor=cast.worker_a,
        )
        with pytest.raises(Refusal) as exc:
            team.end_member(member, on=D("2024-03-04"), actor=cast.worker_a)
    assert exc.value.refusal_code == "before_start"


def test_police_cannot_change_the_team(cast, community_case):
    case = community_case()
    with at("2024-03-05"), pytest.raises(PermissionDenied):
        team.add_member(
            case, role=TeamRole.VOLUNTEER, name="某", started_on=D("2024-03-05"), actor=cast.police
        )


def test_team_through_the_page(client, cast, community_case):
    case = community_case()
    client.force_login(cast.worker_a)
    with at("2024-03-05"):
        response = client.post(
            reverse("community:teammember_add", args=[case.pk]),
            {
                "member-role": TeamRole.COMMUNITY_POLICE,
                "member-name": "李警官",
                "member-phone": "110",
                "member-started_on": "2024-03-05",
            },
        )
        assert response.status_code == 302
        member = team.team_on(case).get()
        response = client.post(
            reverse("community:teammember_end", args=[member.pk]), {"end-on": "2024-03-05"}
        )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.ended_on == D("2024-03-05")


# --- The agreement ------------------------------------------------------------------------------


def test_agreement_only_after_report_in(cast, community_measure):
    case = case_of(community_measure(served_on="2024-03-01"))
    with pytest.raises(Refusal) as exc:
        sign(case, cast.worker_a, "2024-03-02")
    assert exc.value.refusal_code == "not_reported"


def test_agreement_not_before_report_day(cast, community_case):
    case = community_case(served_on="2024-03-01", reported_on="2024-03-04")
    with pytest.raises(Refusal) as exc:
        sign(case, cast.worker_a, "2024-03-03")
    assert exc.value.refusal_code == "before_report"


def test_agreement_numbers_are_generated_per_unit_and_year(cast, community_case):
    one = community_case(name="甲")
    two = community_case(name="乙")
    a = sign(one, cast.worker_a)
    b = sign(two, cast.worker_a)
    code = cast.township_a.code
    assert a.number == f"{code}-2024-0001"
    assert b.number == f"{code}-2024-0002"
    assert a.unit == cast.township_a


def test_a_given_number_is_kept_and_unique_per_case(cast, community_case):
    case = community_case()
    first = sign(case, cast.worker_a, "2024-03-05", number="花社戒协〔2024〕7号")
    assert first.number == "花社戒协〔2024〕7号"
    with pytest.raises(Refusal) as exc:
        sign(case, cast.worker_a, "2024-03-06", number="花社戒协〔2024〕7号")
    assert exc.value.refusal_code == "number_taken"


def test_signing_again_supersedes_the_agreement_in_force(cast, community_case):
    case = community_case()
    first = sign(case, cast.worker_a, "2024-03-05")
    retry = sign(case, cast.worker_a, "2024-03-05")
    assert retry == first
    second = sign(case, cast.worker_a, "2024-06-01")
    first.refresh_from_db()
    assert first.superseded_on == D("2024-06-01")
    assert second.superseded_on is None
    assert team.agreement_in_force(case) == second
    assert second.number != first.number
    with pytest.raises(Refusal) as exc:
        sign(case, cast.worker_a, "2024-05-01")
    assert exc.value.refusal_code == "before_current"


def test_no_agreement_on_a_closed_case(cast, community_case):
    from jiedu.community.choices import CaseState
    from jiedu.community.models import CommunityCase

    case = community_case()
    CommunityCase.objects.filter(pk=case.pk).update(state=CaseState.CLOSED)
    case.refresh_from_db()
    with pytest.raises(Refusal) as exc:
        sign(case, cast.worker_a)
    assert exc.value.refusal_code == "case_closed"


def test_agreement_contents_hold_the_required_sections_and_rules(cast, community_case):
    case = community_case()
    with at("2024-03-05"):
        team.add_member(
            case,
            role=TeamRole.VOLUNTEER,
            name="志愿者王",
            started_on=D("2024-03-05"),
            actor=cast.worker_a,
        )
    agreement = sign(case, cast.worker_a)
    sections = {s["code"]: s for s in agreement.contents["sections"]}
    # 戒毒条例 Art. 16 (REG 16) requires the first three; ZJ Art. 34 / SD Art. 41 / CQ Art. 35 add
    # the others.
    assert list(sections) == ["measures", "rules", "liability", "rights", "team", "other"]
    text = "".join("".join(s["items"]) for s in sections.values())
    assert "3次以上" in text  # 戒毒条例 Art. 20: refused tests, absences
    assert "累计超过30日" in text
    assert "3日以上" in text  # 戒毒条例 Art. 19: written request for leave
    assert "志愿者王" in text
    assert "随机抽检" in "".join(sections["measures"]["items"])  # the schedule in words
    assert agreement.contents["title"] == "社区戒毒协议"


def test_rehabilitation_agreement_is_titled_so(cast, rehab_measure, reported_case):
    case = reported_case(rehab_measure(term_months=36))
    agreement = sign(case, cast.worker_a)
    assert agreement.contents["title"] == "社区康复协议"
    assert "社区康复协议" in pdf_text(render_agreement(agreement))


def test_agreement_pdf_is_a_readable_pdf(cast, community_case):
    case = community_case()
    agreement = sign(case, cast.worker_a)
    data = render_agreement(agreement)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "社区戒毒协议" in text
    assert agreement.number in text
    assert case.person.id_number_masked in text
    assert render_agreement(agreement) == data  # same agreement, same bytes


def test_agreement_pdf_view_checks_scope_and_logs(client, cast, community_case):
    case = community_case()
    agreement = sign(case, cast.worker_a)
    url = reverse("community:agreement_pdf", args=[agreement.pk])
    client.force_login(cast.outsider)
    assert client.get(url).status_code == 404
    client.force_login(cast.worker_a)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert AccessLogEntry.objects.filter(
        action="export", person_pk=case.person_id, user_id=cast.worker_a.pk
    ).exists()


def test_sign_through_the_page_and_refusal_shown_at_the_field(client, cast, community_measure):
    case = case_of(community_measure(served_on="2024-03-01"))
    client.force_login(cast.worker_a)
    url = reverse("community:agreement_sign", args=[case.pk])
    with at("2024-03-05"):
        refused = client.post(url, {"agreement-signed_on": "2024-03-05"})
    assert refused.status_code == 422
    assert refused.context["agreement_form"].errors["signed_on"]
    assert not Agreement.objects.filter(case=case).exists()


def test_agreement_due_shows_on_the_case_page(client, cast, community_case):
    case = community_case()
    client.force_login(cast.worker_a)
    with at("2024-03-05"):
        response = client.get(reverse("community:case_detail", args=[case.pk]))
        assert response.context["agreement_due"] is True
        client.post(
            reverse("community:agreement_sign", args=[case.pk]),
            {"agreement-signed_on": "2024-03-05"},
        )
        response = client.get(reverse("community:case_detail", args=[case.pk]))
    assert response.context["agreement_due"] is False
    assert response.context["agreement_in_force"] is not None
