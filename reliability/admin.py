"""Admin for the reliability mechanisms: circuit breakers, dead letters, error events.

Operational rows are read-only; every action is a service call guarded by its own permission.
"""

from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .breakers import (
    breaker_config,
    breaker_disable,
    breaker_force_open,
    breaker_reset,
    breakers_ensure_rows,
    window_failure_rate,
)
from .dead_letters import dead_letter_redrive
from .models import Alert, CircuitBreaker, DeadLetter, DegradationState, ErrorEvent
from .support_codes import normalize_support_code


class ReadOnlyAdmin(admin.ModelAdmin):
    """Operational rows (attempts, dead letters, error events…) are read, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HasValueFilter(admin.SimpleListFilter):
    """Yes/No filter on whether a text column (``field``) is filled, e.g. "has an error"."""

    field = ""

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(**{self.field: ""})
        if self.value() == "no":
            return queryset.filter(**{self.field: ""})
        return queryset


# --- circuit breakers ----------------------------------------------------------------------------


@admin.register(CircuitBreaker)
class CircuitBreakerAdmin(ReadOnlyAdmin):
    list_display = (
        "name", "effective_state", "forced", "generation", "failure_rate", "window_calls", "opened_at",
        "open_count", "last_failure", "updated_at",
    )
    readonly_fields = (
        "name", "state", "forced", "generation", "window", "opened_at", "half_open_permits", "last_failure",
        "open_count", "updated_at",
    )
    actions = ("reset_breakers", "force_open_breakers", "disable_breakers")

    def changelist_view(self, request, extra_context=None):
        breakers_ensure_rows()  # list every configured breaker, even one never used yet
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("state"), ordering="state")
    def effective_state(self, obj):
        return obj.get_forced_display() if obj.forced else obj.get_state_display()

    @admin.display(description=_("failure rate"))
    def failure_rate(self, obj):
        return f"{window_failure_rate(obj.window):.0f} %" if obj.window else "–"

    @admin.display(description=_("calls in window"))
    def window_calls(self, obj):
        return f"{len(obj.window)} / {breaker_config(obj.name)['window_size']}"

    def has_reset_permission(self, request):
        return request.user.has_perm("reliability.reset_circuitbreaker")

    def has_force_permission(self, request):
        return request.user.has_perm("reliability.force_circuitbreaker")

    def has_disable_permission(self, request):
        return request.user.has_perm("reliability.disable_circuitbreaker")

    def _apply(self, request, queryset, service, done: str):
        names = list(queryset.values_list("name", flat=True))
        for name in names:
            service(name, user=request.user)
        self.message_user(request, done % {"names": ", ".join(names)}, messages.SUCCESS)

    @admin.action(permissions=["reset"], description=_("Reset (close, clear forcing)"))
    def reset_breakers(self, request, queryset):
        self._apply(request, queryset, breaker_reset, _("Reset: %(names)s."))

    @admin.action(permissions=["force"], description=_("Force open (block every call)"))
    def force_open_breakers(self, request, queryset):
        self._apply(request, queryset, breaker_force_open, _("Forced open: %(names)s."))

    @admin.action(permissions=["disable"], description=_("Disable (let every call through)"))
    def disable_breakers(self, request, queryset):
        self._apply(request, queryset, breaker_disable, _("Disabled: %(names)s."))


# --- dead letters --------------------------------------------------------------------------------


class AgeFilter(admin.SimpleListFilter):
    title = _("age")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return (("1h", _("less than 1 hour")), ("24h", _("less than 24 hours")), ("older", _("older than 24 hours")))

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "1h":
            return queryset.filter(created_at__gte=now - timedelta(hours=1))
        if self.value() == "24h":
            return queryset.filter(created_at__gte=now - timedelta(hours=24))
        if self.value() == "older":
            return queryset.filter(created_at__lt=now - timedelta(hours=24))
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = _("redriven")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return (("yes", _("waiting (not redriven)")), ("no", _("redriven")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(redriven_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(redriven_at__isnull=False)
        return queryset


class SupportCodeSearchMixin:
    """Searching ``djb 7k3q9x`` finds ``DJB-7K3Q9X`` exactly."""

    def get_search_results(self, request, queryset, search_term):
        code = normalize_support_code(search_term)
        if code.startswith("DJB-") and queryset.filter(support_code=code).exists():
            return queryset.filter(support_code=code), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(DeadLetter)
class DeadLetterAdmin(SupportCodeSearchMixin, ReadOnlyAdmin):
    list_display = (
        "support_code", "kind", "object_id", "reason", "error_code", "channel", "attempts", "short_error",
        "created_at", "redriven_at", "redriven_by",
    )
    list_filter = ("reason", "error_code", "channel", AgeFilter, "kind", OpenFilter)
    search_fields = ("support_code", "object_id", "last_error")
    list_select_related = ("redriven_by",)
    show_full_result_count = False
    date_hierarchy = "created_at"
    actions = ("redrive",)

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    def has_redrive_permission(self, request):
        return request.user.has_perm("reliability.redrive_deadletter")

    @admin.action(permissions=["redrive"], description=_("Redrive (requeue the failed object)"))
    def redrive(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        count = dead_letter_redrive(ids=selected, user=request.user)
        self.message_user(
            request,
            ngettext("%(count)d dead letter redriven.", "%(count)d dead letters redriven.", count) % {"count": count},
            messages.SUCCESS,
        )
        if count < len(selected):
            self.message_user(
                request,
                _("%(skipped)d skipped: already redriven, no handler, or the handler failed (see error events).")
                % {"skipped": len(selected) - count},
                messages.WARNING,
            )


# --- error events --------------------------------------------------------------------------------


@admin.register(ErrorEvent)
class ErrorEventAdmin(SupportCodeSearchMixin, ReadOnlyAdmin):
    list_display = ("support_code", "created_at", "severity", "category", "subject", "short_message")
    list_filter = ("category", "severity", ("created_at", admin.DateFieldListFilter))
    search_fields = ("support_code", "message", "subject")
    show_full_result_count = False
    date_hierarchy = "created_at"

    @admin.display(description=_("message"))
    def short_message(self, obj):
        return (obj.message[:100] + "…") if len(obj.message) > 100 else obj.message


# --- alerts and degradation (engineer F: reliability.alerts, reliability.degradation) ------------


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("title", "severity", "status", "count", "first_seen_at", "last_seen_at", "last_notified_at")
    list_filter = ("status", "severity")
    search_fields = ("title", "dedup_key", "detail")
    readonly_fields = [f.name for f in Alert._meta.fields]
    actions = ["acknowledge", "resolve"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Acknowledge the selected alerts"), permissions=["change"])
    def acknowledge(self, request, queryset):
        from .alerts import alert_acknowledge

        count = alert_acknowledge(ids=list(queryset.values_list("pk", flat=True)), user=request.user)
        self.message_user(request, _("%(count)d alert(s) acknowledged.") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Resolve the selected alerts"), permissions=["change"])
    def resolve(self, request, queryset):
        from .alerts import alert_resolve

        count = alert_resolve(ids=list(queryset.values_list("pk", flat=True)), user=request.user)
        self.message_user(request, _("%(count)d alert(s) resolved.") % {"count": count}, messages.SUCCESS)


@admin.register(DegradationState)
class DegradationStateAdmin(ReadOnlyAdmin):
    list_display = ("computed_level", "computed_reason", "override_level", "override_reason", "override_by",
                    "override_expires_at", "updated_at")
