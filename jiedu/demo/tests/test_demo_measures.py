"""The demo's measures: relative to the day of loading, every stage of every measure is there, the
work lists of the demo logins all have something on them, a second load adds nothing, and every
stored clock is what the clocks module computes.

Loading the full demo takes seconds, so it is loaded (twice) once for the module, inside one
transaction rolled back at the end; each test reads from it.
"""

import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction

from jiedu.accounts.models import Membership, User
from jiedu.core import clock
from jiedu.core.models import ChangeLogEntry
from jiedu.demo import province
from jiedu.facilities.choices import ZoneKind
from jiedu.facilities.models import (
    Admission,
    FacilityProfile,
    HomeLeave,
    MedicalParole,
    Segregation,
    Zone,
    ZoneChange,
)
from jiedu.measures import services
from jiedu.measures.choices import (
    COMMUNITY_KINDS,
    BlockerCode,
    EndReason,
    MeasureKind,
    MeasureStatus,
    MethadoneStatus,
    NoticeKind,
    PauseKind,
)
from jiedu.measures.models import (
    EarlyReleaseBlocker,
    Measure,
    MeasurePause,
    MethadoneTreatment,
    Notice,
)
from jiedu.orgs.choices import UnitKind
from jiedu.people.models import Person, PersonEvent
from jiedu.worklists import sections

K = MeasureKind
S = MeasureStatus
ISO = K.COMPULSORY_ISOLATION
MODELS = (
    Measure,
    MeasurePause,
    EarlyReleaseBlocker,
    Notice,
    MethadoneTreatment,
    Admission,
    ZoneChange,
    HomeLeave,
    Segregation,
    MedicalParole,
    Zone,
    FacilityProfile,
    PersonEvent,
    ChangeLogEntry,
)
CLOCK_FIELDS = (
    "term_start",
    "term_end",
    "early_release_from",
    "latest_end_with_extension",
    "transfer_due_from",
    "transfer_due_by",
    "police_stage_limit",
    "report_due_by",
    "paused_days",
)


@dataclass
class Loaded:
    first: dict[str, int]
    second: dict[str, int]
    second_output: str
    today: date

    def days(self, n: int) -> date:
        return self.today + timedelta(days=n)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def run_load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        run_load_demo()
        first = counts()
        output = run_load_demo()
        yield Loaded(first, counts(), output, clock.today())
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db) -> Loaded:
    return demo


def user(username: str) -> User:
    return User.objects.get(username=username)  # fresh: grants are cached on the object


# --- Idempotency and clocks --------------------------------------------------------------------


def test_a_second_load_adds_no_measure_admission_notice_or_log_row(loaded):
    assert loaded.first["Measure"] > 80
    assert loaded.second == loaded.first
    assert "本次新建 0 项" in loaded.second_output


def test_every_stored_clock_is_what_refresh_clocks_computes(loaded):
    for stored in Measure.objects.select_related("executing_unit"):
        fresh = Measure.objects.select_related("executing_unit").get(pk=stored.pk)
        services.refresh_clocks(fresh)
        for name in CLOCK_FIELDS:
            assert getattr(stored, name) == getattr(fresh, name), (stored.pk, name)


def test_the_deciding_organ_is_in_the_county_that_manages_the_person(loaded):
    decided = Measure.objects.filter(deciding_organ__isnull=False).select_related(
        "deciding_organ", "person__managing_unit"
    )
    assert decided.exists()
    for measure in decided:
        assert measure.deciding_organ.code[:6] == measure.person.managing_unit.code[:6]


# --- Stages ------------------------------------------------------------------------------------


def test_compulsory_isolation_is_there_at_every_stage(loaded):
    t, iso = loaded.today, Measure.objects.filter(kind=ISO)
    police = iso.filter(status=S.IN_PROGRESS, executing_unit__code=province.POLICE_FACILITY)
    judicial = iso.filter(status=S.IN_PROGRESS, executing_unit__code=province.JUDICIAL_FACILITY)
    ordered = iso.filter(status=S.ORDERED, admitted_on__isnull=True)
    stages = {
        "ordered, police facility": ordered.filter(executing_unit__kind=UnitKind.POLICE_FACILITY),
        "ordered, judicial facility": ordered.filter(
            executing_unit__kind=UnitKind.JUDICIAL_FACILITY
        ),
        "police, before the window": police.filter(transfer_due_from__gt=t),
        "police, in the 3–6 month window": police.filter(
            transfer_due_from__lte=t, transfer_due_by__gte=t
        ),
        "police, past the 6-month due date": police.filter(transfer_due_by__lt=t),
        "police, 12-month limit within 30 days": police.filter(
            police_stage_limit__gte=t, police_stage_limit__lte=loaded.days(30)
        ),
        "transferred": judicial.filter(transferred_on__isnull=False),
        "one year within 30 days": judicial.filter(
            early_release_from__gte=t, early_release_from__lte=loaded.days(30)
        ),
        "term ending within 30 days": judicial.filter(
            term_end__gte=t, term_end__lte=loaded.days(30)
        ),
        "escaped": iso.filter(status=S.ESCAPED, pauses__ended_on__isnull=True),
        "recaptured, blocked": iso.filter(
            status=S.IN_PROGRESS,
            blockers__code=BlockerCode.ESCAPED,
            pauses__kind=PauseKind.ESCAPE,
            pauses__ended_on__isnull=False,
        ),
        "released at expiry": iso.filter(status=S.ENDED, end_reason=EndReason.EXPIRY),
        "released early": iso.filter(status=S.ENDED, end_reason=EndReason.EARLY_RELEASE),
        "released at expiry without 社区康复": iso.filter(
            status=S.ENDED, end_reason=EndReason.EXPIRY, following__isnull=True
        ),
        "released recently, handover owed": iso.filter(
            status=S.ENDED,
            ended_on__gte=loaded.days(-30),
            following__notices__kind=NoticeKind.HANDOVER_TOWNSHIP,
            following__notices__sent_on__isnull=True,
        ),
    }
    missing = [name for name, query in stages.items() if not query.exists()]
    assert missing == []
    assert police.filter(police_stage_limit__lt=t).count() == 0  # nobody past 12 months


def test_the_judicial_facility_has_people_in_every_zone_and_events_going_on_today(loaded):
    t = loaded.today
    here = Admission.objects.filter(facility__code=province.JUDICIAL_FACILITY, left_on__isnull=True)
    zones = set(here.values_list("zone__kind", flat=True))
    assert set(ZoneKind.values) <= zones
    leaves = HomeLeave.objects.filter(admission__in=here)
    assert leaves.filter(due_back_on=t, returned_on__isnull=True).exists()
    overdue = leaves.filter(due_back_on__lt=t, returned_on__isnull=True, overstayed=False)
    assert overdue.filter(admission__measure__status=S.IN_PROGRESS).exists()
    assert leaves.filter(overstayed=True, returned_on__isnull=False).exists()  # back late
    assert leaves.filter(overstayed=True, returned_on__isnull=True).exists()  # recorded: escape
    assert Segregation.objects.filter(
        admission__in=here, starts_on__lte=t, ends_on__gte=t, released_on__isnull=True
    ).exists()
    assert MedicalParole.objects.filter(admission__in=here, returned_on__isnull=True).exists()
    police = Admission.objects.filter(facility__code=province.POLICE_FACILITY, left_on__isnull=True)
    assert {ZoneKind.DETOX, ZoneKind.EDUCATION_ADAPTATION} <= set(
        police.values_list("zone__kind", flat=True)
    )


def test_facilities_have_zones_beds_and_police_strength(loaded):
    for code in (province.JUDICIAL_FACILITY, province.POLICE_FACILITY):
        assert FacilityProfile.objects.get(facility__code=code).police_strength > 0
        for zone in Zone.objects.filter(facility__code=code):
            taken = Admission.objects.filter(bed__zone=zone, left_on__isnull=True).count()
            assert 0 < taken <= zone.beds.count()
    kinds = set(
        Zone.objects.filter(facility__code=province.JUDICIAL_FACILITY).values_list(
            "kind", flat=True
        )
    )
    assert kinds == set(ZoneKind.values)


def test_community_measures_are_there_at_every_stage(loaded):
    t, community = loaded.today, Measure.objects.filter(kind__in=COMMUNITY_KINDS)
    running = community.filter(status=S.IN_PROGRESS)
    stages = {
        "ordered, within the report window": community.filter(
            status=S.ORDERED, report_due_by__gte=t
        ),
        "report overdue, not refused": community.filter(status=S.ORDERED, report_due_by__lt=t),
        "refused": community.filter(status=S.REFUSED),
        "reported and running": running.filter(term_end__gt=loaded.days(30)),
        "suspended": community.filter(status=S.SUSPENDED, pauses__ended_on__isnull=True),
        "resumed after a suspension": running.filter(paused_days__gt=0),
        "term ending within 30 days": running.filter(
            term_end__gte=t, term_end__lte=loaded.days(30)
        ),
        "ended": community.filter(status=S.ENDED, end_reason=EndReason.EXPIRY),
        "terminated, imprisonment": community.filter(
            status=S.TERMINATED, end_reason=EndReason.IMPRISONMENT
        ),
        "converted to isolation": community.filter(status=S.CONVERTED),
        "社区康复 running": running.filter(kind=K.COMMUNITY_REHABILITATION),
        "社区康复 to report": community.filter(
            kind=K.COMMUNITY_REHABILITATION, status=S.ORDERED, report_due_by__gte=t
        ),
    }
    missing = [name for name, query in stages.items() if not query.exists()]
    assert missing == []


def test_voluntary_treatment_and_methadone_are_there(loaded):
    assert Measure.objects.filter(
        kind=K.VOLUNTARY, status=S.IN_PROGRESS, executing_unit__code="990100-YL01"
    ).exists()
    assert MethadoneTreatment.objects.filter(status=MethadoneStatus.IN_TREATMENT).exists()


def test_every_notice_kind_is_owed_both_overdue_and_upcoming_and_most_old_ones_were_sent(loaded):
    t = loaded.today
    unsent = Notice.objects.filter(sent_on__isnull=True)
    for kind in NoticeKind.values:
        assert unsent.filter(kind=kind, due_on__lt=t).exists(), f"{kind} overdue"
        assert unsent.filter(kind=kind, due_on__gte=t).exists(), f"{kind} upcoming"
    sent = Notice.objects.filter(sent_on__isnull=False)
    assert sent.count() > 5 * unsent.filter(due_on__lt=t).count()
    assert not sent.filter(sent_on__gt=t).exists()


# --- Work lists of the demo logins -------------------------------------------------------------


# The sections each demo login's own unit must show. Left out, because they are empty by law or
# by the unit's kind: a township owes no notice (the police notify it, 戒毒条例 Art. 23, 40), a
# judicial facility transfers nobody, a police facility owes no family letter and holds nobody to
# the end of a term.
FULL_SECTIONS = {
    "demo_worker": ["to_report", "report_overdue", "community_ending", "suspended"],
    "demo_facility": [
        "admissions",
        "one_year",
        "terms_ending",
        "escaped",
        "leave",
        "segregation",
        "medical_parole",
        "notices",
    ],
    "demo_police_facility": ["admissions", "transfers", "one_year", "escaped"],
    "demo_police": ["to_report", "report_overdue", "community_ending", "suspended", "notices"],
}


@pytest.mark.parametrize(("username", "keys"), FULL_SECTIONS.items())
def test_the_demo_logins_have_full_work_lists(loaded, username, keys):
    u = user(username)
    unit = u.memberships.get().org_unit
    found = {s.key: s.total for s in sections.build(u, unit, loaded.today)}
    assert [key for key in keys if not found.get(key)] == [], found


def test_work_lists_show_both_overdue_and_upcoming_notices(loaded):
    u = user("demo_facility")
    notices = next(
        s
        for s in sections.build(u, u.memberships.get().org_unit, loaded.today)
        if s.key == "notices"
    )
    assert {"overdue", "upcoming"} <= {row.state for row in notices.rows}


def test_the_police_facility_has_a_demo_login(loaded):
    membership = Membership.objects.get(user__username="demo_police_facility")
    assert membership.org_unit.code == province.POLICE_FACILITY
    assert membership.role.code == "facility_leader"
    assert "demo_police_facility" in loaded.second_output


def test_the_worker_sees_only_her_townships_community_cases(loaded):
    worker = user("demo_worker")
    community = Measure.objects.restrict(worker, "view").filter(kind__in=COMMUNITY_KINDS)
    assert community.count() >= 10
    # Her township's cases, and those moved to another township whose person her township still
    # manages (two-way control, 户籍地为主; 戒毒条例 Art. 22).
    for executing, managing in community.values_list(
        "executing_unit__code", "person__managing_unit__code"
    ):
        assert executing == "990102001" or managing.startswith("990102001")


def test_community_cases_are_in_every_state_and_fill_the_workers_day(loaded, client):
    from jiedu.checkins.choices import NEEDS_REVIEW
    from jiedu.checkins.models import CheckIn
    from jiedu.community.choices import CaseState, LeaveStatus, ReferralReason, ReferralStatus
    from jiedu.community.models import (
        CaseAlert,
        CaseTransfer,
        CommunityCase,
        LeaveRequest,
        Referral,
    )
    from jiedu.community.services import schedule

    assert set(CommunityCase.objects.values_list("state", flat=True)) == set(CaseState.values)
    referrals = set(Referral.objects.values_list("reason", "status"))
    assert (ReferralReason.SERIOUS_BREACH, ReferralStatus.DRAFT) in referrals
    assert (ReferralReason.POSITIVE_TEST, ReferralStatus.REPORTED) in referrals
    assert CommunityCase.objects.filter(serious_breach_since__isnull=False).exists()
    assert LeaveRequest.objects.filter(status=LeaveStatus.PENDING).exists()
    assert CaseTransfer.objects.exists()
    assert CheckIn.objects.filter(face_status__in=NEEDS_REVIEW).exists()
    # demo_worker's own day: items overdue and due soon, and new alerts.
    mine = CommunityCase.objects.filter(worker__username="demo_worker")
    assert mine.filter(state=CaseState.ACTIVE).count() >= 3
    assert schedule.overdue(mine, loaded.today).exists()
    assert (
        schedule.due_within(mine, loaded.today, 7).exists()
        or schedule.due_within(mine, loaded.today, 31).exists()
    )
    assert CaseAlert.objects.filter(case__in=mine, seen_at__isnull=True).exists()
    client.force_login(user("demo_worker"))
    page = client.get("/community/my/")
    assert page.status_code == 200


# --- Indicator facts -------------------------------------------------------------------------


def test_the_indicator_facts_kept_by_the_writes_equal_a_rebuild(loaded):
    from jiedu.analytics import upkeep
    from jiedu.analytics.models import MeasureFact, MonthlyTally, PersonFact
    from jiedu.analytics.services import rebuild_facts

    def snapshot():
        return [
            sorted(m.objects.values_list(*[f.attname for f in m._meta.concrete_fields]))
            for m in (PersonFact, MeasureFact)
        ] + [sorted(MonthlyTally.objects.values_list("metric", "unit_path", "month", "value"))]

    # The load ran inside this module's transaction, so its commits have not happened: run the
    # refresh the commits would have run, with every person and unit the demo's writes marked.
    upkeep.flush()
    kept = snapshot()
    assert len(kept[0]) == Person.objects.filter(status="active").count()
    rebuild_facts()
    assert snapshot() == kept
