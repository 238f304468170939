from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "jiedu.measures"
    verbose_name = _("戒毒措施")

    def ready(self):
        from jiedu.people.events import register_events
        from jiedu.people.panels import register_panel

        from . import events, rules  # noqa: F401  (rules registers the configurable rules)
        from .panels import measures_panel

        register_events(events.EVENT_TEXT)
        register_panel(measures_panel)
