from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftercareConfig(AppConfig):
    name = "jiedu.aftercare"
    verbose_name = _("后续照管")
