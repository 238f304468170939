from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "jiedu.community"
    verbose_name = _("社区戒毒社区康复")

    def ready(self):
        from jiedu.measures.signals import measure_changed
        from jiedu.people.events import register_events

        from . import events, rules  # noqa: F401  (rules register on import)
        from .services.cases import follow_measure

        register_events(events.EVENT_TEXT)
        measure_changed.connect(follow_measure, dispatch_uid="community-follow-measure")
