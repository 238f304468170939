"""The portal's services: accounts and sign-in, face enrolment, check-ins (idempotent, never
penalised by the face model) and the worker's review. The face model is the colour stand-in of
conftest.py; test_face.py runs the real one."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from PIL import Image

from jiedu.checkins import rules, services
from jiedu.checkins.access import restricted
from jiedu.checkins.choices import FaceStatus, ReviewOutcome
from jiedu.checkins.models import CheckIn, EnrolledFace, PortalAccount
from jiedu.community.choices import AlertKind
from jiedu.community.models import CaseAlert, CreditEntry
from jiedu.core import rules as rule_config
from jiedu.core.models import ChangeLogEntry
from jiedu.core.refusals import Refusal
from jiedu.measures import services as measures

from .conftest import PASSWORD, at_time, make_photo, moment


def _check_in(portal, kind="same", when="2024-03-10 09:00", client_id=None, **kwargs):
    """A check-in, as the database holds it once its verification task has run (the tests'
    task backend runs it inside `record_checkin`; the instance returned is the one saved)."""
    checkin, created = services.record_checkin(
        portal.account,
        client_id=client_id or uuid.uuid4(),
        taken_at=moment(when),
        photo_bytes=make_photo(kind) if isinstance(kind, str) else kind,
        **kwargs,
    )
    checkin.refresh_from_db()
    return checkin, created


def _refusal(exc_info) -> tuple[str, str | None]:
    return exc_info.value.refusal_code, exc_info.value.refusal_field


# --- Accounts ----------------------------------------------------------------------------------


def test_opening_an_account_requires_a_first_password_change(cast, community_case):
    case = community_case()
    with at_time("2024-03-02 09:00"):
        account = services.open_account(
            case.person, phone="138 0013 8000", password="First-pass-2024", actor=cast.worker_a
        )
    assert account.phone == "13800138000"
    assert account.must_change_password
    assert account.password != "First-pass-2024"  # hashed
    log = ChangeLogEntry.objects.get(object_type="checkins.portalaccount", object_id=account.pk)
    assert log.changes["password"]["after"] != "First-pass-2024"  # redacted in the change log


@pytest.mark.parametrize(
    ("phone", "password", "code", "field"),
    [
        ("12345", "First-pass-2024", "phone", "phone"),
        ("0571-87654321", "First-pass-2024", "phone", "phone"),  # a landline cannot sign in
        ("13800138000", "12345678", "password_invalid", "password"),  # all digits
        ("13800138000", "short", "password_invalid", "password"),
    ],
)
def test_opening_an_account_refuses_a_bad_phone_or_password(
    cast, community_case, phone, password, code, field
):
    case = community_case()
    with at_time("2024-03-02 09:00"), pytest.raises(Refusal) as exc:
        services.open_account(case.person, phone=phone, password=password, actor=cast.worker_a)
    assert _refusal(exc) == (code, field)


def test_a_phone_number_opens_one_account_only(cast, community_case):
    first = community_case(name="甲")
    second = community_case(name="乙")
    with at_time("2024-03-02 09:00"):
        services.open_account(
            first.person, phone="13800138000", password="First-pass-2024", actor=cast.worker_a
        )
        with pytest.raises(Refusal) as exc:
            services.open_account(
                second.person, phone="13800138000", password="First-pass-2024", actor=cast.worker_a
            )
    assert _refusal(exc) == ("phone_taken", "phone")


def test_only_a_worker_with_portal_permission_over_the_case_opens_an_account(cast, community_case):
    case = community_case()
    for actor in (cast.outsider, cast.police):  # county B; the police decide, not run the portal
        with at_time("2024-03-02 09:00"), pytest.raises(PermissionDenied):
            services.open_account(
                case.person, phone="13800138000", password="First-pass-2024", actor=actor
            )


def test_no_account_without_an_open_community_case(cast):
    from jiedu.testing.cast import make_person

    person = make_person(cast.worker_a, cast.township_a, "王五")
    with pytest.raises(Refusal) as exc:
        services.open_account(
            person, phone="13800138000", password="First-pass-2024", actor=cast.worker_a
        )
    assert _refusal(exc) == ("no_open_case", None)


# --- Signing in --------------------------------------------------------------------------------


def test_sign_in_with_phone_and_password_records_the_login(portal):
    p = portal()
    with at_time("2024-03-05 08:00"):
        account = services.authenticate(p.phone, p.password)
    assert account == p.account
    assert account.last_login == moment("2024-03-05 08:00")


def test_a_wrong_password_and_an_unknown_phone_get_the_same_answer(portal):
    p = portal()
    assert services.authenticate(p.phone, "wrong") is None
    assert services.authenticate("13999999999", p.password) is None
    assert services.authenticate("", "") is None


def test_five_failures_lock_the_account_for_fifteen_minutes(portal):
    p = portal()
    with at_time("2024-03-05 08:00"):
        for _ in range(services.LOCKOUT_AFTER - 1):
            assert services.authenticate(p.phone, "wrong") is None
        assert services.authenticate(p.phone, p.password) is not None  # 4 failures: still open
        for _ in range(services.LOCKOUT_AFTER):
            assert services.authenticate(p.phone, "wrong") is None
        # Locked: even the right password gets the same "no".
        assert services.authenticate(p.phone, p.password) is None
    p.account.refresh_from_db()
    assert p.account.locked_until == moment("2024-03-05 08:15")
    with at_time("2024-03-05 08:14"):
        assert services.authenticate(p.phone, p.password) is None
    with at_time("2024-03-05 08:16"):
        assert services.authenticate(p.phone, p.password) is not None


def test_a_deactivated_account_cannot_sign_in(portal):
    p = portal()
    p.account.is_active = False
    p.account.save()
    assert services.authenticate(p.phone, p.password) is None


def test_changing_the_password_needs_the_old_one(portal):
    p = portal(change_password=False)
    assert p.account.must_change_password
    with pytest.raises(Refusal) as exc:
        services.change_password(p.account, old="wrong", new="Another-pass-2024")
    assert _refusal(exc) == ("wrong_password", "old")
    with pytest.raises(Refusal) as exc:
        services.change_password(p.account, old="First-pass-2024", new="First-pass-2024")
    assert _refusal(exc) == ("same_password", "new")
    account = services.change_password(p.account, old="First-pass-2024", new="Another-pass-2024")
    assert not account.must_change_password
    assert services.authenticate(p.phone, "Another-pass-2024") == account


def test_a_password_reset_unlocks_and_asks_for_a_new_password_again(cast, portal):
    p = portal()
    with at_time("2024-03-05 08:00"):
        for _ in range(services.LOCKOUT_AFTER):
            services.authenticate(p.phone, "wrong")
        account = services.reset_password(
            p.account, password="Reset-pass-2024", actor=cast.worker_a
        )
        assert account.must_change_password
        assert account.locked_until is None
        assert services.authenticate(p.phone, PASSWORD) is None
        assert services.authenticate(p.phone, "Reset-pass-2024") is not None
    with pytest.raises(PermissionDenied):
        services.reset_password(p.account, password="Reset-pass-2024", actor=cast.outsider)


# --- Faces -------------------------------------------------------------------------------------


def test_enrolling_a_face_replaces_the_previous_one(cast, portal):
    p = portal()
    first = services.current_face(p.account)
    with at_time("2024-04-01 10:00"):
        second = services.enrol_face(
            p.account, photo_bytes=make_photo("similar"), on=date(2024, 4, 1), actor=cast.worker_a
        )
    first.refresh_from_db()
    assert first.replaced_at == moment("2024-04-01 10:00")
    assert services.current_face(p.account) == second
    assert EnrolledFace.objects.filter(account=p.account).count() == 2
    assert second.descriptor[0] == pytest.approx(0.45)


@pytest.mark.parametrize(
    ("photo_bytes", "code"),
    [
        (make_photo("noface"), "no_face"),
        (b"not an image", "invalid_image"),
        (b"", "invalid_image"),
    ],
)
def test_a_face_is_not_enrolled_from_a_photo_without_one(cast, portal, photo_bytes, code):
    p = portal(enrol=False)
    with at_time("2024-03-02 10:00"), pytest.raises(Refusal) as exc:
        services.enrol_face(
            p.account, photo_bytes=photo_bytes, on=date(2024, 3, 2), actor=cast.worker_a
        )
    assert _refusal(exc) == (code, "photo")
    assert not EnrolledFace.objects.filter(account=p.account).exists()


def test_enrolled_photos_are_stored_as_jpeg_without_metadata(cast, portal):
    p = portal(enrol=False)
    exif = Image.Exif()
    exif[0x8825] = {2: (30, 15, 0)}  # GPS latitude: where the photo was taken
    exif[0x010F] = "PhoneMaker"
    with at_time("2024-03-02 10:00"):
        enrolled = services.enrol_face(
            p.account,
            photo_bytes=make_photo("same", fmt="JPEG", exif=exif),
            on=date(2024, 3, 2),
            actor=cast.worker_a,
        )
    with enrolled.photo.open("rb") as f, Image.open(f) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()


# --- Check-ins ---------------------------------------------------------------------------------


def test_a_matching_check_in_counts_for_its_day_and_scores_credit(portal):
    p = portal()
    with at_time("2024-03-10 09:05"):
        checkin, created = _check_in(
            p, when="2024-03-10 09:00", latitude=30.123456, longitude=114.5, accuracy_m=12.7
        )
    assert created
    assert checkin.on == date(2024, 3, 10)
    assert checkin.face_status == FaceStatus.MATCH
    assert checkin.face_distance == pytest.approx(0.0)
    assert checkin.face_threshold == pytest.approx(0.6)
    assert float(checkin.latitude) == pytest.approx(30.123456)
    assert checkin.accuracy_m == 12
    assert checkin.recorded_by == "本人（本人端）"
    entry = CreditEntry.objects.get(case=p.case, code="checkin_on_time")
    assert entry.on == date(2024, 3, 10)
    assert not CaseAlert.objects.filter(case=p.case, kind=AlertKind.FACE_REVIEW).exists()
    log = ChangeLogEntry.objects.get(
        object_type="checkins.checkin", object_id=checkin.pk, action="create"
    )
    assert log.username == f"portal:{p.account.pk}"
    # The comparison is the system's (the background task), written as its own change.
    verified = ChangeLogEntry.objects.get(
        object_type="checkins.checkin", object_id=checkin.pk, action="update"
    )
    assert verified.username == "system" or verified.user_id is None
    assert verified.changes["face_status"] == {"before": "pending", "after": "match"}


def test_a_retry_with_the_same_client_id_returns_the_first_check_in(portal, faces):
    p = portal()
    client_id = uuid.uuid4()
    with at_time("2024-03-10 09:05"):
        first, created = _check_in(p, kind="other", client_id=client_id)
        calls = faces.calls
        again, created_again = _check_in(p, kind="other", client_id=str(client_id))
    assert created and not created_again
    assert again.pk == first.pk
    assert CheckIn.objects.filter(account=p.account).count() == 1
    assert faces.calls == calls  # the face was not compared again
    again.refresh_from_db()
    assert again.face_distance == pytest.approx(first.face_distance)
    assert CaseAlert.objects.filter(case=p.case, kind=AlertKind.FACE_REVIEW).count() == 1


def test_a_second_copy_is_stopped_by_the_database_and_leaves_nothing_behind(
    portal, settings, django_capture_on_commit_callbacks
):
    # The request does not look for the client_id first (the first send, nearly every request,
    # would pay for it): a copy racing the first one is refused by the unique constraint.
    p = portal()
    client_id = uuid.uuid4()
    with at_time("2024-03-10 09:05"):
        with django_capture_on_commit_callbacks(execute=True):  # the photo as sent goes
            first, _ = _check_in(p, client_id=client_id)
        again, created = _check_in(p, kind="other", client_id=client_id)
    assert not created and again.pk == first.pk
    assert CheckIn.objects.count() == 1
    assert not CaseAlert.objects.filter(case=p.case, kind=AlertKind.FACE_REVIEW).exists()
    photos = list((settings.MEDIA_ROOT / "checkins" / str(p.case.pk)).iterdir())
    assert [f.name for f in photos] == [first.photo.name.rsplit("/", 1)[-1]]  # no orphan file


def test_a_retry_after_the_offline_window_still_returns_the_first_check_in(portal):
    p = portal()
    client_id = uuid.uuid4()
    with at_time("2024-03-10 09:05"):
        first, _ = _check_in(p, client_id=client_id)
    with at_time("2024-03-20 09:05"):  # ten days on: a new check-in from then is refused
        again, created = _check_in(p, client_id=client_id)
    assert not created and again.pk == first.pk
    with at_time("2024-03-20 09:05"), pytest.raises(Refusal):
        _check_in(p)


def test_a_mismatched_face_waits_for_review_and_is_never_penalised(portal):
    p = portal()
    with at_time("2024-03-10 09:05"):
        checkin, _ = _check_in(p, kind="other")
    assert checkin.face_status == FaceStatus.NO_MATCH
    assert checkin.face_distance == pytest.approx(0.9)
    alert = CaseAlert.objects.get(case=p.case, kind=AlertKind.FACE_REVIEW)
    assert alert.source == f"checkin:{checkin.pk}"
    assert "人脸不一致" in alert.detail
    assert not CreditEntry.objects.filter(case=p.case, source=f"checkin:{checkin.pk}").exists()
    assert not CreditEntry.objects.filter(case=p.case, points__lt=0).exists()


@pytest.mark.parametrize(
    ("kind", "enrol", "status"),
    [
        ("noface", True, FaceStatus.NO_FACE),
        ("same", False, FaceStatus.NOT_ENROLLED),
        (b"\x89PNG broken", True, FaceStatus.UNREADABLE),
        (b"", True, FaceStatus.UNREADABLE),
    ],
)
def test_check_ins_the_model_cannot_confirm_go_to_review(portal, kind, enrol, status):
    p = portal(enrol=enrol)
    with at_time("2024-03-10 09:05"):
        checkin, _ = _check_in(p, kind=kind)
    assert checkin.face_status == status
    assert CaseAlert.objects.filter(case=p.case, kind=AlertKind.FACE_REVIEW).exists()
    assert not CreditEntry.objects.filter(case=p.case, code="checkin_on_time").exists()
    if status == FaceStatus.UNREADABLE:
        assert not checkin.photo


@pytest.mark.parametrize(
    ("threshold_x100", "kind", "status"),
    [
        # dlib's documented operating point 0.6 (rule default): 0.45 is the same person.
        (None, "similar", FaceStatus.MATCH),
        (None, "other", FaceStatus.NO_MATCH),
        (45, "similar", FaceStatus.MATCH),  # at the threshold: still a match (≤)
        (44, "similar", FaceStatus.NO_MATCH),  # a stricter township
        (80, "other", FaceStatus.NO_MATCH),  # 0.9 is beyond even the loosest allowed value
    ],
)
def test_the_face_threshold_is_the_rule_in_force_at_the_case_unit(
    cast, portal, threshold_x100, kind, status
):
    p = portal()
    if threshold_x100 is not None:
        rule_config.set_rule_value(
            rules.FACE_DISTANCE_X100,
            cast.township_a,
            value=threshold_x100,
            effective_from=date(2024, 3, 1),
            source="测试",
            actor=cast.admin,
        )
    with at_time("2024-03-10 09:05"):
        checkin, _ = _check_in(p, kind=kind)
    assert checkin.face_status == status


def test_the_day_of_a_check_in_is_its_day_in_shanghai(portal):
    p = portal()
    with at_time("2024-03-11 00:40"):
        late, _ = _check_in(p, when="2024-03-10 23:50")
        early, _ = _check_in(p, when="2024-03-11 00:30")
    assert late.on == date(2024, 3, 10)
    assert early.on == date(2024, 3, 11)


def test_a_check_in_kept_offline_counts_for_the_day_it_was_taken(portal):
    p = portal()
    with at_time("2024-03-12 20:00"):
        checkin, created = _check_in(p, when="2024-03-10 09:00")
    assert created and checkin.on == date(2024, 3, 10)
    assert checkin.received_at == moment("2024-03-12 20:00")
    assert CreditEntry.objects.get(case=p.case, code="checkin_on_time").on == date(2024, 3, 10)


@pytest.mark.parametrize(
    ("when", "now", "code"),
    [
        ("2024-03-10 09:11", "2024-03-10 09:00", "future_time"),  # >10 minutes ahead
        ("2024-03-07 08:59", "2024-03-10 09:00", "too_late"),  # >3 days old
        ("2024-02-29 09:00", "2024-03-01 09:00", "before_measure"),
    ],
)
def test_check_ins_from_the_future_or_too_old_are_refused(portal, when, now, code):
    p = portal()
    with at_time(now), pytest.raises(Refusal) as exc:
        _check_in(p, when=when)
    assert _refusal(exc) == (code, "taken_at")
    assert not CheckIn.objects.exists()


def test_check_ins_at_the_edges_of_the_window_are_taken(portal):
    p = portal()
    with at_time("2024-03-10 09:00"):
        _check_in(p, when="2024-03-10 09:10")  # a phone 10 minutes fast
        _check_in(p, when="2024-03-07 09:00")  # exactly 3 days old
    assert CheckIn.objects.count() == 2


def test_a_naive_time_is_refused(portal):
    from datetime import datetime

    p = portal()
    with at_time("2024-03-10 09:00"), pytest.raises(Refusal) as exc:
        services.record_checkin(
            p.account,
            client_id=uuid.uuid4(),
            taken_at=datetime(2024, 3, 10, 9, 0),  # noqa: DTZ001 (the point of the test)
            photo_bytes=make_photo(),
        )
    assert _refusal(exc) == ("naive_datetime", "taken_at")


def test_only_the_first_counting_check_in_of_a_day_scores(portal):
    p = portal()
    with at_time("2024-03-10 20:00"):
        _check_in(p, when="2024-03-10 09:00")
        _check_in(p, when="2024-03-10 19:00")
        _check_in(p, when="2024-03-09 19:00")
    entries = CreditEntry.objects.filter(case=p.case, code="checkin_on_time")
    assert sorted(e.on for e in entries) == [date(2024, 3, 9), date(2024, 3, 10)]


def test_no_check_in_without_an_open_case(cast, portal):
    p = portal()
    with at_time("2024-03-20 09:00"):
        measures.terminate(
            p.case.measure, on=date(2024, 3, 20), reason="imprisonment", actor=cast.police
        )
        with pytest.raises(Refusal) as exc:
            _check_in(p, when="2024-03-20 08:55")
    assert _refusal(exc) == ("no_open_case", None)


def test_check_in_photos_are_stored_as_jpeg_without_metadata(portal):
    p = portal()
    exif = Image.Exif()
    exif[0x8825] = {2: (30, 15, 0)}
    with at_time("2024-03-10 09:05"):
        checkin, _ = _check_in(p, kind=make_photo("same", fmt="JPEG", exif=exif))
    assert checkin.photo.name.startswith(f"checkins/{p.case.pk}/")
    with checkin.photo.open("rb") as f:
        data = f.read()
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()


# --- Review ------------------------------------------------------------------------------------


def test_accepting_a_check_in_on_review_scores_it_like_a_match(cast, portal):
    p = portal()
    with at_time("2024-03-10 09:05"):
        checkin, _ = _check_in(p, kind="other")
    with at_time("2024-03-10 15:00"):
        reviewed = services.review_checkin(
            checkin, outcome=ReviewOutcome.ACCEPTED, note="戴口罩，核实为本人", actor=cast.worker_a
        )
    assert reviewed.review_outcome == ReviewOutcome.ACCEPTED
    assert reviewed.reviewed_by == str(cast.worker_a)
    assert reviewed.reviewed_at == moment("2024-03-10 15:00")
    assert CreditEntry.objects.filter(
        case=p.case, code="checkin_on_time", source=f"checkin:{checkin.pk}"
    ).exists()
    alert = CaseAlert.objects.get(case=p.case, kind=AlertKind.FACE_REVIEW)
    assert alert.seen_at is not None


def test_rejecting_a_check_in_keeps_the_note_and_penalises_nothing(cast, portal):
    p = portal()
    with at_time("2024-03-10 09:05"):
        checkin, _ = _check_in(p, kind="other")
        before = set(CreditEntry.objects.filter(case=p.case).values_list("pk", flat=True))
        reviewed = services.review_checkin(
            checkin, outcome=ReviewOutcome.REJECTED, note="非本人", actor=cast.worker_a
        )
    assert reviewed.review_note == "非本人"
    after = set(CreditEntry.objects.filter(case=p.case).values_list("pk", flat=True))
    assert after == before  # the worker decides any follow-up


def test_a_review_is_made_once(cast, portal):
    p = portal()
    with at_time("2024-03-10 09:05"):
        checkin, _ = _check_in(p, kind="noface")
        services.review_checkin(checkin, outcome=ReviewOutcome.ACCEPTED, actor=cast.worker_a)
        # The same click again: nothing changes.
        services.review_checkin(checkin, outcome=ReviewOutcome.ACCEPTED, actor=cast.supervisor)
        with pytest.raises(Refusal) as exc:
            services.review_checkin(checkin, outcome=ReviewOutcome.REJECTED, actor=cast.worker_a)
    assert _refusal(exc) == ("already_reviewed", "outcome")
    checkin.refresh_from_db()
    assert checkin.reviewed_by == str(cast.worker_a)
    assert CreditEntry.objects.filter(case=p.case, code="checkin_on_time").count() == 1


def test_a_matching_check_in_is_not_reviewed(cast, portal):
    p = portal()
    with at_time("2024-03-10 09:05"):
        checkin, _ = _check_in(p)
        with pytest.raises(Refusal) as exc:
            services.review_checkin(checkin, outcome=ReviewOutcome.REJECTED, actor=cast.worker_a)
    assert _refusal(exc) == ("not_for_review", "outcome")


def test_only_those_who_manage_the_case_review(cast, portal):
    p = portal()
    with at_time("2024-03-10 09:05"):
        checkin, _ = _check_in(p, kind="other")
    for actor in (cast.outsider, cast.police):
        with pytest.raises(PermissionDenied):
            services.review_checkin(checkin, outcome=ReviewOutcome.ACCEPTED, actor=actor)


def test_accepting_a_second_check_in_of_a_credited_day_scores_nothing_more(cast, portal):
    p = portal()
    with at_time("2024-03-10 18:00"):
        _check_in(p, when="2024-03-10 09:00")
        other, _ = _check_in(p, kind="other", when="2024-03-10 17:00")
        services.review_checkin(other, outcome=ReviewOutcome.ACCEPTED, actor=cast.worker_a)
    assert CreditEntry.objects.filter(case=p.case, code="checkin_on_time").count() == 1


def test_a_portal_account_is_scoped_like_its_person(cast, portal):
    p = portal()
    accounts = PortalAccount.objects.filter(pk=p.account.pk)
    assert restricted(accounts, cast.worker_a).exists()
    assert not restricted(accounts, cast.outsider).exists()
    with at_time("2024-03-10 09:05"):
        checkin, _ = _check_in(p)
    checkins = CheckIn.objects.filter(pk=checkin.pk)
    assert restricted(checkins, cast.worker_a).exists()
    assert restricted(checkins, cast.police).exists()  # the deciding organ reads the case
    assert not restricted(checkins, cast.outsider).exists()


def test_leave_asked_through_the_portal_is_the_persons_own_request(portal):
    p = portal()
    client_id = uuid.uuid4()
    with at_time("2024-03-10 09:00"):
        try:
            first = services.ask_leave(
                p.account,
                leave_on=date(2024, 3, 12),
                return_on=date(2024, 3, 16),
                destination="省城",
                reason="探望父亲",
                client_id=client_id,
            )
        except NotImplementedError:
            pytest.skip("community.services.absences.request_leave is not implemented yet")
        again = services.ask_leave(
            p.account,
            leave_on=date(2024, 3, 12),
            return_on=date(2024, 3, 16),
            destination="省城",
            reason="探望父亲",
            client_id=client_id,
        )
    assert again.pk == first.pk
    assert first.via_portal
    assert first.leave_on + timedelta(days=4) == first.return_on
