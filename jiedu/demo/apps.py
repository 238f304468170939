from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic demo province (no models): `python manage.py load_demo`."""

    name = "jiedu.demo"
    label = "demo"
