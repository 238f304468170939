"""Timeline events of community cases (codes `community.<model>.<past_tense>`)."""

from django.utils.translation import gettext_lazy as _

EVENT_TEXT = {
    "community.case.opened": _("%(kind)s个案在%(unit)s建立"),
    "community.case.worker_assigned": _("%(on)s指派%(worker)s为责任专干"),
    "community.agreement.signed": _("%(on)s在%(unit)s签订%(title)s（%(number)s）"),
    "community.transfer.reported": _("%(on)s在新执行地%(unit)s报到"),
    "community.case.closed": _("%(kind)s个案结案（%(reason)s）"),
    "community.drug_test.recorded": _("%(on)s%(tier)s（%(sample)s）：%(result)s"),
    "community.drug_test.objected": _("%(on)s对检测结果提出异议（%(test)s）"),
    # Serious breach and referrals (violations helper).
    "community.breach.detected": _("%(on)s起构成严重违反社区戒毒（康复）协议：%(grounds)s"),
    "community.referral.reported": _("%(on)s向%(organ)s移交（%(reason)s），社区程序暂停"),
    "community.referral.returned": _("%(on)s%(organ)s决定继续执行社区措施（%(reason)s）"),
    # Leave and absences (violations helper).
    "community.leave.requested": _(
        "申请请假：%(leave_on)s至%(return_on)s（%(days)s日），前往%(destination)s"
    ),
    "community.leave.approved": _("%(on)s批准请假（%(leave_on)s至%(return_on)s）"),
    "community.leave.rejected": _("%(on)s不予批准请假（%(leave_on)s至%(return_on)s）"),
    "community.leave.cancelled": _("撤回请假（%(leave_on)s至%(return_on)s）"),
    "community.absence.recorded": _("%(left_on)s离开执行地（%(kind)s）%(until)s"),
    "community.absence.returned": _("%(on)s返回执行地"),
    # A random-test draw (domain.md §2.9); the days are never written here.
    "community.draw.made": _("随机抽检抽签：执行第%(year)s年，抽取%(count)s次（%(method)s）"),
}
