"""Timeline events of community cases (codes `community.<model>.<past_tense>`)."""

from django.utils.translation import gettext_lazy as _

EVENT_TEXT = {
    "community.case.opened": _("%(kind)s个案在%(unit)s建立"),
    "community.case.worker_assigned": _("%(on)s指派%(worker)s为责任专干"),
    "community.case.closed": _("%(kind)s个案结案（%(reason)s）"),
}
