from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "jiedu.community"
    verbose_name = _("社区戒毒社区康复")

    def ready(self):
        from jiedu.measures.signals import measure_changed
        from jiedu.people.events import register_events
        from jiedu.people.panels import register_panel

        # Rules register on import.
        from . import credit_rules, events, rules  # noqa: F401
        from .panels import community_panel
        from .services import violations  # noqa: F401  (serious_breach on the measures API)
        from .services.cases import follow_measure

        register_events(events.EVENT_TEXT)
        register_panel(community_panel)
        measure_changed.connect(follow_measure, dispatch_uid="community-follow-measure")
