"""What an inbound message is, as WhatsApp people use it: text, a quick-reply button, a shared
location, photos, a voice note, a sticker, a contact card, a reaction, an opt-out (STOP/START).

Read from messaging.InboundMessage (body, media, and the raw Twilio fields in raw_payload).
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from marketplace.intake.text import normalize
from marketplace.models import Zone
from messaging.models import InboundMessage

NEAREST_ZONE_MAX_KM = 8.0  # farther than this from every known quarter: ask for the quarter's name
OPT_OUT_WORDS = frozenset({"stop", "arret", "arreter", "stopall", "unsubscribe", "desabonner", "quit"})
OPT_IN_WORDS = frozenset({"start", "demarrer", "unstop", "reprendre"})
PHOTO_TYPES = ("image/jpeg", "image/png", "image/jpg", "image/heic", "video/")


class Kind(StrEnum):
    TEXT = "text"
    LOCATION = "location"
    MEDIA = "media"  # photos, videos, documents: attached to the request
    VOICE = "voice"
    STICKER = "sticker"
    CONTACT = "contact"
    REACTION = "reaction"
    UNSUPPORTED = "unsupported"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"


@dataclass
class Incoming:
    kind: Kind
    text: str = ""
    attachments: list[str] = field(default_factory=list)
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def read_incoming(message: InboundMessage) -> Incoming:
    payload = message.raw_payload or {}
    text = (payload.get("ButtonPayload") or message.body or "").strip()  # a quick-reply button says what it means
    opt = _opt(payload.get("OptOutType", ""), text)
    if opt is not None:
        return Incoming(opt, text=text)
    message_type = (payload.get("MessageType") or "").lower()
    if message_type == "reaction":
        return Incoming(Kind.REACTION, text=text)
    location = _location(payload)
    if location is not None:
        return Incoming(Kind.LOCATION, text=text, latitude=location[0], longitude=location[1])
    types = [item.get("content_type", "").lower() for item in message.media]
    attachments = [item["url"] for item in message.media if item.get("url") and _attachable(item)]
    kind = _media_kind(types, attachments) if types and not text else Kind.TEXT
    if kind == Kind.TEXT and not text and message_type not in ("", "text"):
        kind = Kind.UNSUPPORTED
    return Incoming(kind, text=text, attachments=attachments)


def _opt(opt_out_type: str, text: str) -> Kind | None:
    words = normalize(text).split()
    if opt_out_type.upper() == "STOP" or (len(words) == 1 and words[0] in OPT_OUT_WORDS):
        return Kind.OPT_OUT
    if opt_out_type.upper() == "START" or (len(words) == 1 and words[0] in OPT_IN_WORDS):
        return Kind.OPT_IN
    return None


def _location(payload: dict) -> tuple[Decimal, Decimal] | None:
    try:
        latitude, longitude = Decimal(payload["Latitude"]), Decimal(payload["Longitude"])
    except (KeyError, InvalidOperation, TypeError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def _attachable(item: dict) -> bool:
    content_type = item.get("content_type", "").lower()
    return content_type.startswith(PHOTO_TYPES) or content_type == "application/pdf"


def _media_kind(types: list[str], attachments: list[str]) -> Kind:
    if attachments:
        return Kind.MEDIA
    if any(t.startswith("audio/") for t in types):
        return Kind.VOICE
    if any(t == "image/webp" for t in types):
        return Kind.STICKER  # WhatsApp stickers arrive as WebP images
    if any("vcard" in t for t in types):
        return Kind.CONTACT
    return Kind.UNSUPPORTED


def nearest_zone(latitude: Decimal, longitude: Decimal) -> Zone | None:
    """The known quarter whose centre is closest to the shared location, if one is near enough."""
    best, best_km = None, NEAREST_ZONE_MAX_KM
    for zone in Zone.objects.exclude(latitude=None).exclude(longitude=None):
        km = _distance_km(float(latitude), float(longitude), float(zone.latitude), float(zone.longitude))
        if km <= best_km:
            best, best_km = zone, km
    return best


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), plenty precise inside one city."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))
