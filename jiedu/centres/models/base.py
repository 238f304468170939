from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import AuditedModel
from jiedu.core.permissions import RestrictedQuerySet


class CentreRecord(AuditedModel):
    """Base of every record a centre keeps about one person during one stay (入所记录).

    Centre records belong to the facility's archive (司法部令第127号 Art. 63: not disclosed
    outside the facility), so only the facility's subtree sees them.
    """

    admission = models.ForeignKey(
        "facilities.Admission",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("入所记录"),
    )
    # Denormalised from the stay so one person's records across stays are one indexed query.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("人员")
    )
    recorded_by = models.CharField(_("记录人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    scope_unit_path = ("admission__facility__path",)
    scope_permission_noun = "record"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    def audit_person_pk(self):
        return self.person_id


class HealthRecordBase(CentreRecord):
    """Records behind the health permission (infectious disease, chronic illness, disability,
    psychiatric conditions): the design's "health details are a separate permission"."""

    scope_permission_noun = "health"

    class Meta:
        abstract = True
