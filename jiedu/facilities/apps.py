from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "jiedu.facilities"
    verbose_name = _("戒毒所")

    def ready(self):
        from jiedu.measures.signals import measure_terminated
        from jiedu.people.events import register_events

        from . import events
        from .services import close_stay_on_termination

        register_events(events.EVENT_TEXT)
        measure_terminated.connect(close_stay_on_termination, dispatch_uid="facilities-close-stay")
