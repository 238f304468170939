"""Hand-written SQL references for the indicators, from the fact tables, written apart from the ORM.

Each indicator of `jiedu.analytics.indicators` (domain.md §7.1) is restated here as a SQL condition
on its fact table, the way a person writing one PostgreSQL query by hand would: the conditions
common to a group of figures go to WHERE (so the indexes serve them), each figure is a
`count(*) FILTER (...)`, and the province's table is one statement grouped by the child's path
prefix (`substr(unit_path, 1, width)`). The bench checks that these queries give the same figures
as `indicators.table()` before it times either, so a ratio compares equal work.
"""

from __future__ import annotations

from datetime import date

COMMUNITY_KINDS = ("community_drug_rehab", "community_rehabilitation")
ISOLATION = "compulsory_isolation"
HORIZONS = (1, 2, 3)


def d(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


def _kinds() -> str:
    return ", ".join(f"'{k}'" for k in COMMUNITY_KINDS)


def like(prefix: str) -> str:
    # Unit paths are treebeard's [0-9A-Z] steps: nothing to escape.
    assert prefix.isalnum()
    return f"'{prefix}%'"


# --- conditions per indicator -------------------------------------------------------------------


def _not_gone(on: str) -> str:
    return f"(died_on IS NULL OR died_on > {on}) AND (departed_on IS NULL OR departed_on > {on})"


def person_conditions(start: date, as_of: date) -> dict[str, str]:
    s, a = d(start), d(as_of)
    reg = f"registered_on <= {a}"
    return {
        "registered": reg,
        "existing": f"{reg} AND (control_exit_on IS NULL OR control_exit_on > {a}) AND "
        + _not_gone(a),
        "newly_found": f"registered_on BETWEEN {s} AND {a}",
        "abstinent_3y": f"{reg} AND control_exit_on <= {a} AND " + _not_gone(a),
        "dead": f"{reg} AND died_on <= {a}",
        "departed": f"{reg} AND departed_on <= {a} AND (died_on IS NULL OR died_on > {a})",
    }


def community_base(start: date, as_of: date) -> str:
    """Community measures decided in the period that were due to report by now."""
    return (
        f"kind IN ({_kinds()}) AND decided_on BETWEEN {d(start)} AND {d(as_of)} AND "
        f"(reported_on IS NOT NULL OR refused OR report_due_by < {d(as_of)})"
    )


MEASURE_CONDITIONS = {  # on top of community_base
    "community_due": "TRUE",
    "community_reported_on_time": "reported_on <= report_due_by",
    "community_executed": "reported_on IS NOT NULL",
    "community_refused": "refused",
}

TALLIES = {  # code: (metric, counted only over months already over)
    "tests_due": ("tests_due", True),
    "tests_done": ("tests_done", True),
    "visits_due": ("visits_due", True),
    "visits_done": ("visits_done", True),
    "evaluations_early_release": ("evaluations_early_release", False),
    "evaluations_on_time_release": ("evaluations_on_time_release", False),
    "evaluations_extension": ("evaluations_extension", False),
}


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _previous_month(first: date) -> date:
    return date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)


def tally_months(start: date, as_of: date, today: date, completed: bool) -> tuple[date, date]:
    """(first, last) month counted; an empty range when none."""
    last = _first_of_month(as_of)
    if completed:
        last = min(last, _previous_month(_first_of_month(today)))
    if last < start:
        return date(1, 1, 1), date(1, 1, 1)
    return start, last


def cohort_columns(today: date) -> dict[str, str]:
    """release cohort figures: followed N years (N years passed, no death or departure before),
    no relapse within N years, relapsed within 1 year."""
    cols = {"released": "TRUE"}
    for k in HORIZONS:
        horizon = f"(ended_on + INTERVAL '{k} year')::date"
        followed = f"{horizon} <= {d(today)} AND (censored_on IS NULL OR censored_on >= {horizon})"
        cols[f"followed_{k}y"] = followed
        cols[f"no_relapse_{k}y"] = f"{followed} AND (relapse_on IS NULL OR relapse_on >= {horizon})"
        if k == 1:
            cols["relapsed_1y"] = f"{followed} AND relapse_on < {horizon}"
    return cols


# --- the province's (or any unit's) table: one statement -----------------------------------------


def table_sql(prefix: str, depth: int, steplen: int, start, end, as_of, today) -> str:
    """One row per child unit (and the unit itself, for records kept there): every figure."""
    width = len(prefix) + steplen
    child = lambda col: f"substr({col}, 1, {width})"  # noqa: E731
    person = ",\n      ".join(
        f"count(*) FILTER (WHERE {cond}) AS {code}"
        for code, cond in person_conditions(start, as_of).items()
    )
    measure = ",\n      ".join(
        f"count(*) FILTER (WHERE {cond}) AS {code}" for code, cond in MEASURE_CONDITIONS.items()
    )
    tallies = []
    for code, (metric, completed) in TALLIES.items():
        first, last = tally_months(start, as_of, today, completed)
        tallies.append(
            f"COALESCE(sum(value) FILTER (WHERE metric = '{metric}' AND month BETWEEN {d(first)} "
            f"AND {d(last)}), 0) AS {code}"
        )
    cohort = ",\n      ".join(
        f"count(*) FILTER (WHERE {cond}) AS {code}" for code, cond in cohort_columns(today).items()
    )
    columns = [
        *person_conditions(start, as_of),
        *MEASURE_CONDITIONS,
        "isolation_decided",
        *TALLIES,
        *cohort_columns(today),
    ]
    return f"""
WITH
  u AS (SELECT path AS child FROM orgs_orgunit
    WHERE path LIKE {like(prefix)} AND depth = {depth + 1}),
  p AS (SELECT {child("unit_path")} AS child,
      {person}
    FROM analytics_personfact
    WHERE unit_path LIKE {like(prefix)} AND registered_on <= {d(as_of)}
    GROUP BY 1),
  m AS (SELECT {child("unit_path")} AS child,
      {measure}
    FROM analytics_measurefact
    WHERE unit_path LIKE {like(prefix)} AND {community_base(start, as_of)}
    GROUP BY 1),
  h AS (SELECT {child("home_path")} AS child, count(*) AS isolation_decided
    FROM analytics_measurefact
    WHERE home_path LIKE {like(prefix)} AND kind = '{ISOLATION}'
      AND decided_on BETWEEN {d(start)} AND {d(as_of)}
    GROUP BY 1),
  t AS (SELECT {child("unit_path")} AS child,
      {", ".join(tallies)}
    FROM analytics_monthlytally
    WHERE unit_path LIKE {like(prefix)} AND month BETWEEN {d(start)} AND {d(end)}
    GROUP BY 1),
  c AS (SELECT {child("home_path")} AS child,
      {cohort}
    FROM analytics_measurefact
    WHERE released AND home_path LIKE {like(prefix)} AND ended_on BETWEEN {d(start)} AND {d(as_of)}
    GROUP BY 1)
SELECT child, {", ".join(columns)} FROM u
  FULL JOIN p USING (child) FULL JOIN m USING (child) FULL JOIN h USING (child)
  FULL JOIN t USING (child) FULL JOIN c USING (child)
ORDER BY child
"""


def run_table(cursor, sql: str) -> dict[str, dict[str, int]]:
    cursor.execute(sql)
    names = [c.name for c in cursor.description]
    out = {}
    for row in cursor.fetchall():
        values = dict(zip(names, row, strict=True))
        child = values.pop("child")
        out[child] = {k: int(v or 0) for k, v in values.items()}
    return out


# --- a trend: several periods, the unit's whole subtree -----------------------------------------


def trend_sql(prefix: str, codes: set[str], periods, today) -> str:
    """One statement: for each period, the figures `codes` over the subtree."""
    person_cols, measure_cols, home_cols, tally_cols, cohort_cols = [], [], [], [], []
    for n, p in enumerate(periods):
        for code, cond in person_conditions(p.start, p.as_of).items():
            if code in codes:
                person_cols.append(f"count(*) FILTER (WHERE {cond}) AS {code}__{n}")
        base = community_base(p.start, p.as_of)
        for code, cond in MEASURE_CONDITIONS.items():
            if code in codes:
                measure_cols.append(f"count(*) FILTER (WHERE {base} AND {cond}) AS {code}__{n}")
        if "isolation_decided" in codes:
            home_cols.append(
                f"count(*) FILTER (WHERE kind = '{ISOLATION}' AND decided_on BETWEEN "
                f"{d(p.start)} AND {d(p.as_of)}) AS isolation_decided__{n}"
            )
        for code, (metric, completed) in TALLIES.items():
            if code in codes:
                first, last = tally_months(p.start, p.as_of, today, completed)
                tally_cols.append(
                    f"COALESCE(sum(value) FILTER (WHERE metric = '{metric}' AND month BETWEEN "
                    f"{d(first)} AND {d(last)}), 0) AS {code}__{n}"
                )
        window = f"released AND ended_on BETWEEN {d(p.start)} AND {d(p.as_of)}"
        for code, cond in cohort_columns(today).items():
            if code in codes:
                cohort_cols.append(f"count(*) FILTER (WHERE {window} AND {cond}) AS {code}__{n}")
    parts = []
    if person_cols:
        parts.append(
            f"(SELECT {', '.join(person_cols)} FROM analytics_personfact "
            f"WHERE unit_path LIKE {like(prefix)}) p"
        )
    if measure_cols:
        parts.append(
            f"(SELECT {', '.join(measure_cols)} FROM analytics_measurefact "
            f"WHERE unit_path LIKE {like(prefix)} AND kind IN ({_kinds()})) m"
        )
    if home_cols or cohort_cols:
        parts.append(
            f"(SELECT {', '.join(home_cols + cohort_cols)} FROM analytics_measurefact "
            f"WHERE home_path LIKE {like(prefix)}) h"
        )
    if tally_cols:
        parts.append(
            f"(SELECT {', '.join(tally_cols)} FROM analytics_monthlytally "
            f"WHERE unit_path LIKE {like(prefix)}) t"
        )
    return "SELECT * FROM " + " CROSS JOIN ".join(parts)


def run_trend(cursor, sql: str, n_periods: int) -> dict[str, list[int]]:
    cursor.execute(sql)
    names = [c.name for c in cursor.description]
    row = cursor.fetchone()
    out: dict[str, list[int]] = {}
    for name, value in zip(names, row, strict=True):
        code, n = name.rsplit("__", 1)
        out.setdefault(code, [0] * n_periods)[int(n)] = int(value or 0)
    return out


# --- the persons behind a figure, and the cohort rows --------------------------------------------


def existing_persons_sql(
    prefix: str, as_of: date, limit: int, *, current: bool = False
) -> tuple[str, str]:
    """(count, first page) of the existing drug users of a subtree, ordered by name; with
    `current`, each with the kind and status of their latest measure (as the list shows)."""
    where = (
        f"f.unit_path LIKE {like(prefix)} AND f.registered_on <= {d(as_of)} AND "
        f"(f.control_exit_on IS NULL OR f.control_exit_on > {d(as_of)}) AND "
        f"(f.died_on IS NULL OR f.died_on > {d(as_of)}) AND "
        f"(f.departed_on IS NULL OR f.departed_on > {d(as_of)})"
    )
    count = f"SELECT count(*) FROM analytics_personfact f WHERE {where}"
    columns = "p.id, p.name, p.gender, p.birth_date, u.name"
    latest = ""
    if current:
        columns += ", cm.kind, cm.status"
        latest = (
            "LEFT JOIN LATERAL (SELECT kind, status FROM measures_measure m "
            "WHERE m.person_id = p.id ORDER BY m.decided_on DESC, m.id DESC LIMIT 1) cm ON TRUE "
        )
    page = (
        f"SELECT {columns} FROM people_person p "
        "JOIN analytics_personfact f ON f.person_id = p.id "
        "JOIN orgs_orgunit u ON u.id = p.managing_unit_id "
        f"{latest}WHERE {where} ORDER BY p.name, p.birth_date, p.id LIMIT {limit}"
    )
    return count, page


def cohort_rows_sql(prefix: str, start: date, as_of: date) -> str:
    return (
        "SELECT home_path, person_id, kind, ended_on, relapse_on, censored_on "
        f"FROM analytics_measurefact WHERE released AND home_path LIKE {like(prefix)} "
        f"AND ended_on BETWEEN {d(start)} AND {d(as_of)}"
    )
