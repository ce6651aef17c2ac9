"""The request state machine: every allowed move works and leaves a timeline entry; illegal ones don't."""

import pytest

from marketplace.models import RequestEvent, RequestStatus, ServiceRequest
from marketplace.services.transitions import ALLOWED_TRANSITIONS, IllegalTransition, request_transition
from tests.factories import make_request

pytestmark = pytest.mark.django_db
S = RequestStatus

ALLOWED = sorted((source, target) for source, targets in ALLOWED_TRANSITIONS.items() for target in targets)
ILLEGAL_SAMPLE = [
    (S.COLLECTING, S.ASSIGNED),
    (S.COLLECTING, S.COMPLETED),
    (S.SEARCHING, S.COMPLETED),
    (S.SEARCHING, S.IN_PROGRESS),
    (S.OFFERED, S.COMPLETED),
    (S.IN_PROGRESS, S.SEARCHING),
    (S.COMPLETED, S.SEARCHING),
    (S.COMPLETED, S.CANCELLED),
    (S.CANCELLED, S.SEARCHING),
    (S.EXPIRED, S.ASSIGNED),
    (S.ASSIGNED, S.ASSIGNED),
    (S.SEARCHING, "teleported"),
]


def test_every_state_has_an_entry_in_the_transition_table():
    assert set(ALLOWED_TRANSITIONS) == set(S.values)
    assert all(targets <= set(S.values) for targets in ALLOWED_TRANSITIONS.values())


def test_closed_states_are_final():
    for final in (S.COMPLETED, S.CANCELLED, S.EXPIRED):
        assert ALLOWED_TRANSITIONS[final] == set()


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_allowed_transition_moves_the_request_and_writes_an_event(source, target):
    request = make_request(status=source)
    event = request_transition(service_request=request, to=target, actor="staff:alice", note="test move")
    request.refresh_from_db()
    assert request.status == target
    assert (event.from_status, event.to_status, event.actor, event.note) == (source, target, "staff:alice", "test move")
    assert list(RequestEvent.objects.filter(request=request).values_list("to_status", flat=True)) == [target]
    if target == S.ASSIGNED:
        assert request.assigned_at is not None
    if target == S.COMPLETED:
        assert request.completed_at is not None


@pytest.mark.parametrize(("source", "target"), ILLEGAL_SAMPLE)
def test_illegal_transition_is_refused_and_leaves_no_trace(source, target):
    request = make_request(status=source)
    with pytest.raises(IllegalTransition) as caught:
        request_transition(service_request=request, to=target)
    assert request.reference in str(caught.value)
    request.refresh_from_db()
    assert request.status == source
    assert not RequestEvent.objects.filter(request=request).exists()


def test_transition_starts_from_the_stored_state_not_a_stale_copy():
    request = make_request(status=S.SEARCHING)
    stale = ServiceRequest.objects.get(pk=request.pk)
    request_transition(service_request=request, to=S.CANCELLED)
    with pytest.raises(IllegalTransition):
        request_transition(service_request=stale, to=S.OFFERED)
    assert ServiceRequest.objects.get(pk=request.pk).status == S.CANCELLED


def test_a_full_happy_path_reads_as_a_timeline_in_order():
    request = make_request()
    path = [S.SEARCHING, S.OFFERED, S.SEARCHING, S.OFFERED, S.ASSIGNED, S.IN_PROGRESS, S.COMPLETED]
    for status in path:
        request_transition(service_request=request, to=status)
    events = list(request.events.values_list("from_status", "to_status"))
    assert events == list(zip([S.COLLECTING, *path[:-1]], path, strict=True))
