"""Admin for inbound messages (read-only, with a "reprocess" action) and conversations."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from messaging.inbound.processing import inbound_reprocess
from messaging.models import Conversation, InboundMessage, InboundStatus, Notification
from reliability.admin import (
    HasValueFilter,
    ReadOnlyAdmin,
    SupportCodeSearchMixin,
    failure_links,
    related_html,
    short_text,
)
from reliability.related import Link


class HasErrorFilter(HasValueFilter):
    title = _("has error")
    parameter_name = "has_error"
    field = "error"


@admin.register(InboundMessage)
class InboundMessageAdmin(SupportCodeSearchMixin, ReadOnlyAdmin):
    list_display = ["received_at", "sender", "channel", "short_body", "status", "attempts", "support_code"]
    list_filter = ["status", "channel", HasErrorFilter, "received_at"]
    search_fields = ["sender", "provider_sid", "body", "support_code"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    actions = ["reprocess"]
    readonly_fields = [
        "related", "provider_sid", "channel", "sender", "recipient", "profile_name", "body", "media", "raw_payload",
        "status", "attempts", "next_attempt_at", "error", "support_code", "received_at", "processed_at",
    ]

    @admin.display(description=_("body"))
    def short_body(self, obj: InboundMessage) -> str:
        return short_text(obj.body or ("📎" * len(obj.media)))

    @admin.display(description=_("related"))
    def related(self, obj: InboundMessage) -> str:
        replies = [
            Link(_("reply #%(pk)s") % {"pk": pk}, reverse("admin:messaging_notification_change", args=[pk]))
            for pk in Notification.objects.filter(subject=f"inbound:{obj.pk}").values_list("pk", flat=True)[:20]
        ]
        extra = [*failure_links(kind="inbound", pk=obj.pk, support_code=obj.support_code), *replies]
        return related_html([("phone", obj.sender)], extra=extra)

    def has_reprocess_permission(self, request) -> bool:
        return request.user.has_perm("messaging.reprocess_inboundmessage")

    @admin.action(description=_("Reprocess the selected failed or dead messages"), permissions=["reprocess"])
    def reprocess(self, request, queryset):
        retryable = [InboundStatus.FAILED, InboundStatus.DEAD]
        eligible = list(queryset.filter(status__in=retryable).values_list("pk", flat=True))
        count = inbound_reprocess(message_ids=eligible, user=request.user)
        self.message_user(
            request,
            ngettext("%(count)d message queued for processing.", "%(count)d messages queued for processing.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["phone", "channel", "language", "last_inbound_at", "updated_at"]
    list_filter = ["channel", "language"]
    search_fields = ["phone"]
    readonly_fields = ["phone", "last_inbound_at", "created_at", "updated_at"]
    fields = ["phone", "channel", "language", "last_inbound_at", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False
