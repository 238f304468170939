import pytest

from jiedu.testing.cast import build_cast


@pytest.fixture
def cast(db):
    """The standing cast: units of a synthetic province and one user per situation."""
    return build_cast()


@pytest.fixture(autouse=True)
def _language_reset():
    """A request with Accept-Language activates that language in the thread; put the default
    (Chinese) back so the next test does not inherit it."""
    yield
    from django.utils import translation

    translation.deactivate()
