from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "jiedu.facilities"
    verbose_name = _("戒毒所")

    def ready(self):
        from jiedu.people.events import register_events

        from . import events

        register_events(events.EVENT_TEXT)
