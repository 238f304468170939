"""Schedules: the plan in force, the due items of a case over its term, random draws, contacts.

How a case's items are kept (`schedule_case`, run by `cases._after_change` after every change of
the measure, and idempotent):

- **Active case** (reported in, measure in progress): every row of the plan in force at the case's
  township (`plans.resolve_plan`, on the day of scheduling) gives one `DueItem` per interval over
  the whole term: its window is the interval (`window_start` = first day of its first month of
  the term, `due_on` = last day of its last month), computed with the term arithmetic of
  `measures.clocks` (domain.md §0.2). Time suspended (中止, 戒毒条例 Art. 24) is not counted:
  every day of the term's grid after a suspension moves by the suspension's days, exactly as the
  measure's `term_end` does, so the last item falls on the term's last day.
- The first scheduling writes the whole term. Later runs reconcile only the items due from today
  on (`due_on >= today`): open items the plan no longer wants are **cancelled** (never deleted),
  missing ones are created (a cancelled row of the same kind and day is reopened), and a period
  that a record already satisfied is not owed twice. Items before today stay as they were —
  history is not rewritten. So a new plan version, or the plan of a new township after a change
  of place (戒毒条例 Art. 22), applies to the rest of the term from the day `schedule_case` next
  runs for the case (at once for a case reported in later; for running cases at their next
  measure change). A resumption recorded days after the person came back creates the items from
  the day it is recorded.
- **Not active** (awaiting report, referred to the police, closed) or **suspended** (detained or
  arrested, 戒毒条例 Art. 24): open items from then on are cancelled — from the day the
  suspension began, from today for a referral, from the day after the end for a closed case.
  When the case is active again (resumed: the term end moves later), the items are regenerated
  over the new term.

Random tests (≥3 a year, domain.md §2.9): one `RandomDraw` per year of the term, its days drawn
with the operating system's cryptographic generator (`secrets.SystemRandom().sample`, never
`random`), distinct, inside the year's window and never in the past (from max(today, the year's
first day)). **Decision**: every year of the term is drawn when the case is first scheduled —
there is no job that could draw a year when the case reaches it, and a draw made in advance is
as unpredictable to the person as one made later, because the days are shown only to the staff
who manage the case (the person portal shows scheduled items, never random ones; other users see
a random item only once its day has passed). A year is redrawn — a new row; the old draw's open
days from today on are cancelled — when the case moved to another township after the draw
(the new township draws the rest of the year and the years after, under its own plan), or when
the year's window moved (a suspension lengthened the term). The redraw owes the year's count less
the random tests of that year already behind. A new plan version with another yearly count does
not redraw years already drawn; it counts from the next redraw (or the next case). Each draw is
audited twice: the row itself (count, window, days, method, who drew it, when; `AuditedModel`
writes the change log with the actor) and a timeline event without the days.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jiedu.core import audit, clock, context
from jiedu.core.context import acting_as
from jiedu.core.models import ChangeAction, ChangeLogEntry
from jiedu.core.permissions import has_perm, scope_q
from jiedu.core.refusals import Refusal
from jiedu.measures.choices import MeasureStatus, PauseKind
from jiedu.measures.clocks import Interval, term_last_day
from jiedu.orgs.choices import DIVISION_KINDS
from jiedu.people.events import record_event
from jiedu.people.models import PersonEvent

from .. import plans
from ..choices import PLANNED_KINDS, CaseState, ContactKind, DueKind, DueStatus
from ..models import CommunityCase, Contact, DueItem, RandomDraw, SchedulePlan
from .common import check_day, check_open, lock_case, record_fields, require, source_of

DRAW_METHOD = "secrets.SystemRandom"
PLANNED = tuple(str(k) for k in PLANNED_KINDS)
RANDOM = str(DueKind.RANDOM_TEST)
# A contact of these kinds satisfies the item of the same kind (JX; domain.md §2.10).
CONTACT_ITEMS = {
    ContactKind.TALK: DueKind.TALK,
    ContactKind.HOME_VISIT: DueKind.HOME_VISIT,
    ContactKind.SELF_REPORT: DueKind.SELF_REPORT,
}
# Where a grant of community.manage_case reaches a case (services.common.case_units).
CASE_MANAGE_PATHS = (
    "unit__path",
    "person__managing_unit__path",
    "measure__deciding_organ__path",
)


# --- The term's grid -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One item the plan wants: its kind and the period it covers."""

    kind: str
    window_start: date
    due_on: date


def _suspensions(measure) -> list[Interval]:
    """Closed suspensions (戒毒条例 Art. 24), the days the term does not count."""
    return [
        Interval(p.started_on, p.ended_on)
        for p in measure.pauses.filter(kind=PauseKind.SUSPENSION, ended_on__isnull=False).order_by(
            "started_on", "id"
        )
    ]


def shift(day: date, pauses: list[Interval]) -> date:
    """A day of the term's grid (counted as if nothing paused it) as a calendar day: each
    suspension that began on or before it pushes it on by the suspension's days."""
    for pause in pauses:
        if day >= pause.start:
            day += timedelta(days=pause.days())
    return day


def month_first_day(term_start: date, month: int) -> date:
    """First day of month `month` (1-based) of a term starting `term_start`."""
    return term_last_day(term_start, months=month - 1) + timedelta(days=1)


def month_last_day(term_start: date, month: int) -> date:
    """Last day of month `month` of the term (domain.md §0.2)."""
    return term_last_day(term_start, months=month)


def plan_slots(rows, term_start: date, term_months: int, pauses=()) -> list[Slot]:
    """Every planned item of a term: one per interval of each row."""
    pauses = list(pauses)
    return [
        Slot(
            row["kind"],
            shift(month_first_day(term_start, first), pauses),
            shift(month_last_day(term_start, last), pauses),
        )
        for row in rows
        for first, last in plans.periods(row, term_months)
    ]


@dataclass(frozen=True)
class TermYear:
    index: int  # 1-based
    start: date
    end: date
    months: int


def term_years(term_start: date, term_months: int, pauses=()) -> list[TermYear]:
    pauses = list(pauses)
    out = []
    for index in range(1, math.ceil(term_months / 12) + 1):
        first = 12 * (index - 1) + 1
        last = min(12 * index, term_months)
        out.append(
            TermYear(
                index,
                shift(month_first_day(term_start, first), pauses),
                shift(month_last_day(term_start, last), pauses),
                last - first + 1,
            )
        )
    return out


def draw_days(start: date, end: date, count: int) -> list[date]:
    """`count` distinct days from `start` to `end`, chosen by the operating system's
    cryptographic generator so that nobody — the person, the worker — can predict them."""
    span = (end - start).days + 1
    if span <= 0 or count <= 0:
        return []
    offsets = secrets.SystemRandom().sample(range(span), min(count, span))
    return sorted(start + timedelta(days=o) for o in offsets)


# --- Scheduling ----------------------------------------------------------------------------------


def _runs(case: CommunityCase) -> bool:
    m = case.measure
    return (
        case.state == CaseState.ACTIVE
        and m.status == MeasureStatus.IN_PROGRESS
        and m.term_start is not None
        and m.term_end is not None
    )


def _cancel(item: DueItem) -> None:
    item.status = DueStatus.CANCELLED
    item.save(update_fields=["status"])


def _stand_down(case: CommunityCase, today: date) -> None:
    """Cancel what is no longer owed while the case does not run."""
    measure = case.measure
    if case.state == CaseState.CLOSED:
        cutoff = (case.closed_on or measure.ended_on or today) + timedelta(days=1)
    elif measure.status == MeasureStatus.SUSPENDED:
        pause = (
            measure.pauses.filter(kind=PauseKind.SUSPENSION, ended_on__isnull=True)
            .order_by("-started_on")
            .first()
        )
        cutoff = pause.started_on if pause is not None else today
    else:  # awaiting report, or referred to the police (JX §五(七)3: the procedure pauses)
        cutoff = today
    for item in DueItem.objects.filter(case=case, status=DueStatus.OPEN, due_on__gte=cutoff):
        _cancel(item)


def _new_item(case, actor, kind, window_start, due_on, source, draw=None) -> DueItem:
    """An unsaved item; `_insert` writes a batch of them."""
    return DueItem(
        **record_fields(case, actor),
        kind=kind,
        window_start=window_start,
        due_on=due_on,
        draw=draw,
        plan_source=source[:200],
    )


def _insert(items: list[DueItem]) -> None:
    """Insert a term's items in one statement, with the change-log row per item that
    `AuditedModel.save()` would write: a 3-year term is ~140 items, and one insert (plus its
    log row) each made reporting in cost ~600 queries."""
    if not items:
        return
    DueItem.objects.bulk_create(items)
    who = audit._actor_fields()
    request_id = context.current_request_id()
    entries = []
    for item in items:
        after = item._audit_values()
        entries.append(
            ChangeLogEntry(
                action=ChangeAction.CREATE,
                object_type=item._meta.label_lower,
                object_id=str(item.pk),
                object_repr=item.audit_repr(),
                person_pk=item.audit_person_pk(),
                changes=item._audit_diff(dict.fromkeys(after), after),
                request_id=request_id,
                **who,
            )
        )
        item._audit_snapshot = after
    ChangeLogEntry.objects.bulk_create(entries)


def _reopen(item: DueItem, window_start: date, source: str, draw=None) -> None:
    item.status = DueStatus.OPEN
    item.window_start = window_start
    item.plan_source = source[:200]
    item.draw = draw
    item.save(update_fields=["status", "window_start", "plan_source", "draw"])


def _align(item: DueItem, window_start: date, source: str) -> None:
    """An open item the plan still wants keeps its row; its period follows the plan now in
    force (a new township's plan may cover more months with the same last day)."""
    if item.window_start != window_start or item.plan_source != source[:200]:
        item.window_start = window_start
        item.plan_source = source[:200]
        item.save(update_fields=["window_start", "plan_source"])


def _satisfied(done: list[DueItem], slot: Slot) -> bool:
    """A record already satisfied this period (e.g. before a suspension moved its end)."""
    return any(
        i.kind == slot.kind and i.done_on and slot.window_start <= i.done_on <= slot.due_on
        for i in done
    )


def _reconcile_planned(case, actor, items, slots, cutoff, source) -> None:
    by_key = {(i.kind, i.due_on): i for i in items}
    done = [i for i in items if i.status == DueStatus.DONE]
    wanted = set()
    new = []
    for slot in slots:
        key = (slot.kind, slot.due_on)
        wanted.add(key)
        item = by_key.get(key)
        if item is not None and item.status == DueStatus.OPEN:
            _align(item, slot.window_start, source)
            continue
        if item is not None and item.status != DueStatus.CANCELLED:
            continue
        if _satisfied(done, slot):
            continue
        if item is not None:
            _reopen(item, slot.window_start, source)
        else:
            by_key[key] = _new_item(case, actor, slot.kind, slot.window_start, slot.due_on, source)
            new.append(by_key[key])
    _insert(new)
    for item in items:
        if (
            item.kind in PLANNED
            and item.status == DueStatus.OPEN
            and item.due_on >= cutoff
            and (item.kind, item.due_on) not in wanted
        ):
            _cancel(item)


def _current_draws(case) -> dict[int, RandomDraw]:
    """The draw in force for each year: the newest (a redraw replaces the one before)."""
    current: dict[int, RandomDraw] = {}
    for draw in RandomDraw.objects.filter(case=case).order_by("year_index", "drawn_at", "id"):
        current[draw.year_index] = draw
    return current


def _moved_in_at(case):
    """When the case was last moved into its present township (变更执行地), or None."""
    return (
        PersonEvent.objects.filter(
            person_id=case.person_id,
            code="measures.measure.place_changed",
            org_unit_id=case.unit_id,
        )
        .order_by("-occurred_at", "-id")
        .values_list("occurred_at", flat=True)
        .first()
    )


def _draw(case, actor, plan, items, today, pauses, term_months) -> dict[int, RandomDraw]:
    """Draw each year that has no draw, or whose draw is stale (see the module docstring)."""
    current = _current_draws(case)
    moved_at = _moved_in_at(case)
    for year in term_years(case.measure.term_start, term_months, pauses):
        if year.end < today:
            continue  # a year already over: nothing left to draw
        draw = current.get(year.index)
        stale = draw is None or (
            (moved_at is not None and draw.drawn_at < moved_at) or draw.window_end != year.end
        )
        if not stale:
            continue
        start = max(today, year.start)
        # The year's count (pro rata for a short last year) less the tests already behind.
        owed = math.ceil(plan.random_tests_per_year * year.months / 12)
        behind = sum(
            1
            for i in items
            if i.kind == RANDOM
            and i.status != DueStatus.CANCELLED
            and year.start <= i.due_on < start
        )
        days = draw_days(start, year.end, max(owed - behind, 0))
        current[year.index] = RandomDraw.objects.create(
            **record_fields(case, actor),
            year_index=year.index,
            window_start=start,
            window_end=year.end,
            count=len(days),
            days=[d.isoformat() for d in days],
            method=DRAW_METHOD,
            drawn_at=clock.now(),
            drawn_by=str(actor) if actor is not None else "system",
            plan_source=plan.source[:200],
        )
        record_event(
            case.person,
            "community.draw.made",
            actor=actor,
            org_unit=case.unit,
            year=str(year.index),
            count=str(len(days)),
            method=DRAW_METHOD,
        )
    return current


def _reconcile_random(case, actor, items, draws, cutoff) -> None:
    wanted: dict[date, RandomDraw] = {}
    for draw in draws.values():
        for value in draw.days:
            day = date.fromisoformat(value)
            if day >= cutoff:
                wanted[day] = draw
    by_day = {i.due_on: i for i in items if i.kind == RANDOM}
    new = []
    for day, draw in sorted(wanted.items()):
        item = by_day.get(day)
        if item is None:
            by_day[day] = _new_item(case, actor, RANDOM, day, day, draw.plan_source, draw)
            new.append(by_day[day])
        elif item.status == DueStatus.CANCELLED:
            _reopen(item, day, draw.plan_source, draw)
        elif item.status == DueStatus.OPEN and item.draw_id != draw.pk:
            item.draw = draw
            item.save(update_fields=["draw"])
    _insert(new)
    for item in items:
        if (
            item.kind == RANDOM
            and item.status == DueStatus.OPEN
            and item.due_on >= cutoff
            and item.due_on not in wanted
        ):
            _cancel(item)


def schedule_case(case, *, actor) -> None:
    """Bring the case's due items in line with its plan, term and state (idempotent). See the
    module docstring for what is generated, cancelled and redrawn, and when."""
    with acting_as(actor), transaction.atomic():
        case = lock_case(case)
        today = clock.today()
        if not _runs(case):
            _stand_down(case, today)
            return
        measure = case.measure
        plan = plans.resolve_plan(case.unit, measure.kind, today)
        pauses = _suspensions(measure)
        term_months = measure.term_months or plans.MAX_MONTH
        items = list(DueItem.objects.filter(case=case))
        cutoff = measure.term_start if not items else today
        slots = [
            s
            for s in plan_slots(plan.rows, measure.term_start, term_months, pauses)
            if s.due_on >= cutoff and s.due_on <= measure.term_end
        ]
        _reconcile_planned(case, actor, items, slots, cutoff, plan.source)
        draws = _draw(case, actor, plan, items, today, pauses, term_months)
        _reconcile_random(case, actor, items, draws, cutoff)


def plan_summary(case, *, on: date | None = None) -> list[str]:
    """The case's schedule in words, for the agreement's measures (戒毒条例 Art. 16, 19): each
    planned kind with its intervals and total over the term, the random tests (never their days)
    and the plan's source. Written in the source language: the agreement text is frozen."""
    on = on or clock.today()
    measure = case.measure
    plan = plans.resolve_plan(case.unit, measure.kind, on)
    term_months = measure.term_months or plans.MAX_MONTH
    lines = []
    with translation.override("zh-hans"):
        for kind in PLANNED_KINDS:
            rows = [r for r in plan.rows if r["kind"] == kind and r["from_month"] <= term_months]
            if not rows:
                continue
            parts = [
                str(
                    _("第%(a)s–%(b)s月每%(n)s个月一次")
                    % {
                        "a": r["from_month"],
                        "b": min(r["to_month"], term_months),
                        "n": r["interval_months"],
                    }
                )
                for r in rows
            ]
            lines.append(
                str(
                    _("%(kind)s：%(parts)s（期限内共%(total)s次）。")
                    % {
                        "kind": str(DueKind(kind).label),
                        "parts": "，".join(parts),
                        "total": plans.count_items(plan.rows, kind, term_months),
                    }
                )
            )
        lines.append(
            str(
                _("随机抽检：每年不少于%(n)s次，日期不预先告知。")
                % {"n": plan.random_tests_per_year}
            )
        )
        lines.append(str(_("计划依据：%(source)s") % {"source": plan.source}))
    return lines


# --- Satisfying items ----------------------------------------------------------------------------


def satisfy(case, kinds, on, *, source: str):
    """Mark done the earliest open due item of `kinds` whose window covers day `on` (a test
    recorded, a talk held); returns it, or None when nothing was due. A random test due that
    very day goes first. Idempotent per source: the item `source` already satisfied is returned."""
    kinds = [str(k) for k in kinds]
    with transaction.atomic():
        earlier = DueItem.objects.filter(case=case, done_by_record=source).first()
        if earlier is not None:
            return earlier
        # Two records of one period arriving together must not both take the same item.
        item = (
            DueItem.objects.select_for_update()
            .filter(
                case=case,
                kind__in=kinds,
                status=DueStatus.OPEN,
                window_start__lte=on,
                due_on__gte=on,
            )
            .annotate(
                random_first=Case(
                    When(kind=RANDOM, then=Value(0)), default=Value(1), output_field=IntegerField()
                )
            )
            .order_by("random_first", "due_on", "id")
            .first()
        )
        if item is None:
            return None
        item.status = DueStatus.DONE
        item.done_on = on
        item.done_by_record = source[:60]
        item.save(update_fields=["status", "done_on", "done_by_record"])
        return item


# --- Contacts ------------------------------------------------------------------------------------


def record_contact(
    case,
    *,
    kind: str,
    on: date,
    attended: bool,
    place: str = "",
    summary: str = "",
    actor,
    external_id: str = "",
) -> Contact:
    """谈话教育, 走访, 本人汇报 or 帮扶 (domain.md §2.10; PLAN16 §11 谈话教育记录). An attended
    talk, visit or self-report satisfies the item of its kind; attended or missed, it is scored
    for credit. Idempotent on `external_id` (a client retrying on a bad network)."""
    require(actor, "community.manage_case", case, _("您无权为该个案登记谈话走访。"))
    if kind not in ContactKind.values:
        raise Refusal(_("请选择类型。"), code="invalid_kind", field="kind")
    external_id = (external_id or "").strip()[:100]
    if external_id:
        earlier = Contact.objects.filter(case=case, external_id=external_id).first()
        if earlier is not None:
            return earlier
    check_open(case)
    check_day(case, on)
    from . import credit

    with acting_as(actor), transaction.atomic():
        case = lock_case(case)
        if external_id:  # a retry that raced the first: the case lock serialises them
            earlier = Contact.objects.filter(case=case, external_id=external_id).first()
            if earlier is not None:
                return earlier
        contact = Contact.objects.create(
            **record_fields(case, actor),
            kind=kind,
            on=on,
            attended=attended,
            place=(place or "").strip()[:100],
            summary=(summary or "").strip(),
            external_id=external_id,
        )
        source = source_of(contact)
        if kind in CONTACT_ITEMS:
            if attended:
                satisfy(case, [CONTACT_ITEMS[kind]], on, source=source)
            credit.award(
                case,
                "talk_attended" if attended else "talk_missed",
                on=on,
                source=source,
                actor=actor,
            )
            credit.refresh_case(case)
    return contact


# --- Plans ---------------------------------------------------------------------------------------


def set_schedule_plan(
    unit,
    measure_kind: str,
    *,
    rows,
    random_tests_per_year,
    effective_from: date,
    source: str,
    actor,
    note: str = "",
) -> SchedulePlan:
    """A new version of a province's (city's, county's, township's) plan for one community
    measure (administrators holding `core.manage_rules` there). Versions are never edited; the
    same version sent twice returns the first. Cases already scheduled keep their items until
    `schedule_case` next runs for them (see the module docstring)."""
    if not has_perm(actor, "core.manage_rules", unit):
        raise PermissionDenied(_("您无权修改该单位的检测与走访计划。"))
    if unit.kind not in DIVISION_KINDS:
        raise Refusal(
            _("计划只能由省、市、县（区）或乡镇（街道）制定。"),
            code="wrong_unit_kind",
            field="org_unit",
        )
    if measure_kind not in plans.DEFAULT_PLANS:
        raise Refusal(_("请选择社区戒毒或社区康复。"), code="invalid_kind", field="measure_kind")
    cleaned = plans.validate_rows(rows)
    per_year = plans.validate_random_count(random_tests_per_year)
    if effective_from is None:
        raise Refusal(_("请填写生效日期。"), code="required", field="effective_from")
    source = (source or "").strip()
    if not source:
        raise Refusal(_("请写明依据（文件名称和条款）。"), code="required", field="source")
    with acting_as(actor), transaction.atomic():
        existing = SchedulePlan.objects.filter(
            org_unit=unit, measure_kind=measure_kind, effective_from=effective_from
        ).first()
        if existing is not None:
            if existing.rows == cleaned and existing.random_tests_per_year == per_year:
                return existing
            raise Refusal(
                _("该单位在该日已有一个版本；请选择另一个生效日期。"),
                code="version_exists",
                field="effective_from",
            )
        return SchedulePlan.objects.create(
            org_unit=unit,
            measure_kind=measure_kind,
            effective_from=effective_from,
            rows=cleaned,
            random_tests_per_year=per_year,
            source=source[:200],
            note=(note or "").strip()[:200],
        )


# --- Queries (overdue is a query, never a job) ---------------------------------------------------


def case_ids(cases) -> list[int]:
    """The ids of `cases` (a queryset, cases or ids). A scoped case queryset is read once here:
    as a subquery inside the item queries its OR-ed scope joins made PostgreSQL choose plans
    that ran for minutes at demo size."""
    if isinstance(cases, QuerySet):
        return list(cases.order_by().values_list("pk", flat=True))
    return [getattr(c, "pk", c) for c in cases]


def open_items(cases) -> QuerySet:
    """Open items of `cases` (a queryset or list of cases) with what a list row shows (person,
    case, township): one query for the case ids, one for the items."""
    return (
        DueItem.objects.filter(case_id__in=case_ids(cases), status=DueStatus.OPEN)
        .select_related("person", "case", "case__unit", "case__measure")
        .order_by("due_on", "case_id", "kind", "id")  # one person's items of a day together
    )


def overdue(cases, today: date) -> QuerySet:
    return open_items(cases).filter(due_on__lt=today)


def due_today(cases, today: date) -> QuerySet:
    return open_items(cases).filter(due_on=today)


def due_within(cases, today: date, days: int = 7) -> QuerySet:
    """Open items due after today and within `days` days."""
    return open_items(cases).filter(due_on__gt=today, due_on__lte=today + timedelta(days=days))


def hide_upcoming_random(items: QuerySet, user, today: date) -> QuerySet:
    """A random test's day is known only to those who manage the case until it has passed;
    everyone else sees the item once it is history."""
    q = scope_q(user, "community.manage_case", CASE_MANAGE_PATHS)
    if q is None:
        return items
    # The cases among the items' that the user manages, read apart (see `case_ids`).
    mine = items.order_by().values_list("case_id", flat=True).distinct()
    managed = list(CommunityCase.objects.filter(q, pk__in=list(mine)).values_list("pk", flat=True))
    return items.filter(~Q(kind=RANDOM) | Q(due_on__lt=today) | Q(case_id__in=managed))
