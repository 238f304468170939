"""The measures, facility and work-list pages through the Django test client."""

from datetime import date

import pytest
import time_machine

from jiedu.facilities import services as facilities
from jiedu.facilities.choices import ZoneKind
from jiedu.facilities.models import Admission
from jiedu.measures import services
from jiedu.measures.choices import MeasureKind, MeasureStatus
from jiedu.testing.cast import PASSWORD, make_person

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 22)


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def decide(cast, person, kind, on, unit, number, **extra):
    return services.decide_measure(
        services.MeasureInput(
            person=person,
            kind=kind,
            decided_on=on,
            served_on=on,
            executing_unit=unit,
            deciding_organ=cast.deciding_organ,
            decision_number=number,
            **extra,
        ),
        actor=cast.police,
    )


@pytest.fixture
def scene(cast, today):
    bed = facilities.add_zone(
        cast.facility, kind=ZoneKind.DETOX, name="一区", beds=3, actor=cast.facility_leader
    ).beds.first()
    held = make_person(cast.worker_a, cast.township_a, "王强", date(1985, 1, 2))
    isolation = decide(
        cast, held, MeasureKind.COMPULSORY_ISOLATION, date(2025, 12, 10), cast.facility, "强1"
    )
    stay = facilities.admit_person(
        isolation,
        facility=cast.facility,
        data=facilities.IntakeInput(
            on=date(2025, 12, 11), identity_checked=True, searched_by=["甲", "乙"], bed=bed
        ),
        actor=cast.facility_officer,
    )
    waiting = make_person(cast.worker_a, cast.township_a, "赵六", date(1990, 6, 1))
    community = decide(
        cast, waiting, MeasureKind.COMMUNITY_DRUG_REHAB, date(2026, 11, 1), cast.township_a, "社1"
    )
    return {"stay": stay, "isolation": isolation, "community": community, "held": held}


def test_the_township_work_list_shows_an_overdue_report_as_refusal(client, cast, scene):
    page = login(client, cast.worker_a).get("/worklist/", {"unit": cast.township_a.code})
    assert page.status_code == 200
    html = page.content.decode()
    assert "逾期未报到（视为拒绝，应报告公安机关）" in html
    assert "赵六" in html
    assert "王强" not in html.split("section-report_overdue")[1].split("</section>")[0]


def test_the_facility_work_list_shows_the_one_year_evaluation_and_the_family_letter(
    client, cast, scene
):
    page = login(client, cast.facility_officer).get("/worklist/", {"unit": cast.facility.code})
    html = page.content.decode()
    one_year = html.split('id="section-one_year"')[1].split("</section>")[0]
    assert "王强" in one_year  # decided 2025-12-10: one year on 2026-12-10, within 30 days
    notices = html.split('id="section-notices"')[1].split("</section>")[0]
    assert "入所后书面通知家属" in notices and "逾期" in notices


def test_an_outsider_cannot_open_another_units_work_list(client, cast, scene):
    page = login(client, cast.outsider).get("/worklist/", {"unit": cast.township_a.code})
    assert page.status_code == 404


def test_a_worker_records_a_late_report_with_a_reason_on_the_measure_page(client, cast, scene):
    measure = scene["community"]
    c = login(client, cast.worker_a)
    url = f"/measures/{measure.pk}/report/"
    refused = c.post(url, {"report-on": "2026-11-22", "report-late_reason": ""})
    assert refused.status_code == 422
    assert "报到截止日为2026-11-16" in refused.content.decode()
    accepted = c.post(url, {"report-on": "2026-11-22", "report-late_reason": "住院治疗"})
    assert accepted.status_code == 302
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.IN_PROGRESS
    assert measure.term_end == date(2029, 11, 21)


def test_the_person_page_shows_every_clock_with_its_source(client, cast, scene):
    page = login(client, cast.worker_a).get(f"/people/{scene['held'].uuid}/")
    html = page.content.decode()
    assert 'data-clock="police_stage_limit"' in html
    assert "戒毒条例 Art. 27" in html
    assert "2027-12-09" in html  # term end


def test_the_facility_officer_sees_the_held_person_and_the_stay(client, cast, scene):
    c = login(client, cast.facility_officer)
    assert c.get(f"/people/{scene['held'].uuid}/").status_code == 200
    assert c.get(f"/facilities/stays/{scene['stay'].pk}/").status_code == 200
    assert c.get(f"/facilities/{cast.facility.code}/").status_code == 200
    assert c.get("/facilities/").status_code == 200


def test_release_with_community_rehab_prints_both_documents(client, cast, scene):
    person = make_person(cast.worker_a, cast.township_a, "孙八", date(1980, 8, 8))
    isolation = decide(
        cast, person, MeasureKind.COMPULSORY_ISOLATION, date(2024, 11, 1), cast.facility, "强3"
    )
    stay = facilities.admit_person(
        isolation,
        facility=cast.facility,
        data=facilities.IntakeInput(
            on=date(2024, 11, 2), identity_checked=True, searched_by=["甲", "乙"]
        ),
        actor=cast.facility_officer,
    )
    c = login(client, cast.facility_leader)
    early = c.post(
        f"/facilities/stays/{scene['stay'].pk}/release/",
        {
            "release-on": "2026-11-22",
            "release-early": "on",
            "release-certificate_number": "〔2026〕演强戒解字第8号",
        },
    )
    assert early.status_code == 422
    assert "执行未满一年" in early.content.decode()
    response = c.post(
        f"/facilities/stays/{stay.pk}/release/",
        {
            "release-on": "2026-11-22",
            "release-certificate_number": "〔2026〕演强戒解字第9号",
            "release-rehab_unit": cast.township_a.pk,
            "release-rehab_months": "36",
            "release-rehab_number": "江公社康字〔2026〕9号",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    stay.refresh_from_db()
    assert stay.left_on == TODAY
    pdf = c.get(f"/facilities/stays/{stay.pk}/certificate.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    rehab = isolation.following.get()
    order = login(client, cast.worker_a).get(f"/measures/{rehab.pk}/order.pdf")
    assert order.content.startswith(b"%PDF")


def test_a_refused_admission_shows_the_error_at_the_field(client, cast, scene):
    person = make_person(cast.worker_a, cast.township_a, "钱七", date(1992, 2, 2), "female")
    measure = decide(
        cast, person, MeasureKind.COMPULSORY_ISOLATION, date(2026, 11, 20), cast.facility, "强2"
    )
    response = login(client, cast.facility_officer).post(
        f"/facilities/admit/{measure.pk}/",
        {"on": "2026-11-22", "identity_checked": "on", "searcher_1": "甲", "searcher_2": "乙"},
    )
    assert response.status_code == 200
    assert "女性戒毒人员入所须进行妊娠检测" in response.content.decode()
    assert not Admission.objects.filter(measure=measure).exists()


def test_the_rules_page_adds_a_provincial_version(client, cast, today):
    c = login(client, cast.admin)
    assert c.get("/rules/").status_code == 200
    response = c.post(
        "/rules/",
        {
            "key": "community.report_in_days",
            "org_unit": cast.province.pk,
            "value": "2",
            "effective_from": "2026-12-01",
            "source": "演示省禁毒条例 第三十七条",
        },
    )
    assert response.status_code == 302
    too_long = c.post(
        "/rules/",
        {
            "key": "community.report_in_days",
            "org_unit": cast.province.pk,
            "value": "20",
            "effective_from": "2027-01-01",
            "source": "x",
        },
    )
    assert "取值应在1至15之间" in too_long.content.decode()


def test_the_measure_page_offers_the_notice_form_to_the_unit_that_owes_it(client, cast, scene):
    page = login(client, cast.facility_officer).get(f"/measures/{scene['isolation'].pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "登记已通知" in html
    assert 'data-clock="transfer_due_by"' in html


def test_the_decision_form_refuses_isolation_for_a_pregnant_woman_at_the_field(client, cast, today):
    woman = make_person(cast.worker_a, cast.township_a, "孙九", date(1995, 5, 5), "female")
    c = login(client, cast.police)
    form = {
        "kind": MeasureKind.COMPULSORY_ISOLATION,
        "deciding_organ": cast.deciding_organ.pk,
        "decision_number": "强9",
        "decided_on": "2026-11-20",
        "served_on": "2026-11-20",
        "executing_unit": cast.facility.pk,
        "pregnant": "on",
    }
    refused = c.post(f"/measures/new/{woman.uuid}/", form)
    html = refused.content.decode()
    assert refused.status_code == 200
    assert 'id="field-pregnant"' in html and "应当责令其接受社区戒毒" in html
    assert not woman.measures.exists()
    form.update(kind=MeasureKind.COMMUNITY_DRUG_REHAB, executing_unit=cast.township_a.pk)
    form.pop("pregnant")
    accepted = c.post(f"/measures/new/{woman.uuid}/", form)
    assert accepted.status_code == 302
    assert woman.measures.get().report_due_by == date(2026, 12, 5)  # 戒毒条例 Art. 14


def test_a_police_facility_transfers_a_person_through_the_stay_page(client, cast, today):
    person = make_person(cast.worker_a, cast.township_a, "陈移送", date(1987, 7, 7))
    measure = decide(
        cast,
        person,
        MeasureKind.COMPULSORY_ISOLATION,
        date(2026, 6, 1),
        cast.police_facility,
        "强T",
    )
    stay = facilities.admit_person(
        measure,
        facility=cast.police_facility,
        data=facilities.IntakeInput(
            on=date(2026, 6, 2), identity_checked=True, searched_by=["甲", "乙"]
        ),
        actor=cast.police_facility_officer,
    )
    c = login(client, cast.police_facility_officer)
    page = c.get(f"/facilities/stays/{stay.pk}/").content.decode()
    assert 'id="action-transfer"' in page
    data = {
        "transfer-to_facility": cast.facility.pk,
        "transfer-on": "2026-11-22",
        "transfer-identity_checked": "on",
        "transfer-searcher_1": "甲",
        "transfer-searcher_2": "乙",
    }
    missing_files = c.post(f"/facilities/stays/{stay.pk}/transfer/", data)
    assert missing_files.status_code == 422
    assert "接收移送人员应同时接收公安阶段档案材料" in missing_files.content.decode()
    moved = c.post(
        f"/facilities/stays/{stay.pk}/transfer/", {**data, "transfer-files_received": "on"}
    )
    assert moved.status_code == 302
    measure.refresh_from_db()
    assert measure.executing_unit == cast.facility and measure.transferred_on == TODAY


def test_the_township_records_methadone_treatment_and_the_person_page_shows_it(client, cast, today):
    person = make_person(cast.worker_a, cast.township_a, "林维持", date(1975, 1, 9))
    c = login(client, cast.worker_a)
    not_a_clinic = c.post(
        f"/measures/methadone/{person.uuid}/",
        {"clinic": cast.township_a.pk, "started_on": "2026-11-20"},
    )
    assert not_a_clinic.status_code == 200  # the township is not offered: a field error
    assert not person.methadone_treatments.exists()
    data = {"clinic": cast.clinic.pk, "started_on": "2026-11-20", "daily_dose_mg": "60"}
    assert c.post(f"/measures/methadone/{person.uuid}/", data).status_code == 302
    assert c.post(f"/measures/methadone/{person.uuid}/", data).status_code == 302  # a retry
    assert person.methadone_treatments.count() == 1
    page = c.get(f"/people/{person.uuid}/").content.decode()
    assert "东湖市戒毒医院" in page and "60 mg" in page
    outsider = login(client, cast.outsider).post(f"/measures/methadone/{person.uuid}/", data)
    assert outsider.status_code == 404


def test_the_facility_page_pages_its_stays(client, cast, scene, monkeypatch):
    from jiedu.core import views as core_views

    monkeypatch.setattr(core_views.paginate, "__defaults__", (1,))  # one stay a page
    second = make_person(cast.worker_a, cast.township_a, "何第二", date(1984, 4, 4))
    measure = decide(
        cast, second, MeasureKind.COMPULSORY_ISOLATION, date(2026, 1, 5), cast.facility, "强P"
    )
    facilities.admit_person(
        measure,
        facility=cast.facility,
        data=facilities.IntakeInput(
            on=date(2026, 1, 6), identity_checked=True, searched_by=["甲", "乙"]
        ),
        actor=cast.facility_officer,
    )
    c = login(client, cast.facility_officer)
    first_page = c.get(f"/facilities/{cast.facility.code}/").content.decode()
    assert "1 / 2" in first_page
    names = {"王强", "何第二"}
    shown_first = {n for n in names if n in first_page}
    shown_second = {
        n for n in names if n in c.get(f"/facilities/{cast.facility.code}/?page=2").content.decode()
    }
    assert len(shown_first) == 1 and shown_first | shown_second == names
