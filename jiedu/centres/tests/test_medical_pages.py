"""戒毒医疗中心 pages: the work page and a stay's medical file, for the facility's medic, its
officer (no health permission: the health section is not there at all), and users of other units
(404); each entry form, one invalid POST with the error at its field; constant queries."""

from datetime import timedelta

import pytest
from django.urls import reverse

from jiedu.centres.models import (
    FacilityDrugTest,
    HealthCondition,
    InfectionScreening,
    MedicationOrder,
    VitalSigns,
    WithdrawalCheck,
)
from jiedu.centres.services import medical as services
from jiedu.core.models import AccessLogEntry
from jiedu.measures.choices import BlockerCode

from . import test_medical_setup as setup
from .test_medical_setup import D, admit

pytestmark = pytest.mark.django_db

medic, today, zones = setup.medic, setup.today, setup.zones


@pytest.fixture
def stay(cast, zones, today):
    return admit(cast, zones, name="赵一")


def page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:500]
    return response.content.decode() if status == 200 else ""


def work_url(cast):
    return reverse("centres:medical_work", args=[cast.facility.code])


def file_url(stay):
    return reverse("centres:medical_file", args=[stay.pk])


def record_url(stay, record):
    return reverse("centres:medical_record", args=[stay.pk, record])


# --- Who sees what ------------------------------------------------------------------------------


def test_users_of_other_units_get_404_on_every_page(cast, stay, client):
    order = services.record_medication(
        stay,
        drug="美沙酮",
        purpose="withdrawal",
        dose="",
        started_on=D("2024-03-01"),
        prescriber="王医师",
        actor=cast.facility_officer,
    )
    urls = [work_url(cast), file_url(stay)]
    posts = [
        record_url(stay, "vitals"),
        record_url(stay, "screening"),
        reverse("centres:medication_stop", args=[stay.pk, order.pk]),
    ]
    # cast.medic is a medical officer of county A, not of the facility.
    for user in (cast.outsider, cast.medic, cast.worker_a, cast.auditor):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        for url in posts:
            assert client.post(url, {}).status_code == 404, (user, url)
    assert client.get(reverse("centres:medical_work", args=["no-such"])).status_code == 404
    assert MedicationOrder.objects.get().stopped_on is None


def test_the_medic_sees_the_health_section_and_the_officer_does_not(cast, stay, medic, client):
    services.record_screening(
        stay, screened_on=D("2024-03-01"), disease="hcv", result="positive", actor=medic
    )
    services.record_condition(
        stay,
        kind="psychiatric",
        description="精神分裂症（稳定期）",
        severity="severe",
        since=D("2021-01-01"),
        actor=medic,
    )
    html = page(client, medic, file_url(stay))
    assert 'id="screenings"' in html and "丙型肝炎" in html
    assert "精神分裂症" in html and "应安置在病残专区" in html
    assert 'id="record-screening"' in html and 'id="record-condition"' in html
    html = page(client, medic, work_url(cast))
    assert 'id="special-zone"' in html and "精神分裂症" in html

    for user in (cast.facility_officer, cast.facility_leader):
        html = page(client, user, file_url(stay))
        assert 'id="screenings"' not in html and "丙型肝炎" not in html
        assert "精神分裂症" not in html and 'id="record-condition"' not in html
        assert 'id="record-vitals"' in html  # they do record the other medical records
        html = page(client, user, work_url(cast))
        assert 'id="special-zone"' not in html and "精神分裂症" not in html
        # and cannot post health records: the stay is not found for them as a health file
        client.force_login(user)
        response = client.post(
            record_url(stay, "screening"),
            {
                "screening-screened_on": "2024-03-02",
                "screening-disease": "hiv",
                "screening-result": "negative",
            },
        )
        assert response.status_code == 404
    assert InfectionScreening.objects.count() == 1


def test_opening_a_medical_file_is_written_to_the_access_log(stay, medic, client):
    page(client, medic, file_url(stay))
    assert AccessLogEntry.objects.filter(user_id=medic.pk, person_pk=stay.person_id).exists()


# --- Entry forms ---------------------------------------------------------------------------------

FORMS = {
    "medication": (
        {
            "drug": "丁丙诺啡",
            "purpose": "withdrawal",
            "dose": "2mg",
            "started_on": "2024-03-02",
            "prescriber": "王医师",
        },
        MedicationOrder,
    ),
    "withdrawal": (
        {
            "checked_on": "2024-03-05",
            "acute_symptoms": "mild",
            "protracted_symptoms": ["sleep", "pain"],
            "psychiatric_state": "none",
            "examiner": "王医师",
            "note": "",
        },
        WithdrawalCheck,
    ),
    "vitals": (
        {
            "measured_on": "2024-04-01",
            "height_cm": "170.0",
            "weight_kg": "60.5",
            "respiration": "16",
            "heart_rate": "72",
            "systolic": "120",
            "diastolic": "80",
            "alt": "30",
            "ast": "",
        },
        VitalSigns,
    ),
    "drug_test": (
        {
            "tested_on": "2024-05-01",
            "occasion": "routine",
            "sample": "urine",
            "substances": "吗啡",
            "result": "negative",
            "tester": "李民警",
        },
        FacilityDrugTest,
    ),
    "screening": (
        {"screened_on": "2024-03-01", "disease": "tb", "result": "negative", "method": "胸片"},
        InfectionScreening,
    ),
    "condition": (
        {"kind": "chronic", "description": "高血压", "severity": "mild", "since": "2019-01-01"},
        HealthCondition,
    ),
}


def prefixed(record, data):
    return {f"{record}-{k}": v for k, v in data.items()}


@pytest.mark.parametrize("record", list(FORMS))
def test_each_entry_form_records_and_redirects_and_a_repost_makes_no_duplicate(
    stay, medic, client, record
):
    data, model = FORMS[record]
    client.force_login(medic)
    for _attempt in range(2):  # a double click
        response = client.post(record_url(stay, record), prefixed(record, data))
        assert response.status_code == 302, response.content.decode()[:800]
        assert response["Location"] == file_url(stay)
    assert model.objects.filter(admission=stay).count() == 1


def test_an_implausible_value_comes_back_at_its_field(stay, medic, client):
    data = {**FORMS["vitals"][0], "heart_rate": "300"}
    client.force_login(medic)
    response = client.post(record_url(stay, "vitals"), prefixed("vitals", data))
    assert response.status_code == 422
    html = response.content.decode()
    field = html.split('id="field-heart_rate"', 1)[1].split("</div>", 1)[0]
    assert "field-error" in field and "20" in field and "250" in field
    assert 'value="300"' in field  # what was typed is kept
    assert VitalSigns.objects.count() == 0


def test_a_form_missing_a_required_field_shows_the_error_and_records_nothing(stay, medic, client):
    data = {**FORMS["drug_test"][0], "tester": ""}
    client.force_login(medic)
    response = client.post(record_url(stay, "drug_test"), prefixed("drug_test", data))
    assert response.status_code == 422
    field = response.content.decode().split('id="field-tester"', 1)[1].split("</div>", 1)[0]
    assert "field-error" in field
    assert FacilityDrugTest.objects.count() == 0


def test_an_unknown_record_kind_is_404(stay, medic, client):
    client.force_login(medic)
    assert client.post(record_url(stay, "haircut"), {}).status_code == 404


def test_a_positive_test_posted_from_the_page_bars_early_release(stay, medic, client):
    data = {**FORMS["drug_test"][0], "result": "positive"}
    client.force_login(medic)
    client.post(record_url(stay, "drug_test"), prefixed("drug_test", data))
    assert list(stay.measure.blockers.values_list("code", flat=True)) == [
        BlockerCode.DRUGS_IN_FACILITY
    ]


def test_stopping_a_medication_and_resolving_a_condition_from_the_file(stay, medic, client):
    order = services.record_medication(
        stay,
        drug="美沙酮",
        purpose="withdrawal",
        dose="",
        started_on=D("2024-03-01"),
        prescriber="王医师",
        actor=medic,
    )
    condition = services.record_condition(
        stay,
        kind="disability",
        description="左下肢截肢",
        severity="severe",
        since=D("2015-01-01"),
        actor=medic,
    )
    client.force_login(medic)
    url = reverse("centres:medication_stop", args=[stay.pk, order.pk])
    response = client.post(url, {"stop-on": "2024-02-01"})  # before the start: refused
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.stopped_on is None
    assert client.post(url, {"stop-on": "2024-03-20"}).status_code == 302
    order.refresh_from_db()
    assert order.stopped_on == D("2024-03-20")
    url = reverse("centres:condition_resolve", args=[stay.pk, condition.pk])
    assert client.post(url, {"resolve-on": "2024-04-01"}).status_code == 302
    condition.refresh_from_db()
    assert condition.resolved_on == D("2024-04-01")
    assert not services.needs_special_zone(stay)


def test_a_user_who_may_view_but_not_record_is_forbidden_to_post(cast, stay, client):
    from jiedu.testing.cast import make_user

    viewer = make_user("viewer", cast.facility, "auditor")
    from jiedu.accounts.models import Role

    role = Role.objects.create(
        code="centre_viewer",
        name="只读",
        permissions=["facilities.view_admission", "centres.view_record"],
    )
    viewer.memberships.update(role=role)
    client.force_login(viewer)
    assert client.get(file_url(stay)).status_code == 200
    response = client.post(record_url(stay, "vitals"), prefixed("vitals", FORMS["vitals"][0]))
    assert response.status_code == 403
    assert VitalSigns.objects.count() == 0


# --- The work page ------------------------------------------------------------------------------


def fill(cast, zones, medic, n):
    """`n` persons in the detox zone, each with a medication, a check long ago, vitals out of
    range, a positive test and a severe condition: every section of the work page has rows."""
    stays = []
    for i in range(n):
        stay = admit(cast, zones, name=f"人员{i}")
        services.record_medication(
            stay,
            drug="美沙酮",
            purpose="withdrawal",
            dose="",
            started_on=D("2024-03-01"),
            prescriber="王医师",
            actor=medic,
        )
        services.record_withdrawal_check(
            stay,
            checked_on=D("2024-03-05"),
            acute_symptoms="mild",
            protracted_symptoms=[],
            psychiatric_state="none",
            examiner="王医师",
            actor=medic,
        )
        services.record_vital_signs(
            stay,
            measured_on=D("2024-06-01"),
            height_cm=170,
            weight_kg=60,
            respiration=16,
            heart_rate=110,
            systolic=120,
            diastolic=80,
            alt=30,
            ast=30,
            actor=medic,
        )
        services.record_drug_test(
            stay,
            tested_on=D("2024-06-10"),
            occasion="random",
            sample="urine",
            substances="",
            result="positive",
            tester="李民警",
            actor=medic,
        )
        services.record_condition(
            stay,
            kind="chronic",
            description="重度肝硬化",
            severity="severe",
            since=D("2020-01-01"),
            actor=medic,
        )
        stays.append(stay)
    return stays


def test_the_work_page_lists_who_needs_the_doctor(cast, zones, medic, client, today):
    fresh = admit(cast, zones, name="新收人员")
    services.record_withdrawal_check(
        fresh,
        checked_on=today - timedelta(days=2),
        acute_symptoms="none",
        protracted_symptoms=[],
        psychiatric_state="none",
        examiner="王医师",
        actor=medic,
    )
    services.record_vital_signs(  # normal, liver function not measured: not abnormal
        fresh,
        measured_on=today,
        height_cm=170,
        weight_kg=60,
        respiration=16,
        heart_rate=70,
        systolic=120,
        diastolic=80,
        actor=medic,
    )
    fill(cast, zones, medic, 1)
    moved = admit(cast, zones, zone="special", name="专区人员")
    services.record_condition(
        moved,
        kind="disability",
        description="截瘫",
        severity="severe",
        since=D("2020-01-01"),
        actor=medic,
    )
    html = page(client, medic, work_url(cast))

    def section(name):
        return html.split(f'id="{name}"', 1)[1].split("</section>", 1)[0]

    assert "人员0" in section("on-medication") and ">106<" in section("on-medication")  # days
    assert "人员0" in section("unchecked") and "新收人员" not in section("unchecked")
    assert "人员0" in section("out-of-range") and "心率" in section("out-of-range")
    assert "新收人员" not in section("out-of-range")
    assert "人员0" in section("positives")
    assert "重度肝硬化" in section("special-zone") and "未在病残专区" in section("special-zone")
    assert "截瘫" in section("special-zone")
    assert all(name in section("present") for name in ("新收人员", "人员0", "专区人员"))


@pytest.mark.parametrize("path", ["work", "file"])
def test_the_pages_take_a_constant_number_of_queries(
    cast, zones, medic, client, django_assert_max_num_queries, path
):
    client.force_login(medic)
    stays = fill(cast, zones, medic, 1)
    url = work_url(cast) if path == "work" else file_url(stays[0])
    with django_assert_max_num_queries(40) as one:
        assert client.get(url).status_code == 200
    more = fill(cast, zones, medic, 6)
    if path == "file":
        for _i in range(5):  # more records in the same file
            services.record_vital_signs(
                stays[0],
                measured_on=D("2024-05-01") + timedelta(days=_i),
                height_cm=170,
                weight_kg=60,
                respiration=16,
                heart_rate=80,
                systolic=120,
                diastolic=80,
                actor=medic,
            )
    assert more
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200
