from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftercareConfig(AppConfig):
    name = "jiedu.aftercare"
    verbose_name = _("后续照管")

    def ready(self):
        from jiedu.measures.signals import measure_changed
        from jiedu.people.events import register_events
        from jiedu.people.panels import register_panel

        from . import events, rules  # noqa: F401  (the rules register on import)
        from .panels import aftercare_panel
        from .services import follow_measure

        register_events(events.EVENT_TEXT)
        register_panel(aftercare_panel)
        measure_changed.connect(follow_measure, dispatch_uid="aftercare-follow-measure")
