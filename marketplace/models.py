from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.i18n import render
from core.phones import normalize_phone


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class City(models.TextChoices):
    DOUALA = "douala", "Douala"
    YAOUNDE = "yaounde", "Yaoundé"


class PhoneField(models.CharField):
    """E.164 phone number, normalised (Cameroon by default) before validation and saving."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_phone(value) if value else value

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value:
            value = normalize_phone(value)
            setattr(model_instance, self.attname, value)
        return value


class Zone(models.Model):
    name = models.CharField(_("name"), max_length=80)
    city = models.CharField(_("city"), max_length=20, choices=City.choices)
    aliases = models.CharField(
        _("aliases"),
        max_length=255,
        blank=True,
        help_text=_("Other spellings clients use, comma separated (e.g. “PK 8, pk8”)."),
    )
    landmarks = models.TextField(
        _("landmarks"),
        blank=True,
        help_text=_("Places clients name instead of the quarter, comma separated (carrefours, markets, stations)."),
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    neighbours = models.ManyToManyField("self", blank=True, symmetrical=True, verbose_name=_("neighbours"))

    class Meta:
        ordering = ["city", "name"]
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        constraints = [models.UniqueConstraint(fields=["city", "name"], name="zone_unique_name_per_city")]

    def __str__(self):
        return f"{self.name} ({self.get_city_display()})"


class ServiceCategory(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name_fr = models.CharField(_("French name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80)
    keywords = models.TextField(
        _("intake keywords"),
        blank=True,
        help_text=_("Words that point to this trade, comma separated, French and English."),
    )

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

    def __str__(self):
        return self.name_in((get_language() or Language.FRENCH)[:2])  # the reader's language

    def name_in(self, language: str) -> str:
        return self.name_en if language == Language.ENGLISH else self.name_fr

    def keyword_list(self) -> list[str]:
        return [word.strip().lower() for word in self.keywords.split(",") if word.strip()]


class Provider(models.Model):
    name = models.CharField(_("name"), max_length=120)
    phone = PhoneField(_("phone"), unique=True)
    categories = models.ManyToManyField(ServiceCategory, related_name="providers", verbose_name=_("categories"))
    zones = models.ManyToManyField(Zone, related_name="providers", verbose_name=_("zones"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.FRENCH)
    is_active = models.BooleanField(_("active"), default=True)
    is_available = models.BooleanField(_("available"), default=True)
    on_emergency_list = models.BooleanField(_("on emergency list"), default=False)
    rating = models.DecimalField(_("rating"), max_digits=3, decimal_places=2, default=4)
    jobs_completed = models.PositiveIntegerField(_("jobs completed"), default=0)
    offers_received = models.PositiveIntegerField(_("offers received"), default=0)
    offers_accepted = models.PositiveIntegerField(_("offers accepted"), default=0)
    last_offered_at = models.DateTimeField(_("last offered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=0) & Q(rating__lte=5), name="provider_rating_between_0_and_5"
            ),
        ]

    def __str__(self):
        return self.name


class Client(models.Model):
    phone = PhoneField(_("phone"), unique=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.FRENCH)
    opted_out = models.BooleanField(_("opted out"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self):
        return self.name or self.phone


class IntakeSession(models.Model):
    """The request a client is describing, slot by slot, until they confirm it: one per client.

    ``slots`` holds category (slug), zone (id), urgency, description, its parts (each message that
    described the job, with the trade it named) and ``awaiting``, the question last asked.
    """

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="intake", verbose_name=_("client"))
    slots = models.JSONField(_("intake slots"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("intake session")
        verbose_name_plural = _("intake sessions")

    def __str__(self):
        return f"{self.client}: {self.slots.get('awaiting', '-')}"


class RequestStatus(models.TextChoices):
    COLLECTING = "collecting", _("Collecting details")
    SEARCHING = "searching", _("Searching")
    OFFERED = "offered", _("Offered")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    ESCALATED = "escalated", _("Escalated to staff")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class MatchLevel(models.TextChoices):
    EXACT = "exact", _("Exact (trade + quarter)")
    BROAD = "broad", _("Broad (neighbouring quarters, city)")
    EMERGENCY = "emergency", _("Emergency list")
    ESCALATED = "escalated", _("Escalated to staff")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


OPEN_STATUSES = [
    RequestStatus.COLLECTING,
    RequestStatus.SEARCHING,
    RequestStatus.OFFERED,
    RequestStatus.ASSIGNED,
    RequestStatus.IN_PROGRESS,
    RequestStatus.ESCALATED,
]
# Looking for a provider: the search deadline and the countdowns apply.
SEARCHING_STATUSES = [RequestStatus.SEARCHING, RequestStatus.OFFERED]


class ServiceRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class ServiceRequest(models.Model):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="requests", verbose_name=_("client"))
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("category")
    )
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("zone"))
    description = models.TextField(_("description"), blank=True)
    photos = models.JSONField(_("photos"), default=list, blank=True, help_text=_("Links of the client's photos."))
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.COLLECTING
    )
    match_level = models.CharField(_("match level"), max_length=20, choices=MatchLevel.choices, blank=True)
    assigned_provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_requests",
        verbose_name=_("assigned provider"),
    )
    search_deadline = models.DateTimeField(_("search deadline"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        permissions = [("reassign_servicerequest", _("Can send a request back to matching (reassign)"))]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="service_request_valid_status"),
            models.CheckConstraint(
                condition=Q(match_level="") | Q(match_level__in=MatchLevel.values),
                name="service_request_valid_match_level",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        return f"DJB-{self.pk:06d}" if self.pk else "DJB-?"

    @staticmethod
    def pk_from_reference(reference: str) -> int | None:
        digits = reference.strip().upper().removeprefix("DJB-").removeprefix("DJB")
        # ASCII digits only ("²" is a digit to str.isdigit) and within a bigint, else no reference.
        return int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 18 else None


EVENT_ACTORS = {"system": _("system"), "client": _("client"), "provider": _("provider")}  # else "staff:<user>"


class RequestEvent(models.Model):
    """One line of a request's timeline: a state change or a notable step."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from status"), max_length=20, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, choices=RequestStatus.choices, blank=True)
    # note_message (core.i18n) renders in the reader's language; note keeps the text as written (events
    # written before messages show it).
    note = models.CharField(_("note"), max_length=255, blank=True)
    note_message = models.JSONField(_("note (message)"), default=dict, blank=True)
    actor = models.CharField(
        _("actor"), max_length=80, blank=True, help_text=_("system, client, provider or staff user")
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")

    def __str__(self):
        return " → ".join(label for label in (self.get_from_status_display(), self.get_to_status_display())
                          if label) or self.note_display or str(_("request event"))

    @property
    def note_display(self) -> str:
        return render(self.note_message, fallback=self.note)

    @property
    def actor_display(self) -> str:
        """Who acted, in the reader's language: system, client, provider, or "staff (username)"."""
        kind, _colon, user = self.actor.partition(":")
        if kind == "staff" and user:
            return _("staff (%(user)s)") % {"user": user}
        return str(EVENT_ACTORS.get(self.actor, self.actor))


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ProviderOffer(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="offers")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="offers")
    level = models.CharField(_("level"), max_length=20, choices=MatchLevel.choices)
    status = models.CharField(_("status"), max_length=20, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("provider offer")
        verbose_name_plural = _("provider offers")
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status=OfferStatus.ACCEPTED),
                name="offer_one_accepted_per_request",
            ),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status=OfferStatus.PENDING),
                name="offer_one_pending_per_request",
            ),
            models.UniqueConstraint(fields=["request", "provider"], name="offer_once_per_provider_per_request"),
            models.CheckConstraint(condition=Q(status__in=OfferStatus.values), name="offer_valid_status"),
            models.CheckConstraint(
                condition=Q(level__in=[MatchLevel.EXACT, MatchLevel.BROAD, MatchLevel.EMERGENCY]),
                name="offer_valid_level",
            ),
        ]

    def __str__(self):
        return f"{self.request.reference} → {self.provider}"

    def clean(self):
        if self.expires_at and self.sent_at and self.expires_at <= self.sent_at:
            raise ValidationError({"expires_at": _("An offer must expire after it was sent.")})
