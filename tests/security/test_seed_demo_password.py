"""seed_demo refuses a weak DJOBEA_ADMIN_PASSWORD when DEBUG is off."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("weak", ["admin", "12345678", "password", "djobea"])
def test_a_weak_admin_password_is_refused_with_debug_off(settings, weak):
    settings.DEBUG = False
    settings.DEMO_ADMIN_PASSWORD = weak

    with pytest.raises(CommandError, match="too weak"):
        call_command("seed_demo")
    assert not get_user_model().objects.filter(username="admin").exists()


def test_a_weak_password_is_accepted_for_local_development(settings, capsys):
    settings.DEBUG = True
    settings.DEMO_ADMIN_PASSWORD = "admin"

    call_command("seed_demo")

    assert get_user_model().objects.get(username="admin").check_password("admin")
