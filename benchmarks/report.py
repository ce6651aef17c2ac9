"""Printing the figures, each beside its baseline, and the issue's targets as met / not met."""

import math

TWILIO_SENDER_CEILING = 80.0  # messages per second one WhatsApp sender may send


class Report:
    def __init__(self, label: str):
        self.label = label
        self.targets: list[tuple[str, bool]] = []
        print(f"\n=== {label} ===", flush=True)

    def _target(self, name: str, met: bool) -> str:
        self.targets.append((f"{self.label}: {name}", met))
        return "met" if met else "NOT met"

    def note(self, text: str) -> None:
        print(text, flush=True)

    def dispatch(self, *, nodes: int, mode: str, raw: float, outbox: dict) -> None:
        ratio = outbox["rate"] / raw if raw else math.nan
        incomplete = "" if outbox["complete"] else f"  INCOMPLETE {outbox['delivered']}/{outbox['count']}"
        line = (f"dispatch {mode:<7} nodes={nodes}: outbox {outbox['rate']:7.1f} msg/s ({outbox['count']} msgs, "
                f"enqueue {outbox['enqueue_ms']:.1f} ms/msg, duplicates {outbox['duplicates']}) | raw sequential "
                f"loop {raw:7.1f} msg/s | ratio {ratio:6.2f} | of 80 msg/s ceiling "
                f"{outbox['rate'] / TWILIO_SENDER_CEILING:5.2f}{incomplete}")
        if nodes == 1 and mode == "instant":
            line += f"  [target >= 0.3 of raw: {self._target('dispatch instant >= 0.3 raw', ratio >= 0.3)}]"
        if nodes == 1 and mode == "latency":
            line += f"  [target >= 10x raw: {self._target('dispatch 200 ms >= 10x raw', ratio >= 10)}]"
        print(line, flush=True)

    def first_reply(self, name: str, figures: dict, baseline: dict | None = None) -> None:
        line = (f"first reply {name:<28}: answered {figures['answered']}/{figures['clients']}  "
                f"p50 {figures['p50']:6.2f} s  p95 {figures['p95']:6.2f} s  max {figures['max']:6.2f} s  "
                f"waited > 15 s: {figures['over_15s']}  drain {figures['drain']:6.2f} s")
        if baseline:
            ratio = figures["drain"] / baseline["drain"] if baseline["drain"] else math.nan
            nobody = figures["over_15s"] == 0 and figures["answered"] == figures["clients"]
            line += (f" | drain / bare view {ratio:5.1f}x  [target nobody > 15 s: "
                     f"{self._target('burst: nobody waits > 15 s', nobody)}; drain <= 15x bare: "
                     f"{self._target('burst: drain <= 15x bare view', ratio <= 15)}]")
        print(line, flush=True)

    def webhook(self, name: str, djobea, bare, *, offered: float | None = None) -> None:
        ratio = djobea.rate / bare.rate if bare.rate else math.nan
        line = f"webhook {name:<22}: djobea {djobea.summary()} | bare view {bare.summary()} | ratio {ratio:4.2f}"
        if offered == 100:
            keeps_up = djobea.pct(0.99) < 0.150 and djobea.errors == 0 and djobea.rate >= 0.95 * offered
            line += f"  [target p99 < 150 ms at 100/s: {self._target('webhook keeps up with 100 req/s', keeps_up)}]"
        if offered is None:
            line += f"  [target >= 0.3 of bare: {self._target('webhook flat out >= 0.3 bare', ratio >= 0.3)}]"
        print(line, flush=True)

    def claim(self, *, rows: int, seconds: float, plan: str) -> None:
        if not hasattr(self, "_claim_first"):
            self._claim_first = seconds
        ratio = seconds / self._claim_first
        line = f"claim {rows:>9,} rows: median {seconds * 1000:7.3f} ms  ({ratio:4.2f}x the 10k figure)  plan: {plan}"
        if rows >= 1_000_000:
            line += f"  [target 1M within 1.5x of 10k: {self._target('claim flat to 1M rows', ratio <= 1.5)}]"
        print(line, flush=True)
