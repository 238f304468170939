from django.utils.translation import gettext_lazy as _

EVENT_TEXT = {
    "centres.drug_test.positive": _("所内毒品检测阳性（%(on)s）"),
    "centres.response.alerted": _("心理测评预警：%(instrument)s %(band)s（%(on)s）"),
    "centres.crisis.started": _("启动心理危机干预（%(on)s）"),
    "centres.point_month.approved": _("%(month)s月度考核审批完成，得分%(total)s，%(grade)s"),
}
