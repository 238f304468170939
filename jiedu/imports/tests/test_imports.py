"""Importing persons and measures from xlsx and CSV: a bad file changes nothing and reports every
bad cell; a good file goes through the services (change log, timeline, community case); the same
file again changes nothing; an overlapping file adds only what is new; scope is enforced."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from jiedu.community.choices import CaseState
from jiedu.community.models import CommunityCase
from jiedu.core.models import ChangeLogEntry
from jiedu.imports import services
from jiedu.imports.columns import HEADERS
from jiedu.imports.models import BatchStatus, ImportBatch
from jiedu.measures.choices import MeasureKind
from jiedu.measures.models import Measure
from jiedu.people.models import DrugUse, Person, PersonEvent
from jiedu.testing.cast import make_person
from jiedu.utilities import resident_id

pytestmark = pytest.mark.django_db

D = date.fromisoformat
ZHANG_ID = resident_id.build("990102", D("1990-05-17"), 11)
LI_ID = resident_id.build("990102", D("1985-02-03"), 12)
WANG_ID = resident_id.build("990102", D("1979-11-30"), 13)
ZHAO_ID = resident_id.build("990102", D("1995-07-08"), 15)


# --- Building files -----------------------------------------------------------------------------


def person_row(name, gender, birth, id_number, unit="990102001", **more) -> dict:
    return {
        "姓名": name,
        "性别": gender,
        "出生日期": birth,
        "证件号码": id_number,
        "管理单位代码": unit,
        **more,
    }


def community_measure(number, *, kind="社区戒毒", day="2024-03-01", **more) -> dict:
    return {
        "措施种类": kind,
        "决定机关代码": "990102-GA",
        "决定书文号": number,
        "决定日期": day,
        "送达日期": day,
        "执行单位代码": "990102001",
        **more,
    }


def zhang():
    return person_row(
        "张三",
        "男",
        "1990-05-17",
        ZHANG_ID,
        毒品种类="海洛因",
        **community_measure("江公社戒决字〔2024〕1号"),
    )


def li():
    return person_row("李梅", "女", "1985-02-03", LI_ID, "990102", 联系电话="13800000001")


def wang():
    return person_row(
        "王五",
        "男",
        "1979-11-30",
        WANG_ID,
        **community_measure("江公社康决字〔2024〕2号", kind="社区康复", **{"期限（月）": 36}),
    )


def zhao():
    return person_row(
        "赵六", "男", "1995-07-08", ZHAO_ID, **community_measure("江公社戒决字〔2024〕9号")
    )


def xlsx(rows: list[dict], headers=HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_file(rows: list[dict], encoding="utf-8-sig", headers=HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    return out.getvalue().encode(encoding)


def table_counts(*, skip=("imports.ImportBatch",)) -> dict[str, int]:
    """Rows in every table of the project (what "changes nothing" is checked against)."""
    return {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy and m._meta.label not in skip
    }


def errors_of(report) -> set[tuple]:
    return {(e.row, e.column, e.value, e.message) for e in report.errors}


# --- A good file --------------------------------------------------------------------------------


def test_a_good_xlsx_file_creates_persons_measures_and_community_cases(cast):
    report = services.run_import(xlsx([zhang(), li(), wang()]), "名单.xlsx", actor=cast.police)
    assert report.status == services.APPLIED, report.errors
    assert (report.rows, report.persons_created, report.measures_created) == (3, 3, 2)
    assert report.drug_uses_added == 1
    person = Person.objects.get(name="张三")
    assert person.id_number == ZHANG_ID and person.managing_unit == cast.township_a
    assert DrugUse.objects.get(person=person).drug_type.code == "heroin"
    assert list(Person.objects.get(name="李梅").phones.values_list("number", flat=True)) == [
        "13800000001"
    ]
    measure = Measure.objects.get(person=person)
    assert measure.kind == MeasureKind.COMMUNITY_DRUG_REHAB
    assert measure.deciding_organ == cast.deciding_organ
    rehab = Measure.objects.get(person__name="王五")
    assert rehab.term_months == 36
    # The community case opens from the measure as for manual entry (measure_changed signal).
    cases = CommunityCase.objects.filter(person__name__in=["张三", "王五"])
    assert {c.state for c in cases} == {CaseState.AWAITING_REPORT} and cases.count() == 2
    # Change log and timeline rows, by the importing user.
    logged = ChangeLogEntry.objects.filter(object_type="people.person", action="create")
    assert set(logged.values_list("username", flat=True)) == {"police"}
    assert logged.count() == 3
    assert ChangeLogEntry.objects.filter(object_type="measures.measure").count() == 2
    codes = set(PersonEvent.objects.filter(person=person).values_list("code", flat=True))
    assert {"people.person.created", "measures.measure.decided"} <= codes
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.APPLIED and batch.unit == cast.county_a
    assert (batch.persons_created, batch.measures_created, batch.actor) == (3, 2, cast.police)
    assert batch.filename == "名单.xlsx" and len(batch.sha256) == 64


def test_importing_the_same_file_again_changes_nothing(cast):
    content = xlsx([zhang(), li(), wang()])
    services.run_import(content, "a.xlsx", actor=cast.police)
    before = table_counts(skip=())
    report = services.run_import(content, "a-again.xlsx", actor=cast.police)
    assert report.status == services.DUPLICATE
    assert table_counts(skip=()) == before


def test_the_same_rows_in_another_file_are_matched_not_created(cast):
    services.run_import(xlsx([zhang(), li(), wang()]), "a.xlsx", actor=cast.police)
    before = table_counts()
    report = services.run_import(csv_file([zhang(), li(), wang()]), "a.csv", actor=cast.police)
    assert report.status == services.APPLIED, report.errors
    assert (report.persons_created, report.persons_matched) == (0, 3)
    assert (report.measures_created, report.measures_matched) == (0, 2)
    assert report.unchanged_rows == 3 and report.drug_uses_added == 0
    assert table_counts() == before


def test_an_overlapping_file_imports_only_the_new_rows(cast):
    services.run_import(xlsx([zhang(), li()]), "first.xlsx", actor=cast.police)
    report = services.run_import(xlsx([zhang(), zhao()]), "second.xlsx", actor=cast.police)
    assert report.status == services.APPLIED, report.errors
    assert (report.persons_created, report.persons_matched) == (1, 1)
    assert (report.measures_created, report.measures_matched) == (1, 1)
    assert report.unchanged_rows == 1
    assert Person.objects.filter(name="张三").count() == 1
    assert Measure.objects.filter(person__name="张三").count() == 1
    assert CommunityCase.objects.filter(person__name="赵六").exists()


def test_a_person_already_on_file_gets_the_new_measure(cast):
    person = make_person(
        cast.worker_a, cast.township_a, "张三", D("1990-05-17"), id_number=ZHANG_ID
    )
    report = services.run_import(xlsx([zhang()]), "a.xlsx", actor=cast.police)
    assert (report.persons_created, report.persons_matched, report.measures_created) == (0, 1, 1)
    assert Measure.objects.get().person == person
    assert DrugUse.objects.get().person == person


def test_a_dry_run_counts_and_changes_nothing(cast):
    before = table_counts(skip=())
    report = services.run_import(xlsx([zhang(), li()]), "a.xlsx", actor=cast.police, dry_run=True)
    assert report.status == services.CHECKED
    assert (report.persons_created, report.measures_created) == (2, 1)
    assert table_counts(skip=()) == before


# --- A bad file ---------------------------------------------------------------------------------


def test_a_file_with_bad_rows_changes_nothing_and_reports_every_bad_cell(cast):
    bad_check = ZHANG_ID[:-1] + ("0" if ZHANG_ID[-1] != "0" else "1")
    expected_check = resident_id.check_char(ZHANG_ID[:17])
    rows = [
        zhang(),  # row 2: good, yet not applied
        person_row("错校验", "男", "1990-05-17", bad_check),  # 3
        person_row("错生日", "男", "1990-05-18", resident_id.build("990102", D("1990-05-17"), 21)),
        person_row("错性别", "女", "1990-05-17", resident_id.build("990102", D("1990-05-17"), 23)),
        person_row(
            "错单位",
            "男",
            "1991-01-01",
            resident_id.build("990102", D("1991-01-01"), 1),
            "999999999",
        ),
        person_row(
            "错措施",
            "男",
            "1991-01-02",
            resident_id.build("990102", D("1991-01-02"), 1),
            **community_measure("甲1", kind="劳教"),
        ),
        person_row(
            "错日期",
            "男",
            "1991-01-03",
            resident_id.build("990102", D("1991-01-03"), 1),
            **community_measure("甲2", day="2024-02-30"),
        ),
        person_row("重复", "男", "1990-05-17", ZHANG_ID),  # 9: same ID as row 2
        person_row(
            "错期限",
            "男",
            "1991-01-04",
            resident_id.build("990102", D("1991-01-04"), 1),
            **community_measure("甲3", kind="社区康复", **{"期限（月）": 48}),
        ),
        person_row(
            "错执行",
            "男",
            "1991-01-05",
            resident_id.build("990102", D("1991-01-05"), 1),
            **{**community_measure("甲4"), "执行单位代码": "990000-SF01"},
        ),
        person_row(
            "外区", "男", "1991-01-06", resident_id.build("990103", D("1991-01-06"), 1), "990103001"
        ),
        person_row("坏格式", "男", "昨天", resident_id.build("990102", D("1991-01-07"), 1)),
    ]
    before = table_counts()
    report = services.run_import(xlsx(rows), "bad.xlsx", actor=cast.police)
    assert report.status == services.REJECTED
    assert errors_of(report) == {
        (
            3,
            "证件号码",
            bad_check,
            f"身份证号码校验位错误（最后一位应为{expected_check}），请核对是否录入有误。",
        ),
        (
            4,
            "出生日期",
            "1990-05-18",
            "出生日期与身份证号码不符：身份证号码中的出生日期为 1990-05-17。",
        ),
        (5, "性别", "女", "性别与身份证号码不符：第17位为奇数，应为男。"),
        (6, "管理单位代码", "999999999", "找不到代码为 999999999 的单位。"),
        (
            7,
            "措施种类",
            "劳教",
            "“劳教”不是可选的值。可选：社区戒毒、强制隔离戒毒、社区康复、自愿戒毒。",
        ),
        (8, "决定日期", "2024-02-30", "不是有效的日期。"),
        (8, "送达日期", "2024-02-30", "不是有效的日期。"),
        (9, "证件号码", ZHANG_ID, "与第 2 行的证件号码重复。"),
        (10, "期限（月）", "48", "社区康复期限应为1至36个月（禁毒法第四十八条：不超过三年）。"),
        (
            11,
            "执行单位代码",
            "990000-SF01",
            "该措施的执行单位应为：乡镇（街道）、乡镇（街道）禁毒办。",
        ),
        (12, "管理单位代码", "990103001", "您无权向该单位导入（不在您的管辖范围内）。"),
        (13, "出生日期", "昨天", "日期格式不正确，应为 2024-03-01。"),
    }
    assert table_counts() == before
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.REJECTED and batch.error_count == 12
    assert batch.persons_created == 0


def test_missing_and_unknown_headers_are_reported_on_row_1(cast):
    headers = [h for h in HEADERS if h != "性别"] + ["备注栏"]
    report = services.run_import(xlsx([zhang()], headers=headers), "a.xlsx", actor=cast.police)
    assert errors_of(report) == {
        (1, "备注栏", "备注栏", "未知的列名；请使用导入模板的列名。"),
        (1, "性别", "", "缺少必填的列“性别”。"),
    }


def test_required_cells_and_a_measure_without_its_kind_are_reported(cast):
    row = {**person_row("", "男", "1990-05-17", ZHANG_ID), "决定书文号": "甲5"}
    report = services.run_import(xlsx([row]), "a.xlsx", actor=cast.police)
    assert errors_of(report) == {
        (2, "姓名", "", "此列必须填写。"),
        (2, "措施种类", "", "已填写措施信息，请填写措施种类；不登记措施时请清空其后各列。"),
    }


def test_an_id_number_excel_turned_into_a_number_is_refused(cast):
    row = person_row("张三", "男", "1990-05-17", 1.10105199005170e17)
    report = services.run_import(xlsx([row]), "a.xlsx", actor=cast.police)
    [error] = report.errors
    assert (error.row, error.column) == (2, "证件号码")
    assert "文本格式" in error.message


def test_an_existing_file_under_another_name_is_not_matched_silently(cast):
    make_person(cast.worker_a, cast.township_a, "张山", D("1990-05-17"), id_number=ZHANG_ID)
    report = services.run_import(xlsx([zhang()]), "a.xlsx", actor=cast.police)
    assert errors_of(report) == {
        (2, "姓名", "张三", "该证件号码的档案姓名为“张山”，与本行不符；请核对证件号码。")
    }


def test_the_messages_follow_the_users_language(cast):
    row = person_row("错生日", "男", "1990-05-18", ZHANG_ID)
    with translation.override("en"):
        report = services.run_import(xlsx([row]), "a.xlsx", actor=cast.police)
    [error] = report.errors
    assert error.column == "出生日期"  # the file's header, as the user sees it in the file
    assert error.message.isascii() and "1990-05-17" in error.message


# --- Scope --------------------------------------------------------------------------------------


def test_users_without_the_import_permission_cannot_import(cast, client):
    with pytest.raises(PermissionDenied):
        services.run_import(xlsx([zhang()]), "a.xlsx", actor=cast.outsider)
    client.force_login(cast.outsider)
    assert client.get(reverse("imports:upload")).status_code == 404
    assert client.get(reverse("imports:template_xlsx")).status_code == 404


def test_a_file_already_in_another_scope_is_refused_at_the_id_number(cast):
    make_person(cast.outsider, cast.township_b, "张三", D("1990-05-17"), id_number=ZHANG_ID)
    report = services.run_import(xlsx([zhang()]), "a.xlsx", actor=cast.police)
    assert errors_of(report) == {
        (
            2,
            "证件号码",
            ZHANG_ID,
            "该证件号码已有档案（一人一档），但不在您的管辖范围内；请联系管理该档案的单位。",
        )
    }


def test_measures_need_the_permission_to_decide(cast):
    """The city supervisor may import persons, but decides no measures (decide_measure)."""
    report = services.run_import(xlsx([zhang(), li()]), "a.xlsx", actor=cast.supervisor)
    assert errors_of(report) == {
        (2, "决定机关代码", "990102-GA", "您无权以该机关名义作出戒毒措施决定。")
    }
    assert not Person.objects.exists()
    report = services.run_import(xlsx([li()]), "b.xlsx", actor=cast.supervisor)
    assert report.status == services.APPLIED


def test_another_users_batches_outside_scope_are_404(cast, client):
    report = services.run_import(xlsx([li()]), "a.xlsx", actor=cast.police)
    client.force_login(cast.supervisor)  # imports over the whole city, so sees it
    assert client.get(reverse("imports:batch_detail", args=[report.batch.pk])).status_code == 200
    other = ImportBatch.objects.create(
        sha256="0" * 64, file_format="csv", actor_name="x", unit=cast.county_b, status="applied"
    )
    client.force_login(cast.police)
    assert client.get(reverse("imports:batch_detail", args=[other.pk])).status_code == 404


# --- File formats -------------------------------------------------------------------------------


def test_a_utf8_csv_without_bom_imports(cast):
    report = services.run_import(csv_file([li()], encoding="utf-8"), "a.csv", actor=cast.police)
    assert report.status == services.APPLIED and not report.notices
    assert Person.objects.get().name == "李梅"


def test_a_gbk_csv_is_read_as_gbk_and_the_user_is_told(cast):
    content = csv_file([zhang(), li()], encoding="gbk")
    report = services.run_import(content, "名单.csv", actor=cast.police)
    assert report.status == services.APPLIED, report.errors
    assert report.encoding == "gb18030"
    assert any("GBK" in n for n in report.notices)
    assert set(Person.objects.values_list("name", flat=True)) == {"张三", "李梅"}


@pytest.mark.parametrize(
    ("content", "name", "fragment"),
    [
        (b"", "a.csv", "文件是空的"),
        (b"\xd0\xcf\x11\xe0rest", "a.xls", ".xls"),
        (b"PK\x03\x04broken", "a.xlsx", "无法作为 .xlsx 打开"),
        ("\ufeff姓名\r\n".encode("utf-16"), "a.csv", "UTF-16"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(cast, content, name, fragment):
    report = services.run_import(content, name, actor=cast.police)
    [error] = report.errors
    assert error.row == 0 and fragment in error.message


def test_the_downloaded_templates_have_the_headers_and_the_explanations(cast, client):
    client.force_login(cast.police)
    response = client.get(reverse("imports:template_xlsx"))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    data, notes = workbook.worksheets
    assert [c.value for c in data[1]] == HEADERS
    explained = {row[0]: row for row in notes.iter_rows(min_row=2, values_only=True) if row[0]}
    assert "社区戒毒" in explained["措施种类"][3]
    assert "海洛因" in explained["毒品种类"][3]
    csv_body = b"".join(client.get(reverse("imports:template_csv")).streaming_content)
    assert csv_body.startswith(b"\xef\xbb\xbf")
    assert csv_body.decode("utf-8-sig").strip().split(",") == HEADERS
    # The blank template reads cleanly: nothing to import, no header errors.
    report = services.run_import(csv_body, "template.csv", actor=cast.police)
    assert [e.message for e in report.errors] == ["文件中没有数据行。"]


# --- The pages ----------------------------------------------------------------------------------


def _upload(client, content: bytes, name: str, **extra):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(reverse("imports:upload"), {"file": upload, **extra})


def test_uploading_a_good_file_shows_the_counts_and_again_says_already_imported(cast, client):
    client.force_login(cast.police)
    assert client.get(reverse("imports:upload")).status_code == 200
    content = xlsx([zhang(), li()])
    response = _upload(client, content, "a.xlsx")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-count="persons_created">2<' in page
    assert 'data-count="measures_created">1<' in page
    again = _upload(client, content, "a.xlsx")
    assert again.status_code == 200
    assert "已导入过，未作任何更改" in again.content.decode()
    assert Person.objects.count() == 2


def test_uploading_a_bad_file_lists_each_bad_cell(cast, client):
    client.force_login(cast.police)
    rows = [zhang(), person_row("错单位", "男", "1991-01-01", LI_ID, "999999999")]
    response = _upload(client, xlsx(rows), "a.xlsx")
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-row="3"' in body and "找不到代码为 999999999 的单位。" in body
    assert not Person.objects.exists()


def test_a_checked_file_says_nothing_was_changed(cast, client):
    client.force_login(cast.police)
    response = _upload(client, xlsx([li()]), "a.xlsx", dry_run="on")
    assert response.status_code == 200
    assert 'data-status="checked"' in response.content.decode()
    assert not Person.objects.exists() and not ImportBatch.objects.exists()
