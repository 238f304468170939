"""/api/v1/centres/stays/{id}/medical, /drug-tests and /training: scope (404 alike for missing and
forbidden), health records only with the health permission, drug tests created idempotently by
`external_id` (201 then 200), validation errors as 422, and the access log."""

import json

import pytest

from jiedu.accounts.services import issue_token
from jiedu.centres.models import FacilityDrugTest
from jiedu.centres.services import medical as services
from jiedu.centres.services import training as training_services
from jiedu.core.models import AccessLogEntry
from jiedu.measures.choices import BlockerCode

from . import test_medical_setup as setup
from .test_medical_setup import D, admit

pytestmark = pytest.mark.django_db

medic, today, zones = setup.medic, setup.today, setup.zones

MEDICAL = "/api/v1/centres/stays/{id}/medical"
TESTS = "/api/v1/centres/stays/{id}/drug-tests"
TRAINING = "/api/v1/centres/stays/{id}/training"


class Api:
    def __init__(self, client, user):
        _token, raw = issue_token(actor=user, user=user, days=None)
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, url):
        return self.client.get(url, **self.headers)

    def post(self, url, data):
        body = data if isinstance(data, str) else json.dumps(data)
        return self.client.post(url, body, content_type="application/json", **self.headers)


@pytest.fixture
def stay(cast, zones, today, medic):
    stay = admit(cast, zones, name="钱二")
    services.record_medication(
        stay,
        drug="美沙酮",
        purpose="withdrawal",
        dose="20mg",
        started_on=D("2024-03-01"),
        prescriber="王医师",
        actor=medic,
    )
    services.record_vital_signs(
        stay,
        measured_on=D("2024-04-01"),
        height_cm=170,
        weight_kg=60,
        respiration=16,
        heart_rate=110,
        systolic=120,
        diastolic=80,
        actor=medic,
    )
    services.record_screening(
        stay, screened_on=D("2024-03-01"), disease="hiv", result="negative", actor=medic
    )
    services.record_condition(
        stay,
        kind="chronic",
        description="糖尿病",
        severity="severe",
        since=D("2018-01-01"),
        actor=medic,
    )
    training_services.record_fitness_test(
        stay,
        tested_on=D("2024-04-02"),
        calisthenics_fluent=None,
        chest_expander_pulls=12,
        push_ups=None,
        sit_ups=None,
        sit_and_reach_cm=None,
        step_index=None,
        tester="体能教官",
        actor=medic,
    )
    return stay


TEST_IN = {
    "tested_on": "2024-06-14",
    "occasion": "random",
    "sample": "urine",
    "substances": "甲基苯丙胺",
    "result": "positive",
    "tester": "检测仪01",
    "external_id": "DEV-20240614-0001",
}


def test_the_medic_reads_the_file_with_health_records_and_the_read_is_logged(stay, medic, client):
    response = Api(client, medic).get(MEDICAL.format(id=stay.pk))
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert body["stay"]["stay_id"] == stay.pk
    assert body["stay"]["person"] == str(stay.person.uuid)
    assert body["stay"]["facility"] == stay.facility.code
    assert [m["drug"] for m in body["medications"]] == ["美沙酮"]
    [v] = body["vital_signs"]
    assert v["in_range"] == {
        "weight": True,
        "respiration": True,
        "heart_rate": False,
        "blood_pressure": True,
        "liver_function": False,  # not measured
    }
    assert [s["disease"] for s in body["screenings"]] == ["hiv"]
    assert [c["description"] for c in body["conditions"]] == ["糖尿病"]
    assert body["needs_special_zone"] is True
    assert AccessLogEntry.objects.filter(
        user_id=medic.pk, person_pk=stay.person_id, channel="api"
    ).exists()


def test_the_facility_officer_reads_no_health_records(cast, stay, client):
    body = Api(client, cast.facility_officer).get(MEDICAL.format(id=stay.pk)).json()
    assert body["medications"] and body["vital_signs"]
    assert body["screenings"] is None and body["conditions"] is None
    assert body["needs_special_zone"] is None
    assert "糖尿病" not in json.dumps(body, ensure_ascii=False)


def test_users_of_other_units_and_missing_stays_get_404_alike(cast, stay, client):
    for user in (cast.outsider, cast.medic, cast.worker_a):
        api = Api(client, user)
        for url in (MEDICAL, TESTS, TRAINING):
            response = api.get(url.format(id=stay.pk))
            assert response.status_code == 404, (user, url)
            assert response.json()["code"] == "not_found"
        assert api.post(TESTS.format(id=stay.pk), TEST_IN).status_code == 404
    api = Api(client, cast.facility_officer)
    for url in (MEDICAL, TESTS, TRAINING):
        assert api.get(url.format(id=999999)).status_code == 404
    assert FacilityDrugTest.objects.count() == 0


def test_a_drug_test_is_created_once_and_a_resend_answers_the_same_test(stay, medic, client):
    api = Api(client, medic)
    first = api.post(TESTS.format(id=stay.pk), TEST_IN)
    assert first.status_code == 201, first.content.decode()
    body = first.json()
    assert body["result"] == "positive" and body["use_in_facility"] is True
    assert body["external_id"] == "DEV-20240614-0001"
    again = api.post(TESTS.format(id=stay.pk), TEST_IN)
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert FacilityDrugTest.objects.count() == 1
    # 司法部令第127号 Art. 29: drugs in the facility bar early release.
    assert list(stay.measure.blockers.values_list("code", "since")) == [
        (BlockerCode.DRUGS_IN_FACILITY, D("2024-06-14"))
    ]
    listed = api.get(TESTS.format(id=stay.pk)).json()
    assert [t["id"] for t in listed["items"]] == [body["id"]]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"result": "maybe"}, "validation_error", "result"),
        ({"tester": ""}, "validation_error", "tester"),
        ({"tester": "a\nb"}, "validation_error", "tester"),
        ({"substances": "x" * 101}, "validation_error", "substances"),
        ({"tested_on": "2024-06-16"}, "future_date", "tested_on"),
        ({"tested_on": "2024-01-01"}, "before_admission", "tested_on"),
    ],
)
def test_invalid_drug_tests_are_422_with_the_field(stay, medic, client, change, code, field):
    response = Api(client, medic).post(TESTS.format(id=stay.pk), {**TEST_IN, **change})
    assert response.status_code == 422, response.content.decode()
    body = response.json()
    assert body["code"] == code
    assert field in [e["field"] for e in body["errors"]]
    assert body["message"] and body["message_en"]
    assert FacilityDrugTest.objects.count() == 0


def test_a_malformed_body_is_400(stay, medic, client):
    assert Api(client, medic).post(TESTS.format(id=stay.pk), "{not json").status_code == 400


def test_a_user_who_may_view_but_not_record_gets_403(cast, stay, client):
    from jiedu.accounts.models import Role
    from jiedu.testing.cast import make_user

    viewer = make_user("api_viewer", cast.facility, "auditor")
    role = Role.objects.create(
        code="api_centre_viewer",
        name="只读",
        permissions=["facilities.view_admission", "centres.view_record"],
    )
    viewer.memberships.update(role=role)
    api = Api(client, viewer)
    assert api.get(MEDICAL.format(id=stay.pk)).status_code == 200
    response = api.post(TESTS.format(id=stay.pk), TEST_IN)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_the_training_file_over_the_api(stay, medic, client):
    response = Api(client, medic).get(TRAINING.format(id=stay.pk))
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    [t] = body["fitness_tests"]
    assert t["chest_expander_pulls"] == 12
    assert t["passed"] is True
    assert t["grades"] == {"chest_expander": "pass", "overall": "pass"}
    assert body["sessions"] == []


def test_without_a_token_the_api_answers_401(stay, client):
    assert client.get(MEDICAL.format(id=stay.pk)).status_code == 401
