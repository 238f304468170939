"""`manage.py export_openapi [path]`: write the API's OpenAPI document (as served at
/api/v1/openapi.json) to a file, by default docs/api/openapi.json (`make openapi`).

The committed file is checked by jiedu/core/tests/test_openapi.py, which renders the served
document with `render()` below, so the two are byte-identical when nothing drifted.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

DEFAULT_PATH = Path("docs") / "api" / "openapi.json"


def render(document: dict) -> str:
    """The canonical text of an OpenAPI document: sorted keys, 2-space indent, UTF-8, newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def current_document() -> dict:
    """The document the API serves at /api/v1/openapi.json."""
    from config.api import api

    return api.get_openapi_schema()


def default_path() -> Path:
    return Path(settings.BASE_DIR) / DEFAULT_PATH


class Command(BaseCommand):
    help = "Write the OpenAPI document of /api/v1/ to a file (default docs/api/openapi.json)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help=f"output file (default {DEFAULT_PATH})")

    def handle(self, *args, path=None, **options):
        target = Path(path) if path else default_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        text = render(current_document())
        if target.exists() and target.read_text(encoding="utf-8") == text:
            self.stdout.write(f"{target} is up to date.")
            return
        target.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {target}.")
