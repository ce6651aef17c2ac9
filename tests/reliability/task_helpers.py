"""Task functions for tests that go through django-q2's real worker (sync mode)."""

from reliability.errors import record_error


def record_failure(subject: str) -> str:
    return record_error(category="test", message="failed inside a task", subject=subject).support_code


def explode(message: str) -> None:
    """A task that fails, as a bug in a real task would."""
    raise RuntimeError(message)
