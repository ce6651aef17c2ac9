"""Admin pages under /admin/monitoring/ (included in djobea/urls.py before the admin)."""

from django.contrib import admin
from django.urls import path

from reliability.monitoring import views

app_name = "monitoring"
wrap = admin.site.admin_view

urlpatterns = [
    path("", wrap(views.dashboard), name="dashboard"),
    path("support-code/", wrap(views.support_code_search), name="support-code"),
    path("breakers/<str:name>/<str:action>/", wrap(views.breaker_action), name="breaker-action"),
    path("degradation/set/", wrap(views.degradation_set), name="degradation-set"),
    path("degradation/clear/", wrap(views.degradation_clear), name="degradation-clear"),
    path("alerts/<int:pk>/<str:action>/", wrap(views.alert_action), name="alert-action"),
]
