"""Who may do what: every admin action, custom page and API endpoint, for every kind of account.

The targets are found by walking the URL conf and the admin registry, not listed by hand: an
endpoint or action that is not declared below with the permission it needs fails this test, and
so does one that lets an account do more than that permission says.

Accounts: anonymous, non-staff (holding every permission: staff status is required too), staff
without permissions, view-only staff, staff with each permission alone, superuser.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from reliability.models import Alert, Severity

pytestmark = pytest.mark.django_db

VIEW = "reliability.view_alert"
RETRY = ("messaging.retry_notification", "reliability.redrive_deadletter")

# (app_label.model, action) → the permission that action needs.
ACTIONS = {
    ("messaging.notification", "retry_now"): "messaging.retry_notification",
    ("messaging.inboundmessage", "reprocess"): "messaging.reprocess_inboundmessage",
    ("reliability.circuitbreaker", "reset_breakers"): "reliability.reset_circuitbreaker",
    ("reliability.circuitbreaker", "force_open_breakers"): "reliability.force_circuitbreaker",
    ("reliability.circuitbreaker", "disable_breakers"): "reliability.disable_circuitbreaker",
    ("reliability.deadletter", "redrive"): "reliability.redrive_deadletter",
    ("reliability.alert", "acknowledge"): "reliability.change_alert",
    ("reliability.alert", "resolve"): "reliability.change_alert",
    ("marketplace.provider", "mark_available"): "marketplace.change_provider",
    ("marketplace.provider", "mark_unavailable"): "marketplace.change_provider",
    ("marketplace.provider", "add_to_emergency_list"): "marketplace.change_provider",
    ("marketplace.provider", "remove_from_emergency_list"): "marketplace.change_provider",
    ("marketplace.servicerequest", "reassign_requests"): "marketplace.reassign_servicerequest",
    ("marketplace.servicerequest", "complete_requests"): "marketplace.change_servicerequest",
    ("marketplace.servicerequest", "cancel_requests"): "marketplace.change_servicerequest",
    ("django_q.success", "resubmit_task"): "django_q.change_success",
    ("django_q.failure", "resubmit_task"): "django_q.change_failure",
}

# URL name → (method, kwargs, data, permissions needed). Custom admin pages and the API.
PAGES = {
    "monitoring:dashboard": ("get", {}, {}, (VIEW,)),
    "monitoring:support-code": ("get", {}, {"q": "DJB-7K3Q9X"}, (VIEW,)),
    "monitoring:breaker-action": ("post", {"name": "whatsapp", "action": "reset"}, {},
                                  ("reliability.reset_circuitbreaker",)),
    "monitoring:degradation-set": ("post", {}, {"level": "minor", "reason": "test"}, ("reliability.set_degradation",)),
    "monitoring:degradation-clear": ("post", {}, {}, ("reliability.set_degradation",)),
    "monitoring:alert-action": ("post", {"pk": "ALERT", "action": "acknowledge"}, {}, ("reliability.change_alert",)),
    "simulator": ("get", {}, {}, ("messaging.use_simulator",)),
    "simulator-messages": ("get", {}, {}, ("messaging.use_simulator",)),
    "monitoring-api:health": ("get", {}, {}, (VIEW,)),
    "monitoring-api:errors": ("get", {}, {}, (VIEW,)),
    "monitoring-api:proactive-updates": ("get", {}, {}, (VIEW,)),
    "monitoring-api:dashboard": ("get", {}, {}, (VIEW,)),
    "monitoring-api:communication-status": ("get", {}, {}, (VIEW,)),
    "monitoring-api:reports": ("get", {}, {}, (VIEW,)),
    # Buttons on a record's own page; each request gets a fresh record (a redrive can happen once).
    "admin:messaging_notification_do": ("post", {"object_id": "NOTIFICATION", "action": "retry"}, {},
                                        ("messaging.retry_notification",)),
    "admin:reliability_deadletter_do": ("post", {"object_id": "DEADLETTER", "action": "redrive"}, {},
                                        ("reliability.redrive_deadletter",)),
    "admin:reliability_errorevent_do": ("post", {"object_id": "ERROREVENT", "action": "redrive"}, {},
                                        ("reliability.redrive_deadletter",)),
    "monitoring-api:retry-failed-messages": ("post", {}, {"dry_run": False}, (VIEW, *RETRY)),
    "api-schema": ("get", {}, {}, (VIEW,)),
}
# A dry run only counts: the dashboard's permission is enough.
DRY_RUN = ("monitoring-api:retry-failed-messages", ("post", {}, {"dry_run": True}, (VIEW,)))
# Open by design: Twilio's signed webhooks, health probes, Prometheus scrapes (restricted at the proxy).
PUBLIC = {"twilio-inbound-webhook", "twilio-status-webhook", "health", "health-live", "prometheus-django-metrics",
          "home"}  # the home page only points staff to the admin
# Django's own admin pages check the model permissions themselves.
DJANGO_ADMIN = re.compile(
    r"^admin:(index|login|logout|password_change|password_change_done|jsi18n|autocomplete|view_on_site|app_list"
    r"|\w+_\w+_(changelist|add|change|delete|history)|<unnamed .*>)$"
)
OUR_APPS = ("messaging", "reliability", "marketplace", "django_q")  # django_q: its admin actions run tasks


def url_names(patterns=None, namespace="") -> set[str]:
    names = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            names.add(namespace + (entry.name or f"<unnamed {entry.pattern}>"))
    return names


def our_permissions() -> list[str]:
    return sorted(
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(content_type__app_label__in=OUR_APPS).select_related("content_type")
    )


def make_user(django_user_model, name, *, perms=(), staff=True, superuser=False):
    user = django_user_model.objects.create_user(username=name, password="pw-matrix-123", is_staff=staff,
                                                 is_superuser=superuser)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return django_user_model.objects.get(pk=user.pk)  # fresh: no cached permissions


@pytest.fixture
def accounts(django_user_model):
    everything = our_permissions()
    views = [p for p in everything if ".view_" in p]
    users = {
        "non-staff": make_user(django_user_model, "nonstaff", perms=everything, staff=False),
        "staff-without-permissions": make_user(django_user_model, "bare"),
        "view-only": make_user(django_user_model, "viewer", perms=views),
        "superuser": make_user(django_user_model, "root", superuser=True),
    }
    for index, perm in enumerate(everything):
        users[f"only {perm}"] = make_user(django_user_model, f"only{index}", perms=[perm])
    return users


def allowed(user, needs) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perms(needs))


def refused(response) -> bool:
    login = response.status_code == 302 and "/login/" in response.get("Location", "")
    return login or response.status_code in (401, 403)


def request(client, name, method, kwargs, data):
    url = reverse(name, kwargs=kwargs)
    if name.startswith(("monitoring-api:", "api-schema")):
        return getattr(client, method)(url, data, format="json")
    return getattr(client, method)(url, data)


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def test_every_url_is_declared_with_the_permission_it_needs():
    undeclared = {name for name in url_names() if name not in PAGES and name not in PUBLIC
                  and not DJANGO_ADMIN.match(name)}
    assert not undeclared, f"declare who may open these in tests/security/test_access_matrix.py: {undeclared}"


def test_every_admin_action_is_declared_and_gated_by_its_permission(accounts):
    factory = RequestFactory()
    for model, model_admin in admin.site._registry.items():
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        request_ = factory.get("/admin/")
        request_.user = accounts["superuser"]
        for action in model_admin.get_actions(request_):
            if action == "delete_selected":
                continue  # Django's own, gated by the delete permission
            assert (label, action) in ACTIONS, f"declare the permission of action {label}.{action} here"
        for account, user in accounts.items():
            request_.user = user
            available = set(model_admin.get_actions(request_)) - {"delete_selected"}
            expected = {action for (owner, action), perm in ACTIONS.items()
                        if owner == label and (user.is_superuser or user.has_perm(perm))}
            assert available == expected, f"{account} on {label}: {sorted(available)} != {sorted(expected)}"


def test_anonymous_and_non_staff_cannot_post_any_admin_action(accounts):
    users = {"anonymous": None, "non-staff": accounts["non-staff"]}
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for action in model_admin.actions or ():
            for account, user in users.items():
                response = client_for(user).post(url, {"action": action, "_selected_action": ["1"]})
                assert refused(response), f"{account} could post {action} to {url}: {response.status_code}"


def _fresh(placeholder):
    """A record for a URL's placeholder, new for every request."""
    from reliability.errors import record_error
    from tests.reliability.monitoring_support import make_dead_letter, make_notification

    if placeholder == "ALERT":
        return Alert.objects.create(dedup_key=f"matrix-{Alert.objects.count()}", severity=Severity.WARNING,
                                    title="matrix").pk
    if placeholder == "NOTIFICATION":
        return make_notification(status="failed").pk
    if placeholder == "DEADLETTER":
        return make_dead_letter(object_id=str(make_notification(status="dead").pk)).pk
    if placeholder == "ERROREVENT":
        event = record_error(category="tests.matrix", message="matrix")
        make_dead_letter(object_id=str(make_notification(status="dead").pk), support_code=event.support_code)
        return event.pk
    return placeholder


def test_every_custom_page_and_api_endpoint_answers_each_account_as_its_permissions_say(accounts):
    users = {"anonymous": None, **accounts}
    failures = []
    for name, (method, kwargs, data, needs) in [*PAGES.items(), DRY_RUN]:
        for account, user in users.items():
            fresh = {key: _fresh(value) for key, value in kwargs.items()}
            response = request(client_for(user), name, method, fresh, data)
            if allowed(user, needs) == refused(response) or response.status_code >= 500:
                failures.append(f"{account} → {name}: {response.status_code}")
    assert not failures, "\n".join(failures)
