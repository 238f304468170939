"""心理矫治中心: scored instruments as data, responses, counselling and crisis intervention — the
psychological health file (司法部令第127号 Art. 39; domain.md §3.5)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import AuditedModel

from ..choices import ResponseSource, RiskLevel, SessionKind
from .base import CentreRecord


class Instrument(AuditedModel):
    """A scored instrument (量表): its whole definition — items, options, reverse items,
    subscales, conversion, cut-offs, risk items — is data, checked by `centres.scoring`.
    A new version is a new row; responses keep the version they were scored with."""

    code = models.SlugField(_("代码"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=100)
    definition = models.JSONField(_("定义"))
    shipped = models.BooleanField(_("系统内置"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("心理测评量表")
        verbose_name_plural = _("心理测评量表")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="instrument_code_version")
        ]

    def __str__(self):
        return self.name


class InstrumentResponse(CentreRecord):
    """One administration of an instrument to a person, with the engine's scores."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    answered_on = models.DateField(_("测评日期"))
    answers = models.JSONField(_("作答"))
    raw_score = models.DecimalField(_("原始分"), max_digits=7, decimal_places=2)
    standard_score = models.DecimalField(
        _("标准分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    subscales = models.JSONField(_("因子分"), default=dict, blank=True)
    band = models.CharField(_("结果分级"), max_length=40, blank=True)
    band_label = models.CharField(_("结果"), max_length=100, blank=True)
    alerts = models.JSONField(_("预警"), default=list, blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=ResponseSource.choices, default="staff"
    )
    external_id = models.CharField(_("外部编号"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("测评结果")
        verbose_name_plural = _("测评结果")
        ordering = ["-answered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["admission", "external_id"],
                condition=~Q(external_id=""),
                name="response_unique_external_id",
            )
        ]

    def __str__(self):
        return f"{self.instrument} {self.answered_on}"

    @property
    def has_alert(self) -> bool:
        return bool(self.alerts)


class CounsellingSession(CentreRecord):
    """心理咨询 (individual or group)."""

    held_on = models.DateField(_("咨询日期"))
    kind = models.CharField(_("形式"), max_length=20, choices=SessionKind.choices)
    counsellor = models.CharField(_("咨询师"), max_length=100)
    minutes = models.PositiveSmallIntegerField(_("时长（分钟）"))
    summary = models.TextField(_("记录"))

    class Meta:
        verbose_name = _("心理咨询")
        verbose_name_plural = _("心理咨询")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return str(self.held_on)


class CrisisIntervention(CentreRecord):
    """心理危机干预 (司法部令第127号 Art. 39)."""

    started_on = models.DateField(_("干预日期"))
    trigger = models.CharField(_("起因"), max_length=200)
    risk_level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices)
    actions = models.TextField(_("干预措施"))
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("危机干预")
        verbose_name_plural = _("危机干预")
        ordering = ["-started_on", "-id"]

    def __str__(self):
        return f"{self.started_on} {self.trigger}"
