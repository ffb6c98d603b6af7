#!/usr/bin/env python3
"""A discrete-event model of irrev's work queue (src/dist/work_queue.cpp): one master hands out
units, one at a time per worker, and takes each result in turn (receive, sink, a checkpoint on
its cadence); the workers compute. Predicts a run's wall time and its efficiency (the workers'
compute / (workers x wall)). docs/scaling.md explains the model and where its figures come from.

  queue_model.py predict --workers 512 --units 1000000 --unit-seconds 0.05 [--spread 0.1]
                 [--bytes 3000] [--receive-us 2 --receive-us-per-kb 0.5] [--sink-us 3]
                 [--checkpoint-seconds 60 --checkpoint-ms 40] [--handoff-us 1000]
  queue_model.py check RUNS.txt --costs CAPACITY.txt   # measured runs beside their predictions

What it models, as the engine does it:
- a worker computes a unit (log-normal around its mean, sigma `spread`), sends the result and
  waits for its next unit; the way there and back at rest (the worker's sleeps between probes,
  the master's between polls, the messages' latency: Communicator::recv_idle, Master::run) is
  the measured `handoff`, half on each way;
- the master serves one result at a time, in the order they arrive: receive (fixed + per KB),
  sink, and a checkpoint when `checkpoint_seconds` have passed since the last; a result that
  arrives while it is busy waits (what limits a master past its capacity);
- a result's bytes take bytes / bandwidth on the way in.
Not modelled: the network's contention (one shared link), stalled workers and deadlines, the
stages before and after the queue.
"""
import argparse
import heapq
import math
import random
import sys


def simulate(a, seed=1):
    """Wall time and worker compute of one run under the arguments `a`."""
    rng = random.Random(seed)
    mu = math.log(a.unit_seconds) - a.spread ** 2 / 2  # log-normal with mean unit_seconds
    way_in = a.handoff_us * 0.5e-6 + a.bytes / (a.bandwidth_mbps * 1e6)
    way_out = a.handoff_us * 0.5e-6
    service = (a.receive_us + a.receive_us_per_kb * a.bytes / 1e3 + a.sink_us) * 1e-6
    arrivals = []  # (time the result reaches the master, worker)
    next_unit, compute = 0, 0.0

    def start(worker, t):
        nonlocal next_unit, compute
        c = rng.lognormvariate(mu, a.spread)
        if a.profile == "triangular":  # verify's all-vs-all: unit k pairs its rows with every later row
            c *= 2 * (a.units - next_unit - 0.5) / a.units
        compute += c
        next_unit += 1
        heapq.heappush(arrivals, (t + c + way_in, worker))

    for w in range(min(a.workers, a.units)):
        start(w, 0.0)
    master_free, last_ckpt = 0.0, 0.0
    while arrivals:
        arrive, w = heapq.heappop(arrivals)
        t = max(arrive, master_free) + service
        if a.checkpoint_seconds > 0 and t - last_ckpt >= a.checkpoint_seconds:
            t += a.checkpoint_ms * 1e-3
            last_ckpt = t
        master_free = t
        if next_unit < a.units:
            start(w, t + way_out)
    return master_free, compute


def predict(a):
    wall, compute = simulate(a)
    return {
        "wall_s": wall,
        "efficiency": compute / (a.workers * wall),
        "units_per_s": a.units / wall,
    }


def add_model_args(p):
    p.add_argument("--workers", type=int, required=True)
    p.add_argument("--units", type=int, required=True)
    p.add_argument("--unit-seconds", type=float, required=True, help="mean compute time of a unit on one worker")
    p.add_argument("--spread", type=float, default=0.1, help="log-normal sigma of a unit's compute time")
    p.add_argument("--profile", choices=["flat", "triangular"], default="flat",
                   help="units' work in the order handed out: alike (the attack: shuffled units of one size) or "
                        "falling linearly to 0 (verify's all-vs-all)")
    p.add_argument("--bytes", type=float, default=3000, help="a result's bytes")
    p.add_argument("--receive-us", type=float, default=2.0, help="the master's receive, fixed part")
    p.add_argument("--receive-us-per-kb", type=float, default=0.0, help="the master's receive, per KB")
    p.add_argument("--sink-us", type=float, default=3.0, help="the master's merge of one result")
    p.add_argument("--checkpoint-seconds", type=float, default=0, help="checkpoint cadence (0: none)")
    p.add_argument("--checkpoint-ms", type=float, default=0, help="one checkpoint's cost")
    p.add_argument("--handoff-us", type=float, default=1000,
                   help="a unit's way from its worker to the master and the next unit's back, at rest "
                        "(queue_capacity on 2 ranks, --unit-ms 0: wall / units - compute - receive - sink)")
    p.add_argument("--bandwidth-mbps", type=float, default=1000, help="link bandwidth, MB/s")


def parse_line(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)


def read_lines(path, head):
    lines = [parse_line(l) for l in open(path) if l.startswith(head + " ")]
    if not lines:
        sys.exit(f"queue_model: no '{head}' lines in {path}")
    return lines


def link(line):
    """Which handoff a run has: within one host (shared memory) or across hosts (the network)."""
    return "one host" if line.get("hosts", "1") == "1" else "across hosts"


def fit_costs(path):
    """The master's receive and sink per result, per kind, as fixed + per-KB parts fitted over
    queue_capacity lines (least squares over their result sizes); and the handoff at rest, per
    link (link()), from the lines of 2 ranks (one worker): its time per unit less compute and
    service."""
    by_kind, handoff = {}, {}
    for c in read_lines(path, "queue_capacity"):
        if c["ranks"] == "2":
            per_unit = 1e6 * float(c["wall_s"]) / float(c["units"])
            service = float(c["us_per_unit_receive"]) + float(c["us_per_unit_sink"])
            handoff.setdefault(link(c), per_unit - 1e3 * float(c["compute_ms_per_unit"]) - service)
            continue
        by_kind.setdefault(c["kind"], []).append(
            (float(c["bytes_per_unit"]) / 1e3, float(c["us_per_unit_receive"]), float(c["us_per_unit_sink"])))
    costs = {}
    for kind, pts in by_kind.items():
        def line(ys):
            xs = [p[0] for p in pts]
            mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
            var = sum((x - mx) ** 2 for x in xs)
            slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var > 0 else 0.0
            return max(0.0, my - slope * mx), max(0.0, slope)
        costs[kind] = (line([p[1] for p in pts]), line([p[2] for p in pts]))
    if not handoff:
        sys.exit(f"queue_model: no 2-rank queue_capacity line in {path} (the handoff at rest)")
    return costs, handoff


def check(runs_path, costs_path):
    """Measured runs (queue_capacity lines, or 'run' lines of the same keys from real attacks
    and verifies) beside the model's predictions: the master's costs come from the capacity
    lines of `costs_path`, the compute per unit and the link from each run."""
    costs, handoff = fit_costs(costs_path)
    runs = [parse_line(l) for l in open(runs_path) if l.startswith(("queue_capacity ", "run "))]
    if not runs:
        sys.exit(f"queue_model: no 'queue_capacity' or 'run' lines in {runs_path}")
    print("| kind | ranks | hosts | units | compute ms/unit | KB/result | measured wall s | predicted wall s | error "
          "| measured eff. | predicted eff. |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for r in runs:
        (rc, rk), (sc, sk) = costs[r["kind"]]
        kb = float(r["bytes_per_unit"]) / 1e3
        workers = int(r["ranks"]) - 1
        a = argparse.Namespace(
            workers=workers, units=int(r["units"]), unit_seconds=float(r["compute_ms_per_unit"]) / 1e3,
            spread=float(r.get("spread", 0.1)), profile=r.get("profile", "flat"), bytes=kb * 1e3, receive_us=rc + rk * kb, receive_us_per_kb=0.0,
            sink_us=sc + sk * kb, checkpoint_seconds=float(r.get("checkpoint_seconds", 0)),
            checkpoint_ms=float(r.get("checkpoint_ms_each", 0)), handoff_us=handoff[link(r)],
            bandwidth_mbps=float(r.get("bandwidth_MBps", 0)) or 1000)
        p = predict(a)
        err = p["wall_s"] / float(r["wall_s"]) - 1
        worst = max(worst, abs(err))
        eff = float(r["compute_ms_per_unit"]) * int(r["units"]) / 1e3 / (workers * float(r["wall_s"]))
        print(f"| {r['kind']} | {r['ranks']} | {r.get('hosts', 1)} | {r['units']} | {float(r['compute_ms_per_unit']):.2f} "
              f"| {kb:.1f} | {float(r['wall_s']):.3f} | {p['wall_s']:.3f} | {100 * err:+.1f} % | {eff:.3f} "
              f"| {p['efficiency']:.3f} |")
    print(f"\nlargest error: {100 * worst:.1f} %")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("predict", help="one run's wall time and efficiency")
    add_model_args(p)
    c = sub.add_parser("check", help="measured runs beside their predictions")
    c.add_argument("runs", help="queue_capacity lines and 'run' lines of real jobs")
    c.add_argument("--costs", required=True,
                   help="queue_capacity lines: many workers (the master's costs) and 2 ranks (the handoff)")
    a = ap.parse_args()
    if a.cmd == "predict":
        for k, v in predict(a).items():
            print(f"{k}={v:.6g}")
    else:
        check(a.runs, a.costs)


if __name__ == "__main__":
    main()
