import pytest

from jiedu.testing.cast import build_cast


@pytest.fixture
def cast(db):
    """The standing cast: units of a synthetic province and one user per situation."""
    return build_cast()
