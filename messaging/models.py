from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    SMS = "sms", "SMS"
    EMAIL = "email", _("Email")


class Conversation(models.Model):
    """One per phone number: the channel it last wrote on and the WhatsApp 24-hour window.

    The intake being filled lives with the client (marketplace.intake.session, IntakeSession), not here."""

    phone = models.CharField(_("phone"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WHATSAPP)
    language = models.CharField(_("language"), max_length=2, default="fr")
    last_inbound_at = models.DateTimeField(_("last inbound at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self):
        return self.phone


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead-lettered")


class InboundMessage(models.Model):
    provider_sid = models.CharField(_("Twilio MessageSid"), max_length=64, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WHATSAPP)
    sender = models.CharField(_("sender"), max_length=20, db_index=True)
    recipient = models.CharField(_("to"), max_length=40, blank=True)
    profile_name = models.CharField(_("profile name"), max_length=120, blank=True)
    body = models.TextField(_("body"), blank=True)
    media = models.JSONField(_("media"), default=list, blank=True)
    raw_payload = models.JSONField(_("raw payload"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    support_code = models.CharField(_("support code"), max_length=16, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        permissions = [
            ("reprocess_inboundmessage", _("Can reprocess an inbound message")),
            ("use_simulator", _("Can use the WhatsApp simulator")),
        ]

    def __str__(self):
        return self.provider_sid


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    UNKNOWN = "unknown", _("Outcome unknown")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")
    DEAD = "dead", _("Dead-lettered")


# What the dispatcher claims once ``next_attempt_at`` has passed.
DUE_STATUSES = (NotificationStatus.PENDING, NotificationStatus.FAILED, NotificationStatus.UNKNOWN)


class Priority(models.IntegerChoices):
    LOW = 10, _("Low (countdowns, routine updates)")
    NORMAL = 50, _("Normal")
    HIGH = 90, _("High (offers, assignments)")


class Notification(models.Model):
    """The outbox: a message the marketplace decided to send, whatever channel carries it."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    recipient_phone = models.CharField(_("recipient phone"), max_length=20, blank=True, db_index=True)
    recipient_email = models.EmailField(_("recipient email"), blank=True)
    language = models.CharField(_("language"), max_length=2, default="fr")
    body = models.TextField(_("body"))
    template_sid = models.CharField(_("WhatsApp template (Content SID)"), max_length=64, blank=True)
    template_variables = models.JSONField(default=dict, blank=True)
    channels = models.JSONField(_("channel chain"), default=list)
    channel = models.CharField(_("current channel"), max_length=10, choices=Channel.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts on this channel"), default=0)
    total_attempts = models.PositiveSmallIntegerField(_("attempts in all"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    provider_sid = models.CharField(_("Twilio SID"), max_length=64, blank=True, db_index=True)
    last_error_code = models.CharField(_("last error code"), max_length=20, blank=True)
    last_error_category = models.CharField(_("last error category"), max_length=20, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    support_code = models.CharField(_("support code"), max_length=16, blank=True)
    subject = models.CharField(_("subject"), max_length=64, blank=True, db_index=True, help_text='e.g. "request:42"')
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=NotificationStatus.values), name="notification_valid_status"),
        ]
        permissions = [("retry_notification", _("Can retry a notification now"))]

    def __str__(self):
        return f"#{self.pk} {self.get_channel_display()} {self.get_status_display()}"


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("Accepted by the provider")
    FAILED = "failed", _("Failed")
    UNKNOWN = "unknown", _("Unknown (timed out after sending)")
    SKIPPED = "skipped", _("Skipped (breaker open or quota spent)")
    DELIVERED = "delivered", _("Delivered (status callback)")
    UNDELIVERED = "undelivered", _("Undelivered (status callback)")


class DeliveryAttempt(models.Model):
    """One try of one notification on one channel; success rates and error patterns come from here."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="attempts_log")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    outcome = models.CharField(_("outcome"), max_length=12, choices=AttemptOutcome.choices)
    error_code = models.CharField(_("error code"), max_length=20, blank=True)
    category = models.CharField(_("category"), max_length=20, blank=True)
    message = models.TextField(_("message"), blank=True)
    provider_sid = models.CharField(_("Twilio SID"), max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        indexes = [
            models.Index(fields=["started_at", "outcome"]),
            models.Index(fields=["channel", "started_at"]),
            models.Index(fields=["error_code", "started_at"]),
        ]


class StatusCallback(models.Model):
    """Twilio delivery status callbacks, stored once per (MessageSid, status)."""

    provider_sid = models.CharField(max_length=64)
    status = models.CharField(max_length=20)
    error_code = models.CharField(max_length=20, blank=True)
    raw_payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)
    # Null until applied to its notification: stored first, applied now or by the sweep (never lost).
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("status callback")
        verbose_name_plural = _("status callbacks")
        constraints = [
            models.UniqueConstraint(fields=["provider_sid", "status"], name="status_callback_once_per_status"),
        ]
        indexes = [models.Index(fields=["applied_at", "received_at"], name="status_callback_pending")]


class QuotaUsage(models.Model):
    """A send counted against a channel's rolling 24-hour limit, taken before calling Twilio."""

    channel = models.CharField(max_length=10, choices=Channel.choices)
    used_at = models.DateTimeField(default=timezone.now)
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, null=True)

    class Meta:
        indexes = [models.Index(fields=["channel", "used_at"])]


class ChannelQuota(models.Model):
    """One row per channel: the lock that serialises quota counting, and a 63038 "spent" mark."""

    channel = models.CharField(max_length=10, choices=Channel.choices, unique=True)
    spent_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("channel quota")
        verbose_name_plural = _("channel quotas")

    def __str__(self):
        return self.channel
