"""Baselines: the least a Django view can do for a Twilio post, served by the same gunicorn as Djobea.

``ok`` answers empty TwiML (the webhook baseline); ``reply`` answers the sender inline with the
twilio client before responding (the first-reply baseline: no storage, no queue, no conversation).
"""

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from messaging.channels.twilio import make_client
from messaging.inbound.webhook import EMPTY_TWIML

REPLY = "Bonjour ! Quel service vous faut-il ? / Hello! Which service do you need?"


@csrf_exempt
def ok(request):
    return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")


@csrf_exempt
def reply(request):
    client, _http = make_client()
    client.messages.create(to=request.POST["From"], from_=settings.TWILIO_WHATSAPP_FROM, body=REPLY)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")
