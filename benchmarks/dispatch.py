"""Dispatch: ``messaging.outbox.enqueue`` → delivered at the fake Twilio, against a raw twilio-client loop.

The outbox side runs for real: another process enqueues N notifications (one transaction each, as
domain code does), the task nodes (and outbox workers, once they exist) deliver them. Throughput
is N over the time from the first enqueue to the last message at the fake. The baseline is a
sequential loop of ``client.messages.create`` from this process to the same fake.
"""

import time

from benchmarks.stack import SMS_FROM, Stack, wait_for

ENQUEUE = """
import json, time
from django.db import transaction
from messaging.outbox import enqueue
started = time.time()
for i in range({count}):
    with transaction.atomic():
        enqueue(key="{prefix}-%d" % i, body="{prefix} %d" % i, phone="+2376{group}%07d" % i, channels=["sms"])
print(json.dumps({{"started": started, "enqueue_ms": (time.time() - started) * 1000 / {count}}}))
"""


def raw_loop(stack: Stack, *, count: int) -> float:
    """Messages per second of a sequential twilio-client loop to the fake (this process, Django set up)."""
    from messaging.channels.twilio import make_client

    client, _http = make_client()
    started = time.perf_counter()
    for i in range(count):
        client.messages.create(to=f"+2376990{i:05d}", from_=SMS_FROM, body=f"raw {i}")
    return count / (time.perf_counter() - started)


def outbox_rate(stack: Stack, *, count: int, prefix: str, group: int, timeout: float) -> dict:
    """Enqueue ``count`` notifications in another process; wait for them at the fake; msgs/s and enqueue cost."""
    stack.reset()
    info = stack.shell(ENQUEUE.format(count=count, prefix=prefix, group=group))
    delivered = lambda: sum(1 for m in list(stack.fake.messages) if m["body"].startswith(prefix + " "))  # noqa: E731
    complete = wait_for(lambda: delivered() >= count, timeout=timeout, interval=0.1)
    arrivals = [m["_received"] for m in list(stack.fake.messages) if m["body"].startswith(prefix + " ")]
    elapsed = (max(arrivals) if complete else time.time()) - info["started"]
    return {"rate": len(arrivals) / elapsed if elapsed > 0 else 0.0, "delivered": len(arrivals), "count": count,
            "complete": complete, "enqueue_ms": info["enqueue_ms"], "duplicates": len(arrivals) - len(set(
                m["body"] for m in list(stack.fake.messages) if m["body"].startswith(prefix + " ")))}


def run(stack: Stack, *, quick: bool, node_counts: list[int], report) -> None:
    sizes = {"instant": 100 if quick else 600, "latency": 40 if quick else 300}
    raw_sizes = {"instant": 100 if quick else 300, "latency": 10 if quick else 20}
    for nodes in node_counts:
        stack.start_nodes(nodes)
        time.sleep(3)  # let the clusters connect before the clock starts
        for mode, latency in (("instant", 0.0), ("latency", 0.2)):
            if mode == "latency" and nodes > 1 and quick:
                continue
            stack.fake.latency = latency
            raw = raw_loop(stack, count=raw_sizes[mode])
            outbox = outbox_rate(stack, count=sizes[mode], prefix=f"d{nodes}{mode}", group=nodes,
                                 timeout=60 if quick else 120)
            report.dispatch(nodes=nodes, mode=mode, raw=raw, outbox=outbox)
    stack.fake.latency = 0.0
    stack.stop_nodes()
