"""Links between records of different apps, for the admin pages: "this failure → that person, that request".

The reliability rows (dead letters, error events) and the messaging rows only know references such
as ``request:42``, ``notification:7``, ``inbound:3`` or a phone number; the app that owns a kind of
reference registers a linker for it (like ``register_redrive_handler``), so no app imports an app
above it. ``related_links`` follows references one level further (a notification names its request
and its recipient), de-duplicates, and returns what to show.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Related:
    """What a linker found for one reference: links to show, and further references to follow."""

    links: tuple[Link, ...] = ()
    refs: tuple[tuple[str, str], ...] = ()


Linker = Callable[[str], Related]
_linkers: dict[str, Linker] = {}
MAX_DEPTH = 3


def register_linker(kind: str, linker: Linker) -> None:
    _linkers[kind] = linker


def parse_ref(subject: str) -> tuple[str, str] | None:
    """``"request:42"`` → ``("request", "42")``; None for an empty or malformed subject."""
    kind, _sep, value = (subject or "").partition(":")
    return (kind, value) if kind and value else None


def related_links(refs: Iterable[tuple[str, str] | None]) -> list[Link]:
    """Every link the registered linkers give for ``refs`` and the references they name, once each."""
    seen: set[tuple[str, str]] = set()
    links: list[Link] = []
    frontier = [ref for ref in refs if ref]
    for _level in range(MAX_DEPTH):
        following = []
        for ref in frontier:
            if ref in seen or ref[0] not in _linkers:
                continue
            seen.add(ref)
            found = _linkers[ref[0]](ref[1])
            links.extend(link for link in found.links if link not in links)
            following.extend(found.refs)
        frontier = following
    return links
