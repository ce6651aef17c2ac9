"""Client commands: STATUT/STATUS, ANNULER/CANCEL (optionally with a reference), AIDE/HELP."""

from marketplace import texts
from marketplace.intake.session import session_clear, session_for
from marketplace.models import Client, RequestStatus, ServiceRequest
from marketplace.notify import Replier, request_params
from marketplace.services.lifecycle import request_cancel
from marketplace.services.transitions import IllegalTransition

STATUS_LIMIT = 5


def run_command(command: str, *, client: Client, reply: Replier, reference: int | None) -> None:
    if command == "status":
        command_status(client=client, reply=reply)
    elif command == "cancel":
        command_cancel(client=client, reply=reply, reference=reference)
    else:
        reply.say("help")


def _open_requests(client: Client):
    return (
        client.requests.open()
        .exclude(status=RequestStatus.COLLECTING)
        .select_related("category", "zone", "assigned_provider")
        .order_by("-created_at")
    )


def command_status(*, client: Client, reply: Replier) -> None:
    requests = list(_open_requests(client)[:STATUS_LIMIT])
    if not requests:
        # A summary waiting for OUI is not a request yet: say so rather than "nothing open".
        awaiting = session_for(client).slots.get("awaiting")
        reply.say("status_unconfirmed" if awaiting == "confirm" else "status_none")
        return
    language = reply.language
    lines = [texts.render("status_header", language)]
    for request in requests:
        line = texts.render(
            "status_line", language, **request_params(request, language),
            status=texts.status_name(request.status, language),
        )
        if request.assigned_provider:
            line += texts.render(
                "status_assigned_suffix", language,
                provider=request.assigned_provider.name, phone=request.assigned_provider.phone,
            )
        lines.append(line)
    reply.send_raw("\n".join(lines))


def _target(client: Client, reference: int | None) -> ServiceRequest | None:
    if reference is not None:
        return client.requests.filter(pk=reference).select_related("category", "zone").first()
    return _open_requests(client).first()  # open and past intake: every one can be cancelled


def command_cancel(*, client: Client, reply: Replier, reference: int | None) -> None:
    had_intake = session_clear(client)
    request = _target(client, reference)
    if request is None:
        reply.say("cancel_intake" if had_intake else "cancel_nothing")
        return
    try:
        request_cancel(service_request=request, actor="client")
    except IllegalTransition:
        reply.say(
            "cancel_refused", reference=request.reference, status=texts.status_name(request.status, reply.language)
        )
