"""The legal status machine of a measure, table-driven: every (measure, status, action) row.

Each starting status is reached through the services. A legal action moves the measure; an
illegal one is refused as `illegal_transition` and writes nothing (no change to the row, no
change-log entry, no timeline event). Then the rules inside the actions: the reporting window
(戒毒条例 Art. 14), suspension (戒毒条例 Art. 24), the reasons a measure may end for (戒毒条例
Art. 24, 36), a retried action, and who may act.
"""

import itertools
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation

from jiedu.accounts.models import User
from jiedu.core.models import ChangeLogEntry
from jiedu.core.refusals import Refusal
from jiedu.measures import services
from jiedu.measures.choices import EndReason, IsolationGround, MeasureKind, MeasureStatus
from jiedu.measures.models import Measure, MeasurePause
from jiedu.people.models import PersonEvent
from jiedu.testing.cast import build_cast, make_person, make_user
from jiedu.utilities import resident_id

pytestmark = pytest.mark.django_db

D = date.fromisoformat
K = MeasureKind
S = MeasureStatus
CDR = K.COMMUNITY_DRUG_REHAB
CR = K.COMMUNITY_REHABILITATION
ISO = K.COMPULSORY_ISOLATION
VOL = K.VOLUNTARY
SERVED = D("2024-03-01")
_numbers = itertools.count(1)


def at(day):
    return time_machine.travel(day, tick=False)


def new_person(cast, name="张三"):
    seq = (next(_numbers) % 499) * 2 + 1
    birth = D("1990-05-17")
    return make_person(
        cast.worker_a,
        cast.township_a,
        name,
        birth,
        "male",
        id_number=resident_id.build("990102", birth, seq),
    )


def clinic_staff(cast):
    """Staff of the licensed institution that signs voluntary agreements (禁毒法 Art. 36)."""
    existing = User.objects.filter(username="clinic_staff").first()
    return existing or make_user("clinic_staff", cast.clinic, "deciding_officer", "戒毒医院医生")


def actor_for(cast, kind):
    if kind == ISO:
        return cast.police_facility_officer
    if kind == VOL:
        return clinic_staff(cast)
    return cast.worker_a


def decide(cast, person, kind, actor=None):
    data = services.MeasureInput(
        person=person,
        kind=kind,
        decided_on=SERVED,
        served_on=SERVED,
        executing_unit={
            CDR: cast.township_a,
            CR: cast.township_a,
            ISO: cast.police_facility,
            VOL: cast.clinic,
        }[kind],
        deciding_organ=None if kind == VOL else cast.deciding_organ,
        decision_number=f"江公决字〔2024〕{next(_numbers)}号",
        ground=IsolationGround.RELAPSE if kind == ISO else "",
        term_months={CR: 12, VOL: 6}.get(kind),
    )
    with at(SERVED):
        return services.decide_measure(data, actor=actor if kind == VOL else cast.police)


def snapshot(measure):
    return (
        Measure.objects.filter(pk=measure.pk).values().get(),
        ChangeLogEntry.objects.count(),
        PersonEvent.objects.count(),
        MeasurePause.objects.count(),
    )


# --- Reaching each status through the services -------------------------------------------------


def _step(day, fn, *args, **kwargs):
    with at(D(day)):
        fn(*args, **kwargs)
    return D(day)


def reach(cast, kind, status):
    """A measure of `kind` served on 2024-03-01, brought to `status`; returns (measure, actor,
    the day of its last event)."""
    actor = actor_for(cast, kind)
    person = new_person(cast)
    m = decide(cast, person, kind, actor)
    last = SERVED
    community = kind in (CDR, CR)
    if status == S.ORDERED:
        pass
    elif community and status == S.IN_PROGRESS:
        last = _step("2024-03-05", services.report_in, m, on=D("2024-03-05"), actor=actor)
    elif community and status == S.SUSPENDED:
        _step("2024-03-05", services.report_in, m, on=D("2024-03-05"), actor=actor)
        last = _step(
            "2024-03-10", services.suspend, m, on=D("2024-03-10"), actor=actor, reason="被拘留"
        )
    elif community and status == S.REFUSED:
        last = _step("2024-03-18", services.refuse, m, on=D("2024-03-18"), actor=actor)
    elif community and status == S.ENDED:
        _step("2024-03-05", services.report_in, m, on=D("2024-03-05"), actor=actor)
        m.refresh_from_db()
        end = m.term_end.isoformat()
        last = _step(end, services.release, m, on=m.term_end, actor=actor)
    elif community and status == S.CONVERTED:
        _step("2024-03-05", services.report_in, m, on=D("2024-03-05"), actor=actor)
        data = services.MeasureInput(
            person=person,
            kind=ISO,
            decided_on=D("2024-04-01"),
            served_on=D("2024-04-01"),
            executing_unit=cast.police_facility,
            deciding_organ=cast.deciding_organ,
            decision_number="江公强戒决字〔2024〕900号",
            ground=IsolationGround.DRUG_USE_IN_COMMUNITY,
        )
        last = _step("2024-04-01", services.decide_measure, data, actor=cast.police)
    elif status == S.TERMINATED:
        reason = {CDR: EndReason.IMPRISONMENT, CR: EndReason.IMPRISONMENT}.get(
            kind, EndReason.DEATH
        )
        if kind == ISO:
            _step("2024-03-02", services.admit, m, on=D("2024-03-02"), actor=actor)
        last = _step(
            "2024-03-10", services.terminate, m, on=D("2024-03-10"), reason=reason, actor=actor
        )
    elif kind == ISO and status == S.IN_PROGRESS:
        last = _step("2024-03-02", services.admit, m, on=D("2024-03-02"), actor=actor)
    elif kind == ISO and status == S.ESCAPED:
        _step("2024-03-02", services.admit, m, on=D("2024-03-02"), actor=actor)
        last = _step("2024-03-10", services.escape, m, on=D("2024-03-10"), actor=actor)
    elif kind == ISO and status == S.ENDED:
        _step("2024-03-02", services.admit, m, on=D("2024-03-02"), actor=actor)
        m.refresh_from_db()
        last = _step(m.term_end.isoformat(), services.release, m, on=m.term_end, actor=actor)
    elif kind == VOL and status == S.IN_PROGRESS:
        pass  # signing the agreement starts the treatment
    elif kind == VOL and status == S.ENDED:
        last = _step("2024-03-10", services.release, m, on=D("2024-03-10"), actor=actor)
    else:
        raise AssertionError(f"no path to {status} for {kind}")
    m.refresh_from_db()
    assert m.status == status
    return m, actor, last


# --- The actions, each on its usual day -------------------------------------------------------

ACTION_DAY = {
    "report": D("2024-03-10"),  # within 15 days of service
    "refuse": D("2024-03-25"),  # after the reporting window
    "release": D("2027-06-01"),  # after every term end below
}
ACTION_SOURCE = {
    "report": "戒毒条例14",
    "refuse": "戒毒条例14",
    "admit": "禁毒法41",
    "transfer": "戒毒条例27",
    "escape": "戒毒条例32",
    "recapture": "戒毒条例32",
    "suspend": "戒毒条例24",
    "resume": "戒毒条例24",
    "release": "戒毒条例23-34",
    "terminate": "戒毒条例24-36",
}
TARGET = {
    "report": S.IN_PROGRESS,
    "refuse": S.REFUSED,
    "admit": S.IN_PROGRESS,
    "transfer": S.IN_PROGRESS,
    "escape": S.ESCAPED,
    "recapture": S.IN_PROGRESS,
    "suspend": S.SUSPENDED,
    "resume": S.IN_PROGRESS,
    "release": S.ENDED,
    "terminate": S.TERMINATED,
}
TERMINATION_REASON = {
    CDR: EndReason.IMPRISONMENT,
    CR: EndReason.IMPRISONMENT,
    ISO: EndReason.DEATH,
    VOL: EndReason.AGREEMENT_ENDED,
}


def act(cast, action, measure, on, actor):
    with at(on):
        if action == "report":
            return services.report_in(measure, on=on, actor=actor)
        if action == "refuse":
            return services.refuse(measure, on=on, actor=actor)
        if action == "admit":
            return services.admit(measure, on=on, actor=actor)
        if action == "transfer":
            return services.transfer(measure, on=on, to_unit=cast.facility, actor=actor)
        if action == "escape":
            return services.escape(measure, on=on, actor=actor)
        if action == "recapture":
            return services.recapture(measure, on=on, actor=actor)
        if action == "suspend":
            return services.suspend(measure, on=on, actor=actor, reason="被行政拘留")
        if action == "resume":
            return services.resume(measure, on=on, actor=actor)
        if action == "release":
            return services.release(measure, on=on, actor=actor)
        if action == "terminate":
            reason = TERMINATION_REASON[measure.kind]
            return services.terminate(measure, on=on, reason=reason, actor=actor)
    raise AssertionError(action)


# The legal moves, each with its article; every other (measure, status, action) is illegal.
LEGAL = {
    (CDR, S.ORDERED, "report"): "戒毒条例14",
    (CDR, S.ORDERED, "refuse"): "戒毒条例14-禁毒法38",
    (CDR, S.ORDERED, "terminate"): "戒毒条例24",
    (CDR, S.IN_PROGRESS, "suspend"): "戒毒条例24",
    (CDR, S.IN_PROGRESS, "release"): "戒毒条例23",
    (CDR, S.IN_PROGRESS, "terminate"): "戒毒条例24",
    (CDR, S.SUSPENDED, "resume"): "戒毒条例24",
    (CDR, S.SUSPENDED, "terminate"): "戒毒条例24",
    (CR, S.ORDERED, "report"): "戒毒条例38",
    (CR, S.ORDERED, "refuse"): "戒毒条例38",
    (CR, S.ORDERED, "terminate"): "禁毒法48-戒毒条例24",
    (CR, S.IN_PROGRESS, "suspend"): "禁毒法48-戒毒条例24",
    (CR, S.IN_PROGRESS, "release"): "戒毒条例40",
    (CR, S.IN_PROGRESS, "terminate"): "禁毒法48-戒毒条例24",
    (CR, S.SUSPENDED, "resume"): "禁毒法48-戒毒条例24",
    (CR, S.SUSPENDED, "terminate"): "禁毒法48-戒毒条例24",
    (ISO, S.ORDERED, "admit"): "禁毒法41",
    (ISO, S.ORDERED, "terminate"): "death",
    (ISO, S.IN_PROGRESS, "transfer"): "戒毒条例27",
    (ISO, S.IN_PROGRESS, "escape"): "戒毒条例32",
    (ISO, S.IN_PROGRESS, "release"): "戒毒条例34",
    (ISO, S.IN_PROGRESS, "terminate"): "death",
    (ISO, S.ESCAPED, "recapture"): "戒毒条例32",
    (ISO, S.ESCAPED, "terminate"): "death",
    (VOL, S.IN_PROGRESS, "release"): "戒毒条例10",
    (VOL, S.IN_PROGRESS, "terminate"): "戒毒条例10",
}
STATUSES = {
    CDR: [S.ORDERED, S.IN_PROGRESS, S.SUSPENDED, S.REFUSED, S.ENDED, S.TERMINATED, S.CONVERTED],
    CR: [S.ORDERED, S.IN_PROGRESS, S.SUSPENDED, S.REFUSED],
    ISO: [S.ORDERED, S.IN_PROGRESS, S.ESCAPED, S.ENDED, S.TERMINATED],
    VOL: [S.IN_PROGRESS, S.ENDED],
}
SHORT = {CDR: "社区戒毒", CR: "社区康复", ISO: "强戒", VOL: "自愿戒毒"}
ROWS = [
    pytest.param(
        kind,
        status,
        action,
        (kind, status, action) in LEGAL,
        id=f"{LEGAL.get((kind, status, action), ACTION_SOURCE[action])}"
        f"-{SHORT[kind]}-{status}-{action}"
        f"-{'legal' if (kind, status, action) in LEGAL else 'illegal'}",
    )
    for kind, statuses in STATUSES.items()
    for status in statuses
    for action in ACTION_SOURCE
]


@pytest.fixture(scope="module")
def starting_points(django_db_setup, django_db_blocker):
    """Every (measure, status) of the table, built once for the module, as Django's
    `setUpTestData` does: each row then runs in its own test transaction (a savepoint inside
    this one) and is rolled back, so every row starts from the same measure."""
    with django_db_blocker.unblock(), transaction.atomic():
        cast = build_cast()
        built = {
            (kind, status): reach(cast, kind, status)
            for kind, statuses in STATUSES.items()
            for status in statuses
        }
        yield cast, built
        transaction.set_rollback(True)


@pytest.fixture
def cast(starting_points):
    """The module's cast (the standing cast, built once with the starting points)."""
    return starting_points[0]


@pytest.mark.parametrize(("kind", "status", "action", "legal"), ROWS)
def test_the_status_machine(starting_points, kind, status, action, legal):
    cast, built = starting_points
    built_measure, actor, last = built[(kind, status)]
    measure = Measure.objects.get(pk=built_measure.pk)
    assert measure.status == status
    on = max(ACTION_DAY.get(action, D("2024-04-01")), last + timedelta(days=1))
    before = snapshot(measure)
    if legal:
        act(cast, action, measure, on, actor)
        measure.refresh_from_db()
        assert measure.status == TARGET[action]
        if action == "transfer":
            assert measure.executing_unit == cast.facility
        return
    with pytest.raises(Refusal) as exc:
        act(cast, action, measure, on, actor)
    assert exc.value.refusal_code == "illegal_transition"
    assert snapshot(measure) == before


def test_every_legal_row_names_a_status_the_table_reaches():
    for kind, status, _action in LEGAL:
        assert status in STATUSES[kind], (kind, status)


# --- Reporting in (戒毒条例 Art. 14, 38) ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "report_on", "late_reason", "refusal", "stored"),
    [
        pytest.param(CDR, "2024-03-10", "", None, "", id="戒毒条例14-in-time"),
        pytest.param(CDR, "2024-03-16", "", None, "", id="戒毒条例14-on-the-15th-day"),
        pytest.param(CDR, "2024-03-10", "住院", None, "", id="戒毒条例14-reason-not-needed"),
        pytest.param(CDR, "2024-03-17", "", "report_overdue", None,
                     id="戒毒条例14-a-day-late-without-reason"),
        pytest.param(CDR, "2024-03-17", "   ", "report_overdue", None,
                     id="戒毒条例14-a-day-late-with-a-blank-reason"),
        pytest.param(CDR, "2024-03-17", "住院治疗，有病历", None, "住院治疗，有病历",
                     id="戒毒条例14-a-day-late-with-a-reason"),
        pytest.param(CR, "2024-04-30", "", "report_overdue", None,
                     id="戒毒条例38-rehabilitation-late-without-reason"),
        pytest.param(CR, "2024-04-30", "在外地务工", None, "在外地务工",
                     id="戒毒条例38-rehabilitation-late-with-a-reason"),
    ],
)  # fmt: skip
def test_a_late_report_needs_a_recorded_reason(cast, kind, report_on, late_reason, refusal, stored):
    measure = decide(cast, new_person(cast), kind)
    assert measure.report_due_by == D("2024-03-16")
    before = snapshot(measure)
    with at(D(report_on)):
        if refusal:
            with pytest.raises(Refusal) as exc:
                services.report_in(
                    measure, on=D(report_on), actor=cast.worker_a, late_reason=late_reason
                )
            assert exc.value.refusal_code == refusal
            assert snapshot(measure) == before
            return
        services.report_in(measure, on=D(report_on), actor=cast.worker_a, late_reason=late_reason)
    measure.refresh_from_db()
    assert measure.status == S.IN_PROGRESS
    assert measure.late_report_reason == stored
    assert measure.term_start == D(report_on)  # 戒毒条例 Art. 14: the term runs from 报到


@pytest.mark.parametrize(
    ("refuse_on", "refusal"),
    [
        pytest.param("2024-03-02", "report_window_open", id="戒毒条例14-the-day-after-service"),
        pytest.param("2024-03-16", "report_window_open", id="戒毒条例14-on-the-15th-day"),
        pytest.param("2024-03-17", None, id="戒毒条例14-the-day-after-the-window"),
    ],
)
def test_a_refusal_is_recorded_only_after_the_reporting_window(cast, refuse_on, refusal):
    measure = decide(cast, new_person(cast), CDR)
    before = snapshot(measure)
    with at(D(refuse_on)):
        if refusal:
            with pytest.raises(Refusal) as exc:
                services.refuse(measure, on=D(refuse_on), actor=cast.worker_a)
            assert exc.value.refusal_code == refusal
            assert "2024-03-16" in " ".join(exc.value.messages)
            assert snapshot(measure) == before
            return
        services.refuse(measure, on=D(refuse_on), actor=cast.worker_a)
    measure.refresh_from_db()
    assert (measure.status, measure.end_reason) == (S.REFUSED, EndReason.REFUSAL)
    assert measure.ended_on == D(refuse_on)


# --- Suspension (中止, 戒毒条例 Art. 24) --------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "pauses", "term_end"),
    [
        pytest.param(CDR, [], "2027-03-04", id="禁毒法33-no-suspension"),
        pytest.param(CDR, [("2024-05-01", "2024-05-11")], "2027-03-14",
                     id="戒毒条例24-ten-days-detained"),
        pytest.param(CDR, [("2024-05-01", "2024-05-01")], "2027-03-04",
                     id="戒毒条例24-released-the-same-day"),
        pytest.param(CDR, [("2024-05-01", "2024-05-11"), ("2025-01-01", "2025-01-31")],
                     "2027-04-13", id="戒毒条例24-two-suspensions-add-up"),
        pytest.param(CDR, [("2026-12-20", "2027-01-20")], "2027-04-04",
                     id="戒毒条例24-across-a-year-end"),
        pytest.param(CR, [("2024-05-01", "2024-05-31")], "2025-04-03",
                     id="禁毒法48-rehabilitation-30-days"),
    ],
)  # fmt: skip
def test_suspended_days_are_added_to_the_term(cast, kind, pauses, term_end):
    measure = decide(cast, new_person(cast), kind)
    with at(D("2024-03-05")):
        services.report_in(measure, on=D("2024-03-05"), actor=cast.worker_a)
    for start, end in pauses:
        with at(D(start)):
            services.suspend(measure, on=D(start), actor=cast.worker_a, reason="被拘留")
        with at(D(end)):
            services.resume(measure, on=D(end), actor=cast.worker_a)
    measure.refresh_from_db()
    assert measure.status == S.IN_PROGRESS
    assert measure.term_end == D(term_end)


def test_an_open_suspension_does_not_move_the_term_until_it_ends(cast):
    # 戒毒条例 Art. 24: the clock resumes after release; the days count once it ends.
    measure = decide(cast, new_person(cast), CDR)
    with at(D("2024-03-05")):
        services.report_in(measure, on=D("2024-03-05"), actor=cast.worker_a)
    measure.refresh_from_db()
    assert measure.term_end == D("2027-03-04")
    with at(D("2024-05-01")):
        services.suspend(measure, on=D("2024-05-01"), actor=cast.worker_a, reason="被逮捕")
    with at(D("2024-07-01")):
        measure.refresh_from_db()
        assert measure.status == S.SUSPENDED
        assert measure.term_end == D("2027-03-04")
        assert measure.paused_days == 0
        services.resume(measure, on=D("2024-07-01"), actor=cast.worker_a)
    measure.refresh_from_db()
    assert measure.paused_days == 61
    assert measure.term_end == D("2027-05-04")


# --- The reasons a measure may be terminated for ----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "reason", "refusal"),
    [
        pytest.param(ISO, EndReason.IMPRISONMENT, "termination_reason_not_allowed",
                     id="戒毒条例36-isolation-sentence-keeps-the-term-running"),
        pytest.param(ISO, EndReason.COMPULSORY_EDUCATION, "termination_reason_not_allowed",
                     id="戒毒条例36-isolation-compulsory-education"),
        pytest.param(ISO, EndReason.EXPIRY, "termination_reason_not_allowed",
                     id="戒毒条例34-isolation-expiry-is-a-release"),
        pytest.param(ISO, EndReason.DEATH, None, id="戒毒条例36-isolation-death"),
        pytest.param(ISO, EndReason.MEDICAL_PAROLE_CHANGE, None,
                     id="戒毒条例31-isolation-changed-to-community"),
        pytest.param(CDR, EndReason.IMPRISONMENT, None, id="戒毒条例24-community-imprisoned"),
        pytest.param(CDR, EndReason.COMPULSORY_EDUCATION, None,
                     id="戒毒条例24-community-compulsory-education"),
        pytest.param(CDR, EndReason.MEDICAL_PAROLE_CHANGE, "termination_reason_not_allowed",
                     id="戒毒条例31-community-medical-parole-not-a-reason"),
        pytest.param(CR, EndReason.IMPRISONMENT, None, id="禁毒法48-rehabilitation-imprisoned"),
        pytest.param(VOL, EndReason.IMPRISONMENT, "termination_reason_not_allowed",
                     id="戒毒条例10-voluntary-by-the-agreement-only"),
    ],
)  # fmt: skip
def test_a_measure_ends_only_for_the_reasons_the_law_gives_it(cast, kind, reason, refusal):
    status = S.IN_PROGRESS if kind in (ISO, VOL) else S.ORDERED
    measure, actor, _last = reach(cast, kind, status)
    on = D("2024-04-01")
    before = snapshot(measure)
    with at(on):
        if refusal:
            with pytest.raises(Refusal) as exc:
                services.terminate(measure, on=on, reason=reason, actor=actor)
            assert exc.value.refusal_code == refusal
            if kind == ISO and reason == EndReason.IMPRISONMENT:
                with translation.override("zh-hans"):
                    assert "第三十六条" in " ".join(exc.value.messages)
            assert snapshot(measure) == before
            return
        services.terminate(measure, on=on, reason=reason, actor=actor)
    measure.refresh_from_db()
    assert (measure.status, measure.end_reason, measure.ended_on) == (S.TERMINATED, reason, on)


# --- A retried action (same action, same day) changes nothing ---------------------------------

RETRIES = [
    pytest.param(CDR, S.ORDERED, "report", id="戒毒条例14-report"),
    pytest.param(CDR, S.ORDERED, "refuse", id="戒毒条例14-refuse"),
    pytest.param(CDR, S.IN_PROGRESS, "suspend", id="戒毒条例24-suspend"),
    pytest.param(CDR, S.SUSPENDED, "resume", id="戒毒条例24-resume"),
    pytest.param(CDR, S.IN_PROGRESS, "release", id="戒毒条例23-release"),
    pytest.param(CDR, S.IN_PROGRESS, "terminate", id="戒毒条例24-terminate"),
    pytest.param(ISO, S.ORDERED, "admit", id="禁毒法41-admit"),
    pytest.param(ISO, S.IN_PROGRESS, "transfer", id="戒毒条例27-transfer"),
    pytest.param(ISO, S.IN_PROGRESS, "escape", id="戒毒条例32-escape"),
    pytest.param(ISO, S.ESCAPED, "recapture", id="戒毒条例32-recapture"),
    pytest.param(ISO, S.IN_PROGRESS, "release", id="戒毒条例34-release"),
    pytest.param(VOL, S.IN_PROGRESS, "release", id="戒毒条例10-voluntary-release"),
]


@pytest.mark.parametrize(("kind", "status", "action"), RETRIES)
def test_a_retried_action_on_the_same_day_returns_the_measure_unchanged(cast, kind, status, action):
    measure, actor, last = reach(cast, kind, status)
    on = max(ACTION_DAY.get(action, D("2024-04-01")), last + timedelta(days=1))
    act(cast, action, measure, on, actor)
    after_first = snapshot(measure)
    again = act(cast, action, measure, on, actor)
    assert again.pk == measure.pk
    assert again.status == TARGET[action]
    assert snapshot(measure) == after_first


# --- Who may act -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action"),
    [
        pytest.param(S.ORDERED, "report", id="report"),
        pytest.param(S.ORDERED, "refuse", id="refuse"),
        pytest.param(S.IN_PROGRESS, "suspend", id="suspend"),
        pytest.param(S.SUSPENDED, "resume", id="resume"),
        pytest.param(S.IN_PROGRESS, "release", id="release"),
        pytest.param(S.IN_PROGRESS, "terminate", id="terminate"),
    ],
)
def test_a_worker_of_another_county_cannot_act_on_the_measure(cast, status, action):
    measure, _actor, last = reach(cast, CDR, status)
    on = max(ACTION_DAY.get(action, D("2024-04-01")), last + timedelta(days=1))
    before = snapshot(measure)
    with pytest.raises(PermissionDenied):
        act(cast, action, measure, on, cast.outsider)
    assert snapshot(measure) == before


def test_a_worker_of_another_county_cannot_register_an_escape_from_a_facility(cast):
    measure, _actor, _last = reach(cast, ISO, S.IN_PROGRESS)
    before = snapshot(measure)
    with pytest.raises(PermissionDenied):
        act(cast, "escape", measure, D("2024-04-01"), cast.outsider)
    assert snapshot(measure) == before
