from tests.marketplace.dialogue_support import plumbers, webhook  # noqa: F401  (fixtures for the dialogue tests)
