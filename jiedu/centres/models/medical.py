"""戒毒医疗中心: detox treatment, withdrawal checks, vital signs, screening, conditions and drug
tests in the facility (禁毒法 Art. 43–45; 戒毒条例 Art. 30; domain.md §3.5, §4.5)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import (
    ConditionKind,
    ConditionSeverity,
    Disease,
    MedicationPurpose,
    PsychiatricState,
    SampleType,
    ScreeningResult,
    Severity,
    TestOccasion,
    TestResult,
)
from .base import CentreRecord, HealthRecordBase


class MedicationOrder(CentreRecord):
    """A medication given during the stay; withdrawal medication with the day it stopped (BJDIAG
    detox item 2: "medication that controls or relieves withdrawal has stopped")."""

    drug = models.CharField(_("药品"), max_length=100)
    purpose = models.CharField(
        _("用途"), max_length=20, choices=MedicationPurpose.choices, default="withdrawal"
    )
    dose = models.CharField(_("剂量与用法"), max_length=100, blank=True)
    started_on = models.DateField(_("开始日期"))
    stopped_on = models.DateField(_("停药日期"), null=True, blank=True)
    prescriber = models.CharField(_("处方医师"), max_length=100)

    class Meta:
        verbose_name = _("用药记录")
        verbose_name_plural = _("用药记录")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stopped_on__isnull=True) | Q(stopped_on__gte=models.F("started_on")),
                name="medication_stops_after_start",
            )
        ]

    def __str__(self):
        return self.drug


class WithdrawalCheck(CentreRecord):
    """戒断症状评估: acute and protracted withdrawal and drug-induced psychiatric symptoms (BJDIAG
    detox items 3–5)."""

    checked_on = models.DateField(_("检查日期"))
    acute_symptoms = models.CharField(
        _("急性戒断症状"), max_length=10, choices=Severity.choices, default=Severity.NONE
    )
    # Codes from choices.PROTRACTED_SYMPTOMS that are marked (明显).
    protracted_symptoms = models.JSONField(_("明显的稽延性戒断症状"), default=list, blank=True)
    psychiatric_state = models.CharField(
        _("精神症状"), max_length=20, choices=PsychiatricState.choices, default="none"
    )
    examiner = models.CharField(_("检查医师"), max_length=100)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("戒断症状评估")
        verbose_name_plural = _("戒断症状评估")
        ordering = ["-checked_on", "-id"]

    def __str__(self):
        return str(self.checked_on)


class VitalSigns(CentreRecord):
    """生命体征与肝功能 (身心康复 item 1: weight, respiration, heart rate, blood pressure, liver
    function, each in the normal range)."""

    measured_on = models.DateField(_("测量日期"))
    height_cm = models.DecimalField(_("身高（厘米）"), max_digits=5, decimal_places=1)
    weight_kg = models.DecimalField(_("体重（千克）"), max_digits=5, decimal_places=1)
    respiration = models.PositiveSmallIntegerField(_("呼吸（次/分）"))
    heart_rate = models.PositiveSmallIntegerField(_("心率（次/分）"))
    systolic = models.PositiveSmallIntegerField(_("收缩压（mmHg）"))
    diastolic = models.PositiveSmallIntegerField(_("舒张压（mmHg）"))
    alt = models.PositiveSmallIntegerField(_("谷丙转氨酶ALT（U/L）"), null=True, blank=True)
    ast = models.PositiveSmallIntegerField(_("谷草转氨酶AST（U/L）"), null=True, blank=True)

    class Meta:
        verbose_name = _("生命体征")
        verbose_name_plural = _("生命体征")
        ordering = ["-measured_on", "-id"]

    def __str__(self):
        return str(self.measured_on)

    @property
    def bmi(self) -> float:
        metres = float(self.height_cm) / 100
        return round(float(self.weight_kg) / (metres * metres), 1)


class InfectionScreening(HealthRecordBase):
    """传染病筛查 (HIV, HCV, HBV, syphilis, TB): behind the health permission."""

    screened_on = models.DateField(_("筛查日期"))
    disease = models.CharField(_("病种"), max_length=20, choices=Disease.choices)
    result = models.CharField(_("结果"), max_length=20, choices=ScreeningResult.choices)
    method = models.CharField(_("检测方法"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("传染病筛查")
        verbose_name_plural = _("传染病筛查")
        ordering = ["-screened_on", "disease", "-id"]

    def __str__(self):
        return f"{self.get_disease_display()} {self.get_result_display()}"


class HealthCondition(HealthRecordBase):
    """慢性病、残疾、精神障碍: the sick-and-disabled classes (病残) that decide the special zone."""

    kind = models.CharField(_("类别"), max_length=20, choices=ConditionKind.choices)
    description = models.CharField(_("诊断"), max_length=200)
    severity = models.CharField(
        _("程度"), max_length=10, choices=ConditionSeverity.choices, default="mild"
    )
    since = models.DateField(_("确诊日期"))
    resolved_on = models.DateField(_("痊愈或解除日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("疾病与残疾")
        verbose_name_plural = _("疾病与残疾")
        ordering = ["-since", "-id"]

    def __str__(self):
        return self.description

    @property
    def needs_special_zone(self) -> bool:
        return self.severity == ConditionSeverity.SEVERE and self.resolved_on is None


class FacilityDrugTest(CentreRecord):
    """所内毒品检测. A positive result means drugs were used in the facility: a blocker of early
    release and a ground for extension (司法部令第127号 Art. 29)."""

    tested_on = models.DateField(_("检测日期"))
    occasion = models.CharField(_("检测类型"), max_length=20, choices=TestOccasion.choices)
    sample = models.CharField(_("样本"), max_length=10, choices=SampleType.choices)
    substances = models.CharField(_("检测项目"), max_length=100, blank=True)
    result = models.CharField(_("结果"), max_length=10, choices=TestResult.choices)
    tester = models.CharField(_("检测人"), max_length=100)
    # A device or external system's own id for the result: a retried submission is one test.
    external_id = models.CharField(_("外部编号"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("所内毒品检测")
        verbose_name_plural = _("所内毒品检测")
        ordering = ["-tested_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["admission", "external_id"],
                condition=~Q(external_id=""),
                name="drug_test_unique_external_id",
            )
        ]

    def __str__(self):
        return f"{self.tested_on} {self.get_result_display()}"
