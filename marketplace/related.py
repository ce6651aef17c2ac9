"""Linkers for the references the marketplace owns (``request:<pk>``, phone numbers): see reliability.related."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from core.phones import normalize_phone
from marketplace.models import Client, Provider, ServiceRequest
from reliability.related import Link, Related, register_linker


def request_links(value: str) -> Related:
    service_request = ServiceRequest.objects.select_related("client").filter(pk=int(value) if value.isdigit() else None)
    found = service_request.first()
    if found is None:
        return Related()
    url = reverse("admin:marketplace_servicerequest_change", args=[found.pk])
    return Related(links=(Link(_("request %(reference)s") % {"reference": found.reference}, url),),
                   refs=(("phone", found.client.phone),))


def phone_links(value: str) -> Related:
    try:
        value = normalize_phone(value)
    except ValidationError:  # a sender that is not a phone number (an email, a test row) is nobody we know
        return Related()
    links = [
        Link(_("client %(name)s") % {"name": client}, reverse("admin:marketplace_client_change", args=[client.pk]))
        for client in Client.objects.filter(phone=value)
    ]
    links += [
        Link(_("provider %(name)s") % {"name": provider},
             reverse("admin:marketplace_provider_change", args=[provider.pk]))
        for provider in Provider.objects.filter(phone=value)
    ]
    return Related(links=tuple(links))


def connect() -> None:
    register_linker("request", request_links)
    register_linker("phone", phone_links)
