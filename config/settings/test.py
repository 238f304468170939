"""Test settings: same as production except fixed keys and fast hashing."""

import os

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key")
os.environ.setdefault("JIEDU_FIELD_ENCRYPTION_KEYS", "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0wMDA=")
os.environ.setdefault("JIEDU_BLIND_INDEX_KEY", "test-blind-index-key")

from .base import *  # noqa: F403
from .base import VAR_DIR

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Dashboards draw their charts without animation in tests (issue 6): screenshots and assertions
# see the final frame.
JIEDU_CHART_ANIMATION = False

# Tasks run at once, inside the code that enqueues them: a test sees a check-in verified when
# the service returns (the database backend and its worker have a test of their own:
# jiedu/checkins/tests/test_tasks.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
