from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import ReferralReason, ReferralStatus
from .base import CaseRecord


class Referral(CaseRecord):
    """A report to the police (禁毒法 Art. 35; 戒毒条例 Art. 14, 20, 21): refusal, suspected drug
    use during the measure (a positive test), or a serious breach. Reporting it pauses the
    township's procedure (JX: 《关于暂停社区戒毒程序的说明》) until the deciding organ decides; an
    isolation decision then ends the measure through `measures.services.decide_measure`.

    `evidence` is frozen when reported: the breach counts and the rows behind them, so the
    package the police received can be printed again unchanged."""

    reason = models.CharField(_("移交事由"), max_length=20, choices=ReferralReason.choices)
    detected_on = models.DateField(_("发现日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    organ = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("移交公安机关"),
    )
    evidence = models.JSONField(_("证据"), default=dict)
    source = models.CharField(_("触发记录"), max_length=60, blank=True)
    reported_on = models.DateField(_("移交日期"), null=True, blank=True)
    reported_by = models.CharField(_("移交人"), max_length=150, blank=True)
    decided_on = models.DateField(_("公安决定日期"), null=True, blank=True)
    decision_note = models.CharField(_("公安决定说明"), max_length=300, blank=True)
    isolation = models.ForeignKey(
        "measures.Measure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("强制隔离戒毒决定"),
    )

    # The deciding organ receives it; the case's scope already includes that organ.
    class Meta:
        verbose_name = _("移交公安")
        verbose_name_plural = _("移交公安")
        ordering = ["-detected_on", "-id"]
        constraints = [
            # One open referral per ground per case: detection runs on every recorded fact.
            models.UniqueConstraint(
                fields=["case", "reason"],
                condition=Q(status__in=["draft", "reported"]),
                name="referral_one_open_per_reason",
            )
        ]

    def __str__(self):
        return self.get_reason_display()
