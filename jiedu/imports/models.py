"""Import batches: one row per upload of a spreadsheet of persons and measures.

The persons and measures an import creates are written by the people and measures services, so
their change log, timeline and community cases are those of manual entry; this table only says
who uploaded which file (by its SHA-256), for which unit, what came of it, and lets a second
upload of the same content be recognised and refused before anything is read.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core.permissions import RestrictedQuerySet


class BatchStatus(models.TextChoices):
    APPLIED = "applied", _("已导入")
    REJECTED = "rejected", _("有错误，未导入")


class ImportBatch(models.Model):
    """批量导入记录: one uploaded file, applied whole (`applied`) or not at all (`rejected`)."""

    sha256 = models.CharField(_("文件摘要（SHA-256）"), max_length=64, db_index=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    file_format = models.CharField(_("文件格式"), max_length=10)
    encoding = models.CharField(_("字符编码"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("导入人"),
    )
    actor_name = models.CharField(_("导入人"), max_length=150)  # frozen, as in the audit log
    # The lowest unit that holds every row's managing unit; null when no row named a valid one.
    unit = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入单位"),
    )
    status = models.CharField(_("结果"), max_length=10, choices=BatchStatus.choices)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    persons_created = models.PositiveIntegerField(_("新建档案"), default=0)
    persons_matched = models.PositiveIntegerField(_("已有档案"), default=0)
    measures_created = models.PositiveIntegerField(_("新登记措施"), default=0)
    measures_matched = models.PositiveIntegerField(_("已有措施"), default=0)
    drug_uses_added = models.PositiveIntegerField(_("新增吸毒史"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("未变化的行"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    created_at = models.DateTimeField(_("导入时间"), default=timezone.now, db_index=True)

    # Seen by whoever may import at the batch's unit (imports.import_record).
    scope_unit_path = "unit__path"
    scope_permission_noun = "record"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("批量导入记录")
        verbose_name_plural = _("批量导入记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One applied import of the same content per unit: a second upload (or a concurrent
            # one, which waits on this index) is answered "already imported".
            models.UniqueConstraint(
                fields=["sha256", "unit"],
                condition=Q(status="applied"),
                name="importbatch_unique_applied_content",
            ),
        ]

    def __str__(self):
        return f"{self.filename or self.sha256[:12]} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def rows_changed(self) -> int:
        return self.rows - self.unchanged_rows
