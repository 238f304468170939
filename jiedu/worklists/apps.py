from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistsConfig(AppConfig):
    name = "jiedu.worklists"
    verbose_name = _("工作清单")
