"""A provider's message answers THAT provider's own pending offer — never "the newest request".

OUI/NON, 1/2, yes/no, accept/refuse, 👍/👎, with or without a reference ("OUI DJB-000042"). A
provider with several pending offers must name one; a provider with none is told so.
"""

from datetime import timedelta

from django.utils import timezone

from marketplace import texts
from marketplace.intake.answers import (
    Answer,
    DoneReport,
    detect_command,
    extract_reference,
    interpret_answer,
    read_done,
)
from marketplace.models import OfferStatus, Provider, ProviderOffer, RequestStatus
from marketplace.notify import Replier, request_params
from marketplace.services.lifecycle import request_complete
from marketplace.services.offers import Outcome, offer_accept, offer_accept_late, offer_decline

RECENT = timedelta(hours=12)  # a late answer to an offer closed this recently gets told what happened


def handle_provider_message(*, provider: Provider, text: str, reply: Replier) -> None:
    answer = interpret_answer(text)
    reference = extract_reference(text)
    done = read_done(text)
    if done is not None:
        _job_done(provider=provider, report=done, reference=reference, reply=reply)
        return
    pending = list(
        provider.offers.filter(status=OfferStatus.PENDING)
        .select_related("request__client", "request__category", "request__zone", "provider")
        .order_by("sent_at")
    )
    if reference is not None:
        pending = [offer for offer in pending if offer.request_id == reference]
    if not pending:
        _no_pending_offer(provider=provider, answer=answer, reference=reference, reply=reply, text=text)
    elif len(pending) > 1:
        references = ", ".join(offer.request.reference for offer in pending)
        reply.say("provider_which_offer", references=references, example=pending[0].request.reference)
    elif answer is None:
        text_key = "provider_help" if detect_command(text) else "provider_unclear"
        reply.say(text_key, reference=pending[0].request.reference)
    else:
        _answer_offer(pending[0], answer=answer, reply=reply)


def _answer_offer(offer: ProviderOffer, *, answer: Answer, reply: Replier) -> None:
    outcome = offer_accept(offer=offer) if answer == Answer.YES else offer_decline(offer=offer)
    if outcome == Outcome.ALREADY_TAKEN:
        reply.say("provider_already_taken", reference=offer.request.reference)
    elif outcome == Outcome.CLOSED:
        _say_closed(offer, reply=reply)


def _answer_late(offer: ProviderOffer, *, reply: Replier) -> None:
    """OUI after the offer expired: accepted if nobody holds the request (escalated to staff, say)."""
    outcome = offer_accept_late(offer=offer)
    if outcome == Outcome.ALREADY_TAKEN:
        reply.say("provider_already_taken", reference=offer.request.reference)
    elif outcome == Outcome.CLOSED:
        _say_closed(offer, reply=reply)


def _say_closed(offer: ProviderOffer, *, reply: Replier) -> None:
    status = offer.status if offer.status != OfferStatus.PENDING else offer.request.status
    reply.say(
        "provider_offer_closed",
        **request_params(offer.request, reply.language),
        status=texts.status_name(status, reply.language),
    )


def _no_pending_offer(*, provider: Provider, answer: Answer | None, reference: int | None, reply: Replier, text: str):
    recent = provider.offers.filter(sent_at__gte=timezone.now() - RECENT).exclude(status=OfferStatus.ACCEPTED)
    if reference is not None:
        recent = recent.filter(request_id=reference)
    last = recent.select_related("request__client", "request__category", "request__zone", "provider").order_by(
        "-sent_at"
    ).first()
    if answer == Answer.YES and last is not None and last.status == OfferStatus.EXPIRED:
        _answer_late(last, reply=reply)
    elif answer is not None and last is not None:
        _say_closed(last, reply=reply)
    elif detect_command(text):
        reply.say("provider_help")
    else:
        reply.say("provider_no_offer")


def _job_done(*, provider: Provider, report: DoneReport, reference: int | None, reply: Replier) -> None:
    """"TERMINÉ" / "DONE": complete the provider's own job (the client is thanked by request_complete).

    "pas encore fini" or "Terminé ?" completes nothing: the provider is told how to close the job later.
    """
    jobs = provider.assigned_requests.filter(status__in=[RequestStatus.ASSIGNED, RequestStatus.IN_PROGRESS])
    if reference is not None:
        jobs = jobs.filter(pk=reference)
    jobs = list(jobs.select_related("category", "zone").order_by("assigned_at")[:5])
    if not jobs:
        reply.say("provider_no_job")
    elif len(jobs) > 1:
        references = ", ".join(job.reference for job in jobs)
        reply.say("provider_which_job", references=references, example=jobs[0].reference)
    elif report == DoneReport.DONE:
        request_complete(service_request=jobs[0], actor="provider")
        reply.say("provider_completed_ack", **request_params(jobs[0], reply.language))
    else:
        reply.say(f"provider_done_{report}", reference=jobs[0].reference)
