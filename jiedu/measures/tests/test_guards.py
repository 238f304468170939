"""Decision guards of the measures services, table-driven, every row citing its article.

Who may be sent to 强制隔离戒毒 (禁毒法 Art. 38–39; 戒毒条例 Art. 26), which units decide and
execute, the statutory terms, the dates of a decision, one measure per decision document, the
conversion of an open community measure, the bars to early release (domain.md §4.6) and the
reporting window (戒毒条例 Art. 14, 38, with a provincial rule that shortens it).
"""

import itertools
from datetime import date

import pytest
import time_machine
from django.utils import translation

from jiedu.core.models import RuleValue
from jiedu.core.refusals import Refusal
from jiedu.measures import services
from jiedu.measures.choices import (
    BlockerCode,
    EndReason,
    IsolationGround,
    MeasureKind,
    MeasureStatus,
    PauseKind,
)
from jiedu.measures.models import Measure
from jiedu.testing.cast import make_person
from jiedu.utilities import resident_id

pytestmark = pytest.mark.django_db

D = date.fromisoformat
K = MeasureKind
S = MeasureStatus
_numbers = itertools.count(1)


def at(day):
    return time_machine.travel(D(day) if isinstance(day, str) else day, tick=False)


def new_person(cast, *, name="张三", birth="1990-05-17", gender="male"):
    n = next(_numbers)
    seq = (n % 499) * 2 + (1 if gender == "male" else 2)  # odd = male (GB 11643)
    return make_person(
        cast.worker_a,
        cast.township_a,
        name,
        D(birth),
        gender,
        id_number=resident_id.build("990102", D(birth), seq),
    )


def measure_input(cast, person, kind=K.COMPULSORY_ISOLATION, day="2024-03-15", **extra):
    community = kind in (K.COMMUNITY_DRUG_REHAB, K.COMMUNITY_REHABILITATION)
    values = {
        "person": person,
        "kind": kind,
        "decided_on": D(day),
        "served_on": D(day),
        "executing_unit": cast.township_a if community else cast.facility,
        "deciding_organ": cast.deciding_organ,
        "decision_number": f"江公决字〔2024〕{next(_numbers)}号",
        "ground": "" if community else IsolationGround.RELAPSE,
        "term_months": 24 if kind == K.COMMUNITY_REHABILITATION else None,
    }
    values.update(extra)
    return services.MeasureInput(**values)


def decide(cast, person, kind=K.COMPULSORY_ISOLATION, day="2024-03-15", **extra):
    with at(day):
        return services.decide_measure(
            measure_input(cast, person, kind, day, **extra), actor=cast.police
        )


def refused(exc_info) -> tuple[str, str]:
    """(code, message in Chinese) of a caught Refusal."""
    with translation.override("zh-hans"):
        return exc_info.value.refusal_code, " ".join(exc_info.value.messages)


# --- 禁毒法 Art. 39: who is not subject to compulsory isolation --------------------------------


@pytest.mark.parametrize(
    ("pregnant", "breastfeeding"),
    [
        pytest.param(True, False, id="禁毒法39-pregnant"),
        pytest.param(False, True, id="禁毒法39-breastfeeding-infant-under-1"),
        pytest.param(True, True, id="禁毒法39-both"),
    ],
)
def test_a_pregnant_or_breastfeeding_woman_is_refused_isolation_and_can_be_given_community_rehab(
    cast, pregnant, breastfeeding
):
    woman = new_person(cast, name="王芳", gender="female")
    with pytest.raises(Refusal) as exc:
        decide(cast, woman, pregnant=pregnant, breastfeeding=breastfeeding)
    code, message = refused(exc)
    assert code == "isolation_excluded"
    assert "社区戒毒" in message  # 戒毒条例 Art. 26: the police must order 社区戒毒 instead
    assert not Measure.objects.filter(person=woman).exists()

    community = decide(cast, woman, K.COMMUNITY_DRUG_REHAB)
    assert community.status == S.ORDERED
    assert community.kind == K.COMMUNITY_DRUG_REHAB


@pytest.mark.parametrize(
    ("pregnant", "breastfeeding"),
    [
        pytest.param(True, False, id="禁毒法39-pregnant-flag-on-a-man"),
        pytest.param(False, True, id="禁毒法39-breastfeeding-flag-on-a-man"),
    ],
)
def test_the_pregnancy_and_breastfeeding_flags_on_a_man_are_ignored(cast, pregnant, breastfeeding):
    man = new_person(cast, name="赵强", gender="male")
    measure = decide(cast, man, pregnant=pregnant, breastfeeding=breastfeeding)
    assert measure.kind == K.COMPULSORY_ISOLATION
    assert measure.status == S.ORDERED


@pytest.mark.parametrize(
    ("birth", "decided", "minor"),
    [
        pytest.param("2008-06-11", "2024-06-10", True, id="禁毒法39-day-before-16th-birthday"),
        pytest.param("2008-06-10", "2024-06-10", False, id="禁毒法39-on-16th-birthday"),
        pytest.param("2008-02-29", "2024-02-28", True, id="禁毒法39-born-29-Feb-day-before"),
        pytest.param("2008-02-29", "2024-02-29", False, id="禁毒法39-born-29-Feb-birthday"),
        pytest.param("2010-01-01", "2024-06-10", True, id="禁毒法39-fourteen"),
    ],
)
def test_a_minor_under_16_on_the_decision_day_needs_a_recorded_reason(cast, birth, decided, minor):
    with at(decided):
        person = new_person(cast, name="小明", birth=birth)
    if minor:
        with pytest.raises(Refusal) as exc:
            decide(cast, person, day=decided)
        assert refused(exc)[0] == "minor_exemption_review"
        assert exc.value.refusal_field == "minor_reason"
        assert not Measure.objects.filter(person=person).exists()
        measure = decide(cast, person, day=decided, minor_reason="多次复吸，社区戒毒难以戒除")
        assert measure.minor_under_16 is True
        assert measure.minor_reason == "多次复吸，社区戒毒难以戒除"
    else:
        measure = decide(cast, person, day=decided)
        assert measure.minor_under_16 is False
        assert measure.minor_reason == ""


# --- Units, terms and dates of a decision -----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "organ", "executing", "field"),
    [
        pytest.param(K.COMPULSORY_ISOLATION, "township_a", "facility", "deciding_organ",
                     id="禁毒法38-isolation-decided-by-a-township"),
        pytest.param(K.COMPULSORY_ISOLATION, "deciding_organ", "township_a", "executing_unit",
                     id="戒毒条例4-isolation-executed-by-a-township"),
        pytest.param(K.COMPULSORY_ISOLATION, "deciding_organ", "clinic", "executing_unit",
                     id="戒毒条例4-isolation-executed-by-a-clinic"),
        pytest.param(K.COMMUNITY_DRUG_REHAB, "township_a", "township_a", "deciding_organ",
                     id="禁毒法33-community-ordered-by-a-township"),
        pytest.param(K.COMMUNITY_DRUG_REHAB, "deciding_organ", "facility", "executing_unit",
                     id="禁毒法34-community-executed-by-a-facility"),
        pytest.param(K.COMMUNITY_REHABILITATION, "deciding_organ", "police_facility",
                     "executing_unit", id="戒毒条例37-rehabilitation-executed-by-a-facility"),
        pytest.param(K.VOLUNTARY, None, "township_a", "executing_unit",
                     id="禁毒法36-voluntary-outside-a-licensed-institution"),
    ],
)  # fmt: skip
def test_a_decision_by_or_for_the_wrong_kind_of_unit_is_refused(
    cast, kind, organ, executing, field
):
    person = new_person(cast)
    with pytest.raises(Refusal) as exc:
        decide(
            cast,
            person,
            kind,
            deciding_organ=getattr(cast, organ) if organ else None,
            executing_unit=getattr(cast, executing),
            term_months=6 if kind == K.VOLUNTARY else None,
        )
    assert refused(exc)[0] == "wrong_unit_kind"
    assert exc.value.refusal_field == field
    assert not Measure.objects.filter(person=person).exists()


@pytest.mark.parametrize(
    ("months", "accepted"),
    [
        pytest.param(0, False, id="禁毒法48-zero-months"),
        pytest.param(1, True, id="禁毒法48-one-month"),
        pytest.param(36, True, id="禁毒法48-three-years"),
        pytest.param(37, False, id="禁毒法48-over-three-years"),
    ],
)
def test_a_community_rehabilitation_term_is_one_to_36_months(cast, months, accepted):
    person = new_person(cast)
    if accepted:
        measure = decide(cast, person, K.COMMUNITY_REHABILITATION, term_months=months)
        assert measure.term_months == months
    else:
        with pytest.raises(Refusal) as exc:
            decide(cast, person, K.COMMUNITY_REHABILITATION, term_months=months)
        assert refused(exc)[0] == "term_out_of_range"
        assert not Measure.objects.filter(person=person).exists()


@pytest.mark.parametrize(
    ("kind", "months", "stored"),
    [
        pytest.param(K.COMMUNITY_DRUG_REHAB, 24, None, id="禁毒法33-community-24-months"),
        pytest.param(K.COMMUNITY_DRUG_REHAB, 48, None, id="禁毒法33-community-48-months"),
        pytest.param(K.COMMUNITY_DRUG_REHAB, 36, 36, id="禁毒法33-community-36-months-stated"),
        pytest.param(K.COMMUNITY_DRUG_REHAB, None, 36, id="禁毒法33-community-left-blank"),
        pytest.param(K.COMPULSORY_ISOLATION, 12, None, id="禁毒法47-isolation-12-months"),
        pytest.param(K.COMPULSORY_ISOLATION, 36, None, id="禁毒法47-isolation-36-months"),
        pytest.param(K.COMPULSORY_ISOLATION, 24, 24, id="禁毒法47-isolation-24-months-stated"),
        pytest.param(K.COMPULSORY_ISOLATION, None, 24, id="禁毒法47-isolation-left-blank"),
    ],
)
def test_the_statutory_terms_cannot_be_overridden(cast, kind, months, stored):
    person = new_person(cast)
    if stored is None:
        with pytest.raises(Refusal) as exc:
            decide(cast, person, kind, term_months=months)
        assert refused(exc)[0] == "fixed_term"
        assert not Measure.objects.filter(person=person).exists()
    else:
        assert decide(cast, person, kind, term_months=months).term_months == stored


@pytest.mark.parametrize(
    ("decided", "served", "code"),
    [
        pytest.param("2024-03-16", "2024-03-16", "future_date", id="decided-tomorrow"),
        pytest.param("2024-03-15", "2024-03-16", "future_date", id="served-tomorrow"),
        pytest.param("2024-03-15", "2024-03-14", "served_before_decided",
                     id="禁毒法40-served-before-decided"),
        pytest.param("2024-03-15", "2024-03-15", None, id="decided-and-served-today"),
        pytest.param("2024-03-10", "2024-03-12", None, id="served-two-days-later"),
    ],
)  # fmt: skip
def test_a_decision_dated_in_the_future_or_served_before_it_was_made_is_refused(
    cast, decided, served, code
):
    person = new_person(cast)
    data = measure_input(cast, person, decided_on=D(decided), served_on=D(served))
    with at("2024-03-15"):
        if code is None:
            measure = services.decide_measure(data, actor=cast.police)
            assert (measure.decided_on, measure.served_on) == (D(decided), D(served))
            return
        with pytest.raises(Refusal) as exc:
            services.decide_measure(data, actor=cast.police)
    assert refused(exc)[0] == code
    assert not Measure.objects.filter(person=person).exists()


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(K.COMPULSORY_ISOLATION, id="禁毒法38-isolation-document"),
        pytest.param(K.COMMUNITY_DRUG_REHAB, id="戒毒条例13-community-document"),
    ],
)
def test_the_same_decision_document_sent_twice_makes_one_measure(cast, kind):
    person = new_person(cast)
    first = decide(cast, person, kind, decision_number="江公决字〔2024〕77号")
    again = decide(cast, person, kind, day="2024-03-16", decision_number=" 江公决字〔2024〕77号 ")
    assert again.pk == first.pk
    assert again.decided_on == D("2024-03-15")
    assert Measure.objects.filter(person=person).count() == 1


# --- A new isolation decision and the measures already open (禁毒法 Art. 38) -------------------


def reach(cast, measure, status):
    """Bring an ordered community measure (served 2024-03-01) to `status` through the services."""
    if status in (S.IN_PROGRESS, S.SUSPENDED):
        with at("2024-03-05"):
            services.report_in(measure, on=D("2024-03-05"), actor=cast.worker_a)
    if status == S.SUSPENDED:
        with at("2024-03-10"):
            services.suspend(measure, on=D("2024-03-10"), actor=cast.worker_a, reason="被拘留")
    if status == S.REFUSED:
        with at("2024-03-20"):
            services.refuse(measure, on=D("2024-03-20"), actor=cast.worker_a)
    measure.refresh_from_db()
    assert measure.status == status
    return measure


@pytest.mark.parametrize(
    ("status", "ground", "end_reason"),
    [
        pytest.param(S.ORDERED, IsolationGround.REFUSED_COMMUNITY, EndReason.REFUSAL,
                     id="禁毒法38(1)-refused-before-reporting"),
        pytest.param(S.REFUSED, IsolationGround.REFUSED_COMMUNITY, EndReason.REFUSAL,
                     id="禁毒法38(1)-refusal-on-file"),
        pytest.param(S.IN_PROGRESS, IsolationGround.DRUG_USE_IN_COMMUNITY, EndReason.DRUG_USE,
                     id="禁毒法38(2)-drug-use-during-community"),
        pytest.param(S.IN_PROGRESS, IsolationGround.SERIOUS_BREACH, EndReason.SERIOUS_BREACH,
                     id="禁毒法38(3)-serious-breach"),
        pytest.param(S.SUSPENDED, IsolationGround.DRUG_USE_IN_COMMUNITY, EndReason.DRUG_USE,
                     id="禁毒法38(2)-while-suspended"),
    ],
)  # fmt: skip
def test_an_isolation_decision_converts_the_open_community_measure(
    cast, status, ground, end_reason
):
    person = new_person(cast)
    community = reach(cast, decide(cast, person, K.COMMUNITY_DRUG_REHAB, day="2024-03-01"), status)

    isolation = decide(cast, person, day="2024-04-01", ground=ground)

    community.refresh_from_db()
    assert community.status == S.CONVERTED
    assert community.end_reason == end_reason
    assert community.ended_on == D("2024-04-01")
    assert isolation.previous == community
    assert not community.pauses.filter(kind=PauseKind.SUSPENSION, ended_on__isnull=True).exists()
    person.refresh_from_db()
    assert person.measure_unit == cast.facility


@pytest.mark.parametrize(
    ("open_kind", "new_kind"),
    [
        pytest.param(K.COMPULSORY_ISOLATION, K.COMPULSORY_ISOLATION,
                     id="禁毒法47-second-isolation-while-one-is-open"),
        pytest.param(K.COMPULSORY_ISOLATION, K.COMMUNITY_DRUG_REHAB,
                     id="禁毒法33-community-while-in-isolation"),
        pytest.param(K.COMMUNITY_DRUG_REHAB, K.COMMUNITY_DRUG_REHAB,
                     id="禁毒法33-second-community-while-one-is-open"),
    ],
)  # fmt: skip
def test_a_second_measure_while_one_is_open_is_refused(cast, open_kind, new_kind):
    person = new_person(cast)
    first = decide(cast, person, open_kind, day="2024-03-01")
    with pytest.raises(Refusal) as exc:
        decide(cast, person, new_kind, day="2024-04-01")
    code, message = refused(exc)
    assert code == "measure_active"
    assert first.decision_number in message
    first.refresh_from_db()
    assert first.status == S.ORDERED
    assert Measure.objects.filter(person=person).count() == 1


# --- Early release (禁毒法 Art. 47; domain.md §4.6) --------------------------------------------


def admitted_isolation(cast, person, day="2024-03-15", **extra):
    measure = decide(cast, person, day=day, **extra)
    with at(day):
        services.admit(measure, on=D(day), actor=cast.facility_leader)
    measure.refresh_from_db()
    return measure


def release_early(cast, measure, day):
    with at(day):
        return services.release(measure, on=D(day), actor=cast.facility_leader, early=True)


def test_reg38_refused_community_rehabilitation_then_relapse_bars_early_release(cast):
    person = new_person(cast)
    rehab = decide(cast, person, K.COMMUNITY_REHABILITATION, day="2024-03-01", term_months=36)
    with at("2024-03-17"):
        services.refuse(rehab, on=D("2024-03-17"), actor=cast.worker_a)

    isolation = admitted_isolation(cast, person, day="2024-04-01", ground=IsolationGround.RELAPSE)

    rehab.refresh_from_db()
    assert (rehab.status, rehab.end_reason) == (S.CONVERTED, EndReason.REFUSAL)
    assert isolation.previous == rehab
    assert set(isolation.blockers.values_list("code", flat=True)) == {
        BlockerCode.COMMUNITY_REHAB_BREACH_RELAPSE
    }
    with pytest.raises(Refusal) as exc:
        release_early(cast, isolation, "2025-06-01")  # more than a year executed
    code, message = refused(exc)
    assert code == "early_release_blocked"
    assert "第三十八条" in message
    isolation.refresh_from_db()
    assert isolation.status == S.IN_PROGRESS


@pytest.mark.parametrize(
    ("decided", "release_on", "allowed_from"),
    [
        pytest.param("2024-03-15", "2025-03-14", "2025-03-15", id="禁毒法47-day-before-one-year"),
        pytest.param("2024-03-15", "2024-09-15", "2025-03-15", id="禁毒法47-six-months"),
        pytest.param("2024-01-31", "2025-01-30", "2025-01-31", id="禁毒法47-month-end"),
    ],
)
def test_early_release_before_one_year_is_refused_with_the_first_allowed_day(
    cast, decided, release_on, allowed_from
):
    measure = admitted_isolation(cast, new_person(cast), day=decided)
    assert measure.early_release_from == D(allowed_from)
    with pytest.raises(Refusal) as exc:
        release_early(cast, measure, release_on)
    code, message = refused(exc)
    assert code == "early_release_blocked"
    assert allowed_from in message
    measure.refresh_from_db()
    assert measure.status == S.IN_PROGRESS
    assert measure.ended_on is None


def test_early_release_after_an_escape_is_refused(cast):
    # 戒毒条例 Art. 32; 司法部令第127号 Art. 31: a recaptured person cannot be released early.
    measure = admitted_isolation(cast, new_person(cast))
    with at("2024-06-01"):
        services.escape(measure, on=D("2024-06-01"), actor=cast.facility_officer)
    with at("2024-06-11"):
        services.recapture(measure, on=D("2024-06-11"), actor=cast.facility_officer)
    with pytest.raises(Refusal) as exc:
        release_early(cast, measure, "2025-06-01")
    code, message = refused(exc)
    assert code == "early_release_blocked"
    assert "脱逃" in message
    measure.refresh_from_db()
    assert measure.status == S.IN_PROGRESS


@pytest.mark.parametrize(
    ("decided", "release_on"),
    [
        pytest.param("2024-03-15", "2025-03-15", id="禁毒法47-exactly-one-year"),
        pytest.param("2024-03-15", "2025-09-01", id="禁毒法47-eighteen-months"),
    ],
)
def test_a_clean_person_may_be_released_early_after_one_year(cast, decided, release_on):
    measure = admitted_isolation(cast, new_person(cast), day=decided)
    with pytest.raises(Refusal) as exc:  # not without the organ's approval (禁毒法 Art. 47)
        release_early(cast, measure, release_on)
    assert refused(exc)[0] == "early_release_not_approved"
    with at(release_on):
        services.approve_early_release(
            measure,
            release_on=D(release_on),
            decided_on=D(release_on),
            decision_number="演公提解字〔2025〕1号",
            actor=cast.police,
        )
    measure.refresh_from_db()
    assert measure.term_end == D(release_on)
    release_early(cast, measure, release_on)
    measure.refresh_from_db()
    assert measure.status == S.ENDED
    assert measure.end_reason == EndReason.EARLY_RELEASE
    assert measure.ended_on == D(release_on)


# --- Reporting window (戒毒条例 Art. 14, 38; domain.md §0.2) ----------------------------------


@pytest.mark.parametrize(
    ("kind", "served", "due"),
    [
        pytest.param(K.COMMUNITY_DRUG_REHAB, "2024-01-10", "2024-01-25", id="戒毒条例14-ordinary"),
        pytest.param(K.COMMUNITY_DRUG_REHAB, "2024-01-31", "2024-02-15", id="戒毒条例14-month-end"),
        pytest.param(K.COMMUNITY_DRUG_REHAB, "2024-02-14", "2024-02-29",
                     id="戒毒条例14-due-on-29-February"),
        pytest.param(K.COMMUNITY_DRUG_REHAB, "2023-12-20", "2024-01-04",
                     id="戒毒条例14-across-the-year-end"),
        pytest.param(K.COMMUNITY_REHABILITATION, "2024-02-29", "2024-03-15",
                     id="戒毒条例38-served-on-29-February"),
    ],
)  # fmt: skip
def test_the_report_deadline_is_15_days_after_service(cast, kind, served, due):
    measure = decide(cast, new_person(cast), kind, day=served)
    assert measure.report_due_by == D(due)
    assert measure.term_start is None and measure.term_end is None  # the term runs from 报到


@pytest.mark.parametrize(
    ("served", "due", "source"),
    [
        pytest.param("2024-02-29", "2024-03-15", "戒毒条例 Art. 14",
                     id="戒毒条例14-served-the-day-before-the-local-rule"),
        pytest.param("2024-03-01", "2024-03-03", "浙江省禁毒条例 Art. 37",
                     id="浙江禁毒条例37-served-on-its-effective-date"),
        pytest.param("2024-03-30", "2024-04-01", "浙江省禁毒条例 Art. 37",
                     id="浙江禁毒条例37-served-later-across-a-month-end"),
    ],
)  # fmt: skip
def test_a_provincial_rule_shortens_the_report_window_from_its_effective_date(
    cast, served, due, source
):
    RuleValue.objects.create(
        key="community.report_in_days",
        org_unit=cast.province,
        value=2,
        effective_from=D("2024-03-01"),
        source="浙江省禁毒条例 Art. 37",
    )
    measure = decide(cast, new_person(cast), K.COMMUNITY_DRUG_REHAB, day=served)
    assert measure.report_due_by == D(due), source
    # A later write to the measure keeps the rule in force when it was served.
    with at("2024-04-01"):
        services.report_in(measure, on=D("2024-04-01"), actor=cast.worker_a, late_reason="住院治疗")
    measure.refresh_from_db()
    assert measure.report_due_by == D(due), source
