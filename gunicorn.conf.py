"""Production web server: ``gunicorn -c gunicorn.conf.py djobea.wsgi`` behind a buffering proxy (nginx).

Slow clients: with gthread workers a slow or stalled client holds one thread, not a whole worker,
and the proxy in front reads whole requests and absorbs slow readers before gunicorn sees them
(nginx buffers both by default). Twilio's webhooks answer in milliseconds; a request still running
after ``timeout`` is stuck and its worker is replaced. See README, "Production server".

Read by gunicorn, not Django: the few knobs below come from the environment like gunicorn's own.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # the proxy talks to this; never expose it directly
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", 8))
timeout = 30
graceful_timeout = 30
keepalive = 5
# Bounded request heads; bodies are bounded by Django (the webhooks: MESSAGING_MAX_REQUEST_BYTES).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
max_requests = 5000  # workers are recycled now and then, jittered so they don't all restart at once
max_requests_jitter = 500
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")  # the proxy's address
accesslog = "-"
errorlog = "-"
# Access lines show URLs, and a staff search by phone number puts one there: they go through the same
# phone-masking filter as Django's logs (reliability.logging, which needs no Django setup).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_phones": {"()": "reliability.logging.MaskPhonesFilter"}},
    "formatters": {"generic": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "generic", "filters": ["mask_phones"],
                    "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


def child_exit(server, worker):
    """Several workers share PROMETHEUS_MULTIPROC_DIR: a dead worker's live gauges are dropped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
