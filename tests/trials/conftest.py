import pytest

from tests.trials.factories import build_trial


@pytest.fixture
def trial(db):
    """The known small trial (see tests/trials/factories.py)."""
    return build_trial()
