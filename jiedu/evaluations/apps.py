from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "jiedu.evaluations"
    verbose_name = _("诊断评估")

    def ready(self):
        from jiedu.facilities.gates import register_zone_gate
        from jiedu.people.events import register_events
        from jiedu.people.panels import register_panel

        from . import events, rules  # noqa: F401  (rules register on import)
        from .panels import evaluations_panel
        from .services import zone_gate

        register_events(events.EVENT_TEXT)
        register_zone_gate(zone_gate)
        register_panel(evaluations_panel)
