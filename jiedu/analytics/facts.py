"""Compute indicator facts from the records. The same functions serve the incremental upkeep (a
few persons or units at a time) and the full rebuild (in chunks), so the two cannot define a
figure differently; `tests/test_facts.py` proves the upkeep fires on every write that moves one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from jiedu.aftercare.control import (
    ControlFacts,
    PkRange,
    collect_facts,
    control_state,
    person_filter,
)
from jiedu.core import clock
from jiedu.measures.choices import EndReason, MeasureStatus
from jiedu.measures.clocks import add_years
from jiedu.measures.models import Measure
from jiedu.people.choices import PersonStatus
from jiedu.people.models import Person

from . import stocks as running
from .models import MeasureFact, MonthlyTally, PersonFact

# Measures that end in release (the start of a release cohort): the term ran out, it was cut
# short on evaluation (禁毒法 Art. 47), or the community agreement ended (戒毒条例 Art. 23).
RELEASE_REASONS = (EndReason.EXPIRY, EndReason.EARLY_RELEASE, EndReason.AGREEMENT_ENDED)

COHORT_YEARS = (1, 2, 3)  # release cohorts' horizons (domain.md §7.1: 1, 2 and 3 years)

PERSON_FIELDS = [
    "unit_path",
    "registered_on",
    "control_start_on",
    "control_exit_on",
    "last_use_on",
    "died_on",
    "departed_on",
    "in_isolation",
]
MEASURE_FIELDS = [
    "person",
    "kind",
    "unit_path",
    "home_path",
    "decided_on",
    "report_due_by",
    "reported_on",
    "refused",
    "status",
    "ended_on",
    "released",
    "relapse_on",
    "censored_on",
    "relapse_within",
    "censored_within",
    "relapse_months",
    "censored_months",
]


def within_years(released: date, day: date | None) -> int | None:
    """The first N of the cohort horizons (1, 2, 3 years) with `day` before the N-year
    anniversary of the release; None if none (or no day)."""
    if day is None:
        return None
    return next((k for k in COHORT_YEARS if day < add_years(released, k)), None)


def months_between(released: date, day: date | None) -> int | None:
    """Whole months from the release to `day`, as the time-to-relapse curves count them."""
    if day is None:
        return None
    return max(0, (day - released).days) * 12 // 365


def _first_after(days: list[date], after: date) -> date | None:
    return min((d for d in days if d > after), default=None)


def compute_person_facts(persons) -> tuple[list[PersonFact], list[MeasureFact]]:
    """Fact rows of these persons (ids or a PkRange), in a fixed number of queries."""
    if not isinstance(persons, PkRange):
        persons = list(persons)
    control = collect_facts(persons)
    today = clock.today()
    active = Person.objects.filter(status=PersonStatus.ACTIVE, **person_filter(persons, "pk"))
    person_rows = []
    for pk, path in active.values_list("pk", "managing_unit__path"):
        facts = control[pk]
        # The abstinence clock ignores death and departure; the indicators count those apart.
        alive = ControlFacts(facts.registered_on, facts.uses, facts.starts, facts.in_isolation)
        state = control_state(alive, max([today, *facts.uses, *(d for d, _ in facts.starts)]))
        person_rows.append(
            PersonFact(
                person_id=pk,
                unit_path=path or "",
                registered_on=facts.registered_on,
                control_start_on=state.start_on,
                control_exit_on=state.exit_on,
                last_use_on=state.last_use_on,
                died_on=facts.died_on,
                departed_on=facts.departed_on,
                in_isolation=facts.in_isolation,
            )
        )
    measure_rows = []
    measures = Measure.objects.filter(**person_filter(persons)).values_list(
        "pk", "person_id", "kind", "executing_unit__path", "person__managing_unit__path",
        "decided_on", "report_due_by", "reported_on", "status", "ended_on", "end_reason",
    )  # fmt: skip
    for pk, pid, kind, path, home, decided, due, reported, status, ended, reason in measures:
        facts = control[pid]
        released = status == MeasureStatus.ENDED and ended is not None and reason in RELEASE_REASONS
        relapse = censored = None
        if released:
            relapse = _first_after(facts.uses, ended)
            stops = [d for d in (facts.died_on, facts.departed_on) if d and d > ended]
            if stops and (relapse is None or min(stops) < relapse):
                censored = min(stops)
        measure_rows.append(
            MeasureFact(
                measure_id=pk,
                person_id=pid,
                kind=kind,
                unit_path=path or "",
                home_path=home or "",
                decided_on=decided,
                report_due_by=due,
                reported_on=reported,
                refused=status == MeasureStatus.REFUSED,
                status=status,
                ended_on=ended,
                released=released,
                relapse_on=relapse,
                censored_on=censored,
                relapse_within=within_years(ended, relapse) if released else None,
                censored_within=within_years(ended, censored) if released else None,
                relapse_months=months_between(ended, relapse) if released else None,
                censored_months=months_between(ended, censored) if released else None,
            )
        )
    return person_rows, measure_rows


def save_person_facts(persons, *, stocks: bool = True) -> None:
    """Bring the fact rows of these persons (ids or a PkRange) in line with their records
    (upsert; a merged file loses its row), and the running totals with them (`stocks.apply`;
    the rebuild recomputes those at the end instead, `stocks=False`)."""
    if not isinstance(persons, PkRange):
        persons = list(persons)
    person_rows, measure_rows = compute_person_facts(persons)
    with transaction.atomic():
        if stocks:
            old = (
                PersonFact.objects.select_for_update()
                .filter(**person_filter(persons))
                .order_by("pk")
                .values_list(*running.FACT_FIELDS)
            )
            running.apply(
                list(old), [[getattr(r, f) for f in running.FACT_FIELDS] for r in person_rows]
            )
        PersonFact.objects.filter(**person_filter(persons)).exclude(
            person__status=PersonStatus.ACTIVE
        ).delete()
        PersonFact.objects.bulk_create(
            person_rows,
            update_conflicts=True,
            unique_fields=["person"],
            update_fields=PERSON_FIELDS,
        )
        MeasureFact.objects.bulk_create(
            measure_rows,
            update_conflicts=True,
            unique_fields=["measure"],
            update_fields=MEASURE_FIELDS,
        )


# --- monthly tallies -------------------------------------------------------------------------


def _tally_sources(paths: list[str] | None):
    """(metric, rows of (unit_path, month, value)) for every tally, restricted to `paths`."""
    from jiedu.aftercare.models import FollowUpVisit
    from jiedu.community.choices import TEST_KINDS, DueStatus
    from jiedu.community.models import DueItem
    from jiedu.evaluations.choices import EvaluationStatus
    from jiedu.evaluations.models import Evaluation

    def limit(qs, field):
        return qs if paths is None else qs.filter(**{f"{field}__in": paths})

    items = limit(
        DueItem.objects.filter(kind__in=TEST_KINDS).exclude(status=DueStatus.CANCELLED),
        "case__unit__path",
    )
    rows = (
        items.annotate(period=TruncMonth("due_on"))
        .values_list("case__unit__path", "period")
        .annotate(due=Count("pk"), done=Count("pk", filter=Q(status=DueStatus.DONE)))
        .order_by()
    )
    tests = list(rows)
    yield "tests_due", [(p, m, due) for p, m, due, _ in tests]
    yield "tests_done", [(p, m, done) for p, m, _, done in tests if done]

    visits = limit(FollowUpVisit.objects.filter(due_on__isnull=False), "plan__unit__path")
    rows = (
        visits.annotate(period=TruncMonth("due_on"))
        .values_list("plan__unit__path", "period")
        .annotate(due=Count("pk"), done=Count("pk", filter=Q(visited_on__isnull=False)))
        .order_by()
    )
    visit_rows = list(rows)
    yield "visits_due", [(p, m, due) for p, m, due, _ in visit_rows]
    yield "visits_done", [(p, m, done) for p, m, _, done in visit_rows if done]

    evaluations = limit(
        Evaluation.objects.filter(status=EvaluationStatus.COMPLETED).exclude(opinion=""),
        "admission__facility__path",
    )
    rows = (
        evaluations.annotate(period=TruncMonth("evaluated_on"))
        .values_list("admission__facility__path", "period", "opinion")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_opinion = defaultdict(list)
    for path, month, opinion, n in rows:
        by_opinion[f"evaluations_{opinion}"].append((path, month, n))
    yield from by_opinion.items()


def compute_tallies(paths: list[str] | None) -> list[MonthlyTally]:
    tallies = []
    for metric, rows in _tally_sources(paths):
        for path, month, value in rows:
            if path is None or month is None:
                continue
            month = month.date() if hasattr(month, "date") else month
            tallies.append(MonthlyTally(unit_path=path, month=month, metric=metric, value=value))
    return tallies


def save_tallies(paths: Iterable[str]) -> None:
    """Recompute every tally of these units from the records (a township's or facility's
    records are a few thousand rows: one grouped query per metric)."""
    paths = sorted(set(filter(None, paths)))
    if not paths:
        return
    from jiedu.orgs.models import OrgUnit

    rows = compute_tallies(paths)
    keep = {(r.metric, r.unit_path, r.month) for r in rows}
    with transaction.atomic():
        # One recount of a unit at a time: the running totals take the old-to-new difference.
        list(OrgUnit.objects.select_for_update().filter(path__in=paths).values_list("pk"))
        old = {
            (path, metric, month): value
            for path, metric, month, value in MonthlyTally.objects.filter(
                unit_path__in=paths
            ).values_list("unit_path", "metric", "month", "value")
        }
        running.apply_tallies(old, {(r.unit_path, r.metric, r.month): r.value for r in rows})
        stale = MonthlyTally.objects.filter(unit_path__in=paths).values_list(
            "pk", "metric", "unit_path", "month"
        )
        MonthlyTally.objects.filter(
            pk__in=[pk for pk, *key in stale if tuple(key) not in keep]
        ).delete()
        MonthlyTally.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["metric", "unit_path", "month"],
            update_fields=["value"],
        )
