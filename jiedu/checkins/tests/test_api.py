"""/api/v1/checkins: the phone's check-in (portal session + CSRF, idempotent on client_id) and
the staff list of a measure's check-ins (bearer token, scoped)."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from jiedu.accounts.services import issue_token
from jiedu.checkins.models import CheckIn
from jiedu.core.models import AccessAction, AccessLogEntry

from .conftest import at_time, make_photo

URL = "/api/v1/checkins"


@pytest.fixture
def phone(portal):
    """A browser signed in to the portal, with Django's CSRF checks on (as in production)."""

    def build(**kwargs):
        p = portal(**kwargs)
        client = Client(enforce_csrf_checks=True)
        client.get("/portal/login/")
        client.post(
            "/portal/login/",
            {
                "phone": p.phone,
                "password": p.password if not kwargs else "First-pass-2024",
                "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            },
        )
        client.portal = p
        return client

    return build


def _form(client_id=None, taken_at="2024-03-10T09:00:00+08:00", kind="same", **extra):
    data = {
        "client_id": str(client_id or uuid.uuid4()),
        "taken_at": taken_at,
        "photo": SimpleUploadedFile("checkin.jpg", make_photo(kind), content_type="image/png"),
        **extra,
    }
    return {k: v for k, v in data.items() if v is not None}


def _post(client, data, csrf=True, **headers):
    if csrf:
        headers["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client.post(URL, data, **headers)


def test_a_check_in_is_created_once_and_a_retry_returns_it(phone):
    client = phone()
    client_id = uuid.uuid4()
    with at_time("2024-03-10 09:01"):
        first = _post(client, _form(client_id, latitude="30.5", longitude="114.3", accuracy_m=8))
        again = _post(client, _form(client_id, kind="other"))
    assert first.status_code == 201, first.content
    assert again.status_code == 200
    body = first.json()
    assert set(body) == {"id", "client_id", "on", "face_status", "needs_review", "received_at"}
    assert body["client_id"] == str(client_id)
    assert body["on"] == "2024-03-10"
    # The phone is answered before the face is compared; the retry sees the comparison made.
    assert body["face_status"] == "pending" and body["needs_review"] is False
    assert again.json() == {**body, "face_status": "match"}
    assert CheckIn.objects.count() == 1
    assert float(CheckIn.objects.get().latitude) == 30.5


def test_a_mismatch_is_answered_pending_and_then_waits_for_review(phone):
    client = phone()
    with at_time("2024-03-10 09:01"):
        response = _post(client, _form(kind="other"))
    assert response.status_code == 201
    assert response.json()["face_status"] == "pending"
    assert response.json()["needs_review"] is False
    checkin = CheckIn.objects.get(pk=response.json()["id"])
    assert checkin.face_status == "no_match"


def test_the_cookie_session_needs_the_csrf_token(phone):
    client = phone()
    with at_time("2024-03-10 09:01"):
        response = _post(client, _form(), csrf=False)
        wrong = _post(client, _form(), csrf=False, HTTP_X_CSRFTOKEN="x" * 32)
    assert response.status_code == 403 and wrong.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "CSRF" in response.json()["message"]
    assert not CheckIn.objects.exists()


def test_staff_cannot_check_in_for_a_person(cast, portal):
    portal()
    _token, raw = issue_token(actor=cast.worker_a, user=cast.worker_a)
    bearer = Client().post(URL, _form(), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bearer.status_code == 401
    assert bearer.json()["code"] == "unauthenticated"
    staff = Client()
    staff.force_login(cast.worker_a)
    staff.get("/")  # the page sets the CSRF cookie
    with at_time("2024-03-10 09:01"):
        response = staff.post(URL, _form(), HTTP_X_CSRFTOKEN=staff.cookies["csrftoken"].value)
    assert response.status_code == 401  # a staff session is not a portal session
    assert not CheckIn.objects.exists()


def test_without_a_session_the_answer_is_401(db):
    response = Client().post(URL, _form())
    assert response.status_code == 401
    assert set(response.json()) >= {"code", "message", "message_en"}


def test_the_first_password_must_be_changed_before_checking_in(phone):
    client = phone(change_password=False)
    with at_time("2024-03-10 09:01"):
        response = _post(client, _form())
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"taken_at": "2024-03-10T09:00:00"}, "taken_at", None),  # no time zone
        ({"taken_at": "yesterday"}, "taken_at", None),
        ({"client_id": "not-a-uuid"}, "client_id", None),
        ({"latitude": "91"}, "latitude", None),
        ({"photo": None}, "photo", None),
        ({"taken_at": "2024-03-06T09:00:00+08:00"}, "taken_at", "too_late"),
        ({"taken_at": "2024-03-10T09:30:00+08:00"}, "taken_at", "future_time"),
    ],
)
def test_bad_check_ins_are_refused_at_the_field(phone, data, field, code):
    client = phone()
    form = _form()
    form.update(data)
    form = {k: v for k, v in form.items() if v is not None}
    with at_time("2024-03-10 09:01"):
        response = _post(client, form)
    assert response.status_code == 422, response.content
    body = response.json()
    # core.api names multipart fields "form.<name>" / "file.<name>" until it strips those too.
    assert field in {e["field"].split(".")[-1] for e in body["errors"]}
    assert body["message"] and body["message_en"]
    if code:
        assert body["code"] == code
    assert not CheckIn.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(phone, settings):
    settings.PHOTO_MAX_BYTES = 100
    client = phone()
    with at_time("2024-03-10 09:01"):
        response = _post(client, _form())
    assert response.status_code == 422
    assert response.json()["code"] == "too_large"


def test_staff_list_a_measures_check_ins_within_scope(cast, phone):
    client = phone()
    with at_time("2024-03-10 09:01"):
        _post(client, _form(kind="other"))
        _post(client, _form(taken_at="2024-03-10T09:01:00+08:00"))
    measure = client.portal.case.measure
    _t, mine = issue_token(actor=cast.worker_a, user=cast.worker_a)
    _t, theirs = issue_token(actor=cast.outsider, user=cast.outsider)
    response = Client().get(f"{URL}?measure={measure.pk}", HTTP_AUTHORIZATION=f"Bearer {mine}")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [i["face_status"] for i in body["items"]] == ["match", "no_match"]
    assert body["items"][1]["needs_review"] is True
    assert body["items"][0]["person"] == str(client.portal.case.person.uuid)
    assert AccessLogEntry.objects.filter(
        action=AccessAction.VIEW_PERSON, channel="api", person_pk=measure.person_id
    ).exists()
    outside = Client().get(f"{URL}?measure={measure.pk}", HTTP_AUTHORIZATION=f"Bearer {theirs}")
    assert outside.status_code == 404
    assert Client().get(f"{URL}?measure={measure.pk}").status_code == 401


def test_a_check_in_is_answered_with_a_few_statements_and_its_task_queued(phone, settings):
    # The portal's busiest request stays lean: the session, the account, the case, the row with
    # its change-log entry and the verification task — no face comparison, no case lock.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    client = phone()
    with at_time("2024-03-10 09:01"), CaptureQueriesContext(connection) as queries:
        response = _post(client, _form())
    assert response.status_code == 201, response.content
    assert response.json()["face_status"] == "pending"
    writes = [q["sql"].split()[2].strip('"') for q in queries if q["sql"].startswith("INSERT")]
    assert writes == [
        "checkins_checkin",
        "core_changelogentry",
        "django_tasks_database_dbtaskresult",
    ]
    reads = [q for q in queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 3, [q["sql"][:80] for q in reads]  # session, account, case
    assert not any("FOR UPDATE" in q["sql"] for q in queries)
    assert DBTaskResult.objects.get().args_kwargs == {"args": [response.json()["id"]], "kwargs": {}}
