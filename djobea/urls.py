from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView

from djobea.views import home
from messaging.inbound.webhook import inbound_message_webhook, twilio_status_webhook
from reliability.health import health_view, live_view
from reliability.metrics import metrics_view

admin.site.site_header = _("Djobea back office")
admin.site.site_title = "Djobea"
admin.site.index_title = _("Marketplace, messages and reliability")

urlpatterns = [
    path("", home, name="home"),
    path("admin/simulator/", include("messaging.simulator")),  # before the admin's catch-all
    path("webhooks/twilio/messages/", inbound_message_webhook, name="twilio-inbound-webhook"),
    path("webhooks/twilio/status/", twilio_status_webhook, name="twilio-status-webhook"),
    path("admin/monitoring/", include("reliability.monitoring.urls")),  # before the admin's catch-all
    path("admin/", admin.site.urls),
    path("api/monitoring/", include("reliability.monitoring.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("health/", health_view, name="health"),
    path("health/live/", live_view, name="health-live"),
    path("metrics", metrics_view, name="prometheus-django-metrics"),  # multiprocess-aware + database figures
]
