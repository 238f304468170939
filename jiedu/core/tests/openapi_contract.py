"""Checking API answers in tests against the committed OpenAPI document (docs/api/openapi.json).

`assert_documented(response, "get", "/api/v1/persons/{id}")` fails unless the status code is
documented for the operation and the JSON body validates against its schema (formats included).
"""

from __future__ import annotations

import json
from functools import cache

import jsonschema_rs

from jiedu.core.management.commands.export_openapi import default_path


@cache
def document() -> dict:
    return json.loads(default_path().read_text(encoding="utf-8"))


@cache
def _validator(method: str, path: str, status: str):
    doc = document()
    responses = doc["paths"][path][method]["responses"]
    assert status in responses, f"{method.upper()} {path} does not document status {status}"
    schema = responses[status]["content"]["application/json"]["schema"]
    return jsonschema_rs.validator_for(
        {**schema, "components": doc["components"]}, validate_formats=True
    )


def assert_documented(response, method: str, path: str) -> dict:
    """The response's JSON, after checking it against the document; returns the parsed body."""
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    errors = [
        f"{'/'.join(map(str, e.instance_path))}: {e.message}"
        for e in _validator(method.lower(), path, str(response.status_code)).iter_errors(body)
    ]
    assert not errors, f"{method.upper()} {path} {response.status_code}: {errors}"
    return body
