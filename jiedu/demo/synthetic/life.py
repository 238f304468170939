"""One synthetic person's history from the start year to today: the legal facts only.

`simulate` draws, from the person's own `random.Random`, when the person is first found, every
time they are caught again, which measure follows (社区戒毒, 强制隔离戒毒 with 社区康复 at release,
自愿戒毒), what happens during each (reporting or refusal, suspension, a positive test and the
police decision it leads to, change of place, transfer to a judicial facility, zones, escape,
evaluations, early release or extension, death) and the follow-up after release. The other modules
turn these facts into rows; the clocks come from `measures.clocks`, as in the services.

Rates are national figures scaled to one registered person (domain.md §7.2–7.4): about 5 % of
persons on file get a 强戒 decision a year and about 5.4 % a 社区戒毒/社区康复 order; released
persons relapse as the Beijing survey found (no detected relapse after 1, 2, 3 years: 80 %, 61 %,
54 %, domain.md §7.1). They are generator settings, not rules of law.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from jiedu.measures.choices import EndReason, IsolationGround, MeasureKind, MeasureStatus
from jiedu.measures.clocks import add_months, isolation_clocks, term_last_day

K = MeasureKind
S = MeasureStatus
G = IsolationGround

# Yearly hazard of being caught again after a release, by year since release (Beijing survey:
# cumulative 20 %, 39 %, 46 % by years 1–3, domain.md §7.1), then a tail.
RELAPSE_HAZARD = (0.223, 0.271, 0.122, 0.08)
LEGACY_CATCH_HAZARD = 0.045  # persons on file before the start year: caught again per year
NOT_ADDICTED_HAZARD = 0.10
DEATH_HAZARD = 0.007
DEPART_HAZARD = 0.0015
MOVE_SHARE = 0.05
FOUND_BEFORE_START = 0.78
# Newly found persons per year (domain.md §7.2: 0.223 m in 2019, −30.8 % in 2020, 0.121 m in 2021,
# 0.071 m in 2022, falling since): relative weights of the years from 2019.
FOUND_WEIGHTS = (223, 154, 121, 71, 60, 52, 46, 42)
FIRST_CATCH = ((None, 0.18), (K.COMMUNITY_DRUG_REHAB, 0.55), (K.COMPULSORY_ISOLATION, 0.22),
               (K.VOLUNTARY, 0.05))  # fmt: skip
REPEAT_ISOLATION = 0.72  # a relapse leads to 强戒 (禁毒法 Art. 38), else 社区戒毒 again
COMMUNITY_REFUSAL = 0.07
COMMUNITY_POSITIVE_PER_MONTH = 0.011
REHAB_POSITIVE_PER_MONTH = 0.014
COMMUNITY_SUSPENSION = 0.015
COMMUNITY_IMPRISONMENT = 0.006
REHAB_ORDERED = 0.75  # 社区康复 ordered at release (禁毒法 Art. 48)
ESCAPE = 0.004
EARLY_RELEASE = 0.22
EXTENSION = 0.05
SPECIAL_ZONE = 0.04


@dataclass
class Evaluation:
    kind: str
    on: date
    stay: int  # index into Measure.stays
    opinion: str = ""
    passed: bool | None = None
    proposal: dict | None = None


@dataclass
class Stay:
    facility: int  # index into Tree.facilities
    admitted_on: date
    zones: list[tuple[date, str]] = field(default_factory=list)  # (day, zone kind), intake first
    left_on: date | None = None
    left_reason: str = ""


@dataclass
class Measure:
    kind: str
    decided_on: date
    served_on: date
    organ_id: int | None
    unit_id: int  # executing unit now
    township: int | None = None  # community: township index now (Tree.townships)
    status: str = S.ORDERED
    ground: str = ""
    term_months: int = 0
    extension_months: int = 0
    approved_release_on: date | None = None
    previous: int | None = None  # index into Life.measures
    reported_on: date | None = None
    admitted_on: date | None = None
    transferred_on: date | None = None
    ended_on: date | None = None
    end_reason: str = ""
    late_reason: str = ""
    pauses: list[list] = field(default_factory=list)  # [kind, start, end or None]
    blockers: list[tuple[str, date]] = field(default_factory=list)
    stays: list[Stay] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    moves: list[tuple[date, int, int]] = field(default_factory=list)  # (day, from, to township)
    positive_on: date | None = None  # community: the positive test that went to the police
    referred_on: date | None = None
    refused_on: date | None = None
    follows_release: bool = False  # 社区康复 ordered at a release
    id: int = 0


@dataclass
class FollowUp:
    measure: int  # index of the measure whose end started it
    starts_on: date
    township: int
    close_on: date | None = None
    close_reason: str = ""
    end_event: tuple[str, date] | None = None  # ("relapse"/"dead"/"departed", day)


@dataclass
class Life:
    index: int
    gender: str
    birth_date: date
    found_on: date
    hukou: int  # township index
    home: int  # township index now (managing unit)
    measures: list[Measure] = field(default_factory=list)
    followups: list[FollowUp] = field(default_factory=list)
    died_on: date | None = None
    departed_on: date | None = None
    moves: list[tuple[date, int, int]] = field(default_factory=list)


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high))


def _after(rng: random.Random, start: date, yearly: float) -> date:
    """A day drawn with a constant yearly hazard after `start`."""
    return start + timedelta(days=int(rng.expovariate(yearly) * 365.25))


def _relapse_after(rng: random.Random, start: date) -> date:
    """A day drawn with the piecewise yearly hazards of RELAPSE_HAZARD after `start`."""
    u = -math.log(1.0 - rng.random())
    years = 0.0
    for i, rate in enumerate(RELAPSE_HAZARD):
        last = i == len(RELAPSE_HAZARD) - 1
        if last or u < rate:
            years += u / rate
            break
        u -= rate
        years += 1
    return start + timedelta(days=int(years * 365.25))


class World:
    """What `simulate` needs of the province (township → county → organ, facilities)."""

    def __init__(self, tree, today: date, start: date, police_window: tuple[int, int]):
        self.tree = tree
        self.today = today
        self.start = start
        self.police_window = police_window
        self.n_townships = len(tree.townships)

    def organ(self, township: int) -> int:
        return self.tree.counties[self.tree.townships[township].county].organ_id

    def city(self, township: int):
        county = self.tree.counties[self.tree.townships[township].county]
        return self.tree.cities[county.city]

    def other_township(self, rng: random.Random, township: int) -> int:
        county = self.tree.counties[self.tree.townships[township].county]
        if len(county.townships) > 1 and rng.random() < 0.5:
            choices = [t for t in county.townships if t != township]
        else:
            choices = [t for t in range(self.n_townships) if t != township]
        return rng.choice(choices)


def _found_on(rng: random.Random, w: World) -> date:
    if rng.random() < FOUND_BEFORE_START:
        first = date(2008, 6, 1).toordinal()  # 禁毒法 in force
        return date.fromordinal(rng.randint(first, w.start.toordinal() - 1))
    years = list(range(w.start.year, w.today.year + 1))
    weights = [FOUND_WEIGHTS[min(i, len(FOUND_WEIGHTS) - 1)] for i in range(len(years))]
    year = rng.choices(years, weights=weights)[0]
    low = date(year, 1, 1).toordinal()
    high = min(date(year, 12, 31), w.today).toordinal()
    return date.fromordinal(rng.randint(low, high))


def simulate(index: int, rng: random.Random, w: World) -> Life:
    gender = "male" if rng.random() < 0.85 else "female"
    found = _found_on(rng, w)
    # Adults at every decision: 18–58 when first found.
    age_days = rng.randint(18 * 366, 58 * 365)
    birth = found - timedelta(days=age_days)
    home = rng.randrange(w.n_townships)
    life = Life(index, gender, birth, found, home, home)
    life.died_on = _after(rng, max(found, w.start), DEATH_HAZARD)
    if life.died_on > w.today:
        life.died_on = None
    if rng.random() < MOVE_SHARE:
        low = max(found, w.start).toordinal()
        if low < w.today.toordinal():
            day = date.fromordinal(rng.randint(low, w.today.toordinal()))
            if life.died_on is None or day < life.died_on:
                life.moves.append((day, home, w.other_township(rng, home)))
    if found >= w.start:
        t, repeat = found, False
    else:
        t, repeat = _after(rng, w.start, LEGACY_CATCH_HAZARD), True
    while t is not None and t <= w.today and (life.died_on is None or t < life.died_on):
        t = _catch(life, rng, w, t, repeat)
        repeat = True
    _end_followups(life, rng, w)
    return life


def _end_followups(life: Life, rng: random.Random, w: World) -> None:
    """Death, or departure abroad, ends the follow-up that is still open."""
    running = any(m.status in (S.ORDERED, S.IN_PROGRESS, S.SUSPENDED) for m in life.measures)
    for f in life.followups:
        if f.end_event is not None:
            continue
        if life.died_on and life.died_on > f.starts_on:
            f.end_event = ("dead", life.died_on)
        elif not running:
            gone = _after(rng, f.starts_on, DEPART_HAZARD)
            if gone <= w.today:
                f.end_event = ("departed", gone)
                life.departed_on = gone


def _home_on(life: Life, day: date) -> int:
    home = life.hukou
    for moved, _old, new in life.moves:
        if moved <= day:
            home = new
    life.home = home
    return home


def _catch(life: Life, rng: random.Random, w: World, t: date, repeat: bool) -> date | None:
    """Caught on day `t`: the measure that follows and when the person is caught next."""
    if repeat:
        kind = K.COMPULSORY_ISOLATION if rng.random() < REPEAT_ISOLATION else K.COMMUNITY_DRUG_REHAB
    else:
        kinds, weights = zip(*FIRST_CATCH, strict=True)
        kind = rng.choices(kinds, weights=weights)[0]
    _close_followups(life, t, "relapse")
    if kind is None:  # caught, not found addicted: registered only (control from registration)
        return _after(rng, t, NOT_ADDICTED_HAZARD)
    if kind == K.VOLUNTARY:
        return _voluntary(life, rng, w, t)
    if kind == K.COMMUNITY_DRUG_REHAB:
        community = (K.COMMUNITY_DRUG_REHAB, K.COMMUNITY_REHABILITATION)
        running = (S.ORDERED, S.IN_PROGRESS, S.SUSPENDED)
        open_community = [m for m in life.measures if m.kind in community and m.status in running]
        if open_community:  # a community measure still runs: the police decide 强戒 instead
            kind = K.COMPULSORY_ISOLATION
        else:
            return _community(life, rng, w, t, K.COMMUNITY_DRUG_REHAB, 36, None)
    ground = G.RELAPSE if repeat else G.SEVERE_ADDICTION
    return _isolation(life, rng, w, t, ground)


def _close_followups(life: Life, day: date, why: str) -> None:
    for f in life.followups:
        if f.end_event is None and f.starts_on < day:
            f.end_event = (why, day)


def _voluntary(life: Life, rng: random.Random, w: World, t: date) -> date | None:
    home = _home_on(life, t)
    months = rng.choice((3, 6, 6, 12))
    m = Measure(K.VOLUNTARY, t, t, None, w.city(home).clinic_id, status=S.IN_PROGRESS)
    m.term_months = months
    m.admitted_on = t
    life.measures.append(m)
    end = add_months(t, months) - timedelta(days=1)
    if life.died_on and life.died_on <= min(end, w.today):
        m.status, m.ended_on, m.end_reason = S.TERMINATED, life.died_on, EndReason.DEATH
        return None
    if end <= w.today:
        m.status, m.ended_on, m.end_reason = S.ENDED, end, EndReason.AGREEMENT_ENDED
    return _after(rng, t, NOT_ADDICTED_HAZARD * 2)


def _open_community(life: Life) -> Measure | None:
    for m in reversed(life.measures):
        if m.kind in (K.COMMUNITY_DRUG_REHAB, K.COMMUNITY_REHABILITATION) and m.status in (
            S.ORDERED,
            S.IN_PROGRESS,
            S.SUSPENDED,
            S.REFUSED,
        ):
            return m
    return None


def _community(
    life: Life, rng, w: World, t: date, kind: str, months: int, previous: int | None
) -> date | None:
    """社区戒毒 (or 社区康复 ordered at a release on day `t`); returns the next catch day."""
    home = _home_on(life, t)
    rehab = kind == K.COMMUNITY_REHABILITATION
    served = t if rehab else min(t + _days(rng, 0, 3), w.today)
    organ = life.measures[previous].organ_id if rehab else w.organ(home)
    m = Measure(kind, t, served, organ, w.tree.townships[home].id, township=home)
    m.term_months, m.previous, m.follows_release = months, previous, rehab
    life.measures.append(m)
    due = served + timedelta(days=15)  # 戒毒条例 Art. 14 (the rule is applied in measures.py)
    if rng.random() < COMMUNITY_REFUSAL:
        refused = due + _days(rng, 1, 20)
        if refused > w.today:
            return None  # not reported, not yet recorded as a refusal: awaiting report
        m.status, m.refused_on = S.REFUSED, refused
        m.ended_on, m.end_reason = refused, EndReason.REFUSAL
        decision = refused + _days(rng, 5, 60)
        if rng.random() < 0.85 and decision <= w.today and not _dead_by(life, decision):
            return _isolation(life, rng, w, decision, G.REFUSED_COMMUNITY)
        return _after(rng, refused, LEGACY_CATCH_HAZARD * 2)
    reported = served + _days(rng, 0, 14)
    if rng.random() < 0.02:
        reported = due + _days(rng, 1, 10)
        m.late_reason = "住院治疗，持医院证明逾期报到"
    if reported > w.today:
        return None
    if _dead_by(life, reported):
        m.status, m.ended_on, m.end_reason = S.TERMINATED, life.died_on, EndReason.DEATH
        return None
    m.status, m.reported_on = S.IN_PROGRESS, reported
    end = term_last_day(reported, months=months)  # measures.clocks; pauses added below
    rate = REHAB_POSITIVE_PER_MONTH if rehab else COMMUNITY_POSITIVE_PER_MONTH
    positive = reported + timedelta(days=int(rng.expovariate(rate) * 30.4) + 20)
    stops = [(end + _days(rng, 0, 3), "expiry")]
    if positive < end:
        stops.append((positive, "positive"))
    if rng.random() < COMMUNITY_IMPRISONMENT:
        stops.append((reported + _days(rng, 30, max(31, (end - reported).days)), "prison"))
    if life.died_on:
        stops.append((life.died_on, "death"))
    day, why = min(stops)
    # Change of place (戒毒条例 Art. 22) when the person moves during the term.
    for moved, _old, new in life.moves:
        if reported < moved < min(day, w.today):
            m.moves.append((moved, m.township, new))
            m.township = new
            m.unit_id = w.tree.townships[new].id
    if not m.moves and rng.random() < COMMUNITY_SUSPENSION:
        # 中止 (戒毒条例 Art. 24): detained or arrested; the days are added to the term.
        start = reported + _days(rng, 30, max(31, (end - reported).days - 60))
        if start < day and start <= w.today:
            stop = start + _days(rng, 10, 90)
            if why == "death" and day <= stop:
                stop = day  # terminate() closes the open pause on the day of death
            if stop > w.today:
                m.pauses.append(["suspension", start, None])
                m.status = S.SUSPENDED
                return None
            m.pauses.append(["suspension", start, stop])
            if why == "expiry":
                day += stop - start
            elif day <= stop and why != "death":
                day = stop + timedelta(days=1)
    if day > w.today:
        return None  # still running today
    if why == "expiry":
        m.status, m.ended_on, m.end_reason = S.ENDED, day, EndReason.EXPIRY
        if not rehab:  # after 社区康复 the follow-up of the release runs on
            life.followups.append(FollowUp(len(life.measures) - 1, day, m.township))
        return _relapse_after(rng, day)
    if why == "death":
        m.status, m.ended_on, m.end_reason = S.TERMINATED, day, EndReason.DEATH
        return None
    if why == "prison":
        m.status, m.ended_on, m.end_reason = S.TERMINATED, day, EndReason.IMPRISONMENT
        return _after(rng, day + timedelta(days=365), LEGACY_CATCH_HAZARD)
    # A positive test: reported to the police, who decide 强戒 (禁毒法 Art. 38).
    m.positive_on = day
    m.referred_on = min(day + _days(rng, 0, 2), w.today)
    decision = day + _days(rng, 7, 40)
    if decision > w.today or _dead_by(life, decision):
        return None  # the police have not decided yet: the case waits, referred
    return _isolation(life, rng, w, decision, G.DRUG_USE_IN_COMMUNITY)


def _dead_by(life: Life, day: date) -> bool:
    return life.died_on is not None and life.died_on <= day


def _isolation(life: Life, rng, w: World, t: date, ground: str) -> date | None:
    """强制隔离戒毒 decided on `t`: police facility, transfer, zones, evaluations, release."""
    home = _home_on(life, t)
    old = _open_community(life)
    if old is not None:
        # 禁毒法 Art. 38: the new decision converts the open community measure.
        reason = {
            G.REFUSED_COMMUNITY: EndReason.REFUSAL,
            G.SERIOUS_BREACH: EndReason.SERIOUS_BREACH,
        }.get(ground, EndReason.DRUG_USE)
        if old.status == S.REFUSED:
            reason = EndReason.REFUSAL
        for pause in old.pauses:
            if pause[2] is None:
                pause[2] = max(t, pause[1])
        old.status, old.ended_on = S.CONVERTED, t
        old.end_reason = old.end_reason or reason
    city = w.city(home)
    served = min(t + _days(rng, 0, 1), w.today)
    police = w.tree.facilities[city.police_facility]
    m = Measure(K.COMPULSORY_ISOLATION, t, served, w.organ(home), police.id, ground=ground)
    m.term_months = 24
    m.previous = life.measures.index(old) if old is not None else None
    life.measures.append(m)
    index = len(life.measures) - 1
    if ground in (G.RELAPSE, G.DRUG_USE_IN_COMMUNITY):
        # 戒毒条例 Art. 38: the last 社区康复 refused or seriously breached, then drug use.
        last = next(
            (x for x in reversed(life.measures[:index]) if x.kind == K.COMMUNITY_REHABILITATION),
            None,
        )
        if last is not None and last.end_reason in (EndReason.REFUSAL, EndReason.SERIOUS_BREACH):
            m.blockers.append(("community_rehab_breach_relapse", t))
    if served >= w.today and rng.random() < 0.5:
        return None  # decided, not yet delivered to the facility
    m.status, m.admitted_on = S.IN_PROGRESS, served
    stay = Stay(city.police_facility, served, [(served, "detox_zone")])
    m.stays.append(stay)
    horizon = w.today
    dies = life.died_on
    low, high = w.police_window
    transfer = add_months(t, low) + _days(
        rng, 0, max(0, (add_months(t, high) - add_months(t, low)).days)
    )
    if served + timedelta(days=30) < min(transfer, horizon):
        stay.zones.append((served + timedelta(days=30), "education_adaptation_zone"))
        m.evaluations.append(Evaluation("detox_stage", served + timedelta(days=29), 0, passed=True))
    if dies and dies <= min(transfer, horizon):
        return _die_in_custody(m, stay, dies)
    if transfer > horizon:
        return None
    stay.left_on, stay.left_reason = transfer, "transferred"
    judicial = city.judicial_facility
    m.unit_id = w.tree.facilities[judicial].id
    m.transferred_on = transfer
    first_zone = "special_zone" if rng.random() < SPECIAL_ZONE else "education_adaptation_zone"
    stay = Stay(judicial, transfer, [(transfer, first_zone)])
    m.stays.append(stay)
    s = len(m.stays) - 1
    adm_eval = transfer + _days(rng, 1, 7)
    if adm_eval <= horizon:
        m.evaluations.append(Evaluation("admission", adm_eval, s))
    if first_zone != "special_zone":
        for after, zone, stage in (
            (150, "consolidation_zone", "education_stage"),
            (540, "return_guidance_zone", "consolidation_stage"),
        ):
            day = max(t + timedelta(days=after), transfer + timedelta(days=20))
            if day <= horizon:
                stay.zones.append((day, zone))
                m.evaluations.append(Evaluation(stage, day - timedelta(days=1), s, passed=True))
    # Escape (戒毒条例 Art. 32): the term end moves by the days away; no early release.
    if rng.random() < ESCAPE:
        away = transfer + _days(rng, 20, 300)
        if away <= horizon:
            back = away + _days(rng, 3, 60)
            m.pauses.append(["escape", away, back if back <= horizon else None])
            m.blockers.append(("escaped", away))
            if back > horizon:
                m.status = S.ESCAPED
                return None
    escape_days = sum((p[2] - p[1]).days for p in m.pauses if p[2] is not None)
    one_year = add_months(t, 12) - _days(rng, 0, 20)
    release_on = None
    if one_year <= horizon and one_year > transfer and (not dies or one_year < dies):
        ev = Evaluation("one_year", one_year, s, opinion="continue")
        if not m.blockers and rng.random() < EARLY_RELEASE:
            # 禁毒法 Art. 47; 戒毒条例 Art. 33: the organ decides within 7 days of receipt.
            ev.opinion = "early_release"
            committee = one_year + _days(rng, 1, 5)
            submitted = committee + _days(rng, 1, 3)
            decided = submitted + _days(rng, 1, 7)
            release_on = max(decided + _days(rng, 1, 10), add_months(t, 12))
            ev.proposal = {
                "kind": "early_release",
                "committee_on": committee,
                "submitted_on": submitted,
                "decided_on": decided,
                "release_on": release_on,
            }
            if decided > horizon:
                ev.proposal["decided_on"] = None
                release_on = None
        m.evaluations.append(ev)
    if release_on is not None:
        m.approved_release_on = release_on
    clocks = isolation_clocks(t, extension_months=0)
    term_end = clocks.term_end + timedelta(days=escape_days)
    if release_on is None:
        pre = term_end - _days(rng, 30, 45)
        if pre <= horizon and pre > transfer and (not dies or pre < dies):
            ev = Evaluation("pre_expiry", pre, s, opinion="on_time_release")
            if not m.blockers and rng.random() < EXTENSION:
                months = rng.randint(3, 6)
                committee, submitted = pre + _days(rng, 1, 3), pre + _days(rng, 4, 6)
                decided = submitted + _days(rng, 1, 7)
                ev.opinion = "extension"
                ev.proposal = {
                    "kind": "extension",
                    "committee_on": committee,
                    "submitted_on": submitted,
                    "decided_on": decided if decided <= horizon else None,
                    "months": months,
                }
                if decided <= horizon:
                    m.extension_months = months
                    term_end = add_months(term_end, months)
                    term_end = isolation_clocks(t, extension_months=months).term_end + timedelta(
                        days=escape_days
                    )
            m.evaluations.append(ev)
    end = release_on or term_end
    if dies and dies <= min(end, horizon):
        return _die_in_custody(m, stay, dies)
    if end > horizon:
        return None
    m.status, m.ended_on = S.ENDED, end
    m.end_reason = EndReason.EARLY_RELEASE if release_on else EndReason.EXPIRY
    stay.left_on, stay.left_reason = end, "released"
    _trim(m, end)
    life.followups.append(FollowUp(index, end, _home_on(life, end)))
    if rng.random() < REHAB_ORDERED:
        # 禁毒法 Art. 48: 社区康复 ordered at release; its own course decides what comes next.
        months = rng.choices((36, 24, 12), weights=(70, 20, 10))[0]
        return _community(life, rng, w, end, K.COMMUNITY_REHABILITATION, months, index)
    return _relapse_after(rng, end)


def _trim(m: Measure, last: date) -> None:
    """Nothing of a stay happens after its end (release or death)."""
    for stay in m.stays:
        stay.zones = [z for z in stay.zones if z[0] < last or z is stay.zones[0]]
    m.evaluations = [e for e in m.evaluations if e.on <= last]


def _die_in_custody(m: Measure, stay: Stay, day: date) -> None:
    m.status, m.ended_on, m.end_reason = S.TERMINATED, day, EndReason.DEATH
    stay.left_on, stay.left_reason = day, "terminated"
    _trim(m, day)
