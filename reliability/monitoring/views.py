"""The monitoring dashboard in the admin, and its actions. Thin: check a permission, call a service."""

import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reliability import alerts, degradation
from reliability.breakers import NAMES as BREAKER_NAMES
from reliability.models import CircuitBreaker, DeadLetter, DegradationLevel, ErrorEvent
from reliability.monitoring.api_access import VIEW_PERMISSION
from reliability.monitoring.chart import success_chart_svg
from reliability.monitoring.overview import dashboard_data, describe_status, status_vs_degradation
from reliability.support_codes import normalize_support_code

logger = logging.getLogger(__name__)

BREAKER_ACTIONS = {
    "reset": ("reliability.reset_circuitbreaker", "breaker_reset"),
    "force": ("reliability.force_circuitbreaker", "breaker_force_open"),
    "disable": ("reliability.disable_circuitbreaker", "breaker_disable"),
}


def _require(request, perm: str) -> None:
    if not (request.user.is_active and request.user.is_staff and request.user.has_perm(perm)):
        raise PermissionDenied


def _back():
    return HttpResponseRedirect(reverse("monitoring:dashboard"))


def dashboard(request):
    _require(request, VIEW_PERMISSION)
    data = dashboard_data()
    context = {
        **admin.site.each_context(request),
        **data,
        "title": _("Monitoring"),
        "status_text": describe_status(data["status"]),
        "status_explained": status_vs_degradation(data["status"], data["degradation"]["level"]),
        "degradation_label": DegradationLevel(data["degradation"]["level"]).label,
        "chart_svg": success_chart_svg(data["chart"], title=_("Delivery success rate, last 24 hours")),
        "levels": DegradationLevel.choices,
        "can": {
            "breakers": {key: request.user.has_perm(perm) for key, (perm, _f) in BREAKER_ACTIONS.items()},
            "degradation": request.user.has_perm("reliability.set_degradation"),
            "alerts": request.user.has_perm("reliability.change_alert"),
        },
    }
    return TemplateResponse(request, "monitoring/dashboard.html", context)


@require_POST
def breaker_action(request, name: str, action: str):
    if action not in BREAKER_ACTIONS:
        raise PermissionDenied
    perm, function_name = BREAKER_ACTIONS[action]
    _require(request, perm)
    if name not in BREAKER_NAMES and not CircuitBreaker.objects.filter(name=name).exists():
        raise Http404("unknown breaker")
    from reliability import breakers

    getattr(breakers, function_name)(name, user=request.user)
    if action != "force":  # the next evaluation reopens it if the channel still fails
        alerts.resolve_alert(key=f"breaker:{name}")
    messages.success(request, _("Breaker “%(name)s”: %(action)s done.") % {"name": name, "action": action})
    return _back()


@require_POST
def degradation_set(request):
    _require(request, "reliability.set_degradation")
    try:
        minutes = int(request.POST.get("minutes") or 0) or None
        degradation.degradation_set(level=request.POST.get("level", ""), reason=request.POST.get("reason", ""),
                                    user=request.user, minutes=minutes)
    except ValueError as exc:
        messages.error(request, _("Degradation level not set: %(error)s") % {"error": exc})
    else:
        messages.success(request, _("Degradation level set."))
    return _back()


@require_POST
def degradation_clear(request):
    _require(request, "reliability.set_degradation")
    degradation.degradation_clear(user=request.user)
    messages.success(request, _("Degradation override cleared."))
    return _back()


@require_POST
def alert_action(request, pk: int, action: str):
    _require(request, "reliability.change_alert")
    if action == "acknowledge":
        alerts.alert_acknowledge(ids=[pk], user=request.user)
    elif action == "resolve":
        alerts.alert_resolve(ids=[pk], user=request.user)
    else:
        raise PermissionDenied
    messages.success(request, _("Alert updated."))
    return _back()


def support_code_search(request):
    """Opens the record carrying a support code, in any spelling ("djb yhpvd6", "YHPVD6").

    The error event first: from there the notification, inbound message, request and person are one
    click away. Else the dead letter, the notification or the inbound message itself.
    """
    _require(request, VIEW_PERMISSION)
    typed = request.GET.get("q", "")
    code = normalize_support_code(typed)
    if code:
        url = _support_code_url(code)
        if url:
            return redirect(url)
        messages.warning(request, _("No record carries the support code %(code)s.") % {"code": code})
    return _back()


def _support_code_url(code: str) -> str:
    from messaging.selectors import find_support_code

    event = ErrorEvent.objects.filter(support_code=code).values_list("pk", flat=True).first()
    if event is not None:
        return reverse("admin:reliability_errorevent_change", args=[event])
    letter = DeadLetter.objects.filter(support_code=code).order_by("-created_at").values_list("pk", flat=True).first()
    if letter is not None:
        return reverse("admin:reliability_deadletter_change", args=[letter])
    found = find_support_code(code)
    if found:
        kind, pk = found
        model = "notification" if kind == "notification" else "inboundmessage"
        return reverse(f"admin:messaging_{model}_change", args=[pk])
    return ""
