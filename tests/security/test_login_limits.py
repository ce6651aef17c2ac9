"""Admin logins are limited per account and per address, across processes (the shared cache)."""

import pytest

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_user(username="ops", password="right-pass-123", is_staff=True)


def login(client, username, password, address="203.0.113.5"):
    response = client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)
    return response.status_code == 302  # the admin redirects on success


def test_an_account_is_locked_after_five_failures_even_with_the_right_password(client, admin_user, settings):
    assert settings.LOGIN_FAILURES_PER_ACCOUNT == 5
    assert not any(login(client, "ops", f"guess-{n}", address=f"198.51.100.{n}") for n in range(5))

    assert not login(client, "ops", "right-pass-123", address="192.0.2.77")  # another address: still locked
    assert not login(client, "OPS", "right-pass-123")


def test_an_address_is_locked_after_twenty_failures_on_any_accounts(client, admin_user):
    for n in range(20):
        login(client, f"nobody-{n}", "guess")

    assert not login(client, "ops", "right-pass-123")
    assert login(client, "ops", "right-pass-123", address="192.0.2.78")


def test_a_few_typos_do_not_lock_anyone(client, admin_user):
    assert not login(client, "ops", "typo")
    assert not login(client, "ops", "typo again")
    assert login(client, "ops", "right-pass-123")


def test_the_address_comes_from_the_proxy_header_when_configured(client, admin_user, settings):
    settings.LOGIN_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    for n in range(20):
        client.post(LOGIN, {"username": f"x{n}", "password": "g"}, HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")

    response = client.post(LOGIN, {"username": "ops", "password": "right-pass-123"},
                           HTTP_X_FORWARDED_FOR="203.0.113.10, 10.0.0.1")
    assert response.status_code == 302  # another client behind the same proxy is not locked out
