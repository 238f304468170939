from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "jiedu.evaluations"
    verbose_name = _("诊断评估")

    def ready(self):
        from jiedu.people.events import register_events

        from . import events

        register_events(events.EVENT_TEXT)
