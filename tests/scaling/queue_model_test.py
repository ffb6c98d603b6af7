#!/usr/bin/env python3
"""bench/queue_model.py: its arithmetic on cases worked by hand, and its predictions against the
runs measured on one host (bench/queue_runs/, docs/scaling.md) within 15 %."""
import argparse
import importlib.util
import io
import contextlib
import pathlib
import re
import sys

repo = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("queue_model", repo / "bench/queue_model.py")
qm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(qm)


def args(**kw):
    a = dict(workers=1, units=100, unit_seconds=0.01, spread=0.0, profile="flat", bytes=0.0, receive_us=0.0,
             receive_us_per_kb=0.0, sink_us=0.0, checkpoint_seconds=0.0, checkpoint_ms=0.0, handoff_us=0.0,
             bandwidth_mbps=1000.0)
    a.update(kw)
    return argparse.Namespace(**a)


def close(got, want, what, rel=1e-9):
    if abs(got - want) > rel * abs(want):
        sys.exit(f"FAIL: {what}: {got} != {want}")


# One worker, no spread: each unit is compute + handoff + service; the last ends at its service.
c, h, s, n = 0.01, 1000e-6, 50e-6, 100
p = qm.predict(args(units=n, unit_seconds=c, handoff_us=h * 1e6, receive_us=20, sink_us=30))
close(p["wall_s"], n * (c + h / 2 + s) + (n - 1) * h / 2, "one worker's wall")
close(p["efficiency"], n * c / p["wall_s"], "one worker's efficiency")
# A saturated master: 1,000 workers of 1 ms units, 100 us a result: 10,000 results a second.
p = qm.predict(args(workers=1000, units=50000, unit_seconds=0.001, receive_us=40, sink_us=60))
close(p["units_per_s"], 10000, "a saturated master's results/s", rel=0.03)
# A checkpoint every 0.1 s of 10 ms: one run in eleven of the saturated master's time.
p = qm.predict(args(workers=1000, units=50000, unit_seconds=0.001, receive_us=40, sink_us=60,
                    checkpoint_seconds=0.1, checkpoint_ms=10))
close(p["units_per_s"], 10000 / 1.1, "results/s with checkpoints", rel=0.03)
# verify's triangular units: the first unit is twice the mean, the last near 0, same total.
p = qm.predict(args(units=1000, unit_seconds=0.01, profile="triangular"))
close(p["wall_s"], 10.0, "triangular units' total", rel=1e-6)

# The measured runs of one host, predicted within 15 %.
runs = repo / "bench/queue_runs"
for measured in ("delay_one_host.txt", "real_one_host.txt"):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        qm.check(str(runs / measured), str(runs / "capacity_one_host.txt"))
    worst = float(re.search(r"largest error: ([\d.]+) %", out.getvalue()).group(1))
    if worst > 15:
        sys.exit(f"FAIL: {measured}: the model is {worst} % off (more than 15 %):\n{out.getvalue()}")
    print(f"{measured}: largest error {worst} %")
print("queue_model: ok")
