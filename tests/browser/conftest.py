"""Playwright browser tests: Debian's Chromium (headless) against pytest-django's live server.

Every test here is marked `browser` (`make test-fast` leaves them out). Data comes from the
standing cast, built in a transactional database because the live server runs in another
thread. Screenshots of key steps go to test-artifacts/screenshots/ (kept as CI artifacts).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the main thread; the ORM calls that tests and
# fixtures make there are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from django.db.models.signals import post_migrate

from jiedu.testing.cast import PASSWORD, Cast, build_cast, make_person

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Rows that data migrations seed (roles, drug types). The live server needs transactional tests,
# whose teardown flushes every table; the flush then sends post_migrate, and this puts those rows
# back so that every later test still finds them. (Serialized rollback cannot be relied on here:
# while Playwright's event loop runs, Django hands out per-context connection objects that lack
# the serialized contents.)
_SEEDS = [
    ("jiedu.accounts.migrations.0002_default_roles", "seed_roles"),
    ("jiedu.people.migrations.0002_default_drug_types", "seed_drug_types"),
]


def _reseed_after_flush(sender, **kwargs):
    if sender.label != "people":  # once per flush or migrate, after the apps it needs
        return
    from django.apps import apps as global_apps

    apps = kwargs.get("apps") or global_apps  # flush sends no `apps`; migrate sends its state
    for module, function in _SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)


post_migrate.connect(_reseed_after_flush, dispatch_uid="jiedu-browser-tests-reseed")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Never a downloaded browser: Debian's Chromium, headless (pytest-playwright's default
    # unless --headed is given).
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture(autouse=True)
def _short_timeouts(page):
    # Everything is local: fail in seconds rather than Playwright's default 30 s.
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(15_000)


@pytest.fixture
def shot(page, request):
    """shot("step") saves test-artifacts/screenshots/<test name>-<step>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    test_name = request.node.originalname

    def take(step: str) -> Path:
        path = SCREENSHOT_DIR / f"{test_name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@dataclass
class Scene:
    cast: Cast
    zhang_sanfeng: object  # the person searched for (county A)
    full_id: str  # 张三丰's unmasked ID number, which must never be shown by default


ZSF_ID_DIVISION = "990102"
ZSF_BIRTH = date(1978, 3, 9)


@pytest.fixture
def scene(transactional_db) -> Scene:
    """The cast plus a few county-A files, committed so that the live server sees them."""
    from jiedu.utilities import resident_id

    cast = build_cast()
    full_id = resident_id.build(ZSF_ID_DIVISION, ZSF_BIRTH, 137)  # odd sequence: male
    zsf = make_person(
        cast.worker_a, cast.county_a, name="张三丰", birth_date=ZSF_BIRTH, id_number=full_id
    )
    make_person(cast.worker_a, cast.county_a, name="张三", birth_date=date(1990, 5, 17))
    make_person(cast.worker_a, cast.county_a, name="李四", birth_date=date(1988, 1, 2))
    return Scene(cast=cast, zhang_sanfeng=zsf, full_id=full_id)


@pytest.fixture
def login(page, live_server):
    """login(username) signs in through the login form and waits for the home page."""

    def do(username: str, password: str = PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert "/accounts/login/" not in page.url, "login failed"

    return do
