"""Webhook: open-loop load at fixed rates and flat out, Djobea's signed webhook against a bare Django view.

Both are served by the same gunicorn (same workers, same middleware). Each Djobea post is a new
MessageSid from a new client: it is validated, stored and its processing queued. The task
clusters are not running here, so the figures are the web path's alone.
"""

from benchmarks import load
from benchmarks.stack import Stack


def _senders(stack: Stack, group: int):
    url = stack.base_url + load.WEBHOOK_PATH
    djobea = lambda i: load.post_form(url, load.twilio_form(load.phone(group, i)), token=stack.fake.auth_token)  # noqa: E731
    bare_url = stack.base_url + "/bare/ok/"
    bare = lambda i: load.post_form(bare_url, load.twilio_form(load.phone(group, i)), token=None)  # noqa: E731
    return djobea, bare


def run(stack: Stack, *, quick: bool, report) -> None:
    duration = 2 if quick else 5
    stack.reset()
    for n, rate in enumerate((50, 100, 200)):
        djobea, bare = _senders(stack, 20 + n)
        report.webhook(f"open loop {rate}/s", load.open_loop(djobea, rate=rate, duration=duration),
                       load.open_loop(bare, rate=rate, duration=duration), offered=rate)
    djobea, bare = _senders(stack, 29)
    report.webhook("flat out (16 clients)", load.flat_out(djobea, clients=16, duration=duration),
                   load.flat_out(bare, clients=16, duration=duration))
    stack.reset()
