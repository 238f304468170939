"""/api/v1/checkins: a check-in from the person's phone, and a measure's check-ins for staff."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from jiedu.core.api import INVALID, UNAUTHENTICATED, ErrorOut
from jiedu.core.audit import log_access
from jiedu.core.models import AccessAction
from jiedu.core.refusals import Refusal
from jiedu.measures.access import get_measure_for_user

from . import services
from .access import restricted
from .auth import PortalSessionAuth
from .choices import NEEDS_REVIEW
from .models import CheckIn
from .schemas import CheckInIn, CheckInList, CheckInListParams, CheckInOut

router = Router(tags=["checkins"])


def _out(checkin: CheckIn) -> dict:
    return {
        "id": checkin.pk,
        "client_id": checkin.client_id,
        "on": checkin.on,
        "face_status": checkin.face_status,
        "needs_review": checkin.face_status in NEEDS_REVIEW,
        "received_at": checkin.received_at,
    }


@router.post(
    "",
    auth=PortalSessionAuth(),
    url_name="checkin_create",
    response={
        200: CheckInOut,
        201: CheckInOut,
        403: ErrorOut,
        **UNAUTHENTICATED,
        **INVALID,
    },
    summary="Check in from the person portal (idempotent on client_id)",
    description="签到: the person's daily check-in with a photo (multipart `photo`) and, when "
    "the phone gave one, a position. Only the **person portal's session** may call it (the "
    "session cookie from /portal/login/ plus the CSRF token in `X-CSRFToken`): staff bearer "
    "tokens and staff sessions get 401 — a worker never checks in for a person. 201 with the "
    "new check-in, `face_status` `pending`: it counts as the day's check-in at once, and a "
    "background task compares the photo with the enrolled face moments later (dlib ResNet "
    "descriptor, threshold rule `checkins.face.max_distance_x100`); anything but `match` then "
    "waits for the worker's review, never for an automatic penalty. 200 with the first "
    "check-in, as it stands now, when `client_id` was sent before (a retry after a lost "
    "answer: nothing is recorded or compared again). 403 without "
    "the CSRF token or before the first password is changed; 422 with the refusal's `code` "
    "(`future_time`, `too_late`, `no_open_case`, `too_large` …) at its field.",
)
def create_checkin(request, data: Form[CheckInIn], photo: File[UploadedFile]):
    if photo.size is not None and photo.size > settings.PHOTO_MAX_BYTES:
        raise Refusal(_("照片不能超过5MB。"), code="too_large", field="photo")
    checkin, created = services.record_checkin(
        request.auth,
        client_id=data.client_id,
        taken_at=data.taken_at,
        photo_bytes=photo.read(),
        latitude=data.latitude,
        longitude=data.longitude,
        accuracy_m=data.accuracy_m,
    )
    return Status(201 if created else 200, _out(checkin))


@router.get(
    "",
    response={200: CheckInList, 404: ErrorOut, **UNAUTHENTICATED, **INVALID},
    summary="List a community measure's check-ins",
    description="The check-ins of one community measure the caller may view, newest first, "
    "with the face comparison and its review; `count` is the number of check-ins, `items` one "
    "page. Photos are not in the API (the case page shows them to staff, logged). 404 both "
    "when there is no such measure and when it is outside the caller's scope. Every call is "
    "written to the access log.",
)
def list_checkins(request, params: Query[CheckInListParams]):
    measure = get_measure_for_user(request.auth, params.measure)
    qs = restricted(CheckIn.objects.filter(case__measure=measure), request.auth)
    count = qs.count()
    rows = qs.select_related("case", "person").order_by("-taken_at", "-id")[
        params.offset : params.offset + params.limit
    ]
    log_access(
        AccessAction.VIEW_PERSON, user=request.auth, person_pk=measure.person_id, channel="api"
    )
    return {
        "items": [
            {
                "id": c.pk,
                "measure": c.case.measure_id,
                "person": c.person.uuid,
                "client_id": c.client_id,
                "on": c.on,
                "taken_at": c.taken_at,
                "received_at": c.received_at,
                "latitude": float(c.latitude) if c.latitude is not None else None,
                "longitude": float(c.longitude) if c.longitude is not None else None,
                "accuracy_m": c.accuracy_m,
                "face_status": c.face_status,
                "face_distance": c.face_distance,
                "face_threshold": c.face_threshold,
                "needs_review": c.face_status in NEEDS_REVIEW and not c.review_outcome,
                "review_outcome": c.review_outcome,
                "reviewed_by": c.reviewed_by,
                "has_photo": bool(c.photo),
            }
            for c in rows
        ],
        "count": count,
    }
