"""Timeline events of the follow-up (codes `aftercare.<model>.<past_tense>`)."""

from django.utils.translation import gettext_lazy as _

EVENT_TEXT = {
    "aftercare.plan.opened": _(
        "%(on)s%(measure)s结束，由%(unit)s开展后续照管（回访：第%(months)s个月）"
    ),
    "aftercare.plan.unit_changed": _("后续照管改由%(unit)s负责（%(reason)s）"),
    "aftercare.plan.closed": _("%(on)s后续照管结束（%(reason)s）"),
    "aftercare.visit.recorded": _("%(on)s回访（%(method)s）：%(status)s，检测%(test)s"),
    "aftercare.help.recorded": _("%(on)s帮扶：%(kind)s%(provider)s"),
}
