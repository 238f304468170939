"""Timeline events of facility stays (codes `facilities.<model>.<past_tense>`)."""

from django.utils.translation import gettext_lazy as _

EVENT_TEXT = {
    "facilities.admission.zone_changed": _("%(on)s在%(facility)s调整至%(zone)s"),
    "facilities.home_leave.granted": _("%(on)s经批准外出探视，应于%(due)s回所"),
    "facilities.home_leave.returned": _("%(on)s外出探视回所，吸毒检测：%(test)s"),
    "facilities.segregation.started": _("%(on)s至%(until)s单独管理"),
    "facilities.medical_parole.started": _("%(on)s所外就医（%(hospital)s），期限继续计算"),
    "facilities.admission.released": _("%(on)s从%(facility)s出所，解除证明书%(number)s"),
}
