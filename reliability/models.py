"""Reliability mechanisms' state. Nothing here knows the marketplace or messaging apps."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.i18n import render


class BreakerState(models.TextChoices):
    CLOSED = "closed", _("Closed (calls flow)")
    OPEN = "open", _("Open (calls blocked)")
    HALF_OPEN = "half_open", _("Half-open (probing)")


class BreakerForce(models.TextChoices):
    NONE = "", _("Automatic")
    FORCED_OPEN = "forced_open", _("Forced open")
    DISABLED = "disabled", _("Disabled (always lets calls through)")


class CircuitBreaker(models.Model):
    """One external service's breaker, shared by every process through this row."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=BreakerState.choices, default=BreakerState.CLOSED)
    forced = models.CharField(_("forced state"), max_length=12, choices=BreakerForce.choices, blank=True, default="")
    generation = models.PositiveIntegerField(_("generation"), default=0)
    window = models.JSONField(_("recent outcomes"), default=list, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    half_open_permits = models.JSONField(_("half-open permits"), default=list, blank=True)
    last_failure = models.TextField(_("last failure"), blank=True)
    open_count = models.PositiveIntegerField(_("times opened"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("circuit breaker")
        verbose_name_plural = _("circuit breakers")
        permissions = [
            ("reset_circuitbreaker", _("Can reset a circuit breaker")),
            ("force_circuitbreaker", _("Can force a circuit breaker open")),
            ("disable_circuitbreaker", _("Can disable a circuit breaker")),
        ]

    def __str__(self):
        return self.name


class DeadLetter(models.Model):
    kind = models.CharField(_("kind"), max_length=40, db_index=True, help_text=_('e.g. "notification", "inbound"'))
    object_id = models.CharField(_("object id"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    reason = models.CharField(_("reason category"), max_length=20, db_index=True)
    error_code = models.CharField(_("error code"), max_length=20, blank=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    support_code = models.CharField(_("support code"), max_length=16, db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    redriven_at = models.DateTimeField(_("redriven at"), null=True, blank=True)
    redriven_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("redriven by")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")
        permissions = [("redrive_deadletter", _("Can redrive a dead letter"))]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], condition=Q(redriven_at__isnull=True),
                name="dead_letter_one_open_per_object",
            ),
        ]

    def __str__(self):
        return f"{self.kind}:{self.object_id} ({self.support_code})"


class Severity(models.TextChoices):
    INFO = "info", _("Info")
    WARNING = "warning", _("Warning")
    ERROR = "error", _("Error")
    CRITICAL = "critical", _("Critical")


class ErrorEvent(models.Model):
    support_code = models.CharField(_("support code"), max_length=16, unique=True)
    # "category" alone is the trade of a request in French ("Métier"): an error's category is another word.
    category = models.CharField(pgettext_lazy("error event", "category"), max_length=30, db_index=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.ERROR)
    message = models.TextField(_("message"))
    context = models.JSONField(_("context"), default=dict, blank=True)
    traceback = models.TextField(_("traceback"), blank=True)
    subject = models.CharField(_("subject"), max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("error event")
        verbose_name_plural = _("error events")

    def __str__(self):
        return self.support_code


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Alert(models.Model):
    dedup_key = models.CharField(_("dedup key"), max_length=120)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    # title_message/detail_message (core.i18n) render in the reader's language; title/detail keep the text as
    # written (for search, and for the alerts written before messages).
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    title_message = models.JSONField(_("title (message)"), default=dict, blank=True)
    detail_message = models.JSONField(_("detail (message)"), default=dict, blank=True)
    count = models.PositiveIntegerField(_("count"), default=1)
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    status = models.CharField(_("status"), max_length=14, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    last_notified_at = models.DateTimeField(_("last notified"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"], condition=~Q(status=AlertStatus.RESOLVED), name="alert_one_active_per_key"
            ),
        ]

    def __str__(self):
        return self.title_display

    @property
    def title_display(self) -> str:
        return render(self.title_message, fallback=self.title)

    @property
    def detail_display(self) -> str:
        return render(self.detail_message, fallback=self.detail)


class DegradationLevel(models.TextChoices):
    NORMAL = "normal", _("Normal")
    MINOR = "minor", _("Minor")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")
    CRITICAL = "critical", _("Critical")


class DegradationState(models.Model):
    """A single row: the computed level and an optional manual override."""

    computed_level = models.CharField(max_length=10, choices=DegradationLevel.choices, default=DegradationLevel.NORMAL)
    computed_reason = models.CharField(max_length=255, blank=True)  # as written; the message is what reads
    computed_reason_message = models.JSONField(default=dict, blank=True)
    override_level = models.CharField(max_length=10, choices=DegradationLevel.choices, blank=True)
    override_reason = models.CharField(max_length=255, blank=True)
    override_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    override_expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("degradation state")
        verbose_name_plural = _("degradation state")
        permissions = [("set_degradation", _("Can set the degradation level"))]

    @property
    def computed_reason_display(self) -> str:
        return render(self.computed_reason_message, fallback=self.computed_reason)


class Heartbeat(models.Model):
    name = models.CharField(max_length=40, unique=True)
    last_beat_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return self.name


class ReliabilityReport(models.Model):
    """One hour of operation in figures (reliability.reports): written once per hour, rewritten if run again."""

    hour = models.DateTimeField(_("hour"), unique=True, help_text=_("start of the hour the figures cover"))
    messages_total = models.PositiveIntegerField(_("messages with a final outcome"), default=0)
    messages_failed = models.PositiveIntegerField(_("messages not delivered"), default=0)
    success_rate = models.DecimalField(_("delivery success rate (%)"), max_digits=4, decimal_places=1, null=True,
                                       blank=True)
    dead_letters_created = models.PositiveIntegerField(_("dead letters created"), default=0)
    first_reply_p95_seconds = models.FloatField(_("first reply p95 (s)"), null=True, blank=True)
    figures = models.JSONField(_("figures"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    summary_sent_at = models.DateTimeField(_("daily summary sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-hour"]
        verbose_name = _("reliability report")
        verbose_name_plural = _("reliability reports")

    def __str__(self):
        return timezone.localtime(self.hour).strftime("%Y-%m-%d %H:00")
