"""动态管控: whether a person is still under dynamic control, and the day three years without
detected drug use end it.

戒毒条例 Art. 7: a person abstinent three years with no detected relapse leaves dynamic control.
上海市禁毒条例 Art. 29 and 山东省禁毒条例 Art. 36 (domain.md §8.3) name the start points of the
three years:

1. caught but not found addicted — from being caught (Jiedu: the day the file was registered);
2. the start of 社区戒毒/社区康复 (report-in), except for those who refused or seriously breached it
   (their measure is converted, and the later release from 强戒 is the start point);
3. release from 强制隔离戒毒.

Drug use detected after a start point (a positive test anywhere, a follow-up visit that finds
relapse, a new decision made because of drug use) starts the count again from that day: the person
was caught again. While a compulsory-isolation measure runs the count does not start. The dead and
those who left the country are out of control for that reason, not for abstinence.

One definition for the person page, the follow-up plans and the indicators (`collect_facts` reads
many persons in a fixed number of queries; `control_state` is the pure rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core import clock
from jiedu.measures.choices import EndReason, IsolationGround, MeasureKind, MeasureStatus
from jiedu.measures.clocks import add_years
from jiedu.measures.rules import Statute

CONTROL_EXIT_YEARS = Statute("control.exit_after", 3, "years", "戒毒条例 Art. 7", date(2011, 6, 26))

START_REGISTERED = "registered"
START_COMMUNITY = "community_start"
START_RELEASE = "isolation_release"
START_DETECTED_USE = "detected_use"

START_LABELS = {
    START_REGISTERED: _("建档（查获未成瘾）"),
    START_COMMUNITY: _("社区戒毒（康复）报到"),
    START_RELEASE: _("强制隔离戒毒解除"),
    START_DETECTED_USE: _("再次发现吸毒"),
}

# A decision on these grounds was made because drug use was detected (禁毒法 Art. 38).
_USE_GROUNDS = {
    IsolationGround.DRUG_USE_IN_COMMUNITY,
    IsolationGround.RELAPSE,
    IsolationGround.SEVERE_ADDICTION,
}
# Release from 强戒 in the sense of §8.3(3): the term ran out or was cut short on evaluation.
_RELEASE_REASONS = {EndReason.EXPIRY, EndReason.EARLY_RELEASE}


@dataclass
class ControlFacts:
    """What the rule needs to know of one person."""

    registered_on: date
    uses: list[date] = field(default_factory=list)
    starts: list[tuple[date, str]] = field(default_factory=list)
    in_isolation: bool = False
    died_on: date | None = None
    departed_on: date | None = None


@dataclass(frozen=True)
class ControlState:
    in_control: bool
    start_on: date
    start_kind: str
    exit_on: date | None  # the day three years are reached (None while 强戒 runs, or dead/gone)
    last_use_on: date | None
    out_reason: str = ""  # "abstinent", "dead", "departed" when not in control

    @property
    def start_label(self):
        return START_LABELS[self.start_kind]


def control_state(facts: ControlFacts, on: date | None = None) -> ControlState:
    """The person's dynamic-control state on `on` (today by default)."""
    on = on or clock.today()
    candidates = [(facts.registered_on, START_REGISTERED), *facts.starts]
    candidates += [(day, START_DETECTED_USE) for day in facts.uses]
    start_on, start_kind = max(c for c in candidates if c[0] <= on)
    last_use = max((d for d in facts.uses if d <= on), default=None)
    for day, reason in ((facts.died_on, "dead"), (facts.departed_on, "departed")):
        if day is not None and day <= on:
            return ControlState(False, start_on, start_kind, None, last_use, reason)
    if facts.in_isolation:
        return ControlState(True, start_on, start_kind, None, last_use)
    # 戒毒条例 Art. 7: three years without detected use.
    exit_on = add_years(start_on, CONTROL_EXIT_YEARS.value)
    if exit_on <= on:
        return ControlState(False, start_on, start_kind, exit_on, last_use, "abstinent")
    return ControlState(True, start_on, start_kind, exit_on, last_use)


@dataclass(frozen=True)
class PkRange:
    """The persons with `first <= pk <= last`: how a rebuild reads a chunk (a range scan, and
    no query with thousands of parameters)."""

    first: int
    last: int


def person_filter(persons, field: str = "person_id") -> dict:
    """Filter keywords selecting `persons` (a PkRange or an iterable of ids) by `field`."""
    if isinstance(persons, PkRange):
        return {f"{field}__gte": persons.first, f"{field}__lte": persons.last}
    return {f"{field}__in": list(persons)}


def collect_facts(persons) -> dict[int, ControlFacts]:
    """The facts of each person in `persons` (ids or a PkRange), in five queries whatever their
    number."""
    from jiedu.aftercare.choices import VisitStatus, VisitTestResult
    from jiedu.aftercare.models import FollowUpVisit
    from jiedu.centres.choices import TestResult as FacilityResult
    from jiedu.centres.models import FacilityDrugTest
    from jiedu.community.choices import TestResult as CommunityResult
    from jiedu.community.models import CommunityDrugTest
    from jiedu.measures.models import Measure
    from jiedu.people.models import Person

    if not isinstance(persons, PkRange):
        persons = list(persons)
    facts = {
        pk: ControlFacts(registered_on=timezone.localdate(created))
        for pk, created in Person.objects.filter(**person_filter(persons, "pk")).values_list(
            "pk", "created_at"
        )
    }
    measures = Measure.objects.filter(**person_filter(persons)).values_list(
        "person_id", "kind", "status", "ground", "decided_on", "reported_on", "ended_on",
        "end_reason",
    )  # fmt: skip
    for pid, kind, status, ground, decided, reported, ended, reason in measures:
        f = facts[pid]
        f.registered_on = min(f.registered_on, decided)
        if kind == MeasureKind.COMMUNITY_DRUG_REHAB or ground in _USE_GROUNDS:
            f.uses.append(decided)
        if kind == MeasureKind.COMPULSORY_ISOLATION:
            if status in (MeasureStatus.ENDED, MeasureStatus.TERMINATED, MeasureStatus.CONVERTED):
                if ended and reason in _RELEASE_REASONS:
                    f.starts.append((ended, START_RELEASE))
            elif status != MeasureStatus.REFUSED:
                f.in_isolation = True
        elif kind != MeasureKind.VOLUNTARY and reported:
            f.starts.append((reported, START_COMMUNITY))
        if reason == EndReason.DEATH and ended:
            f.died_on = min(filter(None, (f.died_on, ended)))
    tests = CommunityDrugTest.objects.filter(
        result=CommunityResult.POSITIVE, **person_filter(persons)
    ).values_list("person_id", "taken_on")
    facility_tests = FacilityDrugTest.objects.filter(
        result=FacilityResult.POSITIVE, **person_filter(persons)
    ).values_list("person_id", "tested_on")
    for pid, day in [*tests, *facility_tests]:
        facts[pid].uses.append(day)
    visits = FollowUpVisit.objects.filter(visited_on__isnull=False, **person_filter(persons))
    visits = visits.values_list("person_id", "visited_on", "status", "test_result")
    for pid, day, status, test in visits:
        f = facts[pid]
        if status == VisitStatus.RELAPSED or test == VisitTestResult.POSITIVE:
            f.uses.append(day)
        elif status == VisitStatus.DEAD:
            f.died_on = min(filter(None, (f.died_on, day)))
        elif status == VisitStatus.MOVED_ABROAD:
            f.departed_on = min(filter(None, (f.departed_on, day)))
    return facts


def person_control(person, on: date | None = None) -> ControlState:
    """The dynamic-control state of one person (for the person page and follow-up plans)."""
    return control_state(collect_facts([person.pk])[person.pk], on)
