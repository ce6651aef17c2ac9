"""First reply: new clients write to the webhook; per client, the time until Djobea's first message reaches them.

Steady traffic (5 new clients a second) and a burst (300 new clients at once), through the whole
pipeline (signed webhook → queue → conversation → outbox → fake Twilio). The baseline is the same
burst against a bare view that replies inline with the twilio client (benchmarks.bare.reply).
"""

import time
from concurrent.futures import ThreadPoolExecutor

from benchmarks import load
from benchmarks.stack import Stack, wait_for


def _first_replies(stack: Stack, phones: list[str]) -> dict[str, float]:
    first: dict[str, float] = {}
    for message in list(stack.fake.messages):
        to = message["to"].removeprefix("whatsapp:")
        if to in phones and (to not in first or message["_received"] < first[to]):
            first[to] = message["_received"]
    return first


def _measure(stack: Stack, sent: dict[str, float], *, timeout: float) -> dict:
    phones = list(sent)
    wait_for(lambda: len(_first_replies(stack, phones)) >= len(phones), timeout=timeout, interval=0.2)
    first = _first_replies(stack, phones)
    waits = sorted(first[p] - sent[p] for p in first)
    return {"clients": len(phones), "answered": len(first), "p50": load.median(waits),
            "p95": waits[int(0.95 * (len(waits) - 1))] if waits else float("nan"),
            "max": waits[-1] if waits else float("nan"), "over_15s": sum(1 for w in waits if w > 15),
            "drain": (max(first.values()) - min(sent.values())) if first else float("nan")}


def _post(stack: Stack, path: str, sender: str, *, signed: bool) -> float:
    sent = time.time()
    load.post_form(stack.base_url + path, load.twilio_form(sender), token=stack.fake.auth_token if signed else None)
    return sent


def steady(stack: Stack, *, rate: float, duration: float, group: int, timeout: float) -> dict:
    stack.reset()
    phones = [load.phone(group, n) for n in range(int(rate * duration))]
    sent: dict[str, float] = {}

    def send(i: int) -> int:
        sent[phones[i]] = time.time()
        return load.post_form(stack.base_url + load.WEBHOOK_PATH, load.twilio_form(phones[i]),
                              token=stack.fake.auth_token)

    load.open_loop(send, rate=rate, duration=duration)
    return _measure(stack, sent, timeout=timeout)


def burst(stack: Stack, *, count: int, group: int, path: str, signed: bool, timeout: float) -> dict:
    stack.reset()
    phones = [load.phone(group, n) for n in range(count)]
    with ThreadPoolExecutor(max_workers=count) as pool:
        times = list(pool.map(lambda p: _post(stack, path, p, signed=signed), phones))
    return _measure(stack, dict(zip(phones, times, strict=True)), timeout=timeout)


def run(stack: Stack, *, quick: bool, nodes: int, report) -> None:
    stack.start_nodes(nodes)
    time.sleep(3)  # let the clusters connect before the clock starts
    size = 60 if quick else 300
    timeout = 60 if quick else 120
    report.first_reply("steady 5/s", steady(stack, rate=5, duration=4 if quick else 10, group=11, timeout=timeout))
    bare = burst(stack, count=size, group=12, path="/bare/reply/", signed=False, timeout=timeout)
    djobea = burst(stack, count=size, group=13, path=load.WEBHOOK_PATH, signed=True, timeout=timeout)
    report.first_reply(f"burst {size} (bare inline view)", bare)
    report.first_reply(f"burst {size}", djobea, baseline=bare)
    stack.stop_nodes()
