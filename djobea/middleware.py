"""Request guards that apply to every page."""

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

NUL = "\x00"


class RejectNulQueryMiddleware:
    """A NUL character in the query string is a 400 on every page.

    PostgreSQL refuses NUL in text, so a search such as ``?q=DJB%00`` in any admin list would
    otherwise end in a DataError and a 500. Form bodies are checked by Django's forms (CharField
    refuses NUL); the Twilio webhooks clean their own fields (messaging.inbound.clean).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()):
            return HttpResponseBadRequest(_("Bad request: the query string contains a NUL character."),
                                          content_type="text/plain; charset=utf-8")
        return self.get_response(request)
