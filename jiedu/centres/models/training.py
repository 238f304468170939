"""康复训练中心: fitness tests against standards by sex and age, and training sessions."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import TrainingKind
from .base import CentreRecord


class FitnessTest(CentreRecord):
    """体能测试. Items a facility can run in a yard; each item is graded against the standard for
    the person's sex and age (`centres.fitness`), and the overall result is the one 身心康复 item 2
    reads (radio calisthenics fluent, or ≥10 chest-expander pulls in a minute)."""

    tested_on = models.DateField(_("测试日期"))
    calisthenics_fluent = models.BooleanField(_("广播体操动作流畅协调"), null=True, blank=True)
    chest_expander_pulls = models.PositiveSmallIntegerField(
        _("拉力器（次/分钟）"), null=True, blank=True
    )
    push_ups = models.PositiveSmallIntegerField(_("俯卧撑（次/分钟）"), null=True, blank=True)
    sit_ups = models.PositiveSmallIntegerField(_("仰卧起坐（次/分钟）"), null=True, blank=True)
    sit_and_reach_cm = models.DecimalField(
        _("坐位体前屈（厘米）"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    step_index = models.DecimalField(
        _("台阶试验指数"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    # Filled by the service from the standards in force: {item: "pass"|"fail"} and the overall.
    grades = models.JSONField(_("单项评定"), default=dict, blank=True)
    passed = models.BooleanField(_("达标"), default=False)
    tester = models.CharField(_("测试人"), max_length=100)

    class Meta:
        verbose_name = _("体能测试")
        verbose_name_plural = _("体能测试")
        ordering = ["-tested_on", "-id"]

    def __str__(self):
        return str(self.tested_on)


class TrainingSession(CentreRecord):
    """A person's training on one day."""

    held_on = models.DateField(_("训练日期"))
    kind = models.CharField(_("项目"), max_length=20, choices=TrainingKind.choices)
    minutes = models.PositiveSmallIntegerField(_("时长（分钟）"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("康复训练")
        verbose_name_plural = _("康复训练")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gt=0) & Q(minutes__lte=480), name="training_minutes_range"
            )
        ]

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()}"
