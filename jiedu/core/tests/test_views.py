"""Shared view helpers."""

import pytest
from django.test import RequestFactory

from jiedu.core.views import next_url


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/worklist/?unit=990000-SF01", "/worklist/?unit=990000-SF01"),
        ("", "/fallback/"),
        ("//evil.example/", "/fallback/"),
        ("/\\evil.example/", "/fallback/"),
        ("https://evil.example/", "/fallback/"),
        ("http://testserver/people/", "http://testserver/people/"),
        ("javascript:alert(1)", "/fallback/"),
    ],
)
def test_next_url_stays_on_this_site(target, expected):
    request = RequestFactory().post("/x/", {"next": target})
    assert next_url(request, "/fallback/") == expected
