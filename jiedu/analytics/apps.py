from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "jiedu.analytics"
    verbose_name = _("统计分析")

    def ready(self):
        from . import upkeep  # noqa: F401  (connects the signal receivers that keep facts current)
