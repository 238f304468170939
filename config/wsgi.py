import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()

from jiedu.core.checks import require_keys  # noqa: E402  (needs the app registry)

require_keys()
