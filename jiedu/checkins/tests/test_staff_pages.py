"""The worker's side: the case page's check-in section, the case's check-ins, the account forms,
the review queue and the permission-checked photos."""

from __future__ import annotations

import uuid

import pytest

from jiedu.checkins import services
from jiedu.checkins.choices import FaceStatus, ReviewOutcome
from jiedu.checkins.models import CheckIn, PortalAccount
from jiedu.checkins.views import case_section
from jiedu.core.models import AccessAction, AccessLogEntry

from .conftest import at_time, make_photo, moment


def _check_in(p, kind="same", when="2024-03-10 09:00"):
    with at_time("2024-03-10 20:00"):
        checkin, _ = services.record_checkin(
            p.account,
            client_id=uuid.uuid4(),
            taken_at=moment(when),
            photo_bytes=make_photo(kind),
        )
    return checkin


@pytest.fixture
def scene(cast, portal):
    p = portal()
    match = _check_in(p, "same", "2024-03-10 08:00")
    mismatch = _check_in(p, "other", "2024-03-10 09:00")
    return p, match, mismatch


def test_the_case_section_shows_the_account_and_recent_check_ins(rf, cast, scene):
    p, match, mismatch = scene
    request = rf.get(f"/community/cases/{p.case.pk}/")
    request.user = cast.worker_a
    html = case_section(request, p.case)
    assert 'id="checkins"' in html
    assert p.phone in html
    assert f"/portal/staff/checkins/{match.pk}/photo/" in html
    assert f"/portal/staff/checkins/{mismatch.pk}/photo/" in html
    assert "人脸不一致" in html and "人脸一致" in html
    assert "1条待复核" in html
    assert "portal-reset-form" in html and "portal-face-form" in html  # may manage the portal
    assert f"/portal/staff/checkins/{mismatch.pk}/review/" in html


def test_the_section_shows_no_forms_to_those_who_only_read(rf, cast, scene):
    p, *_ = scene
    request = rf.get(f"/community/cases/{p.case.pk}/")
    request.user = cast.police  # the deciding organ reads the case
    html = case_section(request, p.case)
    assert p.phone in html
    assert "portal-reset-form" not in html and "portal-face-form" not in html
    assert "/review/" not in html.replace("/portal/staff/review/", "")


def test_the_section_offers_to_open_an_account(rf, cast, community_case):
    case = community_case()
    request = rf.get("/")
    request.user = cast.worker_a
    html = case_section(request, case)
    assert "尚未开通本人端账号" in html and "portal-open-form" in html


def test_the_worker_opens_an_account_and_enrols_a_face_through_the_pages(
    client, cast, community_case, faces
):
    case = community_case()
    client.force_login(cast.worker_a)
    back = f"/community/cases/{case.pk}/"
    with at_time("2024-03-02 10:00"):
        response = client.post(
            f"/portal/staff/cases/{case.pk}/account/",
            {"open-phone": "13800138000", "open-password": "First-pass-2024", "next": back},
        )
        assert response.status_code == 302 and response["Location"] == back
        account = PortalAccount.objects.get(person=case.person)
        upload = make_photo("same")
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = client.post(
            f"/portal/staff/accounts/{account.pk}/face/",
            {
                "enrol-photo": SimpleUploadedFile("me.png", upload, content_type="image/png"),
                "enrol-on": "2024-03-02",
                "next": back,
            },
        )
    assert response.status_code == 302
    assert services.current_face(account) is not None


def test_a_refused_account_shows_the_error_at_its_field(client, cast, community_case):
    case = community_case()
    client.force_login(cast.worker_a)
    response = client.post(
        f"/portal/staff/cases/{case.pk}/account/",
        {"open-phone": "12345", "open-password": "First-pass-2024"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="field-phone"' in html and "手机号码" in html
    assert not PortalAccount.objects.exists()


def test_a_face_photo_without_a_face_is_refused_at_the_field(client, cast, portal):
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = portal(enrol=False)
    client.force_login(cast.worker_a)
    with at_time("2024-03-02 10:00"):
        response = client.post(
            f"/portal/staff/accounts/{p.account.pk}/face/",
            {
                "enrol-photo": SimpleUploadedFile("wall.png", make_photo("noface")),
                "enrol-on": "2024-03-02",
            },
        )
    assert response.status_code == 422
    assert "未检测到人脸" in response.content.decode()


def test_outsiders_get_404_on_every_worker_page(client, cast, scene):
    p, match, mismatch = scene
    client.force_login(cast.outsider)
    face = services.current_face(p.account)
    for method, url, data in (
        ("get", f"/portal/staff/cases/{p.case.pk}/", None),
        ("post", f"/portal/staff/cases/{p.case.pk}/account/", {"open-phone": "13800138009"}),
        ("post", f"/portal/staff/accounts/{p.account.pk}/password/", {"reset-password": "x"}),
        ("post", f"/portal/staff/accounts/{p.account.pk}/face/", {}),
        ("post", f"/portal/staff/checkins/{mismatch.pk}/review/", {"outcome": "accepted"}),
        ("get", f"/portal/staff/checkins/{match.pk}/photo/", None),
        ("get", f"/portal/staff/faces/{face.pk}/photo/", None),
        ("get", "/portal/staff/checkins/999999/photo/", None),
        ("get", f"/portal/staff/checkins/{2**70}/photo/", None),
    ):
        response = getattr(client, method)(url, data) if data is not None else client.get(url)
        assert response.status_code == 404, url
    mismatch.refresh_from_db()
    assert not mismatch.review_outcome


def test_the_police_read_but_do_not_review_or_manage(client, cast, scene):
    p, match, mismatch = scene
    client.force_login(cast.police)
    assert client.get(f"/portal/staff/cases/{p.case.pk}/").status_code == 200
    assert client.get(f"/portal/staff/checkins/{match.pk}/photo/").status_code == 200
    response = client.post(f"/portal/staff/checkins/{mismatch.pk}/review/", {"outcome": "accepted"})
    assert response.status_code == 404
    assert client.get("/portal/staff/review/").status_code == 404
    response = client.post(
        f"/portal/staff/accounts/{p.account.pk}/password/", {"reset-password": "Reset-pass-2024"}
    )
    assert response.status_code == 404


def test_photos_are_served_only_through_the_logged_view(client, cast, scene):
    p, match, _ = scene
    client.force_login(cast.worker_a)
    response = client.get(f"/portal/staff/checkins/{match.pk}/photo/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    entry = AccessLogEntry.objects.get(action=AccessAction.VIEW_PHOTO)
    assert entry.person_pk == p.case.person_id
    assert entry.username == "worker_a"
    face = services.current_face(p.account)
    assert client.get(f"/portal/staff/faces/{face.pk}/photo/").status_code == 200


def test_the_review_queue_lists_what_needs_review_oldest_first(client, cast, scene):
    p, _match, mismatch = scene
    older = _check_in(p, "noface", "2024-03-09 20:00")
    client.force_login(cast.worker_a)
    response = client.get("/portal/staff/review/")
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert rows == [older, mismatch]
    html = response.content.decode()
    assert f"/portal/staff/faces/{services.current_face(p.account).pk}/photo/" in html
    assert "0.900" in html and "0.60" in html  # distance and threshold
    client.force_login(cast.outsider)
    assert list(client.get("/portal/staff/review/").context["page"].object_list) == []


def test_accepting_from_the_queue_takes_the_check_in_off_it(client, cast, scene):
    _p, _match, mismatch = scene
    client.force_login(cast.worker_a)
    with at_time("2024-03-10 15:00"):
        response = client.post(
            f"/portal/staff/checkins/{mismatch.pk}/review/",
            {
                "outcome": ReviewOutcome.ACCEPTED,
                "note": "核实为本人",
                "next": "/portal/staff/review/",
            },
        )
    assert response.status_code == 302 and response["Location"] == "/portal/staff/review/"
    mismatch.refresh_from_db()
    assert mismatch.review_outcome == ReviewOutcome.ACCEPTED
    assert mismatch.review_note == "核实为本人"
    assert list(client.get("/portal/staff/review/").context["page"].object_list) == []


def test_the_review_queue_runs_a_fixed_number_of_queries(
    client, cast, portal, django_assert_max_num_queries
):
    p = portal()
    _check_in(p, "other", "2024-03-10 09:00")
    client.force_login(cast.worker_a)
    with django_assert_max_num_queries(12) as one:
        client.get("/portal/staff/review/")
    for name in ("乙", "丙", "丁"):
        q = portal(name=name)
        _check_in(q, "other", "2024-03-10 09:00")
        _check_in(q, "noface", "2024-03-10 10:00")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/portal/staff/review/")
    assert len(response.context["page"].object_list) == 7


def test_the_case_check_ins_page_runs_a_fixed_number_of_queries(
    client, cast, portal, django_assert_max_num_queries
):
    p = portal()
    _check_in(p, "other", "2024-03-10 09:00")
    client.force_login(cast.worker_a)
    with django_assert_max_num_queries(30) as one:
        client.get(f"/portal/staff/cases/{p.case.pk}/")
    for hour in range(10, 16):
        _check_in(p, "same" if hour % 2 else "other", f"2024-03-10 {hour}:00")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(f"/portal/staff/cases/{p.case.pk}/")
    assert response.context["page"].paginator.count == CheckIn.objects.filter(case=p.case).count()
    assert str(FaceStatus.NO_MATCH.label) in response.content.decode()


def test_the_review_queue_says_how_many_check_ins_wait_too_long_for_their_comparison(
    client, cast, portal, settings
):
    # No background worker runs here: the check-ins stay pending, as when the worker is down.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    p = portal()
    _check_in(p, "other")  # received 2024-03-10 20:00
    _check_in(p, "same")
    client.force_login(cast.worker_a)
    with at_time("2024-03-10 20:05"):  # a few minutes: the worker's, not late
        html = client.get("/portal/staff/review/").content.decode()
    assert 'id="late-pending"' not in html
    with at_time("2024-03-10 20:30"):
        response = client.get("/portal/staff/review/")
    assert response.context["late_pending"] == 2
    assert "另有2条签到等待人脸比对已超过10分钟" in response.content.decode()
    assert list(response.context["page"].object_list) == []  # pending: not reviewable yet
    client.force_login(cast.outsider)  # another county's worker: none of theirs
    with at_time("2024-03-10 20:30"):
        assert client.get("/portal/staff/review/").context["late_pending"] == 0
