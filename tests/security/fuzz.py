"""Property-based fuzzing of what an attacker or a careless staff member can send (hypothesis).

One function per target sends one generated request through Django's test client and checks the
properties that must hold whatever the input: no server error, nothing half-stored, nothing valid
lost. tests/security/test_fuzz.py runs them in the suite; benchmarks/fuzz_requests.py runs them at
scale (FUZZ_EXAMPLES) and prints the totals this module counts.
"""

import os
from collections import Counter
from urllib.parse import urlencode

from django.contrib import admin
from django.core.cache import caches
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from messaging.inbound.clean import fit, nul_free
from messaging.models import InboundMessage, StatusCallback
from tests.messaging.inbound_support import FORM, PUBLIC_BASE_URL, TOKEN, WEBHOOK_PATH

STATUS_PATH = "/webhooks/twilio/status/"
COUNTS: Counter = Counter()  # (target, status code) → requests, for the benchmark's totals


def examples(default: int) -> int:
    """Examples per target: a few hundred in the suite, FUZZ_EXAMPLES in the benchmark."""
    return int(os.environ.get("FUZZ_EXAMPLES", default))


NASTY = st.sampled_from([
    "\x00", "a\x00b", "%00", "%2B237677123456", "DJB²", "DJB-\x007K3Q9X", "DJB-99999999999999999999",
    "<script>x</script>", "'; DROP TABLE x; --", "\u202eevil", "🙂" * 40, "9" * 300, "-1", "1e309", "NaN",
    " ", "", "\r\n", "٣", "ﬁ",
    "whatsapp:", "whatsapp:+", "+237 6 77 12 34 56", "6 77 12 34 56", "x" * 5000,
])
TEXT = st.one_of(NASTY, st.text(max_size=80), st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=40))
def mostly(valid, other):
    """``valid`` three times in four, so "nothing valid is lost" is checked as often as "no 500"."""
    return st.integers(0, 3).flatmap(lambda pick: other if pick == 0 else valid)


VALID_PHONE = st.sampled_from(["whatsapp:+237677123456", "+237699000111", "whatsapp:+237 6 77 00 11 22",
                               "6 77 12 34 56", "+33612345678"])
PHONES = mostly(VALID_PHONE, TEXT)
VALID_SID = st.uuids().map(lambda u: "SM" + u.hex)
SIDS = mostly(VALID_SID, TEXT)
OPTIONAL = st.one_of(st.none(), TEXT)
BODY = mostly(st.text(min_size=1, max_size=200).map(lambda t: "x" + t), TEXT)


@st.composite
def inbound_forms(draw) -> dict:
    fields = {
        "MessageSid": draw(SIDS), "From": draw(PHONES), "To": draw(OPTIONAL), "Body": draw(BODY),
        "NumMedia": draw(mostly(st.none(), st.one_of(st.integers(-3, 15).map(str), TEXT))),
        "ProfileName": draw(OPTIONAL), "WaId": draw(OPTIONAL), "Latitude": draw(OPTIONAL),
        "Longitude": draw(OPTIONAL), "Label": draw(OPTIONAL), "ButtonPayload": draw(OPTIONAL),
        "MediaUrl0": draw(OPTIONAL), "MediaContentType0": draw(OPTIONAL),
    }
    fields.update(draw(st.dictionaries(TEXT, TEXT, max_size=4)))
    return {key: value for key, value in fields.items() if value is not None}


@st.composite
def status_forms(draw) -> dict:
    fields = {
        draw(st.sampled_from(["MessageSid", "SmsSid"])): draw(SIDS),
        draw(st.sampled_from(["MessageStatus", "SmsStatus"])): draw(st.one_of(
            st.sampled_from(["queued", "sent", "delivered", "read", "failed", "undelivered", "DELIVERED"]), TEXT)),
        "ErrorCode": draw(st.one_of(st.none(), st.sampled_from(["30008", "63016", "63007"]), TEXT)),
    }
    fields.update(draw(st.dictionaries(TEXT, TEXT, max_size=4)))
    return {key: value for key, value in fields.items() if value is not None}


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), TEXT),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
    max_leaves=12,
)
RETRY_BODIES = st.one_of(JSON, st.fixed_dictionaries({}, optional={
    "code": st.one_of(TEXT, JSON), "channel": st.one_of(st.sampled_from(["whatsapp", "sms", "email"]), TEXT),
    "since": st.one_of(st.datetimes().map(lambda d: d.isoformat()), TEXT, st.sampled_from(
        ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2026-02-30T00:00:00Z"])),
    "dry_run": st.one_of(st.booleans(), TEXT), "limit": st.one_of(st.integers(), TEXT),
}))


def _count(target: str, response) -> int:
    COUNTS[(target, response.status_code)] += 1
    assert response.status_code < 500, f"{target}: {response.status_code} {response.content[:300]!r}"
    return response.status_code


def _sign(url: str, fields: dict, *, forged: bool) -> str:
    return RequestValidator("forged" if forged else TOKEN).compute_signature(url, fields)


def post_inbound(client, fields: dict, *, forged: bool = False) -> None:
    sid = fit(nul_free(fields).get("MessageSid", "").strip(), InboundMessage, "provider_sid")
    existed = InboundMessage.objects.filter(provider_sid=sid).exists()
    response = client.post(WEBHOOK_PATH, data=urlencode(fields), content_type=FORM,
                           headers={"X-Twilio-Signature": _sign(PUBLIC_BASE_URL + WEBHOOK_PATH, fields, forged=forged)})
    status = _count("inbound", response)
    stored = InboundMessage.objects.filter(provider_sid=sid).exists()
    if status == 200:
        assert stored and not forged, "answered 200 but the message was not stored (or was forged)"
    elif not existed:
        assert not stored, "refused but half-stored"


def post_raw_inbound(client, body: bytes, content_type: str) -> None:
    response = client.post(WEBHOOK_PATH, data=body, content_type=content_type, headers={"X-Twilio-Signature": "x"})
    _count("inbound-raw", response)


def post_status(client, fields: dict, *, forged: bool = False) -> None:
    response = client.post(STATUS_PATH, data=urlencode(fields), content_type=FORM,
                           headers={"X-Twilio-Signature": _sign(PUBLIC_BASE_URL + STATUS_PATH, fields, forged=forged)})
    if _count("status", response) == 200:
        clean = nul_free(fields)
        sid = fit((clean.get("MessageSid") or clean.get("SmsSid") or "").strip(), StatusCallback, "provider_sid")
        assert not forged and StatusCallback.objects.filter(provider_sid=sid).exists(), "200 but not stored"


API_GETS = ["health/", "errors/", "proactive-updates/", "dashboard/", "communication-status/"]


def call_api(api, path: str, query: dict, body) -> None:
    caches["shared"].clear()  # the throttle would answer 429 after 120 calls: we fuzz the views
    if path == "retry-failed-messages/":
        response = api.post("/api/monitoring/" + path, body, format="json")
    else:
        response = api.get("/api/monitoring/" + path, query)
    _count("api", response)


def searchable_changelists() -> list[str]:
    return sorted(
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model, model_admin in admin.site._registry.items() if model_admin.search_fields
    ) + ["/admin/monitoring/support-code/"]


def search_admin(client, url: str, query: dict) -> None:
    _count("admin-search", client.get(url, query))
