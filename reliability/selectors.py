"""Reads of the reliability tables for the other apps' admin pages (timelines, related links)."""

from collections.abc import Iterable

from reliability.models import DeadLetter, ErrorEvent


def error_event_ids(codes: Iterable[str]) -> dict[str, int]:
    """{support code: ErrorEvent pk} for the codes that have an event (one query)."""
    codes = {code for code in codes if code}
    if not codes:
        return {}
    return dict(ErrorEvent.objects.filter(support_code__in=codes).values_list("support_code", "pk"))


def dead_letter_ids(kind: str, object_ids: Iterable) -> dict[str, int]:
    """{object id: pk of its newest dead letter} for the objects of ``kind`` that were dead-lettered (one query)."""
    ids = {str(object_id) for object_id in object_ids}
    if not ids:
        return {}
    rows = DeadLetter.objects.filter(kind=kind, object_id__in=ids).order_by("created_at")
    return dict(rows.values_list("object_id", "pk"))
