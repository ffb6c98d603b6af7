#!/usr/bin/env python3
"""Gather a finished sweep (scripts/sweep_submit.py) into one table: one row per task with its
axis values, its status and, per extractor and plan, the type-I RSR under uniform PE-MIU and
unprotected at FMR 0.1 % and 1 % (fractions). Writes SWEEP_DIR/sweep_table.csv and prints it.

    python3 scripts/sweep_gather.py SWEEP_DIR
"""
import csv, glob, io, json, os, re, sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sweep_dir = sys.argv[1]
    tasks = sorted(glob.glob(os.path.join(sweep_dir, "task_*")), key=lambda p: int(re.sub(r".*_", "", p)))
    if not tasks:
        sys.exit(f"{sweep_dir}: no task_* folders (is it a sweep folder?)")
    rows, columns = [], ["task"]
    for t in tasks:
        row = {"task": os.path.basename(t)}
        with open(os.path.join(t, "axes.json")) as f:
            for k, v in json.load(f).items():
                row[k] = json.dumps(v) if isinstance(v, list) else v
        summary = os.path.join(t, "summary.json")
        if not os.path.exists(summary):
            row["status"] = "missing"
        else:
            with open(summary) as f:
                s = json.load(f)
            row["status"] = s.get("status", "unknown")
            for key, label in (("expected_rsr_uniform", "expected"), ("unprotected_rsr", "unprotected")):
                for e in s.get(key, []):
                    if e["type"] != "I":
                        continue
                    value = e.get("value", e.get("mean"))
                    mode = e.get("mode", "plain")
                    name = label if mode == "plain" else f"{label}_{mode}"
                    row[f"{e['extractor']}:{e['plan']}:{name}:fmr{e['fmr']}"] = f"{value:.6f}"
        for k in row:
            if k not in columns:
                columns.append(k)
        rows.append(row)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=columns, restval="")
    w.writeheader()
    w.writerows(rows)
    with open(os.path.join(sweep_dir, "sweep_table.csv"), "w") as f:
        f.write(out.getvalue())
    sys.stdout.write(out.getvalue())


if __name__ == "__main__":
    main()
