from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CentresConfig(AppConfig):
    name = "jiedu.centres"
    verbose_name = _("五中心")

    def ready(self):
        from jiedu.people.events import register_events
        from jiedu.people.panels import register_panel

        from . import events, points_rules, rules  # noqa: F401  (rules register on import)
        from .panels import centres_panel

        register_events(events.EVENT_TEXT)
        register_panel(centres_panel)
