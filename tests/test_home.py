"""The home page points staff to the back office; the admin's "View site" link no longer leads to a 404."""

import pytest

pytestmark = pytest.mark.django_db


def test_home_page_points_to_the_back_office(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'href="/admin/"' in content and "Open the back office" in content


def test_the_admins_view_site_link_leads_to_the_home_page(staff_client):
    content = staff_client.get("/admin/").content.decode()
    assert 'href="/"' in content
    assert staff_client.get("/").status_code == 200
