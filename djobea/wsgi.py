import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djobea.settings")
application = get_wsgi_application()

# Webhooks spooled to this machine's disk during a database outage are stored from here (every few
# seconds, and at once for what an earlier process left behind).
from messaging.inbound.spool import spool_drain_loop_start  # noqa: E402  (needs the settings above)

spool_drain_loop_start()
