"""Monitoring API under /api/monitoring/: staff with the dashboard's permission (session or token), throttled.

Reading needs what the dashboard needs (``reliability.view_alert``); a real retry (not a dry run)
also needs the retry and redrive permissions, since it requeues messages and closes dead letters.
"""

import logging
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging import selectors as messaging
from messaging.models import Channel
from reliability import health
from reliability.models import ErrorEvent
from reliability.monitoring import overview
from reliability.monitoring.api_access import VIEW_PERMISSION, HasRequiredPermissions
from reliability.monitoring.status import delivery_status, success_rate
from reliability.selectors import reports_since

logger = logging.getLogger(__name__)

HOURS = OpenApiParameter("hours", int, description="window in hours (1–168, default 24)")


def _hours(request, default: int = 24) -> int:
    try:
        return min(max(int(request.query_params.get("hours", default)), 1), 168)
    except ValueError:
        return default


class BoundedJSONParser(JSONParser):
    """JSON whose nesting is too deep for the decoder is a 400, not a RecursionError and a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("JSON nested too deeply.")) from exc


class StaffAPIView(APIView):
    permission_classes = [HasRequiredPermissions]
    parser_classes = [BoundedJSONParser]
    required_permissions = (VIEW_PERMISSION,)


class HealthAPI(StaffAPIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Djobea checks, delivery status, degradation")
    def get(self, request):
        checks = health.run_djobea_checks()
        return Response({"status": health.overall(checks), "checks": checks, **overview.health_summary()})


class ErrorsAPI(StaffAPIView):
    @extend_schema(parameters=[HOURS], responses=OpenApiTypes.OBJECT, summary="Error patterns and recent errors")
    def get(self, request):
        since = timezone.now() - timedelta(hours=_hours(request))
        recent = ErrorEvent.objects.filter(created_at__gte=since).order_by("-created_at").values(
            "support_code", "category", "severity", "message", "subject", "created_at"
        )[:50]
        return Response({
            "since": since,
            "patterns": messaging.error_patterns(since=since),
            "by_code": messaging.failed_attempt_counts_by_code(since=since),
            "by_category": messaging.failed_attempt_counts_by_category(since=since),
            "recent_error_events": list(recent),
        })


class ProactiveUpdatesAPI(StaffAPIView):
    @extend_schema(parameters=[HOURS], responses=OpenApiTypes.OBJECT,
                   summary="Updates sent to clients about their requests")
    def get(self, request):
        since = timezone.now() - timedelta(hours=_hours(request))
        return Response({"since": since, **messaging.request_updates(since=since)})


class DashboardAPI(StaffAPIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Everything the admin dashboard shows")
    def get(self, request):
        data = overview.dashboard_data()
        data["alerts"] = [
            {"id": a.pk, "key": a.dedup_key, "severity": a.severity, "title": a.title_display,
             "detail": a.detail_display, "count": a.count, "status": a.status, "first_seen_at": a.first_seen_at,
             "last_seen_at": a.last_seen_at}
            for a in data["alerts"]
        ]
        return Response(data)


class CommunicationStatusAPI(StaffAPIView):
    @extend_schema(parameters=[HOURS], responses=OpenApiTypes.OBJECT, summary="Per-channel delivery figures")
    def get(self, request):
        hours = _hours(request, default=1)
        since = timezone.now() - timedelta(hours=hours)
        by_channel = messaging.attempt_counts_by_channel(since=since)
        breakers = {b["name"]: b for b in overview.breakers()}
        channels = {}
        for channel, counts in by_channel.items():
            good = counts["sent"] + counts["delivered"]
            bad = counts["failed"] + counts["undelivered"]
            channels[channel] = {
                "attempts": counts, "attempt_success_rate": success_rate(good, good + bad),
                "breaker": breakers.get(channel, {}).get("state", "closed"),
                "breaker_open": breakers.get(channel, {}).get("is_open", False),
            }
        return Response({
            "since": since,
            "delivery": delivery_status(),
            "channels": channels,
            "quotas": messaging.quota_usage(),
            "outbox": messaging.outbox_backlog(),
            "inbound": messaging.inbound_counts(since=since),
        })


class BoundedDateTimeField(serializers.DateTimeField):
    """A date a database can compare with: years 2000 to 2999, else a 400 (not an OverflowError)."""

    def to_internal_value(self, value):
        try:
            parsed = super().to_internal_value(value)
        except (OverflowError, ValueError) as exc:
            raise serializers.ValidationError(_("Not a usable date and time.")) from exc
        if not 2000 <= parsed.year <= 2999:
            raise serializers.ValidationError(_("The year must be between 2000 and 2999."))
        return parsed


class ReportsAPI(StaffAPIView):
    @extend_schema(parameters=[OpenApiParameter("since", OpenApiTypes.DATETIME, description="ISO-8601; hours from")],
                   responses=OpenApiTypes.OBJECT, summary="Hourly reliability reports, newest first")
    def get(self, request):
        since = None
        if request.query_params.get("since"):
            try:
                since = BoundedDateTimeField().run_validation(request.query_params["since"])
            except serializers.ValidationError as exc:
                return Response({"since": exc.detail}, status=400)
        reports = reports_since(since=since)
        return Response({"count": len(reports), "results": [
            {"hour": r.hour, "success_rate": r.success_rate, "messages_total": r.messages_total,
             "messages_failed": r.messages_failed, "dead_letters_created": r.dead_letters_created,
             "first_reply_p95_seconds": r.first_reply_p95_seconds, "figures": r.figures} for r in reports]})


class RetryFailedSerializer(serializers.Serializer):
    code = serializers.CharField(required=False, allow_blank=True, max_length=20)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    since = BoundedDateTimeField(required=False, allow_null=True)
    dry_run = serializers.BooleanField(default=False)
    limit = serializers.IntegerField(default=1000, min_value=1, max_value=10_000)


class RetryFailedMessagesAPI(StaffAPIView):
    retry_permissions = ("messaging.retry_notification", "reliability.redrive_deadletter")

    @extend_schema(request=RetryFailedSerializer, responses=OpenApiTypes.OBJECT,
                   summary="Requeue failed or dead notifications matching the filters (dry_run counts them)")
    def post(self, request):
        form = RetryFailedSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        filters = {key: form.validated_data.get(key) or "" for key in ("code", "channel")}
        ids = messaging.retryable_notification_ids(
            **filters, since=form.validated_data.get("since"), limit=form.validated_data["limit"]
        )
        if form.validated_data["dry_run"]:
            return Response({"dry_run": True, "count": len(ids)})
        if not request.user.has_perms(self.retry_permissions):
            self.permission_denied(request, message=_("Retrying needs the retry and redrive permissions."))
        from messaging.outbox import notification_requeue

        reason = f"requeued by {request.user} through the monitoring API"
        requeued = sum(notification_requeue(notification_id=pk, reason=reason) for pk in ids)
        logger.warning("%s requeued %s failed notifications (filters %s)", request.user, requeued, filters)
        return Response({"dry_run": False, "count": len(ids), "requeued": requeued})
