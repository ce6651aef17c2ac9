"""Validation of Twilio's inbound message fields (WhatsApp and SMS webhooks, and the simulator)."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from core.phones import normalize_phone
from messaging.models import Channel, InboundMessage

MAX_MEDIA = 10  # Twilio sends at most 10 media items with one message
SID_PATTERN = re.compile(r"^[A-Za-z0-9]{2,64}$")


class InboundForm(forms.Form):
    """Twilio's documented fields. Unknown extra fields are ignored here and kept in the raw payload.

    Fields we only display (To, ProfileName, WaId) are cut to their column rather than refused:
    a message is never lost over a value we don't use. NUL characters are removed before the form
    sees the data (messaging.inbound.clean).
    """

    MessageSid = forms.CharField(max_length=64)
    From = forms.CharField(max_length=64)
    To = forms.CharField(required=False)
    Body = forms.CharField(required=False, strip=False)
    NumMedia = forms.IntegerField(required=False, min_value=0, max_value=MAX_MEDIA)
    ProfileName = forms.CharField(required=False)
    WaId = forms.CharField(required=False)

    def clean_MessageSid(self) -> str:
        sid = self.cleaned_data["MessageSid"]
        if not SID_PATTERN.match(sid):
            raise ValidationError("MessageSid must be 2 to 64 letters or digits.", code="invalid_sid")
        return sid

    def clean_From(self) -> str:
        raw = self.cleaned_data["From"]
        try:
            # Kept for sender(): parsing the number is the costliest step of the webhook's validation.
            self._sender = normalize_phone(raw)
        except ValidationError as exc:
            # The number itself is not echoed: replies and logs never carry a full phone number.
            raise ValidationError("From is not a phone number we can read.", code="invalid_phone") from exc
        return raw

    def clean_Body(self) -> str:
        body = self.cleaned_data["Body"]
        limit = settings.MESSAGING_MAX_BODY_CHARS
        if len(body) > limit:
            raise ValidationError(
                f"Body is {len(body)} characters long; the limit is {limit}.", code="body_too_long"
            )
        return body

    def clean_To(self) -> str:
        return self.cleaned_data["To"][: InboundMessage._meta.get_field("recipient").max_length]

    def clean_ProfileName(self) -> str:
        return self.cleaned_data["ProfileName"].strip()[: InboundMessage._meta.get_field("profile_name").max_length]

    def clean(self) -> dict:
        cleaned = super().clean()
        has_content = ((cleaned.get("Body") or "").strip() or cleaned.get("NumMedia") or self.is_location()
                       or self.is_other_type())
        if not has_content and "Body" not in self.errors and "NumMedia" not in self.errors:
            raise ValidationError("Body is empty and the message has no media.", code="empty")
        return cleaned

    def is_other_type(self) -> bool:
        """A reaction, a button reply or a type Twilio cannot render ("unsupported"): no Body, still a message
        the person sent; stored and answered (or ignored) by the domain, never refused with a 400."""
        message_type = (self.data.get("MessageType") or "").strip().lower()
        return (message_type not in ("", "text")) or bool(self.data.get("ButtonPayload"))

    def is_location(self) -> bool:
        """A shared WhatsApp location comes with an empty Body and Latitude/Longitude fields."""
        return bool(self.data.get("Latitude")) and bool(self.data.get("Longitude"))

    # Derived values, read after is_valid().
    def sender(self) -> str:
        return self._sender

    def channel(self) -> str:
        return Channel.WHATSAPP if self.cleaned_data["From"].lower().startswith("whatsapp:") else Channel.SMS

    def media(self) -> list[dict]:
        count = self.cleaned_data.get("NumMedia") or 0
        return [
            {"url": self.data.get(f"MediaUrl{i}", ""), "content_type": self.data.get(f"MediaContentType{i}", "")}
            for i in range(count)
        ]

    def reason(self) -> str:
        """One line naming every problem, for the 400 answer."""
        parts = []
        for field, errors in self.errors.items():
            label = "form" if field == "__all__" else field
            parts.append(f"{label}: {' '.join(str(e) for e in errors)}")
        return "; ".join(parts)
