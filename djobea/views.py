"""The home page at ``/``: what this server is, and the way in for staff (the admin's "View site" lands here)."""

from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

home = require_GET(TemplateView.as_view(template_name="home.html"))
