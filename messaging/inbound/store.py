"""Store an inbound message once per MessageSid and queue its processing on commit.

Shared by the webhook, the spool drain (messages received while the database was down) and the
simulator. Nothing slow happens here: processing runs in the task cluster (messaging.inbound.processing).
"""

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from core.db import insert_once
from core.phones import mask_phone
from messaging.inbound.clean import nul_free_params
from messaging.inbound.form import InboundForm
from messaging.models import Channel, Conversation, InboundMessage

logger = logging.getLogger(__name__)

PROCESS_TASK = "messaging.inbound.tasks.process_inbound"


class InboundInvalid(ValueError):
    """The posted fields are not a message we can store; ``str(exc)`` is the reason for the 400."""


def inbound_receive(*, data, received_at=None) -> bool:
    """Validate Twilio's fields and store the message once per MessageSid.

    ``data`` is a dict or a ``MultiValueDict`` of the posted fields (signature already checked by
    the caller); NUL characters are removed first, since PostgreSQL refuses them. Returns True when
    the message was stored now; a replayed MessageSid is False, stores nothing and queues nothing. Raises
    ``InboundInvalid`` for a malformed form, and the database's own errors when it is unavailable.
    """
    params = nul_free_params(data)
    form = InboundForm(MultiValueDict(params))
    if not form.is_valid():
        raise InboundInvalid(form.reason())
    message = InboundMessage(
        provider_sid=form.cleaned_data["MessageSid"],
        channel=form.channel(),
        sender=form.sender(),
        recipient=form.cleaned_data["To"],
        profile_name=form.cleaned_data["ProfileName"],
        body=form.cleaned_data["Body"],
        media=form.media(),
        raw_payload={key: values[0] if len(values) == 1 else values for key, values in params.items()},
        received_at=received_at or timezone.now(),
    )
    # Two statements in one transaction, no savepoint: the insert, then (new messages only) the upsert.
    with transaction.atomic():
        created = insert_once(message, unique="provider_sid")
        if created:
            _conversation_touch(message)
            # robust: if the broker is down the row is safe and the retry schedule picks it up.
            transaction.on_commit(partial(queue_processing, message.pk), robust=True)
    logger.info(
        "inbound %s from %s %s", message.provider_sid, mask_phone(message.sender),
        "stored" if created else "replayed (ignored)",
    )
    return created


def _conversation_touch(message: InboundMessage) -> None:
    """Record the sender's channel; a WhatsApp message (only) opens the 24-hour WhatsApp window.

    One upsert on the unique phone: an SMS neither opens the window nor clears one already open.
    """
    whatsapp = message.channel == Channel.WHATSAPP
    conversation = Conversation(phone=message.sender, channel=message.channel,
                                last_inbound_at=message.received_at if whatsapp else None)
    Conversation.objects.bulk_create(
        [conversation], update_conflicts=True, unique_fields=["phone"],
        update_fields=["channel", "updated_at", *(["last_inbound_at"] if whatsapp else [])],
    )


def queue_processing(message_id: int) -> None:
    from django_q.tasks import async_task

    async_task(PROCESS_TASK, message_id, group="inbound")
