"""Admin for the reliability mechanisms: circuit breakers, dead letters, error events.

Operational rows are read-only; every action is a service call guarded by its own permission.
"""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
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
from .models import Alert, CircuitBreaker, DeadLetter, DegradationState, ErrorEvent, ReliabilityReport
from .related import Link, parse_ref, related_links
from .selectors import daily_rates, dead_letter_ids, error_event_ids
from .support_codes import normalize_support_code


def short_text(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def failure_links(*, kind: str, pk, support_code: str) -> list[Link]:
    """The dead letter of ``kind:pk`` and the error event of ``support_code``, when there are."""
    links = []
    dead = dead_letter_ids(kind, [pk]).get(str(pk))
    if dead:
        links.append(Link(_("dead letter"), reverse("admin:reliability_deadletter_change", args=[dead])))
    event = error_event_ids([support_code]).get(support_code)
    if event:
        links.append(Link(_("error event %(code)s") % {"code": support_code},
                          reverse("admin:reliability_errorevent_change", args=[event])))
    return links


def related_html(refs, *, extra: list[Link] = ()) -> str:
    """The links to the records ``refs`` name (person, request, message…), for a read-only admin field."""
    links = [*extra, *related_links(refs)]
    return render_to_string("admin/djobea/related.html", {"links": links})


class ReadOnlyAdmin(admin.ModelAdmin):
    """Operational rows (attempts, dead letters, error events…) are read, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ObjectActionsMixin:
    """Buttons on a record's own page for its actions (redrive, retry…), each under its own permission.

    ``object_actions``: {name: (label, permission check method name, method(request, obj) -> message)}.
    """

    change_form_template = "admin/djobea/change_form_actions.html"
    object_actions: dict[str, tuple] = {}

    def get_urls(self):
        meta = self.model._meta
        view = self.admin_site.admin_view(self.object_action_view)
        return [
            path("<path:object_id>/do/<str:action>/", view, name=f"{meta.app_label}_{meta.model_name}_do"),
            *super().get_urls(),
        ]

    def _allowed_actions(self, request, obj) -> list[str]:
        return [name for name, (_label, check, _method) in self.object_actions.items()
                if getattr(self, check)(request) and self.object_action_applies(name, obj)]

    def object_action_applies(self, name: str, obj) -> bool:
        return True

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        meta = self.model._meta
        actions = [
            {"name": name, "label": self.object_actions[name][0],
             "url": reverse(f"admin:{meta.app_label}_{meta.model_name}_do", args=[quote(object_id), name])}
            for name in (self._allowed_actions(request, obj) if obj else [])
        ]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "object_actions": actions})

    def object_action_view(self, request, object_id, action):
        obj = self.get_object(request, unquote(object_id))
        if request.method != "POST" or obj is None or action not in self._allowed_actions(request, obj):
            raise PermissionDenied
        level, text = getattr(self, self.object_actions[action][2])(request, obj)
        self.message_user(request, text, level)
        meta = self.model._meta
        return redirect(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[quote(object_id)]))


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
class DeadLetterAdmin(ObjectActionsMixin, SupportCodeSearchMixin, ReadOnlyAdmin):
    object_actions = {"redrive": (_("Redrive"), "has_redrive_permission", "redrive_one")}
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
    readonly_fields = ("related",)

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return short_text(obj.last_error, 80)

    @admin.display(description=_("related"))
    def related(self, obj):
        event = error_event_ids([obj.support_code]).get(obj.support_code)
        extra = [Link(_("error event %(code)s") % {"code": obj.support_code},
                      reverse("admin:reliability_errorevent_change", args=[event]))] if event else []
        return related_html([(obj.kind, obj.object_id)], extra=extra)

    def object_action_applies(self, name, obj):
        return obj.redriven_at is None

    def redrive_one(self, request, obj):
        if dead_letter_redrive(ids=[obj.pk], user=request.user):
            return messages.SUCCESS, _("Dead letter %(code)s redriven.") % {"code": obj.support_code}
        return messages.WARNING, _("Not redriven: already redriven, no handler, or the handler failed "
                                   "(see error events).")

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


# Context keys of an error event that name another record (messaging's, through reliability.related).
CONTEXT_REFS = {"notification_id": "notification", "inbound_id": "inbound", "request_id": "request"}


@admin.register(ErrorEvent)
class ErrorEventAdmin(ObjectActionsMixin, SupportCodeSearchMixin, ReadOnlyAdmin):
    list_display = ("support_code", "created_at", "severity", "category", "short_message", "subject")
    list_filter = (("category", admin.AllValuesFieldListFilter), "severity", ("created_at", admin.DateFieldListFilter))
    search_fields = ("support_code", "message", "subject")
    show_full_result_count = False
    date_hierarchy = "created_at"
    readonly_fields = ("related",)
    object_actions = {"redrive": (_("Redrive its dead letter"), "has_redrive_permission", "redrive_letter")}

    @admin.display(description=_("message"))
    def short_message(self, obj):
        return short_text(obj.message, 100)

    def _open_letter(self, obj):
        return DeadLetter.objects.filter(support_code=obj.support_code, redriven_at__isnull=True).first()

    @admin.display(description=_("related"))
    def related(self, obj):
        refs = [parse_ref(obj.subject)]
        refs += [(kind, str(obj.context[key])) for key, kind in CONTEXT_REFS.items() if obj.context.get(key)]
        letters = DeadLetter.objects.filter(support_code=obj.support_code).values_list("pk", "kind", "object_id")
        extra = []
        for pk, kind, object_id in letters:
            extra.append(Link(_("dead letter"), reverse("admin:reliability_deadletter_change", args=[pk])))
            refs.append((kind, object_id))
        return related_html(refs, extra=extra)

    def has_redrive_permission(self, request):
        return request.user.has_perm("reliability.redrive_deadletter")

    def object_action_applies(self, name, obj):
        return self._open_letter(obj) is not None

    def redrive_letter(self, request, obj):
        letter = self._open_letter(obj)
        if letter and dead_letter_redrive(ids=[letter.pk], user=request.user):
            return messages.SUCCESS, _("Dead letter %(code)s redriven.") % {"code": obj.support_code}
        return messages.WARNING, _("Not redriven: already redriven, no handler, or the handler failed "
                                   "(see error events).")


# --- alerts and degradation (engineer F: reliability.alerts, reliability.degradation) ------------


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("title_display", "severity", "status", "count", "first_seen_at", "last_seen_at",
                    "last_notified_at")
    list_filter = ("status", "severity")
    # The text as written (in its writer's language) and the messages (English msgids, parameters).
    search_fields = ("title", "dedup_key", "detail", "title_message", "detail_message")
    fields = ["title_display", "detail_display", "dedup_key", "severity", "status", "count", "first_seen_at",
              "last_seen_at", "last_notified_at", "resolved_at"]
    readonly_fields = fields
    actions = ["acknowledge", "resolve"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("title"), ordering="title")
    def title_display(self, alert):
        return alert.title_display

    @admin.display(description=_("detail"))
    def detail_display(self, alert):
        return alert.detail_display

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
    list_display = ("computed_level", "computed_reason_display", "override_level", "override_reason", "override_by",
                    "override_expires_at", "updated_at")

    @admin.display(description=_("computed reason"))
    def computed_reason_display(self, state):
        return state.computed_reason_display


# --- reliability reports -------------------------------------------------------------------------


@admin.register(ReliabilityReport)
class ReliabilityReportAdmin(ReadOnlyAdmin):
    """The hourly reports (reliability.monitoring.reports), with the last 7 days drawn above the list."""

    change_list_template = "admin/reliability/reliabilityreport/change_list.html"
    list_display = ("hour", "success_rate", "messages_total", "messages_failed", "dead_letters_created",
                    "first_reply_p95_seconds", "summary_sent_at")
    date_hierarchy = "hour"
    readonly_fields = ("hour", "messages_total", "messages_failed", "success_rate", "dead_letters_created",
                       "first_reply_p95_seconds", "figures", "created_at", "summary_sent_at")

    def changelist_view(self, request, extra_context=None):
        from .monitoring.chart import success_chart_svg

        days = daily_rates(days=7)
        chart = success_chart_svg(days, title=_("Delivery success rate, last 7 days"), label_every=1)
        return super().changelist_view(request, {**(extra_context or {}), "chart_svg": chart, "days": days})
