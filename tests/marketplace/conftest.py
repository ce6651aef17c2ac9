"""Fixtures of the marketplace tests."""

from tests.marketplace.timeline_support import story  # noqa: F401  (fixture)
