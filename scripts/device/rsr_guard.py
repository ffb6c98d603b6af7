#!/usr/bin/env python3
"""The small attack's check on a lent GPU (gpu_run.sh's small_attack step): the RSR rows of the
GPU's fp32 attack must equal the CPU's reference rows exactly, and those of the default
precision must lie within --pp percentage points of them.

  rsr_guard.py REFERENCE.json FP32.json DEFAULT.json [--pp 0.5]

Each file is an `irrev attack` summary (its standard output). Prints one line per row that
differs and a verdict per attack; exits 1 when a check fails."""
import argparse
import json
import sys


def rows(path):
    d = json.load(open(path))
    out = {}
    for r in d["rsr"] + d.get("unprotected_rsr", []):
        out[(r["plan"], r["complexity"], r["type"], r["fmr"])] = r["mean"]
    for r in d.get("expected_rsr_uniform", []):
        out[(r["plan"], "expected", r["type"], r["fmr"])] = r["value"]
    return d, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("reference")
    ap.add_argument("fp32")
    ap.add_argument("default")
    ap.add_argument("--pp", type=float, default=0.5)
    a = ap.parse_args()
    _, ref = rows(a.reference)
    ok = True
    for path, limit in ((a.fp32, 0.0), (a.default, a.pp)):
        d, got = rows(path)
        missing = set(ref) ^ set(got)
        if missing:
            print(f"{path}: rows differ from the reference's: {sorted(missing)[:3]}")
            ok = False
            continue
        worst = max((abs(got[k] - ref[k]) * 100 for k in ref), default=0.0)
        for k in sorted(ref, key=str):
            if abs(got[k] - ref[k]) * 100 > limit:
                print(f"  {k}: reference {100 * ref[k]:.2f} %, {d['precision']} on {d['device']} {100 * got[k]:.2f} %")
        verdict = worst <= limit
        ok &= verdict
        print(f"{d['precision']} on {d['device']} ({d['samples_per_second']:.1f} samples/s): {len(ref)} RSR rows, "
              f"largest difference to the CPU's fp32 {worst:.3f} pp (allowed {limit} pp): "
              f"{'held' if verdict else 'FAILED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
