import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """Requests here switch the thread's language (a Dutch user, the language
    view); put it back so later tests start in the default language."""
    yield
    translation.deactivate()
