"""The work lists show what the evaluation centre, the committee and the deciding organ owe."""

import pytest
from django.urls import reverse

from jiedu.centres.services import education
from jiedu.evaluations import services
from jiedu.evaluations.choices import EvaluationKind, Opinion
from jiedu.worklists import sections

from .conftest import D, at, detox_records, recovery_records

pytestmark = pytest.mark.django_db


def keyed(user, unit, day):
    return {s.key: s for s in sections.build(user, unit, D(day))}


def test_the_facility_sees_handbooks_evaluations_talks_and_the_organ_its_proposals(
    cast, admit, client
):
    client.force_login(cast.facility_officer)
    stay = admit("2024-03-01")
    with at("2024-03-01"):
        education.assign_case_officer(
            stay, officer=cast.facility_officer, since=D("2024-03-01"), actor=cast.facility_leader
        )
    got = keyed(cast.facility_officer, cast.facility, "2024-04-10")
    due = [(r.text, r.state) for r in got["evaluations"].rows]
    assert ("建立诊断评估手册", "overdue") in due
    assert ("入所调查评估", "overdue") in due
    assert [r.person for r in got["talks"].rows] == [stay.person]  # no talk since 1 March
    nobody = admit("2024-04-01", name="无人分管")
    talks = keyed(cast.facility_officer, cast.facility, "2024-04-10")["talks"].rows
    assert [(r.person, r.text) for r in talks] == [
        (stay.person, "分管民警：所内民警"),
        (nobody.person, "未分配分管民警"),
    ]
    page = client.get(reverse("centres:education_work", args=[cast.facility.code]))
    assert list(page.context["unassigned"]) == [nobody]
    assert got["evaluations"].rows[0].url == f"/evaluations/stays/{stay.pk}/"

    with at("2024-03-02"):
        services.open_handbook(stay, opened_on=D("2024-03-02"), actor=cast.facility_officer)
    recovery_records(cast, stay, "2025-02-20")
    detox_records(cast, stay, "2025-02-21")
    with at("2025-02-25"):
        draft = services.start_evaluation(
            stay, EvaluationKind.ONE_YEAR, on=D("2025-02-25"), actor=cast.facility_officer
        )
        blank = {i.code: (i.max_points, "") for i in draft.items.filter(suggested_points=None)}
        services.score_items(draft, blank, actor=cast.facility_officer)
        done = services.complete_evaluation(
            draft,
            actor=cast.facility_officer,
            opinion=Opinion.EARLY_RELEASE,
            proposed_release_on=D("2025-03-10"),
        )
        services.decide_in_committee(
            done.proposal, approve=True, on=D("2025-02-25"), actor=cast.facility_leader
        )
    organ = keyed(cast.police, cast.deciding_organ, "2025-03-05")
    (row,) = organ["organ_proposals"].rows
    assert (row.person, row.due, row.state) == (stay.person, D("2025-03-04"), "overdue")
    assert "organ_proposals" not in keyed(cast.outsider, cast.county_b, "2025-03-05")
    assert keyed(cast.facility_officer, cast.facility, "2025-03-05")["proposals"].total == 1


def test_what_is_due_costs_the_same_queries_for_one_or_many_people(
    cast, admit, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiedu.evaluations import queries

    admit("2024-03-01")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            queries.due_for_stays(queries.open_stays(cast.facility), D("2024-04-01"))
        return len(ctx.captured_queries)

    one = count()
    for day in ("2024-03-02", "2024-03-03", "2024-03-04"):
        admit(day)
    assert count() == one


def test_no_stage_evaluation_is_due_where_the_facility_has_no_later_zone(cast, zones, admit):
    """A police facility's education zone is its last before transfer: nothing to gate."""
    from jiedu.evaluations import queries
    from jiedu.facilities.choices import ZoneKind
    from jiedu.facilities.models import Zone

    stay = admit("2024-03-01")
    due = queries.due_for_stays(queries.open_stays(cast.facility), D("2024-04-05"))
    assert EvaluationKind.DETOX_STAGE in {r.kind for r in due if r.stay == stay}
    for zone in Zone.objects.filter(facility=cast.facility).exclude(kind=ZoneKind.DETOX):
        zone.is_active = False
        zone.save()
    due = queries.due_for_stays(queries.open_stays(cast.facility), D("2024-04-05"))
    assert EvaluationKind.DETOX_STAGE not in {r.kind for r in due if r.stay == stay}
