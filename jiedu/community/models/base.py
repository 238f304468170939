from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiedu.core.audit import AuditedModel
from jiedu.core.permissions import RestrictedQuerySet

# Who sees a community case: the township executing it now, the township (or county) that
# manages the person — 户籍地为主、居住地为辅, two-way control (RISK 2016) — the township it was
# transferred from (neither side loses the history, 戒毒条例 Art. 22), and the police organ that
# decided the measure.
CASE_SCOPE = (
    "unit__path",
    "person__managing_unit__path",
    "transferred_from__path",
    "measure__deciding_organ__path",
)


class CaseRecord(AuditedModel):
    """Base of every record kept on one community case."""

    case = models.ForeignKey(
        "community.CommunityCase",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("社区个案"),
    )
    # Denormalised from the case so one person's records are one indexed query.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("人员")
    )
    recorded_by = models.CharField(_("记录人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    scope_unit_path = tuple(f"case__{p}" for p in CASE_SCOPE)
    scope_permission_noun = "case"
    scope_permission_app = "community"  # also for subclasses in other apps (checkins)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    def audit_person_pk(self):
        return self.person_id
