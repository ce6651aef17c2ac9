"""Chaos benchmark, Jepsen-style: real processes, composed faults, then count what happened to every message.

    .venv/bin/python benchmarks/chaos.py                 # 5,000 notifications + 300 conversations
    .venv/bin/python benchmarks/chaos.py --small         # a few hundred messages, under 3 minutes (CI)
    .venv/bin/python benchmarks/chaos.py --scenario storm|outage|dbdown|dropconn   # one composed fault

Starts a private PostgreSQL cluster and a private Redis, migrates, then runs gunicorn (the signed
webhooks), two task-cluster nodes (``manage.py qcluster``, Redis broker) and two outbox workers
(``manage.py outbox_worker`` when the command exists) against the fake Twilio of this process.
Scenario ``chaos`` enqueues the notifications through ``messaging.outbox.enqueue`` and posts the
inbound conversations over HTTP while Twilio answers a share of creates 500/20500, 503/20503,
429/20429 with Retry-After, accepts some then times out, answers 63007 for WhatsApp for a while, a
500 storm for everyone, one 63038, 21211 for good to a few recipients; delivers with status
callbacks (a few undelivered on WhatsApp); worker nodes are SIGKILLed and restarted mid-burst and
the project's database connections are terminated once. Then it waits until everything settles
(bounded) and prints lost / duplicated / stuck / dead-lettered / unexpected, counted from the fake's
record and the database (tests/harness/ledger.py says how), and the time to settle.

Targets (issue 10): lost 0, stuck 0, dead only where the fault was permanent, unexpected 0,
duplicated <= the number of kills. The exit status is 1 when a target is missed; ``--json FILE``
writes the figures (tests/reliability/test_chaos_small.py and test_composed_faults.py read them).
"""

import argparse
import json
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.twilio_server import Receipts, error, slow  # noqa: E402
from tests.harness import ledger  # noqa: E402
from tests.harness.stack import Stack  # noqa: E402
from tests.harness.traffic import Burst, Inbound, recipient  # noqa: E402

TIMEOUT = 2.0  # TWILIO_TIMEOUT_SECONDS of the processes (tests/harness/stack.py)


class Timeline:
    """Actions at offsets (seconds) from ``start()``, run in a thread; ``events`` says what happened when."""

    def __init__(self):
        self.actions: list[tuple[float, str, object]] = []
        self.events: list[dict] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def at(self, offset: float, label: str, action) -> None:
        self.actions.append((offset, label, action))

    def start(self) -> None:
        self.started = time.monotonic()
        self.thread.start()

    def _run(self) -> None:
        for offset, label, action in sorted(self.actions, key=lambda a: a[0]):
            time.sleep(max(0.0, self.started + offset - time.monotonic()))  # waiting for the action's time
            result = action()
            self.events.append({"at": round(time.monotonic() - self.started, 1), "what": label,
                                "result": result if isinstance(result, int | str) else None})

    def join(self) -> None:
        self.thread.join()


def _kill_and_restart(stack: Stack, timeline: Timeline, offset: float, name: str, down: float = 2.0) -> None:
    timeline.at(offset, f"SIGKILL {name}", lambda: stack.kill(name))
    timeline.at(offset + down, f"restart {name}", lambda: stack.restart(name))


def _run_traffic(burst: Burst | None, inbound: Inbound | None, timeline: Timeline) -> None:
    threads = [threading.Thread(target=part.run) for part in (burst, inbound) if part]
    timeline.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timeline.join()


def _inbound(stack: Stack, conversations: int, messages: int, seconds: float) -> Inbound:
    return Inbound(stack.base_url, stack.fake.auth_token, conversations, messages, seconds)


# --- scenarios ------------------------------------------------------------------------------------

def scenario_chaos(stack: Stack, args) -> dict:
    count = args.messages or (300 if args.small else 5000)
    conversations = args.conversations or (30 if args.small else 300)
    seconds = 20.0 if args.small else 90.0
    fake = stack.fake
    fake.sent_after, fake.receipts = 0.3, Receipts(delay=0.6, undelivered_fraction=0.02)
    permanent = {recipient(i) for i in range(count) if i % 97 == 13}
    fake.inject(error(21211), recipients=permanent, name="21211 invalid number (permanent)")
    transient = [fake.inject(error(20500), fraction=0.04), fake.inject(error(20503), fraction=0.03),
                 fake.inject(error(20429, retry_after=1), fraction=0.03),
                 fake.inject(slow(TIMEOUT + 1.5), fraction=0.015, name="accepted-then-timeout")]
    burst, inbound = Burst(count, seconds), _inbound(stack, conversations, 3, seconds)
    timeline = Timeline()
    storm = max(6.0, 0.1 * seconds)
    timeline.at(0.2 * seconds, "63007 on WhatsApp", lambda: transient.append(
        fake.inject(error(63007), channel="whatsapp", seconds=max(8.0, 0.2 * seconds))) and None)
    _kill_and_restart(stack, timeline, 0.3 * seconds, "node1")
    timeline.at(0.45 * seconds, "pg_terminate_backend", stack.terminate_connections)
    _kill_and_restart(stack, timeline, 0.6 * seconds, "node2")
    timeline.at(0.7 * seconds, "500 storm", lambda: transient.append(
        fake.inject(error(20500), seconds=storm, name="500 storm")) and None)
    timeline.at(0.5 * seconds, "63038 once on WhatsApp", lambda: transient.append(
        fake.inject(error(63038), channel="whatsapp", limit=1)) and None)
    _run_traffic(burst, inbound, timeline)
    now = time.monotonic()
    for fault in transient:  # the transient faults end with the burst; the permanent one stays
        fault.ends_at = min(fault.ends_at or now, now)
    return _settle_and_count(stack, args, burst=burst, inbound=inbound, permanent=permanent, timeline=timeline,
                             timeout=args.settle_timeout or (150 if args.small else 600))


def scenario_storm(stack: Stack, args) -> dict:
    """Twilio answers every create 500 + 20500 for ``--fault-seconds`` (25) while clients write."""
    fake = stack.fake
    fake.receipts = Receipts(delay=0.3)
    seconds = args.fault_seconds or 25.0
    timeline = Timeline()
    fake.inject(error(20500), seconds=seconds, name="500 storm")
    burst, inbound = Burst(args.messages or 20, seconds / 2), _inbound(stack, args.conversations or 10, 2, seconds / 2)
    _run_traffic(burst, inbound, timeline)
    time.sleep(max(0.0, seconds - (time.monotonic() - timeline.started)))  # the storm runs its course
    return _settle_and_count(stack, args, burst=burst, inbound=inbound, permanent=set(), timeline=timeline,
                             timeout=args.settle_timeout or 150)


def scenario_outage(stack: Stack, args) -> dict:
    """WhatsApp and SMS both answer 63007 for ``--fault-seconds`` (40), then staff fix them."""
    fake = stack.fake
    fake.receipts = Receipts(delay=0.3)
    seconds = args.fault_seconds or 40.0
    timeline = Timeline()
    fake.inject(error(63007), seconds=seconds, name="63007 on every channel")
    burst, inbound = Burst(args.messages or 20, seconds / 3), _inbound(stack, args.conversations or 5, 2, seconds / 3)
    _run_traffic(burst, inbound, timeline)
    time.sleep(max(0.0, seconds - (time.monotonic() - timeline.started)))  # the outage lasts its course
    return _settle_and_count(stack, args, burst=burst, inbound=inbound, permanent=set(), timeline=timeline,
                             timeout=args.settle_timeout or 150)


def scenario_dbdown(stack: Stack, args) -> dict:
    """PostgreSQL stopped for ``--fault-seconds`` (30) in the middle of inbound traffic, then started."""
    fake = stack.fake
    fake.receipts = Receipts(delay=0.3)
    seconds = args.fault_seconds or 30.0
    probes: list[dict] = []
    timeline = Timeline()
    timeline.at(8.0, "PostgreSQL stopped", stack.stop_database)
    timeline.at(8.0 + seconds / 2, "health probes", lambda: probes.append(_health(stack)))
    timeline.at(8.0 + seconds, "PostgreSQL started", stack.start_database)
    inbound = _inbound(stack, args.conversations or 20, 4, seconds + 16.0)
    _run_traffic(None, inbound, timeline)
    result = _settle_and_count(stack, args, burst=None, inbound=inbound, permanent=set(), timeline=timeline,
                               timeout=args.settle_timeout or 150)
    result["health_during_outage"] = probes
    return result


def scenario_dropconn(stack: Stack, args) -> dict:
    """The project's database connections are terminated twice while notifications and inbound flow."""
    stack.fake.receipts = Receipts(delay=0.3)
    seconds = args.fault_seconds or 12.0
    timeline = Timeline()
    timeline.at(seconds / 4, "pg_terminate_backend", stack.terminate_connections)
    timeline.at(seconds / 2, "pg_terminate_backend", stack.terminate_connections)
    burst = Burst(args.messages or 60, seconds)
    inbound = _inbound(stack, args.conversations or 10, 2, seconds)
    _run_traffic(burst, inbound, timeline)
    return _settle_and_count(stack, args, burst=burst, inbound=inbound, permanent=set(), timeline=timeline,
                             timeout=args.settle_timeout or 120)


def _health(stack: Stack) -> dict:
    import requests

    answers = {}
    for path in ("/health/", "/health/live/"):
        try:
            answers[path] = requests.get(stack.base_url + path, timeout=10).status_code
        except requests.RequestException as exc:
            answers[path] = type(exc).__name__
    return answers


def _settle_and_count(stack: Stack, args, *, burst, inbound, permanent, timeline, timeout) -> dict:
    faults_ended = time.monotonic()
    posts = inbound.posts if inbound else []
    settled, left = ledger.wait_settled(stack.fake, posts=posts, receipts=True, timeout=timeout)
    expected = {f"chaos:{i}" for i in range(burst.count)} if burst else set()
    figures = ledger.count(stack.fake, expected_keys=expected, posts=posts, permanent=permanent, receipts=True)
    crashed = stack.crashed()
    figures.unexpected += len(crashed)
    for name in crashed:
        figures.note("unexpected", f"process {name} exited on its own (see its log)")
    return {
        "crashed": crashed,
        "system_state": ledger.system_state(),
        "figures": figures.as_dict(),
        "settle_seconds": None if settled is None else round(settled, 1),
        "settle_timeout": timeout,
        "left_unsettled": left,
        "kills": stack.kills(),
        "seconds_since_faults": round(time.monotonic() - faults_ended, 1),
        "timeline": timeline.events,
        "enqueue_retried_batches": burst.retried_batches if burst else 0,
        "twilio": _twilio_record(stack.fake),
    }


def _twilio_record(fake) -> dict:
    from collections import Counter

    with fake.lock:
        return {
            "creates": len(fake.outcomes),
            "answers": dict(Counter(o["answer"] for o in fake.outcomes)),
            "faults": {f.name: f.hits for f in fake.faults},
            "callbacks": len(fake.callbacks),
            "callback_answers": dict(Counter(str(c["answer"]) for c in fake.callbacks)),
        }


SCENARIOS = {"chaos": scenario_chaos, "storm": scenario_storm, "outage": scenario_outage,
             "dbdown": scenario_dbdown, "dropconn": scenario_dropconn}


def targets(result: dict) -> dict[str, bool]:
    f = result["figures"]
    return {
        "lost 0": f["lost"] == 0,
        "stuck 0": f["stuck"] == 0,
        "dead only where the fault was permanent": f["dead"] == f["dead_expected"],
        "unexpected 0": f["unexpected"] == 0,
        "duplicated <= kills": f["duplicated"] <= result["kills"],
        "settled within the bound": result["settle_seconds"] is not None,
    }


def report(result: dict) -> str:
    f, t, end = result["figures"], result["twilio"], result["system_state"]
    settle = (f"settled {result['settle_seconds']} s after the faults ended" if result["settle_seconds"] is not None
              else f"NOT settled after {result['settle_timeout']} s: {result['left_unsettled']}")
    lines = [
        f"scenario {result['scenario']}: {result['processes']}",
        f"traffic: {f['notifications']} notifications (incl. replies), {f['inbound_posted']} inbound posts",
        f"Twilio: {t['creates']} creates, answers {t['answers']}",
        f"        fault hits {t['faults']}; {t['callbacks']} status callbacks, answers {t['callback_answers']}",
        "process faults: " + ", ".join(f"{e['what']} @{e['at']}s" for e in result["timeline"]),
        settle,
        f"notification states {f['statuses']}; inbound states {f['inbound_statuses']}",
        f"at the end: degradation {end['degradation']}; breakers {end['breakers']}",
        f"lost {f['lost']}  duplicated {f['duplicated']} (kills {result['kills']})  stuck {f['stuck']} "
        f"(receipts not applied {f['receipts_not_applied']})  dead {f['dead']} ({f['dead_expected']} permanent)  "
        f"unexpected {f['unexpected']}",
    ]
    lines += [f"  e.g. {what}: {example}" for what, examples in f["examples"].items() for example in examples]
    lines += [f"target {name}: {'met' if met else 'MISSED'}" for name, met in result["targets"].items()]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="chaos")
    parser.add_argument("--small", action="store_true", help="a few hundred messages, under 3 minutes")
    parser.add_argument("--messages", type=int, default=0, help="notifications to enqueue")
    parser.add_argument("--conversations", type=int, default=0, help="inbound conversations (senders)")
    parser.add_argument("--fault-seconds", type=float, default=0.0, help="length of the composed fault")
    parser.add_argument("--settle-timeout", type=float, default=0.0, help="how long to wait for quiet")
    parser.add_argument("--json", type=Path, help="write the figures there")
    args = parser.parse_args()
    started = time.monotonic()
    # Operator settings shortened so a run fits in minutes: breakers probe after 10 s, and a message
    # still "sent" without its receipt after a minute is looked up at Twilio (the sweep is under test too).
    stack = Stack(env={"BREAKER_OPEN_SECONDS": "10", "MESSAGING_RECEIPT_WAIT_MINUTES": "1"})
    try:
        stack.start()
        result = SCENARIOS[args.scenario](stack, args)
    except BaseException:
        print(stack.logs_tail(), file=sys.stderr)
        raise
    finally:
        stack.stop()
    node = "+".join(stack.node_processes)
    result.update(scenario=args.scenario + (" --small" if args.small else ""),
                  seconds=round(time.monotonic() - started), logs=str(stack.dir),
                  processes=f"PostgreSQL (private), Redis, gunicorn x{stack.web_workers}, "
                            f"{stack.nodes} worker nodes ({node}: the Procfile's processes)")
    result["targets"] = targets(result)
    print(report(result))
    print(f"run took {result['seconds']} s; process logs in {stack.dir}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return 0 if all(result["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
