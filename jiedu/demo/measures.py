"""Measures for the demo province: every stage of every measure, dated relative to today.

`load_demo` first builds the province and its persons (`demo.province`); this module then gives
about a third of them a history — decisions, intake, transfer, zones, home leave, escapes,
releases, community cases, notices — so that every work list has something on it the day the
demo is loaded. Each history is a `Story` played through the services (`measures.services`,
`facilities.services`) with the demo logins as actors, so clocks, notices, timelines and the
change log are exactly what real use produces.

Dates: the services refuse a future date and check nothing else against today, so every date is
"today minus N days", chosen so that the computed clocks land where a stage needs them (a term
ending in 9 days, a transfer window open now, a leave due back today). The stages are those of the
day of the first load; as days pass they move on, as real cases would.

Idempotent: stories go to persons in a fixed order (by their `demo-<n>` key), and a person who
already has a measure or a methadone record is left alone — so a second run, on any day, adds
nothing, and an interrupted run (each story is one transaction) resumes where it stopped.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from jiedu.accounts.models import User
from jiedu.core import clock
from jiedu.core.context import acting_as
from jiedu.core.models import IdempotencyRecord
from jiedu.core.permissions import has_perm
from jiedu.demo import province
from jiedu.demo.aftercare import AftercareDemo
from jiedu.demo.centres import Centres
from jiedu.demo.community import CommunityDemo
from jiedu.facilities import services as facilities
from jiedu.facilities.choices import LeaveGround, PregnancyTest, ReturnTest, StageResult, ZoneKind
from jiedu.facilities.models import Admission, Bed, FacilityProfile, Zone
from jiedu.measures import services as measures
from jiedu.measures.choices import (
    ACTIVE_STATUSES,
    EndReason,
    IsolationGround,
    MeasureKind,
    NoticeKind,
)
from jiedu.measures.clocks import add_months
from jiedu.measures.models import Measure, MethadoneTreatment, Notice
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.models import OrgUnit
from jiedu.people.choices import Gender, PersonStatus
from jiedu.people.models import Person

JUDICIAL = province.JUDICIAL_FACILITY
POLICE = province.POLICE_FACILITY
CLINIC = "990100-YL01"

# facility code -> police strength, zones (kind, name, beds)
FACILITIES = {
    JUDICIAL: (
        96,
        [
            (ZoneKind.DETOX, "生理脱毒区", 24),
            (ZoneKind.EDUCATION_ADAPTATION, "教育适应区", 30),
            (ZoneKind.CONSOLIDATION, "康复巩固区", 40),
            (ZoneKind.RETURN_GUIDANCE, "回归指导区", 30),
            (ZoneKind.SPECIAL, "病残专区", 8),
        ],
    ),
    POLICE: (
        38,
        [
            (ZoneKind.DETOX, "脱毒区", 30),
            (ZoneKind.EDUCATION_ADAPTATION, "教育区", 30),
        ],
    ),
}
# Days after the decision a person in the judicial facility moves on to each zone (MODEL 2018:
# about a month of detox, education and adaptation, consolidation, the last months before release
# in return guidance).
ZONE_MILESTONES = [
    (ZoneKind.DETOX, 0),
    (ZoneKind.EDUCATION_ADAPTATION, 30),
    (ZoneKind.CONSOLIDATION, 150),
    (ZoneKind.RETURN_GUIDANCE, 540),
]
POLICE_EDUCATION_AFTER = 30  # days in the police facility's detox zone
DRUGS_FOUND_AFTER = 300  # the story with drugs found in the facility: days after the decision
# Home leave (at most 10 days with travel, 司法部令第127号 Art. 25): kind -> (starts, due back,
# returned) in days before today.
LEAVES = {
    "due_today": (4, 0, None),
    "overdue": (12, 3, None),  # not back, not yet recorded as an overstay
    "overstay": (15, 6, None),  # recorded: an escape from the day after the due day
    "returned_late": (70, 62, 60),  # two days late: escape time (戒毒条例 Art. 32)
    "returned": (100, 93, 93),
    "relapsed": (80, 73, 73),  # back on time, tested positive: no early release (Art. 26)
}
# 单独管理 (at most 5 days, 司法部令第127号 Art. 28): kind -> (starts, ends) in days before today.
# An emergency one is put in place by the officers; the leader approves it afterwards.
SEGREGATIONS = {"ends_today": (4, 0), "emergency": (0, -4)}

# Which demo login acts, by what the step needs; the first one whose grants cover the unit acts,
# the superuser otherwise (units no demo login covers).
DECIDERS = ("demo_police",)
WORKERS = ("demo_worker", "demo_outsider", "demo_supervisor")
OFFICERS = ("demo_facility", "demo_police_facility")
LEADERS = ("demo_leader", "demo_police_facility")

# The two officers of every intake search (司法部令第127号 Art. 13).
SEARCHERS = ["张建华", "刘志强"]
COUNTY_SHORT = {code: name[0] for code, name, _city in province.COUNTIES}
KEY_NUMBER = re.compile(rf"^{province.KEY_PREFIX}(\d+)$")
# The oldest story starts about four years back; nobody is under 18 at any decision.
MIN_AGE_YEARS = 23


# --- Stories -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Isolation:
    """强制隔离戒毒: decision, intake, transfer, zones, events during the stay, release."""

    decided: date
    first: str = POLICE  # the facility of intake
    admit: bool = True
    transfer_after: int | None = 120  # days after the decision; None: stays where admitted
    ground: str = IsolationGround.RELAPSE
    previous: str = ""  # a community case first: "refused" or "drug_use" (converted)
    special_on: date | None = None  # moved to the special zone (sick)
    leave: str = ""  # due_today | overdue | overstay | returned_late | returned
    escaped_on: date | None = None
    recaptured_on: date | None = None
    segregated: str = ""  # ends_today | emergency (approval pending)
    parole_on: date | None = None
    release: str = ""  # expiry | early
    released_on: date | None = None  # early release only; expiry is on the term end
    rehab_months: int = 0  # 社区康复 ordered at release (禁毒法 Art. 48)
    rehab_reported: date | None = None
    keep_open: tuple[str, ...] = ()  # notice kinds left unsent although due
    # Diagnostic evaluation (demo.centres.comprehensive): early_approved | early_today |
    # early_submitted | one_year_draft | continue (a blocker bars early release) | extension
    # (drugs found in the facility) | extension_today | on_time | crisis (a PHQ-9 alert).
    evaluation: str = ""
    paperwork: str = ""  # no_handbook | no_admission_evaluation: left overdue
    points_pending: bool = False  # last month's behaviour points still in approval


@dataclass(frozen=True)
class Community:
    """社区戒毒 (3 years, 禁毒法 Art. 33): service, report, refusal, suspension, end."""

    served: date
    reported: date | None = None
    refused: date | None = None
    suspended: date | None = None
    resumed: date | None = None
    terminated: date | None = None
    ended: date | None = None  # at expiry
    keep_open: tuple[str, ...] = ()


@dataclass(frozen=True)
class Voluntary:
    """自愿戒毒 at the city's rehab medical institution (戒毒条例 Art. 10)."""

    signed: date
    term_months: int = 6


@dataclass(frozen=True)
class Methadone:
    """Methadone maintenance at the city clinic (禁毒法 Art. 51)."""

    started: date
    dose_mg: int = 60


Story = Isolation | Community | Voluntary | Methadone


def term_ending_in(today: date, days: int) -> date:
    """The decision date of a 2-year isolation term whose last day is today + `days`."""
    return add_months(today + timedelta(days=days + 1), -24)


def reported_for_term_ending(today: date, days: int, months: int = 36) -> date:
    """The report date of a community term of `months` whose last day is today + `days`."""
    return add_months(today + timedelta(days=days + 1), -months)


def one_year_in(today: date, days: int) -> date:
    """The decision date whose first anniversary (early release, 禁毒法 Art. 47) is today + days."""
    return add_months(today + timedelta(days=days), -12)


def stories(today: date) -> list[tuple[str, Story]]:
    """(pool, story) in the order persons are given them; a pool is a township (persons its
    office manages), a county or a city (persons managed there), or the province."""

    def d(n: int) -> date:
        return today - timedelta(days=n)

    K = NoticeKind
    worker = province.TOWNSHIPS[0][0]  # 花桥街道, demo_worker's township
    east, west = province.CITIES[0][0], province.CITIES[1][0]
    ending = reported_for_term_ending
    plan: list[tuple[str, Story]] = [
        # demo_worker's township: a case at every stage.
        (worker, Community(served=d(2))),
        (worker, Community(served=d(9))),
        (worker, Community(served=d(18))),  # report overdue, not yet recorded as refused
        (worker, Community(served=d(25))),
        (worker, Community(served=d(70), refused=d(50))),
        (worker, Community(served=d(42), reported=d(40))),
        (worker, Community(served=d(382), reported=d(380))),
        (worker, Community(served=d(502), reported=d(500), suspended=d(200), resumed=d(185))),
        (worker, Community(served=d(262), reported=d(260), suspended=d(20))),
        (worker, Community(served=ending(today, 7) - timedelta(2), reported=ending(today, 7))),
        (worker, Community(served=ending(today, 21) - timedelta(2), reported=ending(today, 21))),
        (
            worker,
            Community(
                served=ending(today, -30) - timedelta(2),
                reported=ending(today, -30),
                ended=d(26),
                keep_open=(K.END_TOWNSHIP,),
            ),
        ),
        (
            worker,
            Community(
                served=ending(today, -4) - timedelta(1), reported=ending(today, -4), ended=d(2)
            ),
        ),
        (worker, Community(served=d(332), reported=d(330), terminated=d(40))),
        # Released two days ago with 社区康复 to the township: to report, handover owed.
        (worker, Isolation(decided=term_ending_in(today, -2), release="expiry", rehab_months=36)),
        # Four years of history: isolation, then 社区康复 ending in 12 days.
        (
            worker,
            Isolation(
                decided=add_months(ending(today, 12, 24) - timedelta(1), -24),
                release="expiry",
                rehab_months=24,
                rehab_reported=ending(today, 12, 24),
            ),
        ),
        # 东湖市 police facility: ordered, admitted, in and past the transfer window.
        (east, Isolation(decided=d(0), admit=False)),
        (east, Isolation(decided=d(3), admit=False, keep_open=(K.DECISION_SERVED,))),
        (east, Isolation(decided=d(13), transfer_after=None)),
        (
            east,
            Isolation(decided=d(45), transfer_after=None, ground=IsolationGround.SEVERE_ADDICTION),
        ),
        (east, Isolation(decided=d(100), transfer_after=None)),
        (east, Isolation(decided=d(160), transfer_after=None)),
        (east, Isolation(decided=d(200), transfer_after=None)),
        (east, Isolation(decided=d(250), transfer_after=None)),
        (east, Isolation(decided=d(350), transfer_after=None)),  # near the 12-month limit
        (east, Isolation(decided=d(120), transfer_after=None, escaped_on=d(10))),
        (
            east,
            Isolation(
                decided=d(50),
                transfer_after=None,
                previous="refused",
                ground=IsolationGround.REFUSED_COMMUNITY,
            ),
        ),
        # Through the police facility into the judicial facility.
        (east, Isolation(decided=d(130), transfer_after=110)),
        (east, Isolation(decided=d(145), transfer_after=120)),
        (east, Isolation(decided=d(330), points_pending=True)),
        # early-release evaluation due, in draft
        (east, Isolation(decided=one_year_in(today, 12), evaluation="one_year_draft")),
        (east, Isolation(decided=one_year_in(today, 26), escaped_on=d(150), recaptured_on=d(120))),
        # demo_police's county: the proposal waits for their decision
        (worker[:6], Isolation(decided=one_year_in(today, -5), evaluation="early_submitted")),
        (east, Isolation(decided=d(380), leave="overdue")),
        (east, Isolation(decided=d(450), leave="overstay")),
        (east, Isolation(decided=d(520), special_on=d(35), parole_on=d(20))),
        (east, Isolation(decided=d(280), special_on=d(40))),
        (east, Isolation(decided=d(650), leave="returned", evaluation="early_today")),
        (
            east,
            Isolation(
                decided=d(200), previous="drug_use", ground=IsolationGround.DRUG_USE_IN_COMMUNITY
            ),
        ),
        (east, Isolation(decided=term_ending_in(today, 9))),  # pre-expiry evaluation overdue
        (east, Isolation(decided=term_ending_in(today, -1), release="expiry", rehab_months=36)),
        (
            east,
            Isolation(
                decided=term_ending_in(today, -6),
                release="expiry",
                rehab_months=24,
                keep_open=(K.HANDOVER_TOWNSHIP,),
            ),
        ),
        (
            east,
            Isolation(
                decided=d(420),
                release="early",
                released_on=d(25),
                rehab_months=36,
                rehab_reported=d(23),
            ),
        ),
        # Relapse found on return from home leave: no early release (司法部令第127号 Art. 26).
        (east, Isolation(decided=d(400), leave="relapsed", evaluation="continue")),
        (east, Voluntary(signed=d(40))),
        (east, Methadone(started=d(420), dose_mg=55)),
        (east, Methadone(started=d(90), dose_mg=40)),
        # 西山市: straight into the judicial facility.
        (west, Isolation(decided=d(1), first=JUDICIAL, admit=False)),
        (west, Isolation(decided=d(2), first=JUDICIAL)),  # family letter due in 3 days
        (
            west,
            Isolation(
                decided=d(10),
                first=JUDICIAL,
                keep_open=(K.ADMISSION_FAMILY,),
                paperwork="no_handbook",
            ),
        ),  # family letter and evaluation handbook overdue
        (west, Isolation(decided=d(20), first=JUDICIAL, paperwork="no_admission_evaluation")),
        (west, Isolation(decided=d(60), first=JUDICIAL, points_pending=True)),
        (west, Isolation(decided=d(110), first=JUDICIAL, evaluation="crisis")),
        (west, Isolation(decided=d(200), first=JUDICIAL)),
        (west, Isolation(decided=d(300), first=JUDICIAL, leave="due_today")),
        (
            west,
            Isolation(decided=d(420), first=JUDICIAL, leave="returned_late", evaluation="continue"),
        ),  # two days late: escape time, no early release
        (west, Isolation(decided=d(480), first=JUDICIAL, segregated="ends_today")),
        (west, Isolation(decided=d(360), first=JUDICIAL, segregated="emergency")),
        (
            west,
            Isolation(
                decided=d(600),
                first=JUDICIAL,
                evaluation="early_approved",
                keep_open=(K.EARLY_RELEASE_DECISION,),
            ),
        ),
        (
            west,
            Isolation(
                decided=term_ending_in(today, 2),
                first=JUDICIAL,
                keep_open=(K.RELEASE_DECIDING_ORGAN,),
                evaluation="on_time",
            ),
        ),  # release notice overdue
        (
            west,
            Isolation(
                decided=term_ending_in(today, 14),
                first=JUDICIAL,
                evaluation="extension",
                keep_open=(K.EXTENSION_DECISION,),
            ),
        ),  # drugs found in the facility: extended
        (
            west,
            Isolation(
                decided=term_ending_in(today, 27), first=JUDICIAL, evaluation="extension_today"
            ),
        ),
        (west, Isolation(decided=d(240), first=JUDICIAL, escaped_on=d(15))),
        (west, Isolation(decided=term_ending_in(today, -10), first=JUDICIAL, release="expiry")),
        (west, Isolation(decided=term_ending_in(today, -45), first=JUDICIAL, release="expiry")),
        (
            west,
            Isolation(
                decided=term_ending_in(today, -300),
                first=JUDICIAL,
                release="expiry",
                rehab_months=36,
                rehab_reported=d(298),
            ),
        ),
    ]
    # The other townships: a few community cases each, at rotating stages.
    rotation = [
        lambda i: Community(served=d(4 + i)),
        lambda i: Community(served=d(92 + 20 * i), reported=d(90 + 20 * i)),
        lambda i: Community(served=d(19 + i)),
        lambda i: Community(
            served=ending(today, 10 + i) - timedelta(2), reported=ending(today, 10 + i)
        ),
        lambda i: Community(served=d(190 + i), reported=d(188 + i), suspended=d(15 + i)),
        lambda i: Community(
            served=ending(today, -30 - i) - timedelta(2),
            reported=ending(today, -30 - i),
            ended=d(28 + i),
        ),
        lambda i: Community(served=d(60 + i), refused=d(40 + i)),
        lambda i: Community(served=d(400 + i), reported=d(398 + i), terminated=d(70 + i)),
    ]
    n = 0
    for i, (township, _name, _county) in enumerate(province.TOWNSHIPS[1:]):
        for _ in range(3):
            plan.append((township, rotation[n % len(rotation)](i)))
            n += 1
    return plan


# --- Loading -----------------------------------------------------------------------------------


@dataclass
class MeasuresResult:
    stories_played: int
    measures_total: int
    measures_created: int


def load() -> MeasuresResult:
    """Set up the facilities and play every story not played before; safe to run again."""
    before = Measure.objects.count()
    province.refresh_planner_statistics()
    with transaction.atomic():
        demo = _Demo.start()
        with acting_as(demo.superuser):
            demo.ensure_facilities()
    played = 0
    for person, story in demo.assign(stories(demo.today)):
        with transaction.atomic(), acting_as(demo.superuser):
            demo.play(person, story)
        played += 1
    province.refresh_planner_statistics()
    with transaction.atomic(), acting_as(demo.superuser):
        demo.centres.finish()
    CommunityDemo(demo).finish()
    AftercareDemo(demo).finish()
    total = Measure.objects.count()
    return MeasuresResult(played, total, total - before)


class _Demo:
    """One load: today, the actors, the demo units, and the free beds of each zone."""

    def __init__(self, today: date, superuser: User, units: dict[str, OrgUnit]):
        self.today = today
        self.superuser = superuser
        self.units = units
        self.users = {
            u.username: u
            for u in User.objects.filter(username__in={*DECIDERS, *WORKERS, *OFFICERS, *LEADERS})
        }
        self.zones: dict[tuple[str, str], Zone] = {}
        self.free_beds: dict[int, list[Bed]] = {}
        self.centres = Centres(self)

    @classmethod
    def start(cls) -> _Demo:
        superuser = User.objects.filter(username=province.SUPERUSER, is_superuser=True).first()
        if superuser is None:
            raise province.DemoError("Load the demo province first.")
        codes = {s.code for s in province.unit_specs()} | {CLINIC}
        units = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
        return cls(clock.today(), superuser, units)

    def actor(self, perm: str, unit: OrgUnit, prefer: tuple[str, ...]) -> User:
        for username in prefer:
            user = self.users.get(username)
            if user is not None and has_perm(user, perm, unit):
                return user
        return self.superuser

    # Facilities -------------------------------------------------------------------------------

    def ensure_facilities(self) -> None:
        for code, (strength, zones) in FACILITIES.items():
            facility = self.units[code]
            leader = self.actor("facilities.manage_facility", facility, LEADERS)
            if not FacilityProfile.objects.filter(facility=facility).exists():
                facilities.set_facility_profile(facility, police_strength=strength, actor=leader)
            for kind, name, beds in zones:
                zone = Zone.objects.filter(facility=facility, name=name).first()
                if zone is None or zone.beds.count() < beds:
                    zone = facilities.add_zone(
                        facility, kind=kind, name=name, beds=beds, actor=leader
                    )
                self.zones[(code, kind)] = zone
        taken = set(
            Admission.objects.filter(left_on__isnull=True, bed__isnull=False).values_list(
                "bed_id", flat=True
            )
        )
        for zone in self.zones.values():
            self.free_beds[zone.pk] = [
                b for b in zone.beds.filter(is_active=True).order_by("code") if b.pk not in taken
            ]

    def bed(self, facility: str, kind: str) -> Bed | None:
        free = self.free_beds.get(self.zones[(facility, kind)].pk)
        return free.pop(0) if free else None  # a full zone: the person is held without a bed

    def free(self, bed: Bed | None) -> None:
        if bed is not None:
            self.free_beds[bed.zone_id].append(bed)

    # Persons ----------------------------------------------------------------------------------

    def assign(self, plan: list[tuple[str, Story]]) -> list[tuple[Person, Story]]:
        """Give each story the next fitting person, in key order; skip persons who already have a
        history (a previous run), so the assignment never depends on what the database holds."""
        records = IdempotencyRecord.objects.filter(
            user_id=self.superuser.pk,
            scope="people.create_person",
            key__startswith=province.KEY_PREFIX,
        ).values_list("key", "result_id")
        number = {}
        for key, result_id in records:
            match = KEY_NUMBER.match(key)
            if match and result_id:
                number[int(result_id)] = int(match.group(1))
        oldest_birth = add_months(self.today, -12 * MIN_AGE_YEARS)
        persons = list(
            Person.objects.filter(
                pk__in=number,
                status=PersonStatus.ACTIVE,
                birth_date__lte=oldest_birth,
            ).select_related("managing_unit", "hukou_division")
        )
        # Files of one person twice (the merge demo) stay without measures.
        names = Counter(Person.objects.values_list("name", "birth_date"))
        persons = [p for p in persons if names[(p.name, p.birth_date)] == 1 and _county(p)]
        persons.sort(key=lambda p: number[p.pk])
        busy = set(Measure.objects.values_list("person_id", flat=True)) | set(
            MethadoneTreatment.objects.values_list("person_id", flat=True)
        )
        used: set[int] = set()
        assigned = []
        for pool, story in plan:
            person = next((p for p in persons if p.pk not in used and _in_pool(p, pool)), None)
            if person is None:
                continue  # a small demo (--persons): not every story has someone
            used.add(person.pk)
            if person.pk not in busy:
                assigned.append((person, story))
        return assigned

    def play(self, person: Person, story: Story) -> None:
        try:
            if isinstance(story, Isolation):
                self.isolation(person, story)
            elif isinstance(story, Community):
                self.community(person, story)
            elif isinstance(story, Voluntary):
                self.voluntary(person, story)
            else:
                self.methadone(person, story)
            self.send_notices(person, getattr(story, "keep_open", ()))
        except Exception as exc:
            # Name the story: a demo that no longer loads is a change in the services' rules.
            raise province.DemoError(f"{story} for person {person.pk}: {exc}") from exc

    # Stories ----------------------------------------------------------------------------------

    def _number(self, person: Person, kind: str, on: date) -> str:
        short = COUNTY_SHORT[_county(person)]
        word = {
            MeasureKind.COMPULSORY_ISOLATION: "强戒决",
            MeasureKind.COMMUNITY_DRUG_REHAB: "社戒决",
            MeasureKind.COMMUNITY_REHABILITATION: "社康决",
        }[kind]
        return f"{short}公{word}字〔{on.year}〕{person.pk}号"

    def _organ(self, person: Person) -> OrgUnit:
        return self.units[province.deciding_organ_code(_county(person))]

    def _township(self, person: Person) -> OrgUnit:
        """The township that runs the person's community case: where the file is managed, else
        where the person is registered, else the county's first township."""
        county = _county(person)
        code = person.managing_unit.code.removesuffix("-JDB")
        hukou = person.hukou_division
        if code not in self.units or self.units[code].kind != UnitKind.TOWNSHIP:
            if hukou is not None and hukou.kind == UnitKind.TOWNSHIP and hukou.code[:6] == county:
                code = hukou.code
            else:
                code = next(t[0] for t in province.TOWNSHIPS if t[2] == county)
        return self.units[code]

    def decide_community(self, person: Person, story: Community) -> Measure:
        organ = self._organ(person)
        decided = story.served - timedelta(days=1)  # decided, then served the next day
        kind = MeasureKind.COMMUNITY_DRUG_REHAB
        return measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=kind,
                decided_on=decided,
                served_on=story.served,
                executing_unit=self._township(person),
                deciding_organ=organ,
                decision_number=self._number(person, kind, decided),
            ),
            actor=self.actor("measures.decide_measure", organ, DECIDERS),
        )

    def community(self, person: Person, story: Community) -> Measure:
        measure = self.decide_community(person, story)
        worker = self.actor("measures.execute_measure", measure.executing_unit, WORKERS)
        if story.refused:
            measure = measures.refuse(measure, on=story.refused, actor=worker)
        if story.reported:
            measure = measures.report_in(measure, on=story.reported, actor=worker)
        if story.suspended:
            measure = measures.suspend(
                measure, on=story.suspended, actor=worker, reason="因涉嫌盗窃被刑事拘留"
            )
        if story.resumed:
            measure = measures.resume(measure, on=story.resumed, actor=worker)
        if story.terminated:
            measure = measures.terminate(
                measure, on=story.terminated, reason=EndReason.IMPRISONMENT, actor=worker
            )
        if story.ended:
            measure = measures.release(measure, on=story.ended, actor=worker)
        return measure

    def _intake(self, person: Person, on: date, bed: Bed | None, transferred=False):
        return facilities.IntakeInput(
            on=on,
            identity_checked=True,
            searched_by=SEARCHERS,
            health_summary="入所体检：神志清楚，生命体征平稳。",
            pregnancy_test=(
                PregnancyTest.NEGATIVE
                if person.gender == Gender.FEMALE
                else PregnancyTest.NOT_APPLICABLE
            ),
            files_received=transferred,
            bed=bed,
            property=[] if transferred else [("手机", 1), ("钥匙", 1)],
        )

    def _move(self, stay: Admission, kind: str, on: date, reason: str) -> Admission:
        """Move on to zone `kind`; a forward move first runs the stage evaluation of the zone
        being left, and a stage that does not pass keeps the person where they are."""
        forward = kind != ZoneKind.SPECIAL
        if forward and not self.centres.leave_zone(stay, on):
            return stay
        bed = self.bed(stay.facility.code, kind)
        old = stay.bed
        facilities.change_zone(
            stay,
            to_zone=self.zones[(stay.facility.code, kind)],
            on=on,
            reason=reason,
            stage_result=StageResult.PASS if forward else "",
            evaluation_note="阶段性诊断评估合格" if forward else "",
            bed=bed,
            actor=self.actor("facilities.manage_admission", stay.facility, OFFICERS),
        )
        self.free(old)
        stay.refresh_from_db()
        return stay

    def _police_zones(self, stay: Admission, until: date) -> Admission:
        on = stay.admitted_on + timedelta(days=POLICE_EDUCATION_AFTER)
        if on <= until:
            stay = self._move(stay, ZoneKind.EDUCATION_ADAPTATION, on, "脱毒期满，转入教育区")
        return stay

    def _judicial_zones(self, stay: Admission, story: Isolation, until: date) -> Admission:
        order = [kind for kind, _days in ZONE_MILESTONES]
        drugs_on = story.decided + timedelta(days=DRUGS_FOUND_AFTER)
        for kind, days in ZONE_MILESTONES:
            on = story.decided + timedelta(days=days)
            current = stay.zone.kind if stay.zone else ZoneKind.DETOX
            if order.index(kind) <= order.index(current) or on > until:
                continue
            if story.evaluation == "extension" and drugs_on < on:
                self.centres.drugs_found(stay, drugs_on)  # a retried record is kept once
            before = stay.zone_id
            stay = self._move(stay, kind, max(on, stay.admitted_on), "阶段性评估合格，转入下一分区")
            if stay.zone_id == before:
                break  # the stage evaluation did not pass: the person stays in the zone
        return stay

    def isolation(self, person: Person, story: Isolation) -> Measure:
        today = self.today
        organ = self._organ(person)
        decider = self.actor("measures.decide_measure", organ, DECIDERS)
        if story.previous:
            self._community_before(person, story)
        first = self.units[story.first]
        measure = measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=MeasureKind.COMPULSORY_ISOLATION,
                decided_on=story.decided,
                served_on=story.decided,
                executing_unit=first,
                deciding_organ=organ,
                decision_number=self._number(
                    person, MeasureKind.COMPULSORY_ISOLATION, story.decided
                ),
                ground=story.ground,
            ),
            actor=decider,
        )
        if not story.admit:
            return measure
        # Where the stay's zone history stops: before the events at its end.
        events = [
            story.special_on,
            story.escaped_on,
            story.parole_on,
            story.released_on,
            today - timedelta(days=LEAVES[story.leave][0]) if story.leave else None,
            today - timedelta(days=SEGREGATIONS[story.segregated][0]) if story.segregated else None,
        ]
        if story.release == "expiry":
            events.append(measure.term_end)
        until = min([today, *(e - timedelta(days=1) for e in events if e)])
        officer = self.actor("facilities.manage_admission", first, OFFICERS)
        admitted = min(story.decided + timedelta(days=1), today)
        stay = facilities.admit_person(
            measure,
            facility=first,
            data=self._intake(person, admitted, self.bed(first.code, ZoneKind.DETOX)),
            actor=officer,
        )
        self.centres.admitted(stay, story)
        if story.first == POLICE:
            transfer_on = (
                story.decided + timedelta(days=story.transfer_after)
                if story.transfer_after is not None
                else None
            )
            stay = self._police_zones(
                stay, min(until, transfer_on - timedelta(days=1) if transfer_on else today)
            )
            if transfer_on is not None:
                old = stay.bed
                stay = facilities.transfer_person(
                    stay,
                    to_facility=self.units[JUDICIAL],
                    data=self._intake(
                        person,
                        transfer_on,
                        self.bed(JUDICIAL, ZoneKind.EDUCATION_ADAPTATION),
                        transferred=True,
                    ),
                    actor=officer,
                )
                self.free(old)
                self.centres.admitted(stay, story, transferred=True)
        if stay.facility.code == JUDICIAL:
            stay = self._judicial_zones(stay, story, until)
        if story.special_on:
            stay = self._move(stay, ZoneKind.SPECIAL, story.special_on, "患慢性病，转入病残专区")
        self._events_during_stay(stay, story)
        if not story.release:
            self.centres.recent(stay, story)
        self.centres.comprehensive(stay, story)
        if story.release:
            self._release(person, stay, story)
        measure.refresh_from_db()
        return measure

    def _community_before(self, person: Person, story: Isolation) -> None:
        """The community case an isolation decision converts (禁毒法 Art. 38)."""
        start = story.decided - timedelta(days=300 if story.previous == "drug_use" else 30)
        if story.previous == "refused":
            before = Community(served=start, refused=start + timedelta(days=20))
        else:
            before = Community(served=start, reported=start + timedelta(days=2))
        self.community(person, before)

    def _events_during_stay(self, stay: Admission, story: Isolation) -> None:
        d = self.today
        leader = self.actor("facilities.approve_admission", stay.facility, LEADERS)
        officer = self.actor("facilities.manage_admission", stay.facility, OFFICERS)
        executor = self.actor("measures.execute_measure", stay.facility, OFFICERS)
        measure = stay.measure
        if story.leave:
            starts, due, returned = LEAVES[story.leave]
            leave = facilities.grant_home_leave(
                stay,
                ground=(
                    LeaveGround.REWARD if story.leave == "returned" else LeaveGround.RELATIVE_ILL
                ),
                starts_on=d - timedelta(days=starts),
                due_back_on=d - timedelta(days=due),
                destination=str(self._township(stay.person)),
                actor=leader,
            )
            if story.leave == "overstay":
                facilities.record_leave_overstay(leave, actor=officer)
            elif returned is not None:
                facilities.return_from_leave(
                    leave,
                    on=d - timedelta(days=returned),
                    return_test=(
                        ReturnTest.POSITIVE if story.leave == "relapsed" else ReturnTest.NEGATIVE
                    ),
                    actor=officer,
                )
        if story.escaped_on:
            measure = measures.escape(
                measure, on=story.escaped_on, actor=executor, reason="出工劳动时脱逃"
            )
        if story.recaptured_on:
            measure = measures.recapture(measure, on=story.recaptured_on, actor=executor)
        if story.segregated:
            starts, ends = SEGREGATIONS[story.segregated]
            emergency = story.segregated == "emergency"
            facilities.segregate(
                stay,
                starts_on=d - timedelta(days=starts),
                ends_on=d - timedelta(days=ends),
                reason="与他人发生冲突，情绪激动" if emergency else "违反所规，与他人发生冲突",
                emergency=emergency,
                actor=officer if emergency else leader,
            )
        if story.parole_on:
            facilities.start_medical_parole(
                stay,
                starts_on=story.parole_on,
                hospital="东湖市第一人民医院",
                approval_number=f"演戒管所外就医〔{story.parole_on.year}〕{stay.person_id}号",
                approved_by_unit="演示省戒毒管理局",
                actor=leader,
            )

    def _release(self, person: Person, stay: Admission, story: Isolation) -> None:
        measure = Measure.objects.get(pk=stay.measure_id)
        on = story.released_on if story.release == "early" else measure.term_end
        order = None
        if story.rehab_months:
            order = measures.CommunityRehabOrder(
                executing_unit=self._township(person),
                term_months=story.rehab_months,
                decision_number=self._number(person, MeasureKind.COMMUNITY_REHABILITATION, on),
            )
        old = stay.bed
        facilities.release_person(
            stay,
            on=on,
            early=story.release == "early",
            certificate_number=f"演戒解字〔{on.year}〕{person.pk}号",
            community_rehab=order,
            actor=self.actor("facilities.manage_admission", stay.facility, LEADERS),
        )
        self.free(old)
        if order is not None and story.rehab_reported:
            rehab = Measure.objects.get(previous=measure, kind=MeasureKind.COMMUNITY_REHABILITATION)
            measures.report_in(
                rehab,
                on=story.rehab_reported,
                actor=self.actor("measures.execute_measure", rehab.executing_unit, WORKERS),
            )

    def voluntary(self, person: Person, story: Voluntary) -> Measure:
        clinic = self.units[CLINIC]
        return measures.decide_measure(
            measures.MeasureInput(
                person=person,
                kind=MeasureKind.VOLUNTARY,
                decided_on=story.signed,
                served_on=story.signed,
                executing_unit=clinic,
                decision_number=f"东戒医协字〔{story.signed.year}〕{person.pk}号",
                term_months=story.term_months,
            ),
            actor=self.superuser,  # no demo login works at the clinic
        )

    def methadone(self, person: Person, story: Methadone) -> None:
        measures.start_methadone_treatment(
            person,
            clinic=self.units[CLINIC],
            started_on=story.started,
            clinic_number=f"DH-MMT-{person.pk:04d}",
            daily_dose_mg=story.dose_mg,
            actor=self.superuser,
        )

    # Notices ----------------------------------------------------------------------------------

    def send_notices(self, person: Person, keep_open: tuple[str, ...]) -> None:
        """Most notices that fell due were sent on time; the story's `keep_open` ones were not,
        and those not yet due wait. A closed measure's release notice went with the release."""
        notices = (
            Notice.objects.filter(measure__person=person, sent_on__isnull=True)
            .exclude(kind__in=keep_open)
            .select_related("measure", "owed_by")
        )
        for notice in notices:
            measure = notice.measure
            closed = measure.status not in ACTIVE_STATUSES
            if notice.due_on >= self.today and not (
                closed and notice.kind == NoticeKind.RELEASE_DECIDING_ORGAN
            ):
                continue
            on = min(notice.due_on, measure.ended_on or self.today, self.today)
            prefer = OFFICERS if notice.owed_by.kind in facilities.FACILITY_KINDS else DECIDERS
            measures.record_notice_sent(
                notice,
                on=max(on, measure.served_on),
                method="书面通知",
                actor=self.actor("measures.execute_measure", notice.owed_by, prefer),
            )


def _county(person: Person) -> str:
    """The county (6-digit code) whose organs handle the person: where the file is managed."""
    code = person.managing_unit.code[:6]
    return code if code in COUNTY_SHORT else ""


def _in_pool(person: Person, pool: str) -> bool:
    county = _county(person)
    if len(pool) == 9:  # a township: persons its office manages
        return person.managing_unit.code == province.township_office_code(pool)
    if pool.endswith("0000"):
        return True
    if pool.endswith("00"):
        return county[:4] == pool[:4]
    return county == pool
