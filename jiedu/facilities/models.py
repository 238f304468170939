"""Compulsory-isolation facilities: zones and beds, stays (入所 → 出所), and what happens during a
stay — zone changes, home leave, segregation, medical parole, property.

The measure (its status and clocks) belongs to `measures`; these records say where the person
is and what the facility did, and the facility services call the measures services for every
legal step (admit, transfer, escape, release).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import AuditedModel
from jiedu.core.permissions import RestrictedQuerySet

from .choices import LeaveGround, LeftReason, PregnancyTest, ReturnTest, StageResult, ZoneKind


class FacilityProfile(AuditedModel):
    """A facility's standing figures: police strength and whom it admits."""

    facility = models.OneToOneField(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="facility_profile"
    )
    police_strength = models.PositiveIntegerField(_("民警编制（实有）"), default=0)
    admits_gender = models.CharField(
        _("收治对象"),
        max_length=10,
        choices=[("male", _("男性")), ("female", _("女性")), ("both", _("男女分区收治"))],
        default="both",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("戒毒所概况")
        verbose_name_plural = _("戒毒所概况")

    def __str__(self):
        return str(self.facility)


class Zone(AuditedModel):
    """A zone (区) of a facility; its beds are its capacity."""

    facility = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="zones")
    kind = models.CharField(_("分区"), max_length=30, choices=ZoneKind.choices)
    name = models.CharField(_("名称"), max_length=50)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("分区")
        verbose_name_plural = _("分区")
        ordering = ["facility", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "name"], name="zone_unique_name"),
        ]

    def __str__(self):
        return self.name


class Bed(AuditedModel):
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="beds")
    code = models.CharField(_("床位号"), max_length=20)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("床位")
        verbose_name_plural = _("床位")
        ordering = ["zone", "code"]
        constraints = [models.UniqueConstraint(fields=["zone", "code"], name="bed_unique_code")]

    def __str__(self):
        return f"{self.zone.name} {self.code}"


class Admission(AuditedModel):
    """入所: one stay of a person in one facility under a compulsory-isolation measure, from
    intake (司法部令第127号 Art. 11–15) to transfer or release."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey(
        "measures.Measure", on_delete=models.PROTECT, related_name="admissions"
    )
    facility = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("戒毒所")
    )
    admitted_on = models.DateField(_("入所日期"))
    identity_checked = models.BooleanField(_("已核对身份"), default=False)
    searched_by = models.CharField(_("检查民警（至少二人）"), max_length=100)
    health_summary = models.TextField(_("入所健康检查"), blank=True)
    injuries = models.TextField(_("伤情记录"), blank=True)
    pregnancy_test = models.CharField(
        _("妊娠检测"),
        max_length=20,
        choices=PregnancyTest.choices,
        default=PregnancyTest.NOT_APPLICABLE,
    )
    files_received = models.BooleanField(_("已接收公安阶段档案"), default=False)
    zone = models.ForeignKey(
        Zone, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    left_on = models.DateField(_("出所日期"), null=True, blank=True)
    left_reason = models.CharField(
        _("出所原因"), max_length=20, choices=LeftReason.choices, blank=True
    )
    certificate_number = models.CharField(_("解除证明书编号"), max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    scope_unit_path = ("facility__path",)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("入所记录")
        verbose_name_plural = _("入所记录")
        ordering = ["-admitted_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(left_on__isnull=True), name="one_open_stay"
            ),
            models.UniqueConstraint(
                fields=["bed"], condition=Q(left_on__isnull=True), name="one_person_per_bed"
            ),
        ]

    def __str__(self):
        return f"{self.facility} {self.admitted_on}"

    def audit_person_pk(self):
        return self.person_id

    @property
    def is_open(self) -> bool:
        return self.left_on is None


class _StayChild(AuditedModel):
    scope_unit_path = ("admission__facility__path",)
    scope_permission_noun = "admission"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    def audit_person_pk(self):
        return self.admission.person_id


class PropertyItem(_StayChild):
    """财物登记: an item kept at intake and returned at release (禁毒法 Art. 42)."""

    admission = models.ForeignKey(Admission, on_delete=models.PROTECT, related_name="property")
    description = models.CharField(_("物品"), max_length=100)
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    returned_on = models.DateField(_("发还日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("代管财物")
        verbose_name_plural = _("代管财物")
        ordering = ["id"]

    def __str__(self):
        return self.description


class ZoneChange(_StayChild):
    """A move between zones, with the stage evaluation it rests on (recorded by the officer until
    the evaluation module supplies it)."""

    admission = models.ForeignKey(Admission, on_delete=models.PROTECT, related_name="zone_changes")
    on = models.DateField(_("日期"))
    from_zone = models.ForeignKey(
        Zone, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.CharField(_("原因"), max_length=200)
    stage_result = models.CharField(
        _("阶段评估结果"), max_length=20, choices=StageResult.choices, blank=True
    )
    evaluation_note = models.CharField(_("评估说明"), max_length=200, blank=True)
    recorded_by = models.CharField(_("经办人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("分区调整")
        verbose_name_plural = _("分区调整")
        ordering = ["on", "id"]

    def __str__(self):
        return f"{self.on} → {self.to_zone}"


class HomeLeave(_StayChild):
    """外出探视 (禁毒法 Art. 46; 司法部令第127号 Art. 24–26): at most 10 days with travel, a drug
    test on return; overstaying is escape."""

    admission = models.ForeignKey(Admission, on_delete=models.PROTECT, related_name="home_leaves")
    ground = models.CharField(_("事由"), max_length=20, choices=LeaveGround.choices)
    starts_on = models.DateField(_("离所日期"))
    due_back_on = models.DateField(_("应回所日期"))
    approved_by = models.CharField(_("批准人"), max_length=150)
    destination = models.CharField(_("前往地点"), max_length=200, blank=True)
    returned_on = models.DateField(_("回所日期"), null=True, blank=True)
    return_test = models.CharField(
        _("回所检测"), max_length=20, choices=ReturnTest.choices, blank=True
    )
    overstayed = models.BooleanField(_("逾期未归（按脱逃处理）"), default=False)

    class Meta:
        verbose_name = _("外出探视")
        verbose_name_plural = _("外出探视")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_back_on__gte=models.F("starts_on")), name="leave_due_after_start"
            )
        ]

    def __str__(self):
        return f"{self.starts_on}–{self.due_back_on}"


class Segregation(_StayChild):
    """单独管理 (司法部令第127号 Art. 28): at most 5 days a time, not back to back, approved by
    the facility head (in an emergency, within 24 hours after)."""

    admission = models.ForeignKey(Admission, on_delete=models.PROTECT, related_name="segregations")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    reason = models.CharField(_("原因"), max_length=200)
    emergency = models.BooleanField(_("紧急情况先行处置"), default=False)
    approved_by = models.CharField(_("批准人（所领导）"), max_length=150, blank=True)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    released_on = models.DateField(_("实际结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("单独管理")
        verbose_name_plural = _("单独管理")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="segregation_ends_after"
            )
        ]

    def __str__(self):
        return f"{self.starts_on}–{self.ends_on}"


class MedicalParole(_StayChild):
    """所外就医 (戒毒条例 Art. 31): the term keeps running while the person is treated outside."""

    admission = models.ForeignKey(
        Admission, on_delete=models.PROTECT, related_name="medical_paroles"
    )
    starts_on = models.DateField(_("出所就医日期"))
    hospital = models.CharField(_("就医机构"), max_length=100)
    approval_number = models.CharField(_("批准文号"), max_length=60)
    approved_by_unit = models.CharField(_("批准机关"), max_length=100)
    returned_on = models.DateField(_("回所日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("所外就医")
        verbose_name_plural = _("所外就医")
        ordering = ["-starts_on", "-id"]

    def __str__(self):
        return f"{self.hospital} {self.starts_on}"
