"""/api/v1/persons: token auth, scope, pagination, search, create/patch with audit, access log,
health visibility, and 4xx JSON (never 500) for bad input. Every answer is also checked against
the committed OpenAPI document."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiedu.accounts.services import issue_token, revoke_token
from jiedu.core.models import AccessLogEntry, ChangeLogEntry
from jiedu.core.tests.openapi_contract import assert_documented
from jiedu.people import services
from jiedu.people.models import Person
from jiedu.testing.cast import make_person
from jiedu.utilities import resident_id

LIST = "/api/v1/persons"
DETAIL = "/api/v1/persons/{id}"
BIRTH = date(1990, 5, 17)


class Api:
    """The Django test client speaking JSON with a bearer token."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, url, **params):
        return self.client.get(url, params, **self.headers)

    def post(self, url, data, **headers):
        body = data if isinstance(data, str) else json.dumps(data)
        return self.client.post(
            url, body, content_type="application/json", **self.headers, **headers
        )

    def patch(self, url, data):
        body = data if isinstance(data, str) else json.dumps(data)
        return self.client.patch(url, body, content_type="application/json", **self.headers)


@pytest.fixture
def api_as(client):
    """`api_as(user)`: an API client holding a fresh token of `user`."""

    def make(user):
        _token, raw = issue_token(actor=user, user=user)
        return Api(client, raw)

    return make


def new_person(cast, **overrides) -> dict:
    data = {
        "name": "赵六",
        "gender": "male",
        "birth_date": BIRTH.isoformat(),
        "org_unit": cast.township_a.code,
        "id_number": resident_id.build("990102", BIRTH, 31),
        "ethnicity": "01",
        "aliases": ["六子"],
        "phones": ["138 0013 8000"],
    }
    data.update(overrides)
    return data


def person_log(person=None):
    rows = ChangeLogEntry.objects.filter(object_type="people.person")
    return rows.filter(object_id=str(person.pk)) if person else rows


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content.decode()[:500]
    body = response.json()
    assert {"code", "message", "message_en"} <= body.keys()
    assert body["message"] and body["message_en"]
    if code:
        assert body["code"] == code
    return body


# -- token authentication --------------------------------------------------------------------


def test_a_request_without_a_token_gets_401_json(cast, client):
    response = client.get(LIST)
    body = assert_error(response, 401, "unauthenticated")
    assert_documented(response, "get", LIST)
    assert "Bearer" in body["message_en"]


def test_an_unknown_token_gets_401_json(cast, client):
    response = Api(client, "jd_this-is-not-a-token").get(LIST)
    assert_error(response, 401, "unauthenticated")


def test_a_token_in_another_scheme_gets_401(cast, client):
    _token, raw = issue_token(actor=cast.worker_a, user=cast.worker_a)
    response = client.get(LIST, HTTP_AUTHORIZATION=f"Token {raw}")
    assert_error(response, 401, "unauthenticated")


def test_a_revoked_token_gets_401(cast, client):
    token, raw = issue_token(actor=cast.worker_a, user=cast.worker_a)
    api = Api(client, raw)
    assert api.get(LIST).status_code == 200
    revoke_token(token, actor=cast.worker_a)
    assert_error(api.get(LIST), 401, "unauthenticated")


def test_an_expired_token_gets_401(cast, client, time_machine):
    _token, raw = issue_token(actor=cast.worker_a, user=cast.worker_a, days=1)
    time_machine.move_to(timezone.now() + timedelta(days=3))
    assert_error(Api(client, raw).get(LIST), 401, "unauthenticated")


def test_the_token_of_a_deactivated_user_gets_401(cast, client):
    _token, raw = issue_token(actor=cast.worker_a, user=cast.worker_a)
    cast.worker_a.is_active = False
    cast.worker_a.save()
    assert_error(Api(client, raw).get(LIST), 401, "unauthenticated")


def test_create_api_token_command_prints_a_working_token_on_its_last_line(cast, client):
    person = make_person(cast.worker_a, cast.county_a)
    out = StringIO()
    call_command("create_api_token", "worker_a", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip().splitlines()[-1]
    response = Api(client, raw).get(DETAIL.format(id=person.uuid))
    assert response.status_code == 200
    assert response.json()["id"] == str(person.uuid)


# -- list, pagination, search, scope ---------------------------------------------------------


def test_list_paginates_with_limit_and_offset(cast, api_as):
    for i, name in enumerate(["甲一", "乙二", "丙三", "丁四", "戊五"]):
        make_person(cast.worker_a, cast.county_a, name, date(1980 + i, 1, 1))
    api = api_as(cast.worker_a)
    first = assert_documented(api.get(LIST, limit=2), "get", LIST)
    second = assert_documented(api.get(LIST, limit=2, offset=2), "get", LIST)
    last = assert_documented(api.get(LIST, limit=2, offset=4), "get", LIST)
    assert first["count"] == second["count"] == last["count"] == 5
    assert [len(page["items"]) for page in (first, second, last)] == [2, 2, 1]
    ids = [item["id"] for page in (first, second, last) for item in page["items"]]
    assert len(set(ids)) == 5
    beyond = api.get(LIST, offset=10).json()
    assert beyond == {"items": [], "count": 5}


def test_list_items_show_the_masked_id_number_and_never_the_full_one(cast, api_as):
    number = resident_id.build("990102", BIRTH, 31)
    person = make_person(cast.worker_a, cast.township_a, "张三", BIRTH, id_number=number)
    response = api_as(cast.supervisor).get(LIST)
    body = assert_documented(response, "get", LIST)
    assert body["count"] == 1
    (item,) = body["items"]
    assert uuid.UUID(item["id"]) == person.uuid
    assert item["name"] == "张三"
    assert item["gender"] == "male"
    assert item["birth_date"] == "1990-05-17"
    assert item["org_unit"] == cast.township_a.code
    assert item["id_number_masked"] == person.id_number_masked != number
    assert "*" in item["id_number_masked"]
    assert number not in response.content.decode()
    assert number[6:14] not in response.content.decode()  # not even the birth-date digits


def test_search_by_pinyin_initials_finds_the_person(cast, api_as):
    zhang = make_person(cast.worker_a, cast.county_a, "张三", BIRTH)
    make_person(cast.worker_a, cast.county_a, "李四", date(1985, 1, 2), "female")
    api = api_as(cast.worker_a)
    for q in ("zs", "ZS", "zhangsan", "张三"):
        body = assert_documented(api.get(LIST, q=q), "get", LIST)
        assert [item["id"] for item in body["items"]] == [str(zhang.uuid)], q
        assert body["count"] == 1


def test_search_by_alias_finds_the_person(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a, "张三", BIRTH, aliases=("三哥",))
    body = api_as(cast.worker_a).get(LIST, q="三哥").json()
    assert [item["id"] for item in body["items"]] == [str(person.uuid)]


def test_outsider_does_not_see_a_county_a_person_in_the_list_while_the_supervisor_sees_both(
    cast, api_as
):
    in_a = make_person(cast.worker_a, cast.county_a, "张三", BIRTH)
    in_b = make_person(cast.outsider, cast.county_b, "李四", date(1985, 1, 2), "female")
    outsider = api_as(cast.outsider).get(LIST).json()
    assert [item["id"] for item in outsider["items"]] == [str(in_b.uuid)]
    assert outsider["count"] == 1
    assert api_as(cast.outsider).get(LIST, q="zs").json() == {"items": [], "count": 0}
    supervisor = api_as(cast.supervisor).get(LIST).json()
    assert {item["id"] for item in supervisor["items"]} == {str(in_a.uuid), str(in_b.uuid)}


def test_outsider_gets_404_for_a_person_in_another_county(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a)
    response = api_as(cast.outsider).get(DETAIL.format(id=person.uuid))
    assert_error(response, 404, "not_found")
    assert_documented(response, "get", DETAIL)
    assert person.name not in response.content.decode()


def test_a_missing_person_and_one_out_of_scope_answer_alike(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a)
    api = api_as(cast.outsider)
    hidden = api.get(DETAIL.format(id=person.uuid))
    missing = api.get(DETAIL.format(id=uuid.uuid4()))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_outsider_gets_404_when_patching_a_person_in_another_county(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a, "张三")
    before = person_log(person).count()
    response = api_as(cast.outsider).patch(DETAIL.format(id=person.uuid), {"name": "改名"})
    assert_error(response, 404, "not_found")
    assert_documented(response, "patch", DETAIL)
    person.refresh_from_db()
    assert person.name == "张三"
    assert person_log(person).count() == before


def test_supervisor_opens_files_in_both_counties(cast, api_as):
    in_a = make_person(cast.worker_a, cast.county_a, "张三", BIRTH)
    in_b = make_person(cast.outsider, cast.county_b, "李四", date(1985, 1, 2), "female")
    api = api_as(cast.supervisor)
    for person in (in_a, in_b):
        response = api.get(DETAIL.format(id=person.uuid))
        body = assert_documented(response, "get", DETAIL)
        assert body["id"] == str(person.uuid)
        assert body["org_unit"] == person.managing_unit.code


def test_a_viewer_without_change_permission_gets_404_on_patch(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a, "张三")
    api = api_as(cast.medic)  # may view county A, not change it
    assert api.get(DETAIL.format(id=person.uuid)).status_code == 200
    assert_error(api.patch(DETAIL.format(id=person.uuid), {"name": "改名"}), 404)


# -- create ----------------------------------------------------------------------------------


def test_create_returns_201_with_the_file_and_writes_one_change_log_row(cast, api_as):
    response = api_as(cast.worker_a).post(LIST, new_person(cast))
    assert response.status_code == 201, response.content.decode()
    body = assert_documented(response, "post", LIST)
    person = Person.objects.get(uuid=body["id"])
    assert body["name"] == person.name == "赵六"
    assert body["org_unit"] == cast.township_a.code
    assert body["aliases"] == [{"name": "六子", "kind": "alias"}]
    assert body["phones"] == ["13800138000"]
    assert body["status"] == "active"
    assert "health" not in body
    assert person.id_number not in response.content.decode()
    (entry,) = person_log()
    assert entry.action == "create"
    assert entry.object_id == str(person.pk)
    assert entry.username == "worker_a"
    assert entry.changes["name"] == {"before": None, "after": "赵六"}
    assert entry.changes["birth_date"] == {"before": None, "after": "1990-05-17"}
    assert person.id_number not in json.dumps(entry.changes, ensure_ascii=False)


def test_create_outside_the_callers_scope_is_403_and_saves_nothing(cast, api_as):
    response = api_as(cast.outsider).post(LIST, new_person(cast))
    assert_error(response, 403, "forbidden")
    assert_documented(response, "post", LIST)
    assert not Person.objects.exists()


def test_a_bad_check_digit_gives_422_at_id_number_and_saves_nothing(cast, api_as):
    good = resident_id.build("990102", BIRTH, 31)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = api_as(cast.worker_a).post(LIST, new_person(cast, id_number=bad))
    body = assert_error(response, 422, "validation_error")
    assert_documented(response, "post", LIST)
    assert [e["field"] for e in body["errors"]] == ["id_number"]
    assert "校验位" in body["errors"][0]["message"]
    assert body["message"] == body["errors"][0]["message"]
    assert not Person.objects.exists()
    assert not person_log().exists()


def test_a_retried_post_with_the_same_idempotency_key_returns_the_same_person(cast, api_as):
    api = api_as(cast.worker_a)
    first = api.post(LIST, new_person(cast), HTTP_IDEMPOTENCY_KEY="create-zhao-1")
    again = api.post(LIST, new_person(cast), HTTP_IDEMPOTENCY_KEY="create-zhao-1")
    assert first.status_code == 201
    assert again.status_code == 200
    assert_documented(again, "post", LIST)
    assert again.json()["id"] == first.json()["id"]
    assert Person.objects.count() == 1
    assert person_log().count() == 1


def test_the_same_idempotency_key_of_another_user_does_not_return_the_first_users_file(
    cast, api_as
):
    first = api_as(cast.worker_a).post(LIST, new_person(cast), HTTP_IDEMPOTENCY_KEY="k-1")
    other = api_as(cast.supervisor).post(LIST, new_person(cast), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    assert other.status_code == 409  # a new create for this user: the ID number is taken


def test_the_same_id_number_twice_is_409_and_names_the_existing_file(cast, api_as):
    api = api_as(cast.worker_a)
    first = api.post(LIST, new_person(cast))
    second = api.post(LIST, new_person(cast, name="赵小六", aliases=[], phones=[]))
    body = assert_error(second, 409, "duplicate_id_number")
    assert_documented(second, "post", LIST)
    assert body["candidates"] == [first.json()["id"]]
    assert Person.objects.count() == 1


def test_a_duplicate_in_another_county_is_409_without_disclosing_that_file(cast, api_as):
    number = resident_id.build("990102", BIRTH, 31)
    make_person(cast.worker_a, cast.county_a, "赵六", BIRTH, id_number=number)
    payload = new_person(cast, org_unit=cast.county_b.code, id_number=number)
    response = api_as(cast.outsider).post(LIST, payload)
    body = assert_error(response, 409, "duplicate_id_number")
    assert body["candidates"] == []
    assert Person.objects.count() == 1


def test_same_name_and_birth_date_without_confirmation_is_409(cast, api_as):
    existing = make_person(cast.worker_a, cast.county_a, "赵六", BIRTH)
    api = api_as(cast.worker_a)
    other_id = resident_id.build("990102", BIRTH, 51)
    response = api.post(LIST, new_person(cast, id_number=other_id))
    body = assert_error(response, 409, "possible_duplicate")
    assert_documented(response, "post", LIST)
    assert body["candidates"] == [str(existing.uuid)]
    assert Person.objects.count() == 1
    confirmed = api.post(LIST, new_person(cast, id_number=other_id, confirm_not_duplicate=True))
    assert confirmed.status_code == 201
    assert Person.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"org_unit": "NO-SUCH-UNIT"}, "org_unit"),
        ({"hukou_division": "990000-SF01"}, "hukou_division"),  # a facility, not a division
        ({"birth_date": "2999-01-01", "id_type": "none", "id_number": ""}, "birth_date"),
        ({"birth_date": "1850-01-01", "id_type": "none", "id_number": ""}, "birth_date"),
        ({"nationality": "US"}, "id_type"),
        ({"nationality": "ZZ"}, "nationality"),
        ({"ethnicity": "99"}, "ethnicity"),
        ({"phones": ["12345"]}, "phones.0"),
        ({"id_type": "none"}, "id_number"),
        ({"name": "   "}, "name"),
        ({"name": "张\x00三"}, "name"),
        ({"gender": "other"}, "gender"),
        ({"aliases": ["长" * 51]}, "aliases.0"),
    ],
)
def test_invalid_fields_give_422_naming_the_field_and_save_nothing(cast, api_as, overrides, field):
    response = api_as(cast.worker_a).post(LIST, new_person(cast, **overrides))
    body = assert_error(response, 422, "validation_error")
    assert_documented(response, "post", LIST)
    assert field in [e["field"] for e in body["errors"]], body
    assert not Person.objects.exists()


# -- patch -----------------------------------------------------------------------------------


def test_patch_changes_a_field_and_writes_one_change_log_row_with_before_and_after(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a, "张三")
    before = person_log(person).count()
    response = api_as(cast.worker_a).patch(
        DETAIL.format(id=person.uuid), {"residence_address": "花桥街道1号"}
    )
    body = assert_documented(response, "patch", DETAIL)
    assert response.status_code == 200
    assert body["residence_address"] == "花桥街道1号"
    assert body["name"] == "张三"
    person.refresh_from_db()
    assert person.residence_address == "花桥街道1号"
    rows = person_log(person).order_by("id")
    assert rows.count() == before + 1
    entry = rows.last()
    assert entry.action == "update"
    assert entry.username == "worker_a"
    assert entry.changes == {"residence_address": {"before": "", "after": "花桥街道1号"}}


def test_patch_renames_and_search_follows(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a, "张三")
    api = api_as(cast.worker_a)
    assert api.patch(DETAIL.format(id=person.uuid), {"name": "王五"}).status_code == 200
    assert [i["id"] for i in api.get(LIST, q="ww").json()["items"]] == [str(person.uuid)]
    assert api.get(LIST, q="zs").json()["count"] == 0


def test_patch_without_changes_writes_no_change_log_row(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a, "张三")
    before = person_log(person).count()
    response = api_as(cast.worker_a).patch(DETAIL.format(id=person.uuid), {"name": "张三"})
    assert response.status_code == 200
    assert person_log(person).count() == before


def test_patch_moving_the_file_out_of_the_callers_scope_is_422_at_org_unit(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a)
    response = api_as(cast.worker_a).patch(
        DETAIL.format(id=person.uuid), {"org_unit": cast.county_b.code}
    )
    body = assert_error(response, 422, "validation_error")
    assert_documented(response, "patch", DETAIL)
    assert [e["field"] for e in body["errors"]] == ["org_unit"]
    person.refresh_from_db()
    assert person.managing_unit == cast.county_a


def test_patch_setting_a_required_field_to_null_is_422(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a, "张三")
    response = api_as(cast.worker_a).patch(DETAIL.format(id=person.uuid), {"name": None})
    body = assert_error(response, 422, "validation_error")
    assert "name" in [e["field"] for e in body["errors"]]
    person.refresh_from_db()
    assert person.name == "张三"


def test_patch_with_an_id_number_of_another_file_is_422(cast, api_as):
    number = resident_id.build("990102", BIRTH, 31)
    make_person(cast.worker_a, cast.county_a, "张三", BIRTH, id_number=number)
    other = make_person(cast.worker_a, cast.county_a, "李四", BIRTH)
    response = api_as(cast.worker_a).patch(DETAIL.format(id=other.uuid), {"id_number": number})
    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["id_number"]


# -- access log ------------------------------------------------------------------------------


def test_opening_a_file_writes_a_view_person_access_row_on_the_api_channel(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a)
    api_as(cast.worker_a).get(DETAIL.format(id=person.uuid))
    (row,) = AccessLogEntry.objects.filter(action="view_person")
    assert row.person_pk == person.pk
    assert row.channel == "api"
    assert row.username == "worker_a"


def test_a_refused_file_is_not_logged_as_viewed(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a)
    api_as(cast.outsider).get(DETAIL.format(id=person.uuid))
    assert not AccessLogEntry.objects.filter(action="view_person").exists()


def test_a_search_writes_a_search_person_access_row_with_query_and_count(cast, api_as):
    make_person(cast.worker_a, cast.county_a, "张三")
    api_as(cast.worker_a).get(LIST, q="zs")
    (row,) = AccessLogEntry.objects.filter(action="search_person")
    assert row.channel == "api"
    assert row.query == "zs"
    assert row.result_count == 1


def test_a_search_by_id_number_finds_the_person_and_logs_the_query_masked(cast, api_as):
    number = resident_id.build("990102", BIRTH, 31)
    person = make_person(cast.worker_a, cast.county_a, "张三", BIRTH, id_number=number)
    body = api_as(cast.worker_a).get(LIST, q=number.lower()).json()
    assert [item["id"] for item in body["items"]] == [str(person.uuid)]
    (row,) = AccessLogEntry.objects.filter(action="search_person")
    assert row.query != number
    assert number not in row.query
    assert number[6:14] not in row.query
    assert row.query.startswith(number[:3]) and "*" in row.query


# -- health ----------------------------------------------------------------------------------


def test_a_worker_without_view_health_never_receives_a_health_key(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a)
    services.update_health(person, {"hiv": "positive"}, actor=cast.medic)
    api = api_as(cast.worker_a)
    url = DETAIL.format(id=person.uuid)
    responses = [
        api.get(url),
        api.patch(url, {"residence_address": "花桥街道2号"}),
        api.post(LIST, new_person(cast)),
    ]
    for response in responses:
        assert response.status_code in (200, 201)
        assert "health" not in response.json()
        assert "hiv" not in response.content.decode()


def test_the_medic_receives_health_for_county_a(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a)
    services.update_health(
        person, {"hiv": "positive", "psychiatric_diagnosis": "抑郁"}, actor=cast.medic
    )
    response = api_as(cast.medic).get(DETAIL.format(id=person.uuid))
    body = assert_documented(response, "get", DETAIL)
    assert body["health"]["hiv"] == "positive"
    assert body["health"]["psychiatric_diagnosis"] == "抑郁"
    assert body["health"]["hepatitis_b"] == "unknown"


def test_the_medic_gets_no_health_key_when_there_is_no_record(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a)
    body = api_as(cast.medic).get(DETAIL.format(id=person.uuid)).json()
    assert "health" not in body


# -- bad input: 4xx JSON, never 500 ----------------------------------------------------------


@pytest.mark.parametrize(
    "body", ["{not json", "", "[", '{"name": "张三",}', "\xff\xfe", "null", "[]", "42"]
)
def test_a_malformed_or_non_object_body_is_4xx_json(cast, api_as, body):
    response = api_as(cast.worker_a).post(LIST, body)
    assert response.status_code in (400, 422), response.content
    assert_error(response, response.status_code)
    assert_documented(response, "post", LIST)
    assert not Person.objects.exists()


def test_a_body_that_is_not_json_is_400_malformed_body(cast, api_as):
    person = make_person(cast.worker_a, cast.county_a)
    api = api_as(cast.worker_a)
    assert_error(api.post(LIST, "{not json"), 400, "malformed_body")
    assert_error(api.patch(DETAIL.format(id=person.uuid), "{not json"), 400, "malformed_body")


@pytest.mark.parametrize(
    "payload",
    [
        {"name": 5},
        {"birth_date": "17/05/1990"},
        {"birth_date": "1990-02-30"},
        {"aliases": "六子"},
        {"phones": [13800138000]},
        {"confirm_not_duplicate": "perhaps"},
        {"org_unit": ["990102"]},
    ],
)
def test_wrong_types_are_422_with_the_field_named(cast, api_as, payload):
    response = api_as(cast.worker_a).post(LIST, new_person(cast, **payload))
    body = assert_error(response, 422, "validation_error")
    assert_documented(response, "post", LIST)
    (field,) = payload
    assert any(e["field"].split(".")[0] == field for e in body["errors"]), body


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 10000},
        {"limit": -1},
        {"limit": "ten"},
        {"offset": -1},
        {"offset": "1e3"},
        {"q": "x" * 101},
        {"q": "张\x00三"},
    ],
)
def test_out_of_range_list_parameters_are_422(cast, api_as, params):
    response = api_as(cast.worker_a).get(LIST, **params)
    body = assert_error(response, 422, "validation_error")
    assert_documented(response, "get", LIST)
    assert [e["field"] for e in body["errors"]] == list(params)


@pytest.mark.parametrize("bad", ["not-a-uuid", "123", "0" * 40, "%00"])
def test_a_bad_uuid_in_the_path_is_422_json(cast, api_as, bad):
    api = api_as(cast.worker_a)
    for response in (
        api.get(f"{LIST}/{bad}"),
        api.patch(f"{LIST}/{bad}", {"name": "王五"}),
    ):
        body = assert_error(response, 422, "validation_error")
        assert [e["field"] for e in body["errors"]] == ["id"]


def test_a_long_idempotency_key_is_422_not_truncated(cast, api_as):
    response = api_as(cast.worker_a).post(LIST, new_person(cast), HTTP_IDEMPOTENCY_KEY="k" * 101)
    body = assert_error(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["Idempotency-Key"]
    assert not Person.objects.exists()


def test_api_errors_come_in_chinese_and_english(cast, api_as, client):
    api = api_as(cast.worker_a)
    responses = [
        client.get(LIST),
        api.get(DETAIL.format(id=uuid.uuid4())),
        api.post(LIST, "{not json"),
        api.post(LIST, new_person(cast, org_unit="NOPE")),
    ]
    for response in responses:
        body = response.json()
        assert body["message"] != body["message_en"], body
        assert body["message_en"].isascii(), body
    unknown_unit = responses[-1].json()["errors"][0]
    assert unknown_unit["message_en"] == "No unit found with code NOPE."


def test_every_response_carrying_a_whole_file_is_access_logged(cast, api_as):
    from jiedu.core.models import AccessLogEntry

    person = make_person(cast.worker_a, cast.county_a, "吴十")
    api = api_as(cast.worker_a)
    before = AccessLogEntry.objects.filter(action="view_person", person_pk=person.pk).count()
    assert api.patch(DETAIL.format(id=person.uuid), {"hukou_address": "新址"}).status_code == 200
    after = AccessLogEntry.objects.filter(action="view_person", person_pk=person.pk).count()
    assert after == before + 1
