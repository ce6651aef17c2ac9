"""Whatever staff type into a search box gets an answer, never a 500 (PostgreSQL included)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("term", ["DJB²", "DJB-99999999999999999999999", "djb-٣", "DJB-"])
def test_odd_request_references_are_searched_as_text(staff_client, term):
    for url in ("/admin/marketplace/servicerequest/", "/admin/marketplace/provideroffer/"):
        assert staff_client.get(url, {"q": term}).status_code == 200


@pytest.mark.parametrize("url", [
    "/admin/monitoring/support-code/", "/admin/reliability/errorevent/", "/admin/reliability/deadletter/",
    "/admin/marketplace/servicerequest/", "/admin/messaging/notification/",
])
def test_a_nul_character_in_a_search_is_a_clear_400(staff_client, url):
    response = staff_client.get(url, {"q": "DJB-\x007K3Q9X"})

    assert response.status_code == 400
    assert b"NUL" in response.content
