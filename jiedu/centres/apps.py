from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CentresConfig(AppConfig):
    name = "jiedu.centres"
    verbose_name = _("五中心")

    def ready(self):
        from jiedu.people.events import register_events

        from . import events

        register_events(events.EVENT_TEXT)
