"""/api/monitoring/ endpoints."""

from django.urls import path

from reliability.monitoring import api

app_name = "monitoring-api"

urlpatterns = [
    path("health/", api.HealthAPI.as_view(), name="health"),
    path("errors/", api.ErrorsAPI.as_view(), name="errors"),
    path("proactive-updates/", api.ProactiveUpdatesAPI.as_view(), name="proactive-updates"),
    path("dashboard/", api.DashboardAPI.as_view(), name="dashboard"),
    path("communication-status/", api.CommunicationStatusAPI.as_view(), name="communication-status"),
    path("retry-failed-messages/", api.RetryFailedMessagesAPI.as_view(), name="retry-failed-messages"),
    path("reports/", api.ReportsAPI.as_view(), name="reports"),
]
