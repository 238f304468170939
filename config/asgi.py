import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_asgi_application()

from jiedu.core.checks import require_keys  # noqa: E402  (needs the app registry)

require_keys()
