"""Back-office admin for the marketplace: providers, clients, requests, quarters and trades.

Actions are thin: one service call from marketplace.services, then a message to the user.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from core.phones import normalize_phone
from marketplace import (
    admin_catalogue,  # noqa: F401  (registers zones and trades)
    timeline,
)
from marketplace.matching import LOAD_STATUSES
from marketplace.models import (
    OPEN_STATUSES,
    SEARCHING_STATUSES,
    Client,
    Provider,
    ProviderOffer,
    RequestEvent,
    RequestStatus,
    ServiceRequest,
    Zone,
)
from marketplace.services import lifecycle, providers
from reliability.admin import ReadOnlyAdmin


def _as_phone(search_term: str) -> str | None:
    """The E.164 form of a search term that is a whole phone number ("6 77 12 34 56"), else None."""
    if sum(char.isdigit() for char in search_term) < 8:
        return None
    try:
        return normalize_phone(search_term)
    except ValidationError:
        return None


class PhoneSearchMixin:
    """Searching a full number in any spelling finds the row stored in E.164."""

    def get_search_results(self, request, queryset, search_term):
        phone = _as_phone(search_term)
        if phone:
            return queryset.filter(phone=phone), False
        return super().get_search_results(request, queryset, search_term)


class TimelineMixin:
    """A read-only "timeline" field: messages both ways, offers and request events (marketplace.timeline)."""

    timeline_builder = None

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return render_to_string("admin/djobea/timeline.html", {"entries": type(self).timeline_builder(obj)})


def _reference_pk(search_term: str) -> int | None:
    term = search_term.strip()
    return ServiceRequest.pk_from_reference(term) if term.upper().startswith("DJB") else None


# --- Providers ----------------------------------------------------------------------------


class CityFilter(admin.SimpleListFilter):
    title = _("city")
    parameter_name = "city"

    def lookups(self, request, model_admin):
        return Zone._meta.get_field("city").choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(zones__city=self.value()).distinct()
        return queryset


class LoadFilter(admin.SimpleListFilter):
    title = _("current load")
    parameter_name = "load"

    def lookups(self, request, model_admin):
        return [("free", _("No open job")), ("busy", _("At least one open job"))]

    def queryset(self, request, queryset):
        if self.value() == "free":
            return queryset.filter(_load=0)
        if self.value() == "busy":
            return queryset.filter(_load__gt=0)
        return queryset


@admin.register(Provider)
class ProviderAdmin(TimelineMixin, PhoneSearchMixin, admin.ModelAdmin):
    timeline_builder = timeline.provider_timeline
    list_display = [
        "name", "phone", "trades", "rating", "current_load", "last_offered_at",
        "is_available", "on_emergency_list", "is_active",
    ]
    list_filter = [
        "is_available", "on_emergency_list", "is_active", LoadFilter, "categories", CityFilter, "zones", "language",
    ]
    search_fields = ["name", "phone"]
    filter_horizontal = ["categories", "zones"]
    track_record = ["jobs_completed", "offers_received", "offers_accepted", "last_offered_at", "created_at",
                    "updated_at"]
    readonly_fields = [*track_record, "timeline"]
    fieldsets = [
        (None, {"fields": ["name", "phone", "language", "categories", "zones"]}),
        (_("Availability"), {"fields": ["is_active", "is_available", "on_emergency_list", "rating"]}),
        (_("Track record"), {"fields": track_record}),
        (_("Timeline"), {"fields": ["timeline"]}),
    ]
    actions = ["mark_available", "mark_unavailable", "add_to_emergency_list", "remove_from_emergency_list"]
    list_per_page = 50

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _load=Count(
                    "assigned_requests", filter=Q(assigned_requests__status__in=LOAD_STATUSES), distinct=True
                )
            )
            .prefetch_related("categories")
        )

    @admin.display(description=_("trades"))
    def trades(self, provider):
        return ", ".join(category.name_in((get_language() or "fr")[:2]) for category in provider.categories.all())

    @admin.display(description=_("current load"), ordering="_load")
    def current_load(self, provider):
        return provider._load

    def _bulk(self, request, queryset, service, value, done_message):
        changed = service(provider_ids=queryset.values_list("pk", flat=True), **value)
        self.message_user(request, done_message % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Mark selected providers available"), permissions=["change"])
    def mark_available(self, request, queryset):
        self._bulk(request, queryset, providers.provider_set_availability, {"is_available": True},
                   _("%(count)d provider(s) marked available."))

    @admin.action(description=_("Mark selected providers unavailable"), permissions=["change"])
    def mark_unavailable(self, request, queryset):
        self._bulk(request, queryset, providers.provider_set_availability, {"is_available": False},
                   _("%(count)d provider(s) marked unavailable."))

    @admin.action(description=_("Add selected providers to the emergency list"), permissions=["change"])
    def add_to_emergency_list(self, request, queryset):
        self._bulk(request, queryset, providers.provider_set_emergency_list, {"on_list": True},
                   _("%(count)d provider(s) added to the emergency list."))

    @admin.action(description=_("Remove selected providers from the emergency list"), permissions=["change"])
    def remove_from_emergency_list(self, request, queryset):
        self._bulk(request, queryset, providers.provider_set_emergency_list, {"on_list": False},
                   _("%(count)d provider(s) removed from the emergency list."))


# --- Clients ----------------------------------------------------------------------------


@admin.register(Client)
class ClientAdmin(TimelineMixin, PhoneSearchMixin, admin.ModelAdmin):
    timeline_builder = timeline.client_timeline
    list_display = ["__str__", "phone", "open_requests", "request_count", "language", "opted_out", "joined"]
    list_filter = ["language", "opted_out"]
    search_fields = ["name", "phone"]
    readonly_fields = ["created_at", "updated_at", "timeline"]
    fieldsets = [
        (None, {"fields": ["phone", "name", "language", "opted_out", "created_at", "updated_at"]}),
        (_("Timeline"), {"fields": ["timeline"]}),
    ]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _requests=Count("requests", distinct=True),
                _open=Count("requests", filter=Q(requests__status__in=OPEN_STATUSES), distinct=True),
            )
        )

    @admin.display(description=_("created at"), ordering="created_at")
    def joined(self, client):
        return client.created_at

    @admin.display(description=_("requests"), ordering="_requests")
    def request_count(self, client):
        return client._requests

    @admin.display(description=_("open requests"), ordering="_open")
    def open_requests(self, client):
        return client._open


# --- Service requests ---------------------------------------------------------------------


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    verbose_name = _("status change")
    verbose_name_plural = _("status history")
    fields = ["created_at", "from_label", "to_label", "actor_label", "note_display"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at", "pk"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("from status"))
    def from_label(self, event):
        return event.get_from_status_display() or "—"

    @admin.display(description=_("to status"))
    def to_label(self, event):
        return event.get_to_status_display() or "—"

    @admin.display(description=_("actor"))
    def actor_label(self, event):
        return event.actor_display

    @admin.display(description=_("note"))
    def note_display(self, event):
        return event.note_display


class ProviderOfferInline(admin.TabularInline):
    model = ProviderOffer
    fields = ["provider", "level", "status", "sent_at", "expires_at", "responded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["sent_at", "pk"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("provider")


class WaitingTooLongFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Search deadline passed")),
            ("escalated", _("Escalated to staff")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.filter(
                status__in=SEARCHING_STATUSES, search_deadline__lt=timezone.now()
            )
        if self.value() == "escalated":
            return queryset.filter(status=RequestStatus.ESCALATED)
        return queryset


@admin.register(ServiceRequest)
class ServiceRequestAdmin(TimelineMixin, admin.ModelAdmin):
    timeline_builder = timeline.request_timeline
    # What support looks at first comes first, so it stays on screen at 1280 px.
    list_display = [
        "reference", "status_badge", "match_level", "assigned_provider", "client", "category", "zone", "urgency",
        "created_at",
    ]
    list_filter = [
        WaitingTooLongFilter, "status", "match_level", "urgency", "category", "zone__city", "zone",
    ]
    list_select_related = ["client", "category", "zone", "assigned_provider"]
    search_fields = ["client__phone", "client__name", "description", "assigned_provider__name"]
    autocomplete_fields = ["client"]
    date_hierarchy = "created_at"
    inlines = [ProviderOfferInline, RequestEventInline]
    actions = ["reassign_requests", "complete_requests", "cancel_requests"]
    show_full_result_count = False
    # State, match and assignment move only through the state machine and matching, never by hand.
    readonly_fields = [
        "reference", "status", "match_level", "assigned_provider", "search_deadline", "assigned_at",
        "completed_at", "created_at", "updated_at", "timeline",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "client", "category", "zone", "urgency", "description"]}),
        (_("Progress"), {"fields": ["status", "match_level", "assigned_provider", "search_deadline",
                                    "assigned_at", "completed_at", "created_at", "updated_at"]}),
        (_("Timeline"), {"fields": ["timeline"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        pk = _reference_pk(search_term)
        if pk is not None:
            return queryset.filter(pk=pk), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("reference"), ordering="pk")
    def reference(self, service_request):
        return service_request.reference

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, service_request):
        colours = {
            RequestStatus.ESCALATED: "#ba2121",
            RequestStatus.COMPLETED: "#447e36",
            RequestStatus.CANCELLED: "#777",
            RequestStatus.EXPIRED: "#777",
        }
        colour = colours.get(service_request.status, "inherit")
        return format_html('<strong style="color:{}">{}</strong>', colour, service_request.get_status_display())

    @admin.action(description=_("Cancel selected requests"), permissions=["change"])
    def cancel_requests(self, request, queryset):
        self._apply(request, queryset, lifecycle.request_cancel,
                    ngettext_lazy("%(count)d request cancelled.", "%(count)d requests cancelled.", "count"))

    @admin.action(description=_("Send back to matching (reassign)"), permissions=["reassign"])
    def reassign_requests(self, request, queryset):
        self._apply(request, queryset, lifecycle.request_research,
                    ngettext_lazy("%(count)d request sent back to matching.",
                                  "%(count)d requests sent back to matching.", "count"))

    @admin.action(description=_("Mark the job completed"), permissions=["change"])
    def complete_requests(self, request, queryset):
        self._apply(request, queryset, lifecycle.request_complete,
                    ngettext_lazy("%(count)d request completed.", "%(count)d requests completed.", "count"))

    def has_reassign_permission(self, request):
        return request.user.has_perm("marketplace.reassign_servicerequest")

    def _apply(self, request, queryset, action, done_message):
        done, refused = lifecycle.requests_apply(
            request_ids=queryset.values_list("pk", flat=True), action=action,
            actor=f"staff:{request.user.get_username()}",
        )
        self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                _("Their state does not allow it, left as they were: %(refs)s") % {"refs": ", ".join(refused)},
                messages.WARNING,
            )


@admin.register(ProviderOffer)
class ProviderOfferAdmin(ReadOnlyAdmin):
    """Read-only list of offers across requests: who was asked, who answered, how fast."""

    list_display = ["request", "provider", "level", "status", "sent_at", "expires_at", "responded_at"]
    list_filter = ["status", "level", "provider__categories"]
    list_select_related = ["request", "provider"]
    search_fields = ["provider__name", "provider__phone"]
    date_hierarchy = "sent_at"
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        pk = _reference_pk(search_term)
        if pk is not None:
            return queryset.filter(request_id=pk), False
        return super().get_search_results(request, queryset, search_term)
