"""Marketplace model invariants enforced by the database and by the phone field."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.models import OfferStatus, Provider, ProviderOffer, ServiceRequest
from tests.factories import make_category, make_client, make_provider, make_request, make_zone

pytestmark = pytest.mark.django_db


def test_local_cameroon_number_is_stored_in_e164():
    provider = make_provider(phone="6 77 12 34 56")
    provider.refresh_from_db()
    assert provider.phone == "+237677123456"


def test_whatsapp_address_is_stored_as_plain_e164():
    client = make_client(phone="whatsapp:+237699001122")
    client.refresh_from_db()
    assert client.phone == "+237699001122"


def test_same_number_in_another_spelling_is_a_duplicate():
    make_provider(phone="+237677123456")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_provider(phone="677 12 34 56")
    assert Provider.objects.filter(phone="+237677123456").count() == 1


def test_duplicate_client_phone_is_rejected_by_the_database():
    make_client(phone="699001122")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_client(phone="+237 699 00 11 22")


@pytest.mark.parametrize("bad", ["12", "not a phone", "+237 1234", "677 12 34 5"])
def test_bad_phone_is_refused_before_reaching_the_database(bad):
    with pytest.raises(ValidationError), transaction.atomic():
        make_provider(phone=bad)
    assert not Provider.objects.exists()


def test_bad_phone_is_reported_by_full_clean_on_the_phone_field():
    provider = Provider(name="Test", phone="abc")
    with pytest.raises(ValidationError) as caught:
        provider.full_clean()
    assert "phone" in caught.value.message_dict


def _offer(request, provider, status):
    now = timezone.now()
    return ProviderOffer.objects.create(
        request=request, provider=provider, level="exact", status=status,
        sent_at=now, expires_at=now + timezone.timedelta(minutes=10),
    )


def test_second_accepted_offer_on_one_request_is_rejected_by_the_database():
    category, zone = make_category(), make_zone()
    request = make_request(category=category, zone=zone)
    first = make_provider(categories=[category], zones=[zone])
    second = make_provider(categories=[category], zones=[zone])
    _offer(request, first, OfferStatus.ACCEPTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        _offer(request, second, OfferStatus.ACCEPTED)
    assert request.offers.filter(status=OfferStatus.ACCEPTED).count() == 1


def test_accepting_a_second_offer_by_update_is_rejected_too():
    request = make_request()
    first, second = make_provider(), make_provider()
    _offer(request, first, OfferStatus.ACCEPTED)
    other = _offer(request, second, OfferStatus.DECLINED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderOffer.objects.filter(pk=other.pk).update(status=OfferStatus.ACCEPTED)


def test_accepted_offers_on_different_requests_coexist():
    provider = make_provider()
    _offer(make_request(), provider, OfferStatus.ACCEPTED)
    _offer(make_request(), provider, OfferStatus.ACCEPTED)
    assert ProviderOffer.objects.filter(status=OfferStatus.ACCEPTED).count() == 2


def test_unknown_status_is_rejected_by_the_database():
    request = make_request()
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRequest.objects.filter(pk=request.pk).update(status="teleported")


def test_rating_above_five_is_rejected_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_provider(rating="5.50")


def test_reference_is_zero_padded_and_parses_back():
    request = make_request()
    assert request.reference == f"DJB-{request.pk:06d}"
    assert ServiceRequest.pk_from_reference(request.reference.lower()) == request.pk
    assert ServiceRequest.pk_from_reference("nonsense") is None
