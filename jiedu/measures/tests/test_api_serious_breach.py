"""GET /api/v1/measures/{id} carries `serious_breach` and its counts (戒毒条例 Art. 20) for a
community measure — false, then true once the facts meet a ground — and null for others. The
facts come from the community app through `measures.facts` (the provider registry)."""

import pytest

from jiedu.accounts.services import issue_token
from jiedu.community.services import absences

# The community app's fixtures, used here through `community_case`.
from jiedu.community.tests.conftest import (  # noqa: F401
    D,
    at,
    community_case,
    community_measure,
    reported_case,
)
from jiedu.measures.choices import MeasureKind

pytestmark = pytest.mark.django_db


def get(client, user, measure_id):
    _token, raw = issue_token(actor=user, user=user, days=None)
    return client.get(f"/api/v1/measures/{measure_id}", HTTP_AUTHORIZATION=f"Bearer {raw}")


def away(case, actor, left_on, returned_on):
    with at(returned_on):
        absences.record_absence(case, left_on=D(left_on), returned_on=D(returned_on), actor=actor)


def test_serious_breach_is_false_then_true_with_the_counts(
    cast,
    community_case,  # noqa: F811
    client,
):
    case = community_case(served_on="2024-03-01", reported_on="2024-03-05")
    away(case, cast.worker_a, "2024-04-01", "2024-04-20")  # 20 days
    with at("2024-05-01"):
        before = get(client, cast.police, case.measure_id)
    assert before.status_code == 200
    data = before.json()
    assert data["serious_breach"] is False
    counts = data["serious_breach_counts"]
    assert (counts["unapproved_absences"], counts["unapproved_days_away"]) == (1, 20)
    assert counts["refused_or_evaded_tests"] == 0
    assert counts["thresholds"] == {
        "refused_or_evaded_tests": 3,
        "unapproved_absences": 3,
        "unapproved_days_away": 30,
    }
    assert counts["met"] == [] and counts["since"] is None
    away(case, cast.worker_a, "2024-05-10", "2024-05-20")  # 11 more: 31 in all
    with at("2024-05-21"):
        after = get(client, cast.worker_a, case.measure_id).json()
    assert after["serious_breach"] is True
    assert after["serious_breach_counts"]["unapproved_days_away"] == 31
    assert after["serious_breach_counts"]["met"] == ["days_away"]
    assert after["serious_breach_counts"]["since"] == "2024-05-20"
    assert after["serious_breach_counts"]["recorded_since"] == "2024-05-20"
    assert after["serious_breach_counts"]["source"] == "戒毒条例 Art. 20"


def test_serious_breach_is_null_for_other_measures(cast, client):
    from jiedu.measures import services
    from jiedu.testing.cast import make_person

    person = make_person(cast.police, cast.township_a, "王五")
    with at("2024-03-01"):
        measure = services.decide_measure(
            services.MeasureInput(
                person=person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=D("2024-03-01"),
                served_on=D("2024-03-01"),
                executing_unit=cast.police_facility,
                deciding_organ=cast.deciding_organ,
                decision_number="江公强戒决字〔2024〕1号",
            ),
            actor=cast.police,
        )
        data = get(client, cast.police, measure.pk).json()
    assert data["serious_breach"] is None
    assert data["serious_breach_counts"] is None
