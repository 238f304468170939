from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckinsConfig(AppConfig):
    name = "jiedu.checkins"
    verbose_name = _("本人端签到")

    def ready(self):
        from . import events, rules  # noqa: F401  (rules register on import)

        events.register()
