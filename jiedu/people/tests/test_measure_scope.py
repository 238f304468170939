"""Cross-agency scope: a person managed by a township and held by a facility.

The facility executing the person's current measure shares the file (Person.measure_unit) while
the measure runs there, and loses it when the measure moves on; a measure is seen by the unit
executing it, the organ that decided it and the township managing the person (MEASURE_SCOPE).
Health details stay behind their own permission (戒毒条例 Art. 7: personal data are
confidential).
"""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiedu.facilities import services as facilities
from jiedu.measures import services as measures
from jiedu.measures.choices import IsolationGround, MeasureKind
from jiedu.measures.models import Measure
from jiedu.people import services as people
from jiedu.people.access import (
    can_view_health,
    get_health_for_user,
    get_person_for_user,
    person_has_perm,
)
from jiedu.people.models import HealthRecord, Person
from jiedu.testing.cast import make_person, make_user

pytestmark = pytest.mark.django_db

D = date.fromisoformat


def at(day):
    return time_machine.travel(D(day), tick=False)


def decide_isolation(cast, person, day, number):
    with at(day):
        return measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=D(day),
                served_on=D(day),
                executing_unit=cast.facility,
                deciding_organ=cast.deciding_organ,
                decision_number=number,
                ground=IsolationGround.RELAPSE,
            ),
            actor=cast.police,
        )


def admit(cast, measure, day):
    with at(day):
        return facilities.admit_person(
            measure,
            facility=cast.facility,
            data=facilities.IntakeInput(
                on=D(day), identity_checked=True, searched_by=["民警甲", "民警乙"]
            ),
            actor=cast.facility_officer,
        )


def release(cast, stay, day, community_rehab=None):
    with at(day):
        facilities.release_person(
            stay,
            on=D(day),
            actor=cast.facility_leader,
            certificate_number=f"解字{day}",
            community_rehab=community_rehab,
        )


def sees(user, person) -> bool:
    """Whether `user` reaches the file, through the list scope and the detail fetch alike."""
    listed = Person.objects.restrict(user, "view").filter(pk=person.pk).exists()
    try:
        get_person_for_user(user, person.uuid)
        opened = True
    except Http404:
        opened = False
    assert listed == opened, "the list and the detail page must agree"
    return listed


@pytest.fixture
def person(cast):
    return make_person(cast.worker_a, cast.township_a, "陈刚", date(1985, 4, 2))


@pytest.fixture
def held(cast, person):
    """The person decided 2024-03-01 and admitted to the judicial facility 2024-03-02."""
    measure = decide_isolation(cast, person, "2024-03-01", "江公强戒决字〔2024〕31号")
    stay = admit(cast, measure, "2024-03-02")
    people.update_health(person, {"hiv": "negative"}, actor=cast.medic)
    return measure, stay


# --- The facility and the person's file -------------------------------------------------------


def _released(cast, stay):
    release(cast, stay, "2026-02-28")  # the term's last day (禁毒法 Art. 47)


def _released_to_community_rehab(cast, stay):
    order = measures.CommunityRehabOrder(
        executing_unit=cast.township_a, term_months=36, decision_number="江公社康字〔2026〕3号"
    )
    release(cast, stay, "2026-02-28", order)


def _back_in_the_facility(cast, stay):
    _released(cast, stay)
    again = decide_isolation(cast, stay.person, "2026-06-01", "江公强戒决字〔2026〕8号")
    admit(cast, again, "2026-06-02")


@pytest.mark.parametrize(
    ("after", "facility_sees"),
    [
        pytest.param(None, True, id="禁毒法41-held-in-the-facility"),
        pytest.param(_released, False, id="戒毒条例34-released"),
        pytest.param(_released_to_community_rehab, False,
                     id="禁毒法48-released-to-community-rehabilitation"),
        pytest.param(_back_in_the_facility, True, id="禁毒法38-a-new-isolation-there"),
    ],
)  # fmt: skip
def test_the_facility_sees_the_file_while_its_measure_runs_there(
    cast, person, held, after, facility_sees
):
    _measure, stay = held
    if after is not None:
        after(cast, stay)
    person.refresh_from_db()
    assert sees(cast.facility_officer, person) is facility_sees
    assert person_has_perm(cast.facility_officer, "people.change_person", person) is facility_sees
    assert sees(cast.worker_a, person)  # the managing township keeps the file throughout
    assert not sees(cast.outsider, person)


def test_the_facility_does_not_see_a_person_before_any_measure(cast, person):
    assert not sees(cast.facility_officer, person)
    assert sees(cast.worker_a, person)


def test_a_facility_officer_may_edit_the_file_of_a_person_it_holds(cast, person, held):
    person.refresh_from_db()
    assert person_has_perm(cast.facility_officer, "people.change_person", person)
    get_person_for_user(cast.facility_officer, person.uuid, "change")
    people.update_person(person, {"notes": "入所时自述有胃病"}, actor=cast.facility_officer)
    person.refresh_from_db()
    assert person.notes == "入所时自述有胃病"
    assert person.managing_unit == cast.township_a  # holding is not managing


def test_a_facility_officer_may_not_edit_the_file_after_release(cast, person, held):
    _measure, stay = held
    _released(cast, stay)
    person.refresh_from_db()
    assert not person_has_perm(cast.facility_officer, "people.change_person", person)
    with pytest.raises(PermissionDenied):
        people.update_person(person, {"notes": "出所后补记"}, actor=cast.facility_officer)


# --- Health details ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        pytest.param("facility_officer", False, id="戒毒条例7-facility-officer"),
        pytest.param("facility_leader", False, id="戒毒条例7-facility-leader"),
        pytest.param("worker_a", False, id="戒毒条例7-community-worker"),
        pytest.param("medic", True, id="戒毒条例7-medical-officer-of-the-county"),
    ],
)  # fmt: skip
def test_health_details_need_the_health_permission(cast, person, held, user, allowed):
    person.refresh_from_db()
    actor = getattr(cast, user)
    assert can_view_health(actor, person) is allowed
    assert (get_health_for_user(actor, person) is not None) is allowed
    assert HealthRecord.objects.restrict(actor, "view").filter(person=person).exists() is allowed


# --- Who sees the measure ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        pytest.param("facility_officer", True, id="戒毒条例27-the-executing-facility"),
        pytest.param("organ_officer", True, id="禁毒法38-the-deciding-organ-only"),
        pytest.param("police", True, id="禁毒法38-the-county-police"),
        pytest.param("worker_a", True, id="戒毒条例5-the-managing-township"),
        pytest.param("outsider", False, id="another-county"),
        pytest.param("police_facility_officer", False, id="another-facility"),
    ],
)
def test_a_measure_is_seen_by_the_units_it_concerns_only(cast, person, held, user, visible):
    measure, _stay = held
    if user == "organ_officer":
        actor = make_user("organ_officer", cast.deciding_organ, "deciding_officer", "分局法制员")
    else:
        actor = getattr(cast, user)
    seen = Measure.objects.restrict(actor, "view").filter(pk=measure.pk).exists()
    assert seen is visible


def test_the_facility_keeps_seeing_the_measure_it_executed_after_release(cast, person, held):
    # 司法部令第127号 Art. 63: the facility keeps the archive of the stay.
    measure, stay = held
    _released(cast, stay)
    assert Measure.objects.restrict(cast.facility_officer, "view").filter(pk=measure.pk).exists()
    assert not Measure.objects.restrict(cast.outsider, "view").filter(pk=measure.pk).exists()
