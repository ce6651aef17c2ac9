"""Fixtures of the marketplace tests."""

from tests.marketplace.dialogue_support import plumbers, webhook  # noqa: F401  (fixtures for the dialogue tests)
from tests.marketplace.timeline_support import story  # noqa: F401  (fixture)
