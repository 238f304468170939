"""Settings of the benchmarks: the project's settings plus the bare reference endpoint.

    DJANGO_SETTINGS_MODULE=bench.settings

Nothing else changes: the same middleware, templates, database settings (from the environment)
and password hashers as a deployment, so that what is measured is the project's own stack.
"""

from config.settings.base import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bareapp"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
# The in-process client of bench/dashboards.py is "testserver".
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405
# Charts animate as in a deployment (the dashboards read this setting; tests turn it off).
JIEDU_CHART_ANIMATION = globals().get("JIEDU_CHART_ANIMATION", True)
