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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        ("", None),
        ("²", None),  # a digit to str.isdigit(), not to int()
        ("٣", None),  # Arabic-Indic three
        ("-1", None),
        ("1" * 19, None),  # past a bigint
        ("12a", None),
    ],
)
def test_query_id_accepts_only_short_ascii_digits(rf, raw, expected):
    from jiedu.core.views import query_id

    assert query_id(rf.get("/", {"unit": raw}), "unit") == expected


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("admin", "/community/plans/?unit=%C2%B2"),
        ("admin", "/centres/approval-chain/?unit=%C2%B2"),
        ("worker_a", "/portal/staff/review/?case=%C2%B2"),
    ],
)
def test_pages_with_an_id_parameter_that_is_no_id_show_the_unfiltered_page(cast, client, who, path):
    client.force_login(getattr(cast, who))
    assert client.get(path).status_code == 200
