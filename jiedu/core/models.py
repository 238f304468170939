"""Audit trail (change log and access log) and idempotency records.

Audit rows are append-only: the model refuses updates and deletes, the queryset refuses bulk
updates and deletes, and on PostgreSQL a trigger refuses them in the database too (migration 0002).
They hold no foreign keys, so deleting or merging what they describe never touches them.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditImmutableError(Exception):
    """Raised on any attempt to change or delete an audit row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError("Audit rows cannot be updated")

    def delete(self):
        raise AuditImmutableError("Audit rows cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditImmutableError("Audit rows cannot be updated")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError("Audit rows cannot be updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("Audit rows cannot be deleted")


class ChangeAction(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")


class ChangeLogEntry(AppendOnlyModel):
    """变更日志: one row per create, update or delete of an audited object."""

    time = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user_id = models.BigIntegerField(_("用户ID"), null=True, blank=True)
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=10, choices=ChangeAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象ID"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    person_pk = models.BigIntegerField(_("相关人员"), null=True, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict)

    class Meta:
        verbose_name = _("变更日志")
        verbose_name_plural = _("变更日志")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["person_pk", "time"], name="changelog_person_time"),
            models.Index(fields=["user_id", "time"], name="changelog_user_time"),
            models.Index(fields=["object_type", "object_id"], name="changelog_object"),
        ]

    def __str__(self):
        return f"{self.time:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_repr}"


class AccessAction(models.TextChoices):
    VIEW_PERSON = "view_person", _("查看档案")
    SEARCH_PERSON = "search_person", _("查询人员")
    EXPORT = "export", _("导出")
    REVEAL_ID = "reveal_id", _("查看完整证件号")
    VIEW_PHOTO = "view_photo", _("查看照片")
    VIEW_AUDIT = "view_audit", _("查看审计记录")


class AccessLogEntry(AppendOnlyModel):
    """访问日志: a read of people's data — opening a file, a search (with its query), an export."""

    time = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user_id = models.BigIntegerField(_("用户ID"), null=True, blank=True)
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=AccessAction.choices)
    person_pk = models.BigIntegerField(_("相关人员"), null=True, blank=True)
    query = models.CharField(_("查询条件"), max_length=500, blank=True)
    result_count = models.IntegerField(_("结果数"), null=True, blank=True)
    channel = models.CharField(_("渠道"), max_length=10, default="web")  # web / api / cli

    class Meta:
        verbose_name = _("访问日志")
        verbose_name_plural = _("访问日志")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["person_pk", "time"], name="accesslog_person_time"),
            models.Index(fields=["user_id", "time"], name="accesslog_user_time"),
        ]

    def __str__(self):
        return f"{self.time:%Y-%m-%d %H:%M} {self.username} {self.action}"


class IdempotencyRecord(models.Model):
    """A client-chosen key for a create, so a retried request returns the first result."""

    user_id = models.BigIntegerField()
    scope = models.CharField(max_length=50)
    key = models.CharField(max_length=100)
    result_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "scope", "key"], name="idempotency_unique_key"
            )
        ]

    def __str__(self):
        return f"{self.scope}:{self.key}"


class RuleValue(AppendOnlyModel):
    """本地规则配置: one version of a locally variable rule for a unit and its subtree.

    Append-only: a version is never edited or deleted; a new version with a later
    `effective_from` supersedes it (core.rules), so the row itself is its own audit record.
    """

    key = models.CharField(_("规则"), max_length=80)
    org_unit = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("适用单位")
    )
    value = models.IntegerField(_("取值"))
    effective_from = models.DateField(_("生效日期"))
    source = models.CharField(_("依据"), max_length=200)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.CharField(_("录入人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("本地规则")
        verbose_name_plural = _("本地规则")
        ordering = ["key", "org_unit__path", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "org_unit", "effective_from"], name="rulevalue_one_per_day"
            )
        ]

    def __str__(self):
        return f"{self.key}={self.value} ({self.effective_from})"
