"""Admin for the outbox: notifications (with their attempts) and delivery attempts, read-only."""

from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from messaging import admin_inbound  # noqa: F401
from messaging.models import DUE_STATUSES, DeliveryAttempt, Notification
from messaging.outbox import notification_retry_now
from reliability.admin import (
    HasValueFilter,
    ObjectActionsMixin,
    ReadOnlyAdmin,
    SupportCodeSearchMixin,
    failure_links,
    related_html,
    short_text,
)
from reliability.related import parse_ref


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("started_at", "channel", "outcome", "error_code", "category", "duration_ms", "provider_sid", "message")
    readonly_fields = fields
    ordering = ("-started_at",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class WaitingTooLongFilter(admin.SimpleListFilter):
    title = _("waiting too long")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("5m", _("due for more than 5 minutes")), ("1h", _("due for more than an hour"))]

    def queryset(self, request, queryset):
        minutes = {"5m": 5, "1h": 60}.get(self.value())
        if minutes is None:
            return queryset
        return queryset.filter(status__in=DUE_STATUSES, next_attempt_at__lt=timezone.now() - timedelta(minutes=minutes))


class HasErrorFilter(HasValueFilter):
    title = _("has an error")
    parameter_name = "has_error"
    field = "last_error_code"


@admin.register(Notification)
class NotificationAdmin(ObjectActionsMixin, SupportCodeSearchMixin, admin.ModelAdmin):
    object_actions = {"retry": (_("Retry now"), "has_retry_permission", "retry_one")}
    list_display = ("id", "recipient_phone", "text", "status", "channel", "total_attempts", "last_error_code",
                    "support_code", "created_at")
    list_filter = ("status", "channel", "priority", "last_error_category", HasErrorFilter, WaitingTooLongFilter,
                   ("last_error_code", admin.AllValuesFieldListFilter))
    search_fields = ("recipient_phone", "recipient_email", "subject", "support_code", "provider_sid",
                     "idempotency_key")
    readonly_fields = ["related", *(field.name for field in Notification._meta.fields)]
    inlines = [DeliveryAttemptInline]
    actions = ["retry_now"]
    show_full_result_count = False
    list_select_related = True
    date_hierarchy = "created_at"
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("text"))
    def text(self, obj: Notification) -> str:
        return short_text(obj.body)

    @admin.display(description=_("related"))
    def related(self, obj: Notification) -> str:
        extra = failure_links(kind="notification", pk=obj.pk, support_code=obj.support_code)
        return related_html([parse_ref(obj.subject), ("phone", obj.recipient_phone)], extra=extra)

    def has_retry_permission(self, request):
        return request.user.has_perm("messaging.retry_notification")

    def retry_one(self, request, obj):
        if notification_retry_now(ids=[obj.pk], user=request.user):
            return messages.SUCCESS, _("Notification queued again.")
        return messages.WARNING, _("Not queued again: it is not failed, dead or waiting.")

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = notification_retry_now(ids=queryset.values_list("pk", flat=True), user=request.user)
        self.message_user(
            request,
            ngettext("%(count)d notification queued again.", "%(count)d notifications queued again.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ("id", "notification", "channel", "outcome", "error_code", "category", "duration_ms", "started_at")
    list_filter = ("outcome", "channel", "category", ("error_code", admin.AllValuesFieldListFilter))
    search_fields = ("provider_sid", "error_code", "notification__recipient_phone", "notification__support_code")
    list_select_related = ("notification",)
    readonly_fields = [field.name for field in DeliveryAttempt._meta.fields]
    show_full_result_count = False
    date_hierarchy = "started_at"
