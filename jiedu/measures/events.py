"""Timeline events of the measures (codes `measures.<model>.<past_tense>`)."""

from django.utils.translation import gettext_lazy as _

EVENT_TEXT = {
    "measures.measure.decided": _("%(organ)s决定%(kind)s（%(number)s），%(decided_on)s作出"),
    "measures.measure.converted": _("%(kind)s转为%(new_kind)s（%(reason)s）"),
    "measures.measure.reported": _("%(kind)s：%(on)s到%(unit)s报到，期限自当日起计算"),
    "measures.measure.refused": _("%(kind)s：逾期未报到，视为拒绝接受（%(on)s）"),
    "measures.measure.admitted": _("%(kind)s：%(on)s在%(unit)s开始执行"),
    "measures.measure.transferred": _("%(on)s由%(from_unit)s移送%(unit)s"),
    "measures.measure.place_changed": _(
        "%(kind)s：%(on)s执行地由%(from_unit)s变更为%(unit)s（%(reason)s），期限连续计算"
    ),
    "measures.measure.escaped": _("%(on)s脱逃，脱逃期间不计入期限"),
    "measures.measure.recaptured": _("%(on)s追回，期限顺延%(days)s日，届满日为%(term_end)s"),
    "measures.measure.suspended": _("%(kind)s：%(on)s中止（%(reason)s）"),
    "measures.measure.resumed": _("%(kind)s：%(on)s恢复执行，届满日为%(term_end)s"),
    "measures.measure.released": _("%(kind)s：%(on)s%(reason)s"),
    "measures.measure.terminated": _("%(kind)s：%(on)s终止（%(reason)s）"),
    "measures.measure.early_release_approved": _(
        "决定机关批准提前解除（%(number)s，%(on)s），解除日期为%(release_on)s"
    ),
    "measures.measure.early_release_withdrawn": _(
        "原批准%(release_on)s提前解除，因%(reason)s不得提前解除，期限恢复至%(term_end)s届满"
    ),
    "measures.measure.extended": _(
        "决定机关决定延长戒毒期限%(months)s个月（%(number)s，%(on)s），届满日为%(term_end)s"
    ),
    "measures.notice.sent": _("%(notice)s：%(on)s已通知%(recipient)s"),
    "measures.methadone.started": _("%(on)s在%(clinic)s开始戒毒药物维持治疗"),
    "measures.methadone.ended": _("%(on)s退出戒毒药物维持治疗"),
}
