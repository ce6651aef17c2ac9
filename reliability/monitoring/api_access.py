"""Who may call the monitoring API, and how often (named in settings.REST_FRAMEWORK and SPECTACULAR_SETTINGS).

Kept apart from the views: DRF imports its default throttle and permission classes while building
``APIView`` itself, so these must not import ``rest_framework.views``.
"""

from django.core.cache import caches
from rest_framework.permissions import BasePermission
from rest_framework.throttling import UserRateThrottle

VIEW_PERMISSION = "reliability.view_alert"  # what the dashboard needs, see reliability.monitoring.views


class HasRequiredPermissions(BasePermission):
    """Active staff holding every permission in the view's ``required_permissions`` (default: the dashboard's)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        required = getattr(view, "required_permissions", (VIEW_PERMISSION,))
        return bool(user and user.is_active and user.is_staff and user.has_perms(required))


class SharedUserRateThrottle(UserRateThrottle):
    """The per-user rate counted in the shared cache, so several web processes share one limit."""

    cache = caches["shared"]
