"""The export writer (core.export) and the lists that use it: persons, measures, a township's
community cases. Every export is a real file read back with openpyxl or csv, holds only rows in
the user's scope, writes one access-log row, and costs the same queries for 2 rows as for 6."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedu.core import export
from jiedu.core.export import Column
from jiedu.core.models import AccessLogEntry
from jiedu.measures import services as measures
from jiedu.measures.choices import MeasureKind
from jiedu.orgs.choices import UnitKind
from jiedu.orgs.services import ensure_unit
from jiedu.testing.cast import make_person, make_user
from jiedu.utilities import resident_id

pytestmark = pytest.mark.django_db

D = date.fromisoformat


class Row:
    def __init__(self, name, born, unit=None):
        self.name = name
        self.born = born
        self.unit = unit


COLUMNS = [
    Column("姓名", "name"),
    Column("出生日期", "born"),
    Column("单位", "unit.name"),
    Column("成年", lambda r: r.born < date(2006, 1, 1)),
]


def read_xlsx(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def body(response) -> bytes:
    """The file, whether it came in memory or streamed from disk."""
    return response.getvalue()


# --- The writer ---------------------------------------------------------------------------------


def test_an_xlsx_export_keeps_dates_as_dates_and_formulas_as_text():
    unit = Row("花桥街道", None)
    rows = [Row("张三", date(1990, 5, 17), unit), Row("=HYPERLINK(1)", date(2010, 1, 2))]
    out = io.BytesIO()
    assert export.write_table(out, rows, COLUMNS, fmt="xlsx") == 2
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert [c.value for c in sheet[1]] == ["姓名", "出生日期", "单位", "成年"]
    assert [c.value for c in sheet[2]][::2] == ["张三", "花桥街道"]
    assert sheet["B2"].value.date() == date(1990, 5, 17) and sheet["B2"].is_date
    assert sheet["D2"].value == "是"
    assert sheet["A3"].value == "=HYPERLINK(1)" and sheet["A3"].data_type == "s"
    assert sheet["C3"].value is None and sheet["D3"].value == "否"


def test_a_csv_export_has_a_bom_and_escapes_formulas():
    rows = [{"name": "+cmd", "born": date(1990, 5, 17), "unit": {"name": "花桥"}}]
    columns = [Column("姓名", "name"), Column("出生日期", "born"), Column("单位", "unit.name")]
    out = io.BytesIO()
    export.write_table(out, rows, columns, fmt="csv")
    assert out.getvalue().startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert lines == [["姓名", "出生日期", "单位"], ["'+cmd", "1990-05-17", "花桥"]]


def test_a_long_export_stops_at_the_limit_and_says_so():
    rows = ({"n": i} for i in range(5))
    out = io.BytesIO()
    assert export.write_table(out, rows, [Column("n", "n")], fmt="xlsx", max_rows=3) == 3
    values = read_xlsx(out.getvalue())
    assert values[1:4] == [(0,), (1,), (2,)]
    assert "3" in values[4][0] and len(values) == 5


def test_export_response_logs_the_rows_and_the_filter(cast):
    request = RequestFactory().get("/")
    request.user = cast.supervisor
    with time_machine.travel(date(2024, 6, 1), tick=False):
        response = export.export_response(
            request, [{"n": 1}, {"n": 2}], [Column("n", "n")], name="指标", query="unit=990102"
        )
    assert "filename*=utf-8''%E6%8C%87%E6%A0%87-20240601.xlsx" in response["Content-Disposition"]
    assert read_xlsx(body(response))[1:] == [(1,), (2,)]
    log = AccessLogEntry.objects.get()
    assert (log.action, log.result_count, log.query) == ("export", 2, "unit=990102")
    assert log.user_id == cast.supervisor.pk


def test_an_export_larger_than_memory_is_streamed_from_disk(cast, monkeypatch):
    monkeypatch.setattr(export, "SPOOL_BYTES", 64)
    request = RequestFactory().get("/")
    request.user = cast.supervisor
    rows = [{"n": f"第{i}行"} for i in range(50)]
    response = export.export_response(request, rows, [Column("n", "n")], name="x", fmt="csv")
    assert response.streaming
    lines = body(response).decode("utf-8-sig").splitlines()
    assert len(lines) == 51 and lines[-1] == "第49行"


_seq = iter(range(101, 999, 2))


def decide(cast, person, *, organ, unit, actor, number, kind=MeasureKind.COMMUNITY_DRUG_REHAB):
    return measures.decide_measure(
        measures.MeasureInput(
            person=person,
            kind=kind,
            decided_on=D("2024-03-01"),
            served_on=D("2024-03-01"),
            executing_unit=unit,
            deciding_organ=organ,
            decision_number=number,
        ),
        actor=actor,
    )


BORN = date(1990, 5, 17)


def person_in(cast, unit, actor, name, born=BORN):
    """A person with an ID number of its own (the cast's shared counter is left alone)."""
    number = resident_id.build(unit.division_code or "990102", born, next(_seq))
    return make_person(actor, unit, name, born, id_number=number)


# --- The person list ----------------------------------------------------------------------------


@pytest.fixture
def county_a_supervisor(cast):
    """A township supervisor of county A only: may export there, not in county B."""
    return make_user("supervisor_a", cast.county_a, "township_supervisor", "甲区督导")


def test_the_person_list_exports_xlsx_in_scope_masked_and_logged(cast, client, county_a_supervisor):
    a = person_in(cast, cast.township_a, cast.worker_a, "张三丰")
    person_in(cast, cast.township_b, cast.outsider, "张三丰", born=D("1980-01-01"))
    client.force_login(county_a_supervisor)
    page = client.get(reverse("people:person_list"), {"q": "zsf"}).content.decode()
    assert reverse("people:person_export_xlsx") + "?q=zsf" in page
    response = client.get(reverse("people:person_export_xlsx"), {"q": "zsf"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(body(response))
    assert rows[0][:3] == ("档案编号", "姓名", "性别")
    assert [r[0] for r in rows[1:]] == [str(a.uuid)]
    assert a.id_number_masked in rows[1] and a.id_number not in rows[1]
    log = AccessLogEntry.objects.get(action="export")
    assert (log.result_count, log.query) == (1, "zsf")


def test_person_export_queries_do_not_grow_with_the_rows(cast, client):
    client.force_login(cast.supervisor)
    url = reverse("people:person_export_xlsx")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            body(client.get(url))
        return len(ctx)

    for i in range(2):
        person_in(cast, cast.township_a, cast.worker_a, f"甲{i}")
    few = queries()
    for i in range(4):
        person_in(cast, cast.township_b, cast.outsider, f"乙{i}")
    assert queries() == few


# --- The measure list ---------------------------------------------------------------------------


@pytest.fixture
def county_b_measure(cast):
    """A measure of county B: its person, township and deciding organ are all outside A."""
    organ_b = ensure_unit(
        parent=cast.county_b,
        code="990103-GA",
        name="湖滨区公安分局",
        kind=UnitKind.DECIDING_AUTHORITY,
    )
    police_b = make_user("police_b", cast.county_b, "deciding_officer")
    person = person_in(cast, cast.township_b, cast.outsider, "乙某")
    return decide(
        cast, person, organ=organ_b, unit=cast.township_b, actor=police_b, number="湖公社戒1号"
    )


def test_the_measure_list_shows_and_exports_only_measures_in_scope(
    cast, client, county_a_supervisor, county_b_measure
):
    mine = decide(
        cast,
        person_in(cast, cast.township_a, cast.worker_a, "甲某"),
        organ=cast.deciding_organ,
        unit=cast.township_a,
        actor=cast.police,
        number="江公社戒1号",
    )
    client.force_login(county_a_supervisor)
    page = client.get(reverse("measures:measure_list"), {"kind": "community_drug_rehab"})
    assert page.status_code == 200
    assert [m.pk for m in page.context["page"]] == [mine.pk]
    assert "export-xlsx" in page.content.decode()
    response = client.get(reverse("measures:measure_export"), {"kind": "community_drug_rehab"})
    rows = read_xlsx(body(response))
    assert rows[0][:3] == ("姓名", "证件号码", "措施")
    assert [(r[0], r[5]) for r in rows[1:]] == [("甲某", "江公社戒1号")]
    log = AccessLogEntry.objects.get(action="export")
    assert log.result_count == 1 and "kind=community_drug_rehab" in log.query
    # A filter that matches nothing exports the header only.
    empty = client.get(reverse("measures:measure_export"), {"kind": "voluntary"})
    assert len(read_xlsx(body(empty))) == 1


def test_the_measure_export_needs_the_export_permission(cast, client):
    client.force_login(cast.police)  # sees measures, may not export people's data
    assert client.get(reverse("measures:measure_list")).status_code == 200
    assert client.get(reverse("measures:measure_export")).status_code == 404
    client.force_login(cast.outsider)
    assert client.get(reverse("measures:measure_export_csv")).status_code == 404


def test_measure_export_queries_do_not_grow_with_the_rows(cast, client):
    client.force_login(cast.supervisor)

    def add(n):
        for i in range(n):
            person = person_in(cast, cast.township_a, cast.worker_a, f"丙{i}")
            decide(
                cast,
                person,
                organ=cast.deciding_organ,
                unit=cast.township_a,
                actor=cast.police,
                number=f"江公社戒{person.pk}号",
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            body(client.get(reverse("measures:measure_export")))
        return len(ctx)

    add(2)
    few = queries()
    add(4)
    assert queries() == few


# --- The township's community cases -------------------------------------------------------------


def test_the_case_list_exports_the_filtered_cases_in_scope(cast, client, county_a_supervisor):
    for name in ("甲一", "甲二"):
        decide(
            cast,
            person_in(cast, cast.township_a, cast.worker_a, name),
            organ=cast.deciding_organ,
            unit=cast.township_a,
            actor=cast.police,
            number=f"江公社戒{name}",
        )
    client.force_login(county_a_supervisor)
    url = reverse("community:case_export", args=[cast.township_a.code])
    page = client.get(reverse("community:case_list", args=[cast.township_a.code]), {"q": "甲一"})
    assert "export-xlsx" in page.content.decode()
    rows = read_xlsx(body(client.get(url, {"q": "甲一"})))
    assert rows[0][0] == "姓名" and [r[0] for r in rows[1:]] == ["甲一"]
    everyone = read_xlsx(body(client.get(url, {"state": "awaiting_report"})))
    assert sorted(r[0] for r in everyone[1:]) == ["甲一", "甲二"]
    logs = AccessLogEntry.objects.filter(action="export").order_by("id")
    assert [log.result_count for log in logs] == [1, 2]
    assert "state=awaiting_report" in logs[1].query
    csv_body = body(client.get(reverse("community:case_export_csv", args=["990102001"])))
    assert csv_body.decode("utf-8-sig").splitlines()[0].startswith("姓名,证件号码")


def test_the_case_export_of_another_township_is_404(cast, client):
    client.force_login(cast.outsider)
    url = reverse("community:case_export", args=[cast.township_a.code])
    assert client.get(url).status_code == 404
    client.force_login(cast.worker_a)  # sees the cases, may not export
    assert client.get(url).status_code == 404


def test_case_export_queries_do_not_grow_with_the_rows(cast, client):
    client.force_login(cast.supervisor)
    url = reverse("community:case_export", args=[cast.township_a.code])

    def add(n, prefix):
        for i in range(n):
            decide(
                cast,
                person_in(cast, cast.township_a, cast.worker_a, f"{prefix}{i}"),
                organ=cast.deciding_organ,
                unit=cast.township_a,
                actor=cast.police,
                number=f"江公社戒{prefix}{i}",
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            body(client.get(url))
        return len(ctx)

    add(2, "丁")
    few = queries()
    add(4, "戊")
    assert queries() == few
