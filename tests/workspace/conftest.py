# The programme content fixtures the care tests use, for the workspace pages too.
from tests.care.conftest import content, thought_step  # noqa: F401
