"""Generated hostile requests (hypothesis) to the webhooks, the API and the admin search: never a 500.

A few thousand requests in the suite; benchmarks/fuzz_requests.py runs the same at scale on PostgreSQL.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.messaging.inbound_support import inbound_settings  # noqa: F401  (fixture)
from tests.security import fuzz

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]


def fuzzing(default: int):
    return settings(max_examples=fuzz.examples(default), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@fuzzing(700)
@given(fields=fuzz.inbound_forms(), forged=st.sampled_from([False, False, False, True]))
def test_inbound_webhook_never_errors_nor_half_stores(client, fields, forged):
    fuzz.post_inbound(client, fields, forged=forged)


@fuzzing(150)
@given(body=st.binary(max_size=600), content_type=st.sampled_from(
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", "application/json"]))
def test_inbound_webhook_raw_bodies_never_error(client, body, content_type):
    fuzz.post_raw_inbound(client, body, content_type)


@fuzzing(550)
@given(fields=fuzz.status_forms(), forged=st.sampled_from([False, False, False, True]))
def test_status_callback_never_errors_and_stores_what_it_accepts(client, fields, forged):
    fuzz.post_status(client, fields, forged=forged)


@fuzzing(300)
@given(path=st.sampled_from([*fuzz.API_GETS, "retry-failed-messages/"]),
       query=st.dictionaries(st.sampled_from(["hours", "format", "x"]), fuzz.TEXT, max_size=2),
       body=fuzz.RETRY_BODIES)
def test_monitoring_api_never_errors(staff_user, path, query, body):
    api = APIClient()
    api.force_authenticate(staff_user)
    fuzz.call_api(api, path, query, body)


@fuzzing(300)
@given(url=st.sampled_from(fuzz.searchable_changelists()), term=fuzz.TEXT,
       extra=st.dictionaries(st.sampled_from(["o", "p", "e", "status", "all"]), fuzz.TEXT, max_size=2))
def test_admin_search_never_errors(staff_client, url, term, extra):
    fuzz.search_admin(staff_client, url, {"q": term, **extra})
