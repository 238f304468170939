from django.apps import AppConfig
from django.db.models.signals import post_migrate
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
        post_migrate.connect(_sync_instruments, sender=self, dispatch_uid="centres-instruments")


def _sync_instruments(sender, using="default", **kwargs):
    """After every migrate (and every test flush) the shipped instruments are in the database at
    their current version: a change to a shipped JSON file becomes a new version here."""
    from django.db import connections

    if "centres_instrument" not in connections[using].introspection.table_names():
        return
    from .services.psychology import sync_shipped_instruments

    sync_shipped_instruments()
