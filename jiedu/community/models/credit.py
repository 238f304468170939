from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import CaseRecord


class CreditEntry(CaseRecord):
    """One event's credit points (戒毒人员信用管理, domain.md §6.7): an on-time check-in, a
    negative test, a talk attended; a missed item, a refused or positive test. Written by the
    services from the configured point rules; `source` names the record, so a retried write never
    scores an event twice. `explanation` is the sentence the person and the worker read."""

    on = models.DateField(_("日期"))
    code = models.CharField(_("事件"), max_length=40)
    points = models.SmallIntegerField(_("分值"))
    explanation = models.CharField(_("说明"), max_length=200)
    source = models.CharField(_("来源记录"), max_length=60)

    class Meta:
        verbose_name = _("信用积分记录")
        verbose_name_plural = _("信用积分记录")
        ordering = ["-on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "code", "source"], name="credit_once_per_source"
            )
        ]
