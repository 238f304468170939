"""The person portal (本人端): accounts of persons under a community measure, their enrolled face,
and their daily check-ins with photo and location."""

import uuid

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.community.models.base import CaseRecord
from jiedu.core.audit import AuditedModel
from jiedu.core.permissions import RestrictedQuerySet

from .choices import FaceStatus, ReviewOutcome


def checkin_photo_path(instance, filename):
    # Never the uploader's file name; photos are personal data served only through a
    # permission-checked view (like people photos).
    return f"checkins/{instance.case_id}/{uuid.uuid4().hex}.jpg"


def face_photo_path(instance, filename):
    return f"faces/{instance.account_id}/{uuid.uuid4().hex}.jpg"


class PortalAccount(AuditedModel):
    """A person's sign-in to the portal: phone number and a password the worker sets (and the
    person changes). Separate from staff users on purpose: a portal session can never hold a
    staff permission."""

    person = models.OneToOneField(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="portal_account",
        verbose_name=_("人员"),
    )
    phone = models.CharField(_("手机号码"), max_length=20, unique=True)
    password = models.CharField(_("密码"), max_length=128)
    must_change_password = models.BooleanField(_("首次登录须修改密码"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    last_login = models.DateTimeField(_("最近登录"), null=True, blank=True)
    created_by = models.CharField(_("开通人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("开通时间"), default=timezone.now, editable=False)

    scope_unit_path = ("person__managing_unit__path", "person__measure_unit__path")
    scope_permission_noun = "case"
    scope_permission_app = "community"
    audit_redact = ("password",)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("本人端账号")
        verbose_name_plural = _("本人端账号")

    def __str__(self):
        return self.phone

    def audit_person_pk(self):
        return self.person_id

    def set_password(self, raw: str) -> None:
        self.password = make_password(raw)

    def check_password(self, raw: str) -> bool:
        return check_password(raw, self.password)


class EnrolledFace(AuditedModel):
    """The reference photo check-ins are compared with, and its 128-d dlib descriptor. A new
    enrolment replaces the old one (kept, with `replaced_at`)."""

    account = models.ForeignKey(
        PortalAccount, on_delete=models.PROTECT, related_name="faces", verbose_name=_("账号")
    )
    photo = models.ImageField(_("采集照片"), upload_to=face_photo_path)
    descriptor = models.JSONField(_("人脸特征"), default=list)
    enrolled_on = models.DateField(_("采集日期"))
    enrolled_by = models.CharField(_("采集人"), max_length=150, blank=True)
    replaced_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    scope_unit_path = tuple(f"account__{p}" for p in PortalAccount.scope_unit_path)
    scope_permission_noun = "case"
    scope_permission_app = "community"
    audit_exclude = ("descriptor",)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("人脸比对照片")
        verbose_name_plural = _("人脸比对照片")
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(replaced_at__isnull=True),
                name="one_enrolled_face_per_account",
            )
        ]

    def audit_person_pk(self):
        return self.account.person_id


class CheckIn(CaseRecord):
    """签到: the person's daily check-in with a photo and location. `client_id` is generated on
    the phone, so a retry on a bad network returns the first check-in instead of making a second.
    Face verification compares the photo with the enrolled face; anything but a match waits for
    the worker's review."""

    account = models.ForeignKey(
        PortalAccount, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("账号")
    )
    client_id = models.UUIDField(_("客户端编号"))
    on = models.DateField(_("签到日期"), db_index=True)
    taken_at = models.DateTimeField(_("拍摄时间"))
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    photo = models.ImageField(_("签到照片"), upload_to=checkin_photo_path, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True)
    accuracy_m = models.PositiveIntegerField(_("定位精度（米）"), null=True, blank=True)
    face_status = models.CharField(_("人脸比对"), max_length=20, choices=FaceStatus.choices)
    face_distance = models.FloatField(_("人脸特征距离"), null=True, blank=True)
    face_threshold = models.FloatField(_("比对阈值"), null=True, blank=True)
    review_outcome = models.CharField(
        _("复核结果"), max_length=10, choices=ReviewOutcome.choices, blank=True
    )
    reviewed_by = models.CharField(_("复核人"), max_length=150, blank=True)
    reviewed_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    review_note = models.CharField(_("复核说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        ordering = ["-taken_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "client_id"], name="checkin_unique_client_id"
            )
        ]
        indexes = [models.Index(fields=["case", "on"], name="checkin_case_day")]
