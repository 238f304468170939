"""Community cases (社区戒毒/社区康复个案) of the synthetic population: the case, its work team and
agreement, the due items over the term with their random draws, drug tests, talks and visits, the
referral to the police, changes of place, and the person's check-ins.

`CaseSchedule` replays `community.services.schedule.schedule_case` in memory — the same plan
(`community.plans`), the same grid (`plan_slots`, `term_years`), the same reconciliation when the
case is reported in, suspended, resumed, moved, referred or closed — and `satisfy` marks items
done as `schedule.satisfy` does (the earliest open item whose window covers the day, a random test
due that day first). So the items, their statuses and what satisfied them are what the services
would have stored had the same facts been recorded on the same days. Random days come from the
person's seeded generator, not from `secrets` (the draw's `method` says so).
"""

from __future__ import annotations

import bisect
import math
import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from jiedu.checkins.models import CheckIn, PortalAccount
from jiedu.community import plans
from jiedu.community.choices import CaseState, DueKind
from jiedu.community.models import (
    Agreement,
    CaseTransfer,
    CommunityCase,
    CommunityDrugTest,
    Contact,
    DueItem,
    RandomDraw,
    Referral,
    TeamMember,
)
from jiedu.community.services.schedule import plan_slots, term_years
from jiedu.measures.clocks import Interval, add_months, deadline_after

from .people import RECORDER, SURNAMES, aware, given_name, mobile
from .writer import Table

RANDOM = str(DueKind.RANDOM_TEST)
TEST_KINDS = (str(DueKind.SCHEDULED_TEST), RANDOM)
CONTACT_KINDS = (str(DueKind.TALK), str(DueKind.HOME_VISIT), str(DueKind.SELF_REPORT))
DRAW_METHOD = "random.Random（合成数据）"
# Share of due items the person or the worker meets (the rest stay open: overdue).
DONE_SHARE = {
    str(DueKind.SCHEDULED_TEST): 0.93,
    RANDOM: 0.9,
    str(DueKind.TALK): 0.92,
    str(DueKind.HOME_VISIT): 0.88,
    str(DueKind.SELF_REPORT): 0.85,
}
REFUSED_TEST = 0.01  # refused tests (at most 2 a case: a third is a serious breach, REG Art. 20)
PORTAL_SHARE = 0.4

CASE = Table(
    CommunityCase,
    ("id", "measure_id", "person_id", "unit_id", "transferred_from_id", "state", "opened_on",
     "closed_on", "created_at"),
)  # fmt: skip
_record = ("case_id", "person_id", "created_at")
TEAM = Table(TeamMember, (*_record, "role", "name", "phone", "started_on", "ended_on"),
             recorded_by=RECORDER)  # fmt: skip
AGREEMENT = Table(Agreement, (*_record, "unit_id", "number", "signed_on", "superseded_on"),
                  recorded_by=RECORDER, contents={"synthetic": True})  # fmt: skip
TRANSFER = Table(
    CaseTransfer,
    (*_record, "from_unit_id", "to_unit_id", "moved_on", "report_due_by", "reported_on"),
    recorded_by=RECORDER, reason="居住地变更", status="reported",
)  # fmt: skip
DRAW = Table(
    RandomDraw,
    ("id", *_record, "year_index", "window_start", "window_end", "count", "days", "drawn_at"),
    recorded_by=RECORDER, method=DRAW_METHOD, drawn_by=RECORDER,
)  # fmt: skip
ITEM = Table(
    DueItem,
    ("id", *_record, "kind", "due_on", "window_start", "status", "done_on", "done_by_record",
     "draw_id", "plan_source"),
    recorded_by=RECORDER,
)  # fmt: skip
TEST = Table(
    CommunityDrugTest,
    ("id", *_record, "measure_id", "taken_on", "sample", "result", "results", "bottle_a",
     "bottle_b", "retain_until", "objection_due_by", "due_item_id", "note"),
    recorded_by=RECORDER, tier="onsite", kit="尿液多联检测试剂（合成数据）",
    institution="乡镇（街道）社区戒毒康复工作站", staff_1="王建军", staff_2="李志刚",
)  # fmt: skip
CONTACT = Table(Contact, ("id", *_record, "kind", "on", "attended"), recorded_by=RECORDER)
REFERRAL = Table(
    Referral,
    (*_record, "reason", "detected_on", "status", "organ_id", "evidence", "source", "reported_on",
     "decided_on", "isolation_id"),
    recorded_by=RECORDER, reported_by=RECORDER,
)  # fmt: skip
ACCOUNT = Table(PortalAccount, ("id", "person_id", "phone", "created_at"),
                password=make_password(None), created_by=RECORDER)  # fmt: skip
CHECKIN = Table(
    CheckIn,
    (*_record, "account_id", "client_id", "on", "taken_at", "received_at", "latitude",
     "longitude", "accuracy_m", "review_outcome", "reviewed_at"),
    recorded_by=RECORDER, face_status="not_enrolled", reviewed_by=RECORDER,
)  # fmt: skip


def _due(item) -> date:
    return item.due_on


class Item:
    __slots__ = (
        "done_on",
        "draw",
        "due_on",
        "id",
        "kind",
        "plan",
        "source",
        "status",
        "window_start",
    )  # fmt: skip

    def __init__(self, kind, window_start, due_on, draw=None):
        self.kind, self.window_start, self.due_on = kind, window_start, due_on
        self.status, self.done_on, self.source, self.draw, self.plan = "open", None, "", draw, None


class Draw:
    __slots__ = ("days", "drawn", "drawn_on", "id", "window_end", "window_start", "year_index")

    def __init__(self, year_index, window_start, window_end, days, drawn):
        self.year_index, self.window_start, self.window_end = year_index, window_start, window_end
        self.days, self.drawn, self.id = days, drawn, 0


class CaseSchedule:
    """`schedule_case` in memory for one case (see the module docstring)."""

    def __init__(self, plan, term_start: date, term_months: int, rng: random.Random, done_share):
        self.plan, self.term_start, self.term_months = plan, term_start, term_months
        self.rng, self.done_share = rng, done_share
        self.items: dict[tuple[str, date], Item] = {}
        self.by_kind: dict[str, list[Item]] = {}
        self.draws: list[Draw] = []
        self.clock = 0  # orders draws against moves as drawn_at/occurred_at do

    def _plan_day(self, item: Item, today: date) -> None:
        """Whether (and when) the record that meets this item will come."""
        start = max(item.window_start, today)
        if item.kind == RANDOM:
            start = item.due_on
        if start > item.due_on or self.rng.random() >= self.done_share[item.kind]:
            item.plan = None
            return
        item.plan = start + timedelta(days=self.rng.randint(0, (item.due_on - start).days))

    def schedule(self, today: date, term_end: date, pauses, moved: int | None) -> None:
        items = list(self.items.values())
        cutoff = self.term_start if not items else today
        pauses = list(pauses)
        slots = [
            s
            for s in plan_slots(self.plan.rows, self.term_start, self.term_months, pauses)
            if cutoff <= s.due_on <= term_end
        ]
        done = [i for i in items if i.status == "done"]
        wanted = set()
        for slot in slots:
            key = (slot.kind, slot.due_on)
            wanted.add(key)
            item = self.items.get(key)
            if item is not None and item.status == "open":
                item.window_start = slot.window_start
                continue
            if item is not None and item.status != "cancelled":
                continue
            if any(
                i.kind == slot.kind and i.done_on and slot.window_start <= i.done_on <= slot.due_on
                for i in done
            ):
                continue
            if item is None:
                item = self._add(Item(slot.kind, slot.window_start, slot.due_on))
            item.status, item.window_start, item.draw = "open", slot.window_start, None
            self._plan_day(item, today)
        for item in items:
            if (item.kind != RANDOM and item.status == "open" and item.due_on >= cutoff
                    and (item.kind, item.due_on) not in wanted):  # fmt: skip
                item.status = "cancelled"
        current = self._draw(items, today, pauses, moved)
        self._reconcile_random(items, current, cutoff, today)

    def _draw(self, items, today, pauses, moved) -> dict[int, Draw]:
        current: dict[int, Draw] = {}
        for draw in self.draws:
            current[draw.year_index] = draw
        for year in term_years(self.term_start, self.term_months, pauses):
            if year.end < today:
                continue
            draw = current.get(year.index)
            stale = draw is None or (
                (moved is not None and draw.drawn < moved) or draw.window_end != year.end
            )
            if not stale:
                continue
            start = max(today, year.start)
            owed = math.ceil(self.plan.random_tests_per_year * year.months / 12)
            behind = sum(
                1
                for i in items
                if i.kind == RANDOM and i.status != "cancelled" and year.start <= i.due_on < start
            )
            span = (year.end - start).days + 1
            count = max(owed - behind, 0)
            days = []
            if span > 0 and count > 0:
                offsets = self.rng.sample(range(span), min(count, span))
                days = sorted(start + timedelta(days=o) for o in offsets)
            self.clock += 1
            draw = Draw(year.index, start, year.end, days, self.clock)
            draw.drawn_on = today
            self.draws.append(draw)
            current[year.index] = draw
        return current

    def _reconcile_random(self, items, current, cutoff, today) -> None:
        wanted: dict[date, Draw] = {}
        for draw in current.values():
            for day in draw.days:
                if day >= cutoff:
                    wanted[day] = draw
        by_day = {i.due_on: i for i in items if i.kind == RANDOM}
        for day, draw in sorted(wanted.items()):
            item = by_day.get(day)
            if item is None:
                item = self._add(Item(RANDOM, day, day, draw))
                by_day[day] = item
                self._plan_day(item, today)
            elif item.status == "cancelled":
                item.status, item.window_start, item.draw = "open", day, draw
                self._plan_day(item, today)
            elif item.status == "open" and item.draw is not draw:
                item.draw = draw
        for item in items:
            stale = item.due_on >= cutoff and item.due_on not in wanted
            if item.kind == RANDOM and item.status == "open" and stale:
                item.status = "cancelled"

    def _add(self, item: Item) -> Item:
        self.items[(item.kind, item.due_on)] = item
        bisect.insort(self.by_kind.setdefault(item.kind, []), item, key=_due)
        return item

    def stand_down(self, cutoff: date) -> None:
        for item in self.items.values():
            if item.status == "open" and item.due_on >= cutoff:
                item.status = "cancelled"

    def satisfy(self, kinds, on: date, source: str) -> Item | None:
        # Per kind, items sorted by due day: the first open one from `on` on whose window has
        # begun (windows of one kind follow each other); a random test due that day first.
        best = None
        for kind in kinds:
            items = self.by_kind.get(kind, ())
            for n in range(bisect.bisect_left(items, on, key=_due), len(items)):
                item = items[n]
                if item.window_start > on:
                    break
                if item.status == "open":
                    key = (0 if kind == RANDOM else 1, item.due_on)
                    if best is None or key < best[0]:
                        best = (key, item)
                    break
        if best is None:
            return None
        item = best[1]
        item.status, item.done_on, item.source = "done", on, source
        return item

    def planned(self, start: date, stop: date) -> list[tuple[date, Item]]:
        """Open items whose record is planned in [start, stop], in day order."""
        out = [
            (i.plan, i)
            for i in self.items.values()
            if i.status == "open" and i.plan is not None and start <= i.plan <= stop
        ]
        out.sort(key=lambda x: (x[0], x[1].kind, x[1].due_on))
        return out


def emit_case(ctx, life, pid: int, m, rng: random.Random) -> None:
    """One community measure's case and everything recorded on it."""
    today = ctx.today
    rows = ctx.rows
    cid = ctx.ids.next(CommunityCase)
    first_township = m.moves[0][1] if m.moves else m.township
    unit_id = ctx.tree.townships[first_township].id
    closed = m.status in ("ended", "terminated", "converted")
    if closed:
        state = CaseState.CLOSED
    elif m.status == "refused" or (m.referred_on is not None):
        state = CaseState.REFERRED
    elif m.status == "ordered":
        state = CaseState.AWAITING_REPORT
    else:
        state = CaseState.ACTIVE
    transferred_from = ctx.tree.townships[m.moves[-1][1]].id if m.moves else None
    rows[CASE].append(
        (cid, m.id, pid, m.unit_id, transferred_from, state, m.served_on,
         m.ended_on if closed else None, aware(m.served_on, 10))
    )  # fmt: skip
    record = (cid, pid)
    if m.refused_on is not None:
        decided = m.ended_on if m.status == "converted" else None
        _referral(ctx, record, m, "refusal", m.refused_on, decided, life)
    if m.reported_on is None:
        return
    rep = m.reported_on
    created = aware(rep, 10)
    left = m.ended_on if closed else None
    for role in ("fulltime_worker", "community_police"):
        name = rng.choice(SURNAMES) + given_name(rng, rng.choice(("male", "female")))
        rows[TEAM].append((*record, created, role, name, mobile(rng), rep, left))
    # The schedule, replayed through the case's events in order.
    plan = ctx.plans[m.kind]
    sched = CaseSchedule(plan, m.clock["term_start"], m.term_months or plans.MAX_MONTH, rng,
                         DONE_SHARE)  # fmt: skip
    term_end_now = m.clock["term_end"]
    unpaused_end = term_end_now - timedelta(days=m.clock["paused_days"])
    events: list[tuple[date, int, str, object]] = []
    for p in m.pauses:
        events.append((p[1], 1, "suspend", p))
        if p[2] is not None and p[2] != m.ended_on:
            events.append((p[2], 2, "resume", p))
    for move in m.moves:
        events.append((move[0], 3, "move", move))
    if m.referred_on is not None:
        events.append((m.referred_on, 4, "refer", None))
    if m.positive_on is not None:
        events.append((m.positive_on, 0, "positive", None))
    if closed:
        events.append((m.ended_on, 5, "close", None))
    events.sort(key=lambda e: (e[0], e[1]))
    agreements = [[unit_id, rep, None]]
    sched.schedule(rep, unpaused_end, [], None)
    cursor = rep
    refusals = 0
    moved_clock = None
    closed_pauses: list = []
    tests, contacts = [], []

    def records_until(stop: date) -> None:
        nonlocal refusals
        for day, item in sched.planned(cursor, stop):
            if item.status != "open":
                continue
            if item.kind in TEST_KINDS:
                if refusals < 2 and rng.random() < REFUSED_TEST:
                    refusals += 1
                    tests.append((day, "refused", None))
                    continue
                tid = ctx.ids.next(CommunityDrugTest)
                hit = sched.satisfy(TEST_KINDS, day, f"communitydrugtest:{tid}")
                tests.append((day, "negative", hit, tid))
            else:
                kid = ctx.ids.next(Contact)
                hit = sched.satisfy((item.kind,), day, f"contact:{kid}")
                contacts.append((kid, item.kind, day))

    for day, _order, what, data in events:
        if day > today:
            break
        records_until(day - timedelta(days=1))
        cursor = day
        if what == "suspend":
            sched.stand_down(day)
        elif what == "resume":
            closed_pauses.append(Interval(data[1], data[2]))
            end = unpaused_end + timedelta(days=sum(p.days() for p in closed_pauses))
            sched.schedule(day, end, closed_pauses, moved_clock)
        elif what == "move":
            sched.clock += 1
            moved_clock = sched.clock
            end = unpaused_end + timedelta(days=sum(p.days() for p in closed_pauses))
            sched.schedule(day, end, closed_pauses, moved_clock)
            _move(ctx, record, m, data, agreements, rng)
        elif what == "positive":
            tid = ctx.ids.next(CommunityDrugTest)
            hit = sched.satisfy(TEST_KINDS, day, f"communitydrugtest:{tid}")
            tests.append((day, "positive", hit, tid))
        elif what == "refer":
            sched.stand_down(day)
            decided = m.ended_on if m.status == "converted" else None
            _referral(ctx, record, m, "positive_test", m.positive_on, decided, life, day)
        elif what == "close":
            sched.stand_down(day + timedelta(days=1))
    records_until(min(today, m.ended_on or today))
    # Rows: draws, items, tests, contacts, agreements.
    for draw in sched.draws:
        draw.id = ctx.ids.next(RandomDraw)
        rows[DRAW].append(
            (draw.id, *record, aware(draw.drawn_on, 9), draw.year_index, draw.window_start,
             draw.window_end, len(draw.days), [d.isoformat() for d in draw.days],
             aware(draw.drawn_on, 9, 30))
        )  # fmt: skip
    made = aware(rep, 9)
    next_id = ctx.ids.block(DueItem, len(sched.items))
    for item in sched.items.values():
        item.id = next_id
        next_id += 1
        rows[ITEM].append(
            (item.id, *record, made, item.kind, item.due_on, item.window_start,
             item.status, item.done_on, item.source, item.draw.id if item.draw else None,
             plan.source[:200])
        )  # fmt: skip
    retain, objection = ctx.test_rules
    for test in tests:
        day, result = test[0], test[1]
        if result == "refused":
            tid = ctx.ids.next(CommunityDrugTest)
            rows[TEST].append((tid, *record, aware(day, 10), m.id, day, "urine", "refused", {},
                               "", "", None, None, None, "本人拒绝接受检测"))  # fmt: skip
            continue
        hit, tid = test[2], test[3]
        positive = result == "positive"
        rows[TEST].append(
            (tid, *record, aware(day, 10), m.id, day, "urine", result,
             {"methamphetamine": result, "morphine": "negative"},
             f"A{tid}" if positive else "", f"B{tid}" if positive else "",
             add_months(day, retain) if positive else None,
             deadline_after(day, days=objection) if positive else None,
             hit.id if hit else None, "")
        )  # fmt: skip
    for kid, kind, day in contacts:
        rows[CONTACT].append((kid, *record, aware(day, 15), kind, day, True))
    for n, (unit, signed, superseded) in enumerate(agreements, start=1):
        rows[AGREEMENT].append(
            (*record, aware(signed, 11), unit, f"合成协议{cid}-{n}", signed, superseded)
        )
    _checkins(ctx, life, pid, m, cid, sched, rng)


def _move(ctx, record, m, move, agreements, rng) -> None:
    """变更执行地 (戒毒条例 Art. 22): the handover, the report at the new township (within 15
    days) and a new agreement there; the old one stops."""
    day, old, new = move
    reported = min(day + timedelta(days=rng.randint(1, 12)), ctx.today)
    ctx.rows[TRANSFER].append(
        (*record, aware(day, 11), ctx.tree.townships[old].id, ctx.tree.townships[new].id, day,
         day + timedelta(days=15), reported)
    )  # fmt: skip
    agreements[-1][2] = reported
    agreements.append([ctx.tree.townships[new].id, reported, None])


def _referral(ctx, record, m, reason, detected, decided, life, reported=None) -> None:
    isolation = None
    if decided is not None:
        isolation = next(
            (x.id for x in life.measures if x.kind == "compulsory_isolation"
             and x.decided_on == decided and x.id), None,
        )  # fmt: skip
    reported = reported or detected
    status = "isolation_decided" if isolation else "reported"
    ctx.rows[REFERRAL].append(
        (*record, aware(detected, 16), reason, detected, status, m.organ_id,
         {"synthetic": True}, "", reported, decided if isolation else None, isolation)
    )  # fmt: skip


def _checkins(ctx, life, pid, m, cid, sched, rng) -> None:
    """Daily check-ins through the portal over the last `checkin_days` days of a case that ran
    then (no enrolled face: each waits for review, and the worker reviews them within 2 days)."""
    today = ctx.today
    if m.reported_on is None or ctx.checkin_days <= 0:
        return
    window_start = today - timedelta(days=ctx.checkin_days - 1)
    last = min(today, m.ended_on or today)
    if m.referred_on is not None:
        last = min(last, m.referred_on - timedelta(days=1))
    first = max(m.reported_on, window_start)
    if first > last or rng.random() >= PORTAL_SHARE:
        return
    if pid in ctx.portal_persons:
        return
    ctx.portal_persons.add(pid)
    account = ctx.ids.next(PortalAccount)
    ctx.rows[ACCOUNT].append((account, pid, f"100{pid:08d}", aware(m.reported_on, 10)))
    paused = [(p[1], p[2] or today) for p in m.pauses]
    lat0 = Decimal(30) + Decimal(rng.randint(0, 500000)) / Decimal(100000)
    lon0 = Decimal(114) + Decimal(rng.randint(0, 500000)) / Decimal(100000)
    day = first
    while day <= last:
        if rng.random() < 0.85 and not any(a <= day <= b for a, b in paused):
            taken = aware(day, rng.randint(7, 20), rng.randint(0, 59))
            reviewed = (today - day).days >= 2
            ctx.rows[CHECKIN].append(
                (cid, pid, taken, account, uuid.UUID(int=rng.getrandbits(128), version=4), day,
                 taken, taken + timedelta(seconds=rng.randint(1, 30)),
                 lat0 + Decimal(rng.randint(-500, 500)) / Decimal(100000),
                 lon0 + Decimal(rng.randint(-500, 500)) / Decimal(100000),
                 rng.randint(5, 60), "accepted" if reviewed else "",
                 taken + timedelta(days=1) if reviewed else None)
            )  # fmt: skip
        day += timedelta(days=1)
