"""Every write of the person portal: accounts, enrolled faces, check-ins and their review.

The person acts through the portal without a staff user: their writes are attributed to a
`PortalActor` (change log user `portal:<account id>`), which holds no permission anywhere. Face
verification never penalises anyone: anything but a match waits for the worker's review
(`FACE_REVIEW` alert), and only a match — or a check-in the worker accepts — scores credit.
"""

from __future__ import annotations

import io
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.community.choices import AlertKind, CaseState
from jiedu.community.models import CaseAlert, CommunityCase
from jiedu.community.services import absences, credit
from jiedu.community.services.cases import mark_alert_seen
from jiedu.community.services.common import (
    lock_case,
    raise_alert,
    require,
    source_of,
    zh,
)
from jiedu.core import clock
from jiedu.core import rules as rule_config
from jiedu.core.context import acting_as
from jiedu.core.refusals import Refusal
from jiedu.measures.choices import ACTIVE_STATUSES
from jiedu.people.events import record_event
from jiedu.people.services import normalize_photo
from jiedu.utilities.phone import normalize_phone, validate_phone

from . import events, face, rules
from .choices import NEEDS_REVIEW, FaceStatus, ReviewOutcome
from .models import CheckIn, EnrolledFace, PortalAccount

events.register()

MANAGE_PORTAL = "community.manage_portal"
MANAGE_CASE = "community.manage_case"
CREDIT_ON_TIME = "checkin_on_time"

# Security settings, not rules of the field (no law or local rule speaks of them):
LOCKOUT_AFTER = 5  # failed sign-ins in a row …
LOCKOUT_FOR = timedelta(minutes=15)  # … lock the account this long
# A phone's clock may run a little fast; a check-in from further ahead is refused.
MAX_AHEAD = timedelta(minutes=10)
# The phone keeps check-ins taken offline and sends them when the network returns; three days
# covers a long weekend without signal. Older ones are refused: by then the worker has already
# followed up the missing check-in, and a photo days old proves little.
MAX_DELAY = timedelta(days=3)

_MOBILE_LENGTH = 11
# A check-in waits seconds for its face comparison; one still pending after this long means the
# background worker is behind or not running. The review queue says so, and `verify_checkins`
# compares what is this late (an operating threshold, not a rule of the field).
VERIFY_LATE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class PortalActor:
    """The person acting through the portal, as the change log and records name them. Not a
    user: it holds no permission, and `has_perm` is never asked about it."""

    account_id: int
    is_authenticated = True
    pk = None

    def get_username(self) -> str:
        return f"portal:{self.account_id}"

    def __str__(self) -> str:
        return "本人（本人端）"


def portal_actor(account: PortalAccount) -> PortalActor:
    return PortalActor(account.pk)


# --- Reading -----------------------------------------------------------------------------------


def current_case(person) -> CommunityCase | None:
    """The person's open community case: the one whose measure is still running."""
    return (
        CommunityCase.objects.filter(person=person, measure__status__in=ACTIVE_STATUSES)
        .exclude(state=CaseState.CLOSED)
        .select_related(
            "measure", "measure__deciding_organ", "unit", "person", "person__managing_unit"
        )
        .order_by("-opened_on", "-id")
        .first()
    )


def current_face(account: PortalAccount) -> EnrolledFace | None:
    return EnrolledFace.objects.filter(account=account, replaced_at__isnull=True).first()


def face_threshold(case: CommunityCase, on: date) -> float:
    """The largest descriptor distance that counts as the same person, at the case's unit."""
    return rule_config.resolve(rules.FACE_DISTANCE_X100, case.unit, on).value / 100


def _credited(case: CommunityCase, on: date, exclude_pk: int) -> bool:
    """Whether a check-in of that day already counts (a match, or accepted on review)."""
    return (
        CheckIn.objects.filter(case=case, on=on)
        .exclude(pk=exclude_pk)
        .filter(face_status=FaceStatus.MATCH)
        .exists()
        or CheckIn.objects.filter(case=case, on=on, review_outcome=ReviewOutcome.ACCEPTED)
        .exclude(pk=exclude_pk)
        .exists()
    )


# --- Accounts ----------------------------------------------------------------------------------


def _case_for(person, actor, perm: str = MANAGE_PORTAL) -> CommunityCase:
    case = current_case(person)
    if case is None:
        raise Refusal(
            _("该人员目前没有正在执行的社区戒毒（康复）措施，不能使用本人端。"),
            code="no_open_case",
        )
    require(actor, perm, case, _("您无权管理该人员的本人端账号。"))
    return case


def _mobile(raw: str) -> str:
    try:
        phone = validate_phone(raw)
    except ValidationError as exc:
        raise Refusal(exc.messages[0], code="phone", field="phone") from None
    if len(phone) != _MOBILE_LENGTH or not phone.startswith("1"):
        raise Refusal(
            _("本人端用手机号码登录：请填写1开头的11位手机号码。"), code="phone", field="phone"
        )
    return phone


def _check_new_password(password: str, field: str) -> None:
    try:
        validate_password(password)
    except ValidationError as exc:
        raise Refusal(" ".join(exc.messages), code="password_invalid", field=field) from None


def open_account(person, *, phone: str, password: str, actor) -> PortalAccount:
    """开通本人端: the worker gives the person a sign-in (their mobile number and a first password
    they must change on first sign-in)."""
    case = _case_for(person, actor)
    phone = _mobile(phone)
    if PortalAccount.objects.filter(person=person).exists():
        raise Refusal(_("该人员已开通本人端账号；如忘记密码，请重置密码。"), code="account_exists")
    if PortalAccount.objects.filter(phone=phone).exists():
        raise Refusal(_("该手机号码已用于另一个本人端账号。"), code="phone_taken", field="phone")
    _check_new_password(password, "password")
    account = PortalAccount(
        person=person, phone=phone, must_change_password=True, created_by=str(actor)
    )
    account.set_password(password)
    try:
        with acting_as(actor), transaction.atomic():
            account.save()
            record_event(
                person,
                "checkins.account.opened",
                actor=actor,
                org_unit=case.unit,
                phone=f"{phone[:3]}****{phone[-4:]}",
            )
    except IntegrityError:  # the same phone, taken a moment ago
        raise Refusal(
            _("该手机号码已用于另一个本人端账号。"), code="phone_taken", field="phone"
        ) from None
    return account


def reset_password(account: PortalAccount, *, password: str, actor) -> PortalAccount:
    """The worker sets a new first password (the person forgot theirs); it unlocks the account
    and signs out every session that used the old one."""
    case = _case_for(account.person, actor)
    _check_new_password(password, "password")
    with acting_as(actor), transaction.atomic():
        account = PortalAccount.objects.select_for_update().get(pk=account.pk)
        account.set_password(password)
        account.must_change_password = True
        account.failed_logins = 0
        account.locked_until = None
        account.save(
            update_fields=["password", "must_change_password", "failed_logins", "locked_until"]
        )
        record_event(
            account.person, "checkins.account.password_reset", actor=actor, org_unit=case.unit
        )
    return account


def change_password(account: PortalAccount, *, old: str, new: str) -> PortalAccount:
    """The person replaces their password (the worker's first password must go)."""
    if not account.check_password(old):
        raise Refusal(_("原密码不正确。"), code="wrong_password", field="old")
    if old == new:
        raise Refusal(_("新密码不能与原密码相同。"), code="same_password", field="new")
    _check_new_password(new, "new")
    with acting_as(portal_actor(account)), transaction.atomic():
        account = PortalAccount.objects.select_for_update().get(pk=account.pk)
        account.set_password(new)
        account.must_change_password = False
        account.save(update_fields=["password", "must_change_password"])
    return account


def authenticate(phone: str, password: str) -> PortalAccount | None:
    """The account for this phone and password, or None — the same None whether the phone is
    unknown, the password wrong or the account locked, so that nobody can probe which phone
    numbers have accounts. After LOCKOUT_AFTER failures in a row the account is locked for
    LOCKOUT_FOR, even to the right password."""
    phone = normalize_phone(phone or "")[:20]
    account = PortalAccount.objects.filter(phone=phone).first() if phone else None
    if account is None:
        make_password(password)  # the same work as a real check: no timing difference
        return None
    now = clock.now()
    with acting_as(None), transaction.atomic():
        account = PortalAccount.objects.select_for_update().get(pk=account.pk)
        if not account.is_active or (account.locked_until and account.locked_until > now):
            make_password(password)
            return None
        if not account.check_password(password):
            account.failed_logins += 1
            if account.failed_logins >= LOCKOUT_AFTER:
                account.locked_until = now + LOCKOUT_FOR
                account.failed_logins = 0
            account.save(update_fields=["failed_logins", "locked_until"])
            return None
    with acting_as(portal_actor(account)), transaction.atomic():
        account.failed_logins = 0
        account.locked_until = None
        account.last_login = now
        account.save(update_fields=["failed_logins", "locked_until", "last_login"])
    return account


# --- Faces -------------------------------------------------------------------------------------


@contextmanager
def _discard_on_failure(photo):
    """A photo is written to storage before its row; when the row is not saved (the
    transaction rolls back), the file goes too."""
    try:
        yield
    except BaseException:
        if photo:
            photo.storage.delete(photo.name)
        raise


def _jpeg(photo_bytes: bytes):
    """The photo re-encoded as a JPEG (EXIF, GPS and anything hidden dropped), or None when it
    cannot be decoded."""
    try:
        return normalize_photo(io.BytesIO(photo_bytes))
    except ValidationError:
        return None


def enrol_face(account: PortalAccount, *, photo_bytes: bytes, on: date, actor) -> EnrolledFace:
    """采集比对照片: the photo check-ins are compared with. Replaces the previous one, which is
    kept with `replaced_at`."""
    case = _case_for(account.person, actor)
    if on > clock.today():
        raise Refusal(_("日期不能晚于今天。"), code="future_date", field="on")
    try:
        found = face.descriptor(photo_bytes)
    except face.UnreadableImage:
        found = None
        unreadable = True
    else:
        unreadable = False
    content = None if unreadable else _jpeg(photo_bytes)
    if unreadable or content is None:
        raise Refusal(
            _("无法读取该照片，请上传JPEG或PNG格式的照片。"), code="invalid_image", field="photo"
        )
    if found is None:
        raise Refusal(
            _("照片中未检测到人脸，请上传本人正面、光线充足、无遮挡的照片。"),
            code="no_face",
            field="photo",
        )
    enrolled = EnrolledFace(
        account=account, descriptor=found, enrolled_on=on, enrolled_by=str(actor)
    )
    enrolled.photo.save("face.jpg", content, save=False)
    with _discard_on_failure(enrolled.photo), acting_as(actor), transaction.atomic():
        PortalAccount.objects.select_for_update().get(pk=account.pk)  # one enrolment at a time
        now = clock.now()
        for old in EnrolledFace.objects.filter(account=account, replaced_at__isnull=True):
            old.replaced_at = now
            old.save(update_fields=["replaced_at"])
        enrolled.save()
        record_event(
            account.person,
            "checkins.face.enrolled",
            actor=actor,
            org_unit=case.unit,
            on=on.isoformat(),
        )
    return enrolled


# --- Check-ins ---------------------------------------------------------------------------------


def _client_uuid(value) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Refusal(
            _("客户端编号不是有效的UUID。"), code="invalid_client_id", field="client_id"
        ) from None


def _coordinate(value, field: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) > limit:
        raise Refusal(_("位置坐标不正确。"), code="invalid_location", field=field)
    return number


def _check_taken_at(taken_at: datetime, received: datetime) -> None:
    if timezone.is_naive(taken_at):
        raise Refusal(_("拍摄时间须带时区。"), code="naive_datetime", field="taken_at")
    if taken_at > received + MAX_AHEAD:
        raise Refusal(
            _("拍摄时间晚于当前时间，请检查手机的日期和时间设置。"),
            code="future_time",
            field="taken_at",
        )
    if taken_at < received - MAX_DELAY:
        raise Refusal(
            _("该签到拍摄于%(days)s天以前，已超过补传期限，请联系专干。"),
            code="too_late",
            params={"days": MAX_DELAY.days},
            field="taken_at",
        )


def _sent_before(account: PortalAccount, client_id: uuid.UUID) -> CheckIn | None:
    return CheckIn.objects.filter(account=account, client_id=client_id).first()


def _checkin_case(account: PortalAccount) -> tuple[int, int, date] | None:
    """(case id, person id, day its measure was served) of the person's open case: all a
    check-in needs, read lean (the portal's busiest request; `current_case` reads the whole
    case with its measure, unit and person)."""
    return (
        CommunityCase.objects.filter(
            person_id=account.person_id, measure__status__in=ACTIVE_STATUSES
        )
        .exclude(state=CaseState.CLOSED)
        .order_by("-opened_on", "-id")
        .values_list("pk", "person_id", "measure__served_on")
        .first()
    )


def record_checkin(
    account: PortalAccount,
    *,
    client_id,
    taken_at: datetime,
    photo_bytes: bytes,
    latitude=None,
    longitude=None,
    accuracy_m=None,
) -> tuple[CheckIn, bool]:
    """签到: (the check-in, whether it was created now).

    Idempotent on (account, client_id): the phone generates the id, so a retry after a lost
    answer returns the first check-in — without comparing the face again or raising a second
    alert. The day of the check-in is the day the photo was taken (Asia/Shanghai), so a
    check-in queued offline counts for the day it was made.

    The check-in is recorded at once, `pending`, with the photo as it came, and its
    verification task (`tasks.verify_checkin`, running `verify_checkin` below) is queued in the
    same transaction: re-encoding the photo and comparing the face take about 0.3 s of
    CPU, some fifty times what recording takes, so a morning's rush of check-ins is answered at
    once and verified as fast as the workers go. A pending check-in already counts as the
    day's check-in (no missed day is scored); only its credit or review alert waits.
    """
    client_id = _client_uuid(client_id)
    try:
        return _record_checkin(
            account,
            client_id=client_id,
            taken_at=taken_at,
            photo_bytes=photo_bytes,
            latitude=latitude,
            longitude=longitude,
            accuracy_m=accuracy_m,
        )
    except (Refusal, IntegrityError):
        # A retry after a lost answer returns the first check-in, whatever would be said of
        # it now (days later, or after the case closed); so does a copy that raced the first
        # one to the database (its row, task and photo file were rolled back). Looked up only
        # then: the first send of a check-in, nearly every request, skips this read.
        existing = _sent_before(account, client_id)
        if existing is not None:
            return existing, False
        raise


def _record_checkin(
    account, *, client_id, taken_at, photo_bytes, latitude, longitude, accuracy_m
) -> tuple[CheckIn, bool]:
    if not account.is_active:
        raise Refusal(_("本人端账号已停用，请联系专干。"), code="account_inactive")
    case = _checkin_case(account)
    if case is None:
        raise Refusal(_("您目前没有正在执行的社区戒毒（康复），无需签到。"), code="no_open_case")
    case_id, person_id, served_on = case
    received = clock.now()
    _check_taken_at(taken_at, received)
    # A phone a few minutes fast just after midnight still checks in for today.
    on = min(timezone.localdate(taken_at), clock.today())
    if on < served_on:
        raise Refusal(_("拍摄日期早于决定书送达日期。"), code="before_measure", field="taken_at")
    latitude = _coordinate(latitude, "latitude", 90)
    longitude = _coordinate(longitude, "longitude", 180)
    if (latitude is None) != (longitude is None):
        latitude = longitude = None  # half a position is no position
    if accuracy_m is not None:
        try:
            accuracy_m = max(0, min(int(float(accuracy_m)), 2**31 - 1))
        except (TypeError, ValueError):
            accuracy_m = None

    actor = portal_actor(account)
    checkin = CheckIn(
        account=account,
        client_id=client_id,
        on=on,
        taken_at=taken_at,
        received_at=received,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
        face_status=FaceStatus.PENDING,
        # What `record_fields` gives a case record, from the lean read of the case:
        case_id=case_id,
        person_id=person_id,
        recorded_by=str(actor),
    )
    if photo_bytes:
        # Stored as sent until the task re-encodes it (dropping EXIF and anything hidden);
        # like every photo it is served only through the permission-checked view.
        checkin.photo.save("checkin.jpg", ContentFile(photo_bytes), save=False)
    from . import tasks  # the task module imports this one

    with _discard_on_failure(checkin.photo), acting_as(actor), transaction.atomic():
        checkin.save()  # IntegrityError: this client_id was sent before (see record_checkin)
        # In the check-in's transaction: both are kept, or neither.
        tasks.verify_checkin.enqueue(checkin.pk)
    return checkin, True


class _AlreadyVerified(Exception):
    """Another run verified the check-in first: this run's re-encoded photo is discarded."""


def verify_checkin(checkin_id: int) -> str | None:
    """Compare a pending check-in's photo with the enrolled face, keep the photo re-encoded, and
    raise the review alert or score the day's credit (`_after_checkin`). Run by the background
    task; safe to run twice (a check-in no longer pending is left alone). Returns the status
    set, or None when there was nothing to do."""
    checkin = (
        CheckIn.objects.select_related("account", "case__unit")
        .filter(pk=checkin_id, face_status=FaceStatus.PENDING)
        .first()
    )
    if checkin is None:
        return None
    raw_name = checkin.photo.name if checkin.photo else ""
    raw = b""
    if raw_name:
        try:
            with checkin.photo.open("rb") as f:
                raw = f.read()
        except OSError:
            raw = b""  # the file is gone: nothing to compare, so the worker reviews it
    threshold = face_threshold(checkin.case, checkin.on)
    content = _jpeg(raw) if raw else None
    if content is None:
        status, dist = FaceStatus.UNREADABLE, None
    else:
        enrolled = current_face(checkin.account)
        reference = enrolled.descriptor if enrolled is not None else None
        status, dist = face.verify(reference, raw, threshold)
    if content is not None:
        checkin.photo.save("checkin.jpg", content, save=False)  # a new file, the re-encoded one
    else:
        checkin.photo = None
    # The system compares the face; what follows from it (alert, credit) is the system's too.
    try:
        with _discard_on_failure(checkin.photo), acting_as(None), transaction.atomic():
            case = lock_case(checkin.case)
            fresh = CheckIn.objects.select_for_update().get(pk=checkin.pk)
            if fresh.face_status != FaceStatus.PENDING:
                raise _AlreadyVerified  # by another run of the task, meanwhile
            fresh.face_status = status
            fresh.face_distance = dist
            fresh.face_threshold = threshold
            fresh.photo = checkin.photo.name or ""
            fresh.save(update_fields=["face_status", "face_distance", "face_threshold", "photo"])
            _after_checkin(case, fresh)
            if raw_name:
                storage = checkin.photo.storage
                transaction.on_commit(lambda: storage.delete(raw_name))
    except _AlreadyVerified:
        return None
    return status


def _after_checkin(case: CommunityCase, checkin: CheckIn) -> None:
    if checkin.face_status in NEEDS_REVIEW:
        # Never an automatic penalty: a person decides what a failed comparison means.
        detail = zh(_("%(on)s签到：%(status)s，请人工复核。")) % {
            "on": checkin.on.isoformat(),
            "status": zh(checkin.get_face_status_display()),
        }
        raise_alert(
            case, AlertKind.FACE_REVIEW, checkin.on, detail=detail, source=source_of(checkin)
        )
        return
    _award_on_time(case, checkin)


def _award_on_time(case: CommunityCase, checkin: CheckIn) -> None:
    """The day's first check-in that counts scores `checkin_on_time` (once a day)."""
    if _credited(case, checkin.on, checkin.pk):
        return
    credit.award(case, CREDIT_ON_TIME, on=checkin.on, source=source_of(checkin))
    credit.refresh_case(case)


def review_checkin(checkin: CheckIn, *, outcome: str, note: str = "", actor) -> CheckIn:
    """人工复核: the worker looks at a check-in face verification could not confirm. Accepted:
    it counts as the person's check-in (and scores like a match). Rejected: the note is kept;
    what follows is the worker's decision — never an automatic penalty."""
    require(actor, MANAGE_CASE, checkin.case, _("您无权复核该个案的签到。"))
    if outcome not in ReviewOutcome.values:
        raise Refusal(_("请选择复核结果。"), code="invalid_outcome", field="outcome")
    note = (note or "").strip()[:200]
    with acting_as(actor), transaction.atomic():
        case = lock_case(checkin.case)
        checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
        if checkin.face_status == FaceStatus.PENDING:
            raise Refusal(
                _("该签到的人脸比对尚未完成，请稍后再复核。"), code="pending", field="outcome"
            )
        if checkin.face_status not in NEEDS_REVIEW:
            raise Refusal(_("人脸比对一致的签到无需复核。"), code="not_for_review", field="outcome")
        if checkin.review_outcome:
            if checkin.review_outcome == outcome:
                return checkin  # a repeated click
            raise Refusal(
                _("该签到已由%(who)s复核。"),
                code="already_reviewed",
                params={"who": checkin.reviewed_by},
                field="outcome",
            )
        checkin.review_outcome = outcome
        checkin.review_note = note
        checkin.reviewed_by = str(actor)
        checkin.reviewed_at = clock.now()
        checkin.save(update_fields=["review_outcome", "review_note", "reviewed_by", "reviewed_at"])
        alert = CaseAlert.objects.filter(
            case=case, kind=AlertKind.FACE_REVIEW, source=source_of(checkin), seen_at__isnull=True
        ).first()
        if alert is not None:
            mark_alert_seen(alert, actor=actor)
        record_event(
            case.person,
            "checkins.checkin.reviewed",
            actor=actor,
            org_unit=case.unit,
            on=checkin.on.isoformat(),
            outcome=zh(checkin.get_review_outcome_display()),
        )
        if outcome == ReviewOutcome.ACCEPTED:
            _award_on_time(case, checkin)
    return checkin


# --- Leave -------------------------------------------------------------------------------------


def ask_leave(
    account: PortalAccount,
    *,
    leave_on: date,
    return_on: date,
    destination: str,
    reason: str,
    client_id: str,
):
    """请假 from the portal (戒毒条例 Art. 19: leaving the county for 3 days or more needs a
    written report) — recorded by the absences service as the person's own request."""
    case = current_case(account.person)
    if case is None:
        raise Refusal(_("您目前没有正在执行的社区戒毒（康复），无需请假。"), code="no_open_case")
    with acting_as(portal_actor(account)):
        return absences.request_leave(
            case,
            leave_on=leave_on,
            return_on=return_on,
            destination=destination,
            reason=reason,
            actor=None,
            via_portal=True,
            client_id=str(client_id),
        )
