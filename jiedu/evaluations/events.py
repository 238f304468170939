from django.utils.translation import gettext_lazy as _

EVENT_TEXT = {
    "evaluations.handbook.opened": _("建立诊断评估手册（%(on)s）"),
    "evaluations.evaluation.completed": _("完成%(kind)s（%(on)s）：%(summary)s"),
    "evaluations.proposal.drafted": _("形成%(kind)s意见（%(on)s）"),
    "evaluations.proposal.committee_decided": _("所务会审议%(kind)s意见：%(decision)s（%(on)s）"),
    "evaluations.proposal.submitted": _("%(kind)s意见报送决定机关（%(on)s），应于%(due)s前决定"),
    "evaluations.proposal.decided": _("决定机关对%(kind)s意见作出决定：%(decision)s（%(on)s）"),
}
