"""The person figures as running totals, so that a province's count reads a row per unit and
figure instead of a row per person (issue 6, item 5: dashboards under a second at 1,000,000
persons; docs/decisions/0005).

Every person figure of `indicators.py` is a *stock*: a count of the persons in a state on a day
(`registered`, `existing`, `abstinent_3y`, `dead`, `departed`); `newly_found` over a period is
the difference of two `registered` stocks. A person enters and leaves each state on days their
fact row names, so each stock is a sum of signed changes (`changes()`, +1 on entering, -1 on
leaving) over the days up to the day asked about. Two tables hold those sums per unit:

- `DailyChange`: per unit, figure and day, the sum of the changes of that day (the ledger);
- `MonthEndStock`: per unit, figure and month, the stock at the month's last day, for every month
  from the unit's first change up to the latest month kept (`stocked_through`).

A stock on day d is the month-end row of d's month when d is a month's last day (every period
ends on one), else the previous month-end row plus the ledger's days of d's month up to d.

The monthly tallies (`MonthlyTally`: tests and visits due and done, evaluations by opinion) go
into the same tables, each month's value a change on the month's first day: the tally over a
range of months is then the difference of two month-end rows.

The upkeep (`facts.save_person_facts`) applies the difference between a person's old and new
changes to both tables; `rebuild()` recomputes them from the fact rows; `tests/test_stocks.py`
proves both give what a count over the fact rows (`Indicator.q`) gives, day by day. When a new
month begins, the first read of it adds its month-end rows (`_roll_to`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Max, Q, Sum
from django.db.models.functions import Substr

from jiedu.core import clock
from jiedu.measures.clocks import add_months

from .models import DailyChange, MonthEndStock, MonthlyTally, PersonFact

STOCKS = ("registered", "existing", "abstinent_3y", "dead", "departed")
FACT_FIELDS = ("unit_path", "registered_on", "control_exit_on", "died_on", "departed_on")


def changes(unit_path, registered, exit_on, died, departed) -> list[tuple[str, str, date, int]]:
    """(unit, figure, day, +1/-1) for one person's fact row: the days the person enters and
    leaves each stock. The same states as the `Indicator.q` of each figure:

    - registered: registered_on ≤ d;
    - existing: registered, and not (exit ≤ d, died ≤ d or departed ≤ d);
    - abstinent_3y: registered and exit ≤ d, and not (died ≤ d or departed ≤ d);
    - dead: registered and died ≤ d;
    - departed: registered and departed ≤ d, and not died ≤ d.
    """
    out = [(unit_path, "registered", registered, 1), (unit_path, "existing", registered, 1)]
    leaves = [d for d in (exit_on, died, departed) if d is not None]
    if leaves:
        out.append((unit_path, "existing", max(registered, min(leaves)), -1))
    gone = min((d for d in (died, departed) if d is not None), default=None)
    if exit_on is not None:
        entered = max(registered, exit_on)
        out.append((unit_path, "abstinent_3y", entered, 1))
        if gone is not None:
            out.append((unit_path, "abstinent_3y", max(entered, gone), -1))
    if died is not None:
        out.append((unit_path, "dead", max(registered, died), 1))
    if departed is not None:
        entered = max(registered, departed)
        out.append((unit_path, "departed", entered, 1))
        if died is not None:
            out.append((unit_path, "departed", max(entered, died), -1))
    return out


def _fact_changes(rows: Iterable[tuple]) -> Counter:
    """Summed changes keyed by (unit, figure, day) for fact rows in FACT_FIELDS order."""
    total: Counter = Counter()
    for row in rows:
        for unit, code, day, delta in changes(*row):
            total[unit, code, day] += delta
    return total


def month_of(day: date) -> date:
    return day.replace(day=1)


def _month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def stocked_through() -> date | None:
    """The latest month with month-end rows (None before any)."""
    return MonthEndStock.objects.aggregate(m=Max("month"))["m"]


# --- writing ---------------------------------------------------------------------------------


def _upsert_sql(model, key: tuple[str, ...], value: str) -> str:
    table = model._meta.db_table
    columns = ", ".join((*key, value))
    placeholders = ", ".join(["%s"] * (len(key) + 1))
    return (
        f'INSERT INTO "{table}" ({columns}) VALUES ({placeholders}) ON CONFLICT ({", ".join(key)}) '
        f'DO UPDATE SET {value} = "{table}".{value} + excluded.{value}'
    )


def apply(old_rows: Iterable[tuple], new_rows: Iterable[tuple]) -> None:
    """Move the ledger and the month-end rows from some persons' old fact rows to their new ones
    (rows in FACT_FIELDS order). Call inside the transaction that saves the new rows, with the
    old ones read FOR UPDATE, so that two refreshes of a person cannot both apply one change."""
    diff = _fact_changes(new_rows)
    diff.subtract(_fact_changes(old_rows))
    _apply(diff)


def apply_tallies(old: dict, new: dict) -> None:
    """The same for monthly tallies ({(unit, metric, month): value}, before and after a unit's
    recount): a tally is a flow, so its running total over months gives any range of months as
    the difference of two month ends (`indicators.table`)."""
    diff: Counter = Counter(new)
    diff.subtract(old)
    _apply(diff)


def _apply(diff: Counter) -> None:
    diff = {key: delta for key, delta in diff.items() if delta}
    if not diff:
        return
    last = stocked_through() or month_of(clock.today())
    stock: Counter = Counter()
    for (unit, code, day), delta in diff.items():
        month = month_of(day)
        while month <= last:
            stock[unit, code, month] += delta
            month = add_months(month, 1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            _upsert_sql(DailyChange, ("code", "unit_path", "day"), "delta"),
            [(code, unit, day, delta) for (unit, code, day), delta in diff.items()],
        )
        if stock:
            cursor.executemany(
                _upsert_sql(MonthEndStock, ("month", "code", "unit_path"), "value"),
                [(month, code, unit, v) for (unit, code, month), v in stock.items() if v],
            )


def rebuild(batch: int = 5000) -> dict:
    """Both tables recomputed from every fact row and tally (after those are rebuilt)."""
    ledger = _fact_changes(PersonFact.objects.values_list(*FACT_FIELDS).iterator(chunk_size=20000))
    tallies = MonthlyTally.objects.values_list("unit_path", "metric", "month", "value")
    for unit, metric, month, value in tallies.iterator(chunk_size=20000):
        ledger[unit, metric, month] += value
    last = month_of(clock.today())
    monthly: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for (unit, code, day), delta in ledger.items():
        monthly[unit, code][month_of(day)] += delta
    stock_rows = []
    for (unit, code), by_month in monthly.items():
        month, running = min(by_month), 0
        while month <= last:
            running += by_month.get(month, 0)
            stock_rows.append(MonthEndStock(unit_path=unit, code=code, month=month, value=running))
            month = add_months(month, 1)
    with transaction.atomic():
        DailyChange.objects.all().delete()
        MonthEndStock.objects.all().delete()
        DailyChange.objects.bulk_create(
            (
                DailyChange(unit_path=unit, code=code, day=day, delta=delta)
                for (unit, code, day), delta in ledger.items()
                if delta
            ),
            batch_size=batch,
        )
        MonthEndStock.objects.bulk_create(stock_rows, batch_size=batch)
    return {"changes": len(ledger), "month_ends": len(stock_rows)}


def _roll_to(month: date) -> None:
    """Add the month-end rows of the months after the latest kept, up to `month` (the first
    read of a new month does it; two at once insert the same rows, the second one's ignored)."""
    last = stocked_through()
    if last is None or last >= month:
        return
    stock, ledger = MonthEndStock._meta.db_table, DailyChange._meta.db_table
    sql = (
        f'INSERT INTO "{stock}" (unit_path, code, month, value) '
        f"SELECT unit_path, code, %s, SUM(v) FROM ("
        f'SELECT unit_path, code, value AS v FROM "{stock}" WHERE month = %s '
        f'UNION ALL SELECT unit_path, code, delta AS v FROM "{ledger}" '
        f"WHERE day >= %s AND day <= %s"
        f") AS s WHERE true GROUP BY unit_path, code "
        f"ON CONFLICT (month, code, unit_path) DO NOTHING"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        while last < month:
            following = add_months(last, 1)
            cursor.execute(sql, [following, last, following, _month_end(following)])
            last = following


# --- reading ---------------------------------------------------------------------------------


def counts(prefix: str, days: list[date], *, width: int | None = None, codes=STOCKS) -> dict:
    """The stocks `codes` on each of `days` for the subtree at `prefix`: {day: {child: Counter}}
    where child is the path cut to `width` (the drill-down rows), or "" for the whole subtree.
    One query of month-end rows and one of ledger days, whatever the number of days."""
    base, partial = {}, {}  # day -> the month-end row it starts from; day -> ledger range
    for day in days:
        month = month_of(day)
        if day == _month_end(month):
            base[day] = month
        else:
            base[day] = add_months(month, -1)
            partial[day] = (month, day)
    _roll_to(max(base.values(), default=date.min))
    child = Substr("unit_path", 1, width) if width else None

    def grouped(qs, date_field, value_field):
        qs = qs.filter(unit_path__startswith=prefix, code__in=sorted(codes))
        fields = [date_field, "code"]
        if child is not None:
            qs = qs.annotate(child=child)
            fields.append("child")
        return qs.values(*fields).annotate(n=Sum(value_field)).order_by()

    result = {day: defaultdict(Counter) for day in days}
    months = set(base.values())
    for row in grouped(MonthEndStock.objects.filter(month__in=months), "month", "value"):
        for day, month in base.items():
            if month == row["month"]:
                result[day][row.get("child", "")][row["code"]] += row["n"]
    if partial:
        where = Q()
        for start, end in partial.values():
            where |= Q(day__gte=start, day__lte=end)
        for row in grouped(DailyChange.objects.filter(where), "day", "delta"):
            for day, (start, end) in partial.items():
                if start <= row["day"] <= end:
                    result[day][row.get("child", "")][row["code"]] += row["n"]
    return result
