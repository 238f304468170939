from django.db import models
from django.utils.translation import gettext_lazy as _


class FaceStatus(models.TextChoices):
    """What face verification said about a check-in photo. Anything but a match goes to the
    worker's review queue — never to an automatic penalty. A check-in is `pending` from the
    moment it is taken until the background task has compared the face (seconds, normally)."""

    PENDING = "pending", _("比对中")
    MATCH = "match", _("人脸一致")
    NO_MATCH = "no_match", _("人脸不一致")
    NO_FACE = "no_face", _("未检测到人脸")
    NOT_ENROLLED = "not_enrolled", _("未采集比对照片")
    UNREADABLE = "unreadable", _("照片无法读取")


NEEDS_REVIEW = (
    FaceStatus.NO_MATCH,
    FaceStatus.NO_FACE,
    FaceStatus.NOT_ENROLLED,
    FaceStatus.UNREADABLE,
)


class ReviewOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("确认本人签到")
    REJECTED = "rejected", _("非本人签到")
