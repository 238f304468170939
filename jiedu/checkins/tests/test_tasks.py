"""Face verification as a background task, on the real database backend and its worker: the
phone is answered `pending`, the task is kept in the check-in's own transaction, and
`manage.py db_worker` compares the face later. (The other tests run tasks at once.)"""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from PIL import Image

from jiedu.checkins import services
from jiedu.checkins.choices import FaceStatus, ReviewOutcome
from jiedu.checkins.models import CheckIn
from jiedu.community.choices import AlertKind
from jiedu.community.models import CaseAlert, CreditEntry
from jiedu.core.refusals import Refusal

from .conftest import at_time, make_photo, moment


@pytest.fixture
def queued(settings, monkeypatch, django_capture_on_commit_callbacks):
    """The database backend, and a worker that can run inside the test's transaction: each
    turn of `db_worker` starts by closing connections left in a transaction (a worker's
    safeguard), which here would be the test's own; that one call is made a no-op."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return django_capture_on_commit_callbacks


def _work(queued) -> None:
    """What `manage.py db_worker` does in a deployment, until the queue is empty; what the
    tasks leave for after their commit (deleting the photo as sent) runs too."""
    with queued(execute=True):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def _check_in(p, kind: str, client_id=None):
    return services.record_checkin(
        p.account,
        client_id=client_id or uuid.uuid4(),
        taken_at=moment("2024-03-10 09:00"),
        photo_bytes=make_photo(kind, fmt="JPEG", exif=_gps()),
    )


def _gps():
    exif = Image.Exif()
    exif[0x8825] = {2: (30, 15, 0)}  # a GPS position in the phone's file
    return exif


def test_a_check_in_is_pending_until_the_worker_compares_the_face(cast, portal, queued, faces):
    p = portal()
    enrolment = faces.calls
    with at_time("2024-03-10 09:05"):
        checkin, created = _check_in(p, "other")
    assert created
    checkin.refresh_from_db()
    assert checkin.face_status == FaceStatus.PENDING
    assert faces.calls == enrolment  # nothing compared in the request
    task = DBTaskResult.objects.get()
    assert task.task_path == "jiedu.checkins.tasks.verify_checkin"
    assert task.args_kwargs == {"args": [checkin.pk], "kwargs": {}}
    assert not CaseAlert.objects.filter(case=p.case, kind=AlertKind.FACE_REVIEW).exists()
    raw_name = checkin.photo.name
    with checkin.photo.open("rb") as f:
        assert Image.open(io.BytesIO(f.read())).getexif()  # as sent, until the worker
    with at_time("2024-03-10 09:06"), pytest.raises(Refusal) as refused:
        services.review_checkin(checkin, outcome=ReviewOutcome.ACCEPTED, actor=cast.worker_a)
    assert refused.value.refusal_code == "pending"

    with at_time("2024-03-10 09:06"):
        _work(queued)

    checkin.refresh_from_db()
    assert checkin.face_status == FaceStatus.NO_MATCH
    assert checkin.face_distance == pytest.approx(0.9)
    assert faces.calls == enrolment + 1
    assert CaseAlert.objects.filter(case=p.case, kind=AlertKind.FACE_REVIEW).count() == 1
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL" and task.return_value == "no_match"
    # The photo is kept re-encoded, without the phone's metadata; the file as sent is gone.
    assert checkin.photo.name != raw_name
    assert not checkin.photo.storage.exists(raw_name)
    with checkin.photo.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
        assert stored.format == "JPEG" and not stored.getexif()


def test_a_matching_check_in_scores_its_credit_when_verified_and_only_once(portal, queued, faces):
    p = portal()
    enrolment = faces.calls
    with at_time("2024-03-10 09:05"):
        checkin, _ = _check_in(p, "same")
    assert not CreditEntry.objects.filter(case=p.case, code="checkin_on_time").exists()
    with at_time("2024-03-10 09:06"):
        _work(queued)
        assert services.verify_checkin(checkin.pk) is None  # a second run finds nothing to do
    checkin.refresh_from_db()
    assert checkin.face_status == FaceStatus.MATCH
    assert CreditEntry.objects.filter(case=p.case, code="checkin_on_time").count() == 1
    assert faces.calls == enrolment + 1


def test_a_retried_check_in_queues_no_second_task(portal, queued, faces):
    p = portal()
    client_id = uuid.uuid4()
    with at_time("2024-03-10 09:05"):
        first, _ = _check_in(p, "same", client_id=client_id)
        again, created = _check_in(p, "other", client_id=client_id)
    assert not created and again.pk == first.pk
    assert DBTaskResult.objects.count() == 1
    assert CheckIn.objects.count() == 1


def test_check_ins_left_pending_by_a_failed_worker_are_verified_by_the_command(
    portal, queued, faces
):
    p = portal()
    with at_time("2024-03-10 09:05"):
        checkin, _ = _check_in(p, "other")
    DBTaskResult.objects.all().delete()  # the task is lost (a failed run, a restored backup)
    with at_time("2024-03-10 09:10"):
        call_command("verify_checkins", stdout=io.StringIO())  # five minutes: still the worker's
    checkin.refresh_from_db()
    assert checkin.face_status == FaceStatus.PENDING
    out = io.StringIO()
    with at_time("2024-03-10 09:30"):
        call_command("verify_checkins", stdout=out)
    checkin.refresh_from_db()
    assert checkin.face_status == FaceStatus.NO_MATCH
    assert "no_match" in out.getvalue()
    assert CaseAlert.objects.filter(case=p.case, kind=AlertKind.FACE_REVIEW).count() == 1


def test_a_photo_that_cannot_be_read_is_sent_to_review_without_a_file(portal, queued, faces):
    p = portal()
    with at_time("2024-03-10 09:05"):
        checkin, _ = services.record_checkin(
            p.account,
            client_id=uuid.uuid4(),
            taken_at=moment("2024-03-10 09:00"),
            photo_bytes=b"not an image at all",
        )
    stored = checkin.photo.name
    with at_time("2024-03-10 09:06"):
        _work(queued)
    checkin.refresh_from_db()
    assert checkin.face_status == FaceStatus.UNREADABLE
    assert not checkin.photo
    assert not checkin.photo.storage.exists(stored)
    assert CaseAlert.objects.filter(case=p.case, kind=AlertKind.FACE_REVIEW).count() == 1
