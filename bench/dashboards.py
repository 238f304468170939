"""Dashboards and indicators at scale: p50/p95 against a hand-written SQL reference, as ratios.

    .venv/bin/python -m bench.dashboards --persons 100000 [--period 2025 --repeat 30]

On the PostgreSQL bench database of that scale (bench/common.py: generate_synthetic, reused when
already generated), each measurement is timed `--repeat` times after two warm-up calls, in this
process, and set against a reference computed in the same run:

  indicators.table(unit)      one hand-written statement over the fact tables (bench/sql.py) that
                              gives the same figures (checked first, figure by figure)
  indicators.trend(5 years)   one hand-written statement with a FILTER per figure and year
  survival_curves             reading the same cohort rows with raw SQL (the rest is lifelines)
  persons behind a figure     the count and first page of names in raw SQL
  each dashboard page         GET through Django's test Client in this process (the whole view,
                              templates included, without a network hop or a WSGI server),
                              against the reference statement of the figures it shows

Ratios near 1 mean our code adds little over the query a person would write by hand.
"""

from __future__ import annotations

import argparse

from bench import common, sql

LEVELS = ("province", "city", "county", "township")
TREND_CODES = [
    "existing",
    "newly_found",
    "abstinent_3y",
    "execution_rate",
    "test_completion_rate",
    "abstinence_rate_1y",
    "abstinence_rate_3y",
]


def pick_units(province):
    """The province and, at each level below, the unit with most persons (the worst case)."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from jiedu.analytics.models import PersonFact
    from jiedu.orgs.models import OrgUnit

    units = [province]
    unit = province
    for _level in LEVELS[1:]:
        width = len(unit.path) + OrgUnit.steplen
        biggest = (
            PersonFact.objects.filter(unit_path__startswith=unit.path)
            .annotate(child=Substr("unit_path", 1, width))
            .values("child")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if biggest is None or len(biggest["child"]) != width:
            break
        unit = OrgUnit.objects.get(path=biggest["child"])
        units.append(unit)
    return units


def table_counts(table) -> dict[str, dict[str, int]]:
    out = {}
    for row in table.rows:
        key = row.unit.path if row.unit is not None else table.unit.path
        out[key] = dict(row.counts)
    return out


def compare(ours: dict, reference: dict) -> list[str]:
    """Figures that differ between indicators.table() and the SQL reference."""
    diffs = []
    for key in sorted(set(ours) | set(reference)):
        a, b = ours.get(key, {}), reference.get(key, {})
        for code in sorted(set(a) | set(b)):
            if a.get(code, 0) != b.get(code, 0):
                diffs.append(f"{key} {code}: table()={a.get(code, 0)} sql={b.get(code, 0)}")
    return diffs


def timed_pair(name, fn, ref, repeat, say) -> dict:
    ours, theirs = common.sample(fn, repeat), common.sample(ref, repeat)
    a, b = common.summary(ours), common.summary(theirs)
    out = {
        "ours": a,
        "reference": b,
        "ratio_p50": common.ratio(a["p50_ms"], b["p50_ms"]),
        "ratio_p95": common.ratio(a["p95_ms"], b["p95_ms"]),
    }
    say(
        f"  {name:<44} p50 {a['p50_ms']:8.1f} ms  p95 {a['p95_ms']:8.1f} ms   ref p50 "
        f"{b['p50_ms']:7.1f} ms  ratio p50 {out['ratio_p50']}×  p95 {out['ratio_p95']}×"
    )
    return out


def analyst(province):
    """A province-level statistics analyst (role bureau_analyst): a scoped user, as a leader's
    office would use the dashboards (a superuser would skip the scope filters)."""
    from jiedu.accounts.models import Membership, Role, User

    user = User.objects.filter(username="bench_analyst").first()
    if user is None:
        user = User.objects.create_user("bench_analyst", password=None, display_name="bench")
        Membership.objects.create(
            user=user, org_unit=province, role=Role.objects.get(code="bureau_analyst")
        )
    return user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--period", default="", help="YYYY; default: last year (complete)")
    args = parser.parse_args()

    common.create_database(args.persons)
    common.setup_django(common.db_url(args.persons))
    population = common.ensure_population(args.persons)

    from django.db import connection
    from django.test import Client

    from jiedu.analytics import indicators
    from jiedu.analytics.models import MeasureFact, MonthlyTally, PersonFact
    from jiedu.analytics.periods import parse_period
    from jiedu.core import clock
    from jiedu.orgs.models import OrgUnit
    from jiedu.people.models import Person

    today = clock.today()
    period = parse_period(args.period or str(today.year - 1))
    province = OrgUnit.objects.get(code=common.PROVINCE_CODE)
    units = pick_units(province)
    say = print
    say(
        f"{Person.objects.count():,} persons, {PersonFact.objects.count():,} person facts, "
        f"{MeasureFact.objects.count():,} measure facts, {MonthlyTally.objects.count():,} "
        f"tallies; period {period.code}; load {common.load()}"
    )
    result = {
        "machine": common.machine(),
        "population": {
            **population,
            "persons": Person.objects.count(),
            "person_facts": PersonFact.objects.count(),
            "measure_facts": MeasureFact.objects.count(),
            "monthly_tallies": MonthlyTally.objects.count(),
            "units": OrgUnit.objects.filter(path__startswith=province.path).count(),
        },
        "period": period.code,
        "repeat": args.repeat,
        "load_at_start": common.load(),
        "how": "in-process: functions called and pages fetched with django.test.Client in the "
        "benchmark's own process (no WSGI server, no network); references are raw SQL "
        "through connection.cursor() in the same process, same connection",
    }

    # 1. The reference gives the same figures as indicators.table() (else a ratio means nothing).
    checks = {}
    with connection.cursor() as cursor:
        for unit in units:
            ref = sql.run_table(
                cursor,
                sql.table_sql(
                    unit.path,
                    unit.depth,
                    OrgUnit.steplen,
                    period.start,
                    period.end,
                    period.as_of,
                    today,
                ),
            )
            diffs = compare(table_counts(indicators.table(unit, period)), ref)
            checks[unit.kind] = {"unit": unit.code, "differences": diffs[:20], "equal": not diffs}
            same = "yes" if not diffs else diffs[:5]
            say(f"table({unit.kind} {unit.code}) = SQL reference: {same}")
    result["reference_check"] = checks

    # 2. Timings.
    timings = {}
    say("timings (ours vs hand-written SQL):")
    for unit in units:
        statement = sql.table_sql(
            unit.path, unit.depth, OrgUnit.steplen, period.start, period.end, period.as_of, today
        )

        def ref_table(statement=statement):
            with connection.cursor() as cursor:
                sql.run_table(cursor, statement)

        timings[f"table_{unit.kind}"] = timed_pair(
            f"indicators.table({unit.kind})",
            lambda unit=unit: indicators.table(unit, period),
            ref_table,
            args.repeat,
            say,
        )

    periods = period.previous_years(5)
    wanted = set()
    for code in TREND_CODES:
        rate = indicators.RATES.get(code)
        wanted |= {rate.numerator, rate.denominator} if rate else {code}
    trend_statement = sql.trend_sql(province.path, wanted, periods, today)

    def ref_trend():
        with connection.cursor() as cursor:
            sql.run_trend(cursor, trend_statement, len(periods))

    with connection.cursor() as cursor:
        ref_values = sql.run_trend(cursor, trend_statement, len(periods))
    ours_values = indicators.trend(province, sorted(wanted), periods)
    trend_diffs = [
        f"{code}: trend()={ours_values[code]} sql={ref_values.get(code)}"
        for code in sorted(wanted)
        if ours_values[code] != ref_values.get(code)
    ]
    result["reference_check"]["trend"] = {"differences": trend_diffs, "equal": not trend_diffs}
    say(f"trend = SQL reference: {'yes' if not trend_diffs else trend_diffs[:3]}")
    timings["trend_province_5y"] = timed_pair(
        "indicators.trend(province, 7 figures, 5 years)",
        lambda: indicators.trend(province, TREND_CODES, periods),
        ref_trend,
        args.repeat,
        say,
    )

    cohort_statement = sql.cohort_rows_sql(province.path, period.start, period.as_of)

    def ref_cohort():
        with connection.cursor() as cursor:
            cursor.execute(cohort_statement)
            cursor.fetchall()

    timings["survival_curves_province"] = timed_pair(
        "survival_curves(province) vs its rows",
        lambda: indicators.survival_curves(province.path, period),
        ref_cohort,
        args.repeat,
        say,
    )

    user = analyst(province)
    count_sql, page_sql = sql.existing_persons_sql(province.path, period.as_of, 50)

    def ours_persons():
        user._jiedu_grants = None  # a new request: grants are read again
        ids = indicators.person_ids("existing", province.path, period)
        qs = Person.objects.restrict(user, "view").filter(pk__in=ids)
        qs.count()
        list(
            qs.select_related("managing_unit")
            .order_by("name", "birth_date", "pk")
            .values("pk", "name", "gender", "birth_date", "managing_unit__name")[:50]
        )

    def ref_persons():
        with connection.cursor() as cursor:
            cursor.execute(count_sql)
            cursor.fetchone()
            cursor.execute(page_sql)
            cursor.fetchall()

    timings["persons_existing_province"] = timed_pair(
        "existing users (analyst): count + 50 names",
        ours_persons,
        ref_persons,
        args.repeat,
        say,
    )

    # 3. The dashboard pages (when the analytics app serves them), for a scoped analyst.
    from django.urls import NoReverseMatch, reverse

    from jiedu.orgs.choices import UnitKind

    client = Client(raise_request_exception=False)  # a broken page is reported, not fatal
    client.force_login(user)
    by_kind = {u.kind: u for u in units}
    facility = (
        OrgUnit.objects.filter(
            path__startswith=province.path,
            kind__in=[UnitKind.JUDICIAL_FACILITY, UnitKind.POLICE_FACILITY],
        )
        .order_by("path")
        .first()
    )
    trend_codes = ["existing", "newly_found", "abstinent_3y"]  # the leader's trend chart
    trend_periods = period.previous_years(5)

    def statements(unit, *parts):
        """The hand-written statements behind a page's figures."""
        out = []
        if "table" in parts:
            out.append(
                sql.table_sql(
                    unit.path,
                    unit.depth,
                    OrgUnit.steplen,
                    period.start,
                    period.end,
                    period.as_of,
                    today,
                )
            )
        if "trend" in parts:
            out.append(sql.trend_sql(unit.path, set(trend_codes), trend_periods, today))
        if "cohort" in parts:
            out.append(sql.cohort_rows_sql(unit.path, period.start, period.as_of))
        if "persons" in parts:
            out.extend(sql.existing_persons_sql(unit.path, period.as_of, 50, current=True))
        return out

    q = f"?period={period.code}"
    pages = [
        ("leader", "dashboard", by_kind.get("province"), q, ("table", "trend", "cohort")),
        ("leader", "dashboard", by_kind.get("city"), q, ("table", "trend", "cohort")),
        ("leader", "dashboard", by_kind.get("county"), q, ("table", "trend", "cohort")),
        ("township", "dashboard", by_kind.get("township"), q, ("table", "trend")),
        ("facility", "dashboard", facility, q, ()),
        ("wall", "wall", by_kind.get("province"), q, ("table", "trend", "cohort")),
        (
            "persons (existing)",
            "persons",
            by_kind.get("province"),
            q + "&indicator=existing",
            ("persons",),
        ),
        (
            "persons (existing)",
            "persons",
            by_kind.get("township"),
            q + "&indicator=existing",
            ("persons",),
        ),
        ("export xlsx", "export", by_kind.get("province"), q, ("table",)),
    ]
    measured = 0
    for label, name, unit, query, parts in pages:
        if unit is None:
            continue
        try:
            url = reverse(f"analytics:{name}", args=[unit.code]) + query
        except NoReverseMatch:
            continue
        key = f"page {label} ({unit.kind} {unit.code})"
        response = client.get(url)
        if response.status_code != 200:
            say(f"  {key}: {url} answered {response.status_code}; skipped")
            timings[key] = {"url": url, "status": response.status_code}
            continue
        measured += 1

        def get(url=url):
            user._jiedu_grants = None  # a new request: grants are read again
            client.get(url)

        if parts:
            refs = statements(unit, *parts)

            def ref_page(refs=refs):
                with connection.cursor() as cursor:
                    for statement in refs:
                        cursor.execute(statement)
                        cursor.fetchall()

            entry = timed_pair(key, get, ref_page, args.repeat, say)
            entry["reference"]["what"] = "hand-written SQL of its figures: " + ", ".join(parts)
        else:
            entry = {"ours": common.summary(common.sample(get, args.repeat))}
            entry["reference"] = "none written (facility loads, zones, evaluations by month)"
            a = entry["ours"]
            say(f"  {key:<44} p50 {a['p50_ms']:8.1f} ms  p95 {a['p95_ms']:8.1f} ms   no reference")
        entry["url"] = url
        timings[key] = entry
    result["pages_measured"] = measured
    if not measured:
        say("no dashboard pages yet (jiedu/analytics/urls.py has none): pages not measured")

    result["timings"] = timings
    result["load_at_end"] = common.load()
    path = common.write_result("dashboards", args.persons, result)
    say(f"written {path.relative_to(common.ROOT)}")
    bad = [k for k, v in result["reference_check"].items() if not v["equal"]]
    if bad:  # recorded in the result and shown by bench.report; the other benchmarks go on
        say(f"WARNING: the SQL reference disagrees with our figures for {bad}")


if __name__ == "__main__":
    main()
