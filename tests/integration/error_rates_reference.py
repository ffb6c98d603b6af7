#!/usr/bin/env python3
"""An independent, brute-force reading of the error-rate definitions of PROTOCOL.md, in plain
Python (no numpy), to check `irrev metrics` against. Usage: error_rates_reference.py GEN IMP
prints JSON with the same keys as `irrev metrics --json`."""
import bisect
import json
import math
import sys


def read(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                out.append(float(line))
    return out


def main():
    gen, imp = read(sys.argv[1]), read(sys.argv[2])
    ng, ni = len(gen), len(imp)
    # Every distinct score, and one above the highest, is a candidate threshold.
    cands = sorted(set(gen) | set(imp))
    cands.append(math.nextafter(cands[-1], math.inf))
    gs, is_ = sorted(gen), sorted(imp)

    def fmr(t):  # impostors >= t
        return (ni - bisect.bisect_left(is_, t)) / ni

    def fnmr(t):  # genuine < t
        return bisect.bisect_left(gs, t) / ng

    rates = [(t, fmr(t), fnmr(t)) for t in cands]
    # FVC2000 / pyeer: first t with FMR - FNMR <= 0, and the one before it.
    i2 = next(i for i, (_, a, b) in enumerate(rates) if a - b <= 0)
    i1 = i2 - 1 if i2 > 0 and rates[i2][1] != rates[i2][2] else i2
    pick = i1 if rates[i1][1] + rates[i1][2] <= rates[i2][1] + rates[i2][2] else i2
    t, a, b = rates[pick]
    res = {"eer": (min(a, b) + max(a, b)) / 2, "eer_low": min(a, b), "eer_high": max(a, b),
           "eer_threshold": t, "fnmr_at_fmr": {}, "threshold_at_fmr": {}}
    imp_cands = sorted(set(imp)) + [math.nextafter(max(imp), math.inf)]
    for target in ("0.001", "0.01"):
        # bob: the lowest threshold (FMR changes at impostor values) with FMR <= target.
        th = next(t for t in imp_cands if fmr(t) <= float(target))
        res["threshold_at_fmr"][target] = th
        res["fnmr_at_fmr"][target] = fnmr(th)
    # AUC by counting every (genuine, impostor) pair: P(g > i) + P(g == i) / 2.
    wins = 0.0
    for g in gen:
        for i in imp:
            wins += 1.0 if g > i else 0.5 if g == i else 0.0
    res["auc"] = wins / (ng * ni)
    mg, mi = sum(gen) / ng, sum(imp) / ni
    vg = sum((x - mg) ** 2 for x in gen) / ng
    vi = sum((x - mi) ** 2 for x in imp) / ni
    res["dprime"] = abs(mg - mi) / math.sqrt((vg + vi) / 2)
    res["genuine_count"], res["impostor_count"] = ng, ni
    print(json.dumps(res))


if __name__ == "__main__":
    main()
