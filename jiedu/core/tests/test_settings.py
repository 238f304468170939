"""Without keys, tooling still loads the settings but nothing can serve or encrypt."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from jiedu.core import crypto
from jiedu.core.checks import keys_present_for_deploy

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JIEDU_"))}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    env["DATABASE_URL"] = "sqlite:///:memory:"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_makemigrations_check_runs_without_any_keys():
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr


def test_deploy_checks_and_the_wsgi_entry_point_refuse_to_run_without_keys():
    result = _manage("check", "--deploy")
    assert result.returncode != 0
    assert "core.E001" in result.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JIEDU_"))}
    server = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert server.returncode != 0
    assert "JIEDU_FIELD_ENCRYPTION_KEYS" in server.stderr


def test_the_check_and_the_crypto_layer_fail_without_keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.BLIND_INDEX_KEY = ""
    assert [e.id for e in keys_present_for_deploy(None)] == ["core.E001"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")
    with pytest.raises(ImproperlyConfigured):
        crypto.blind_index("x", purpose="id_number")
