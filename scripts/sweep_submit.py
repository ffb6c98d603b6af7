#!/usr/bin/env python3
"""Expand a sweep description into SLURM array tasks and submit them.

A sweep file (TOML) names a base job and axes; every combination of the axes' values is one
array task, a copy of the base job with those keys replaced:

    job = "jobs/quickstart.toml"          # the base job (relative to the sweep file)
    out_dir = "runs/sweep_rsr"            # task i runs in out_dir/task_i
    [axes]
    "attack.plans" = [["8:stratified:8"], ["16:stratified:8"]]
    "attack.seed" = [1, 2, 3]

Stages before the attack (ingest, embed, verify, train-inverter) depend only on keys outside
[attack]; tasks that agree on those share one work folder (the base job's run.work_dir when no
axis touches them, else out_dir/common_<hash>), prepared by a job that runs first; the array waits
for it (afterok), so that no two tasks build the same shared stage at once.

    python3 scripts/sweep_submit.py SWEEP.toml [--dry-run] [-- extra sbatch options]
"""
import argparse, copy, hashlib, itertools, json, os, subprocess, sys, tomllib

UPSTREAM_FREE = ("attack.",)  # keys that leave the shared stages untouched


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # TOML basic strings share JSON's escapes
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise ValueError(f"cannot write {v!r} as a TOML value")


def dump_toml(doc, prefix=""):
    """Write a parsed TOML document back (tables, arrays of tables, scalars, arrays)."""
    lines, tables = [], []
    for k, v in doc.items():
        if isinstance(v, dict):
            tables.append((k, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            tables.append((k, v))
        else:
            lines.append(f"{k} = {toml_value(v)}")
    out = "\n".join(lines) + ("\n" if lines else "")
    for k, v in tables:
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out += f"\n[{name}]\n" + dump_toml(v, name + ".")
        else:
            for item in v:
                out += f"\n[[{name}]]\n" + dump_toml(item, name + ".")
    return out


def set_key(doc, dotted, value):
    *path, last = dotted.split(".")
    for p in path:
        doc = doc.setdefault(p, {})
    doc[last] = value


def expand(sweep_path):
    with open(sweep_path, "rb") as f:
        sweep = tomllib.load(f)
    base_dir = os.path.dirname(os.path.abspath(sweep_path))
    job_path = os.path.join(base_dir, sweep["job"])
    with open(job_path, "rb") as f:
        base = tomllib.load(f)
    out_dir = os.path.abspath(os.path.join(os.getcwd(), sweep["out_dir"]))
    axes = sweep.get("axes", {})
    if not axes:
        sys.exit(f"{sweep_path}: the sweep has no [axes]")
    names = list(axes)
    tasks, prepare = [], {}
    for i, values in enumerate(itertools.product(*(axes[n] for n in names))):
        job = copy.deepcopy(base)
        chosen = dict(zip(names, values))
        for k, v in chosen.items():
            set_key(job, k, v)
        upstream = {k: v for k, v in chosen.items() if not k.startswith(UPSTREAM_FREE)}
        tag = hashlib.sha256(json.dumps(upstream, sort_keys=True).encode()).hexdigest()[:10]
        # With no upstream axis, a work folder the base job names is shared as it is.
        base_work = base.get("run", {}).get("work_dir")
        work = base_work if base_work and not upstream else os.path.join(out_dir, f"common_{tag}")
        job.setdefault("run", {})["out_dir"] = os.path.join(out_dir, f"task_{i}")
        job["run"]["work_dir"] = work
        if work not in prepare:
            prep = copy.deepcopy(job)
            prep.pop("attack", None)
            prep["run"] = {"out_dir": work}
            prepare[work] = prep
        tasks.append((chosen, job))
    os.makedirs(out_dir, exist_ok=True)
    for i, (chosen, job) in enumerate(tasks):
        d = os.path.join(out_dir, f"task_{i}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "job.toml"), "w") as f:
            f.write(f"# sweep task {i} of {sweep_path}: {json.dumps(chosen)}\n" + dump_toml(job))
        with open(os.path.join(d, "axes.json"), "w") as f:
            json.dump(chosen, f)
    for j, (work, prep) in enumerate(prepare.items()):
        d = os.path.join(out_dir, f"prepare_{j}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "job.toml"), "w") as f:
            f.write(f"# shared stages of {sweep_path} -> {work}\n" + dump_toml(prep))
    return out_dir, len(tasks), len(prepare)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sweep")
    ap.add_argument("--dry-run", action="store_true", help="write the task folders, submit nothing")
    ap.add_argument("sbatch", nargs="*", help="extra sbatch options (after --)")
    a = ap.parse_args()
    out_dir, n, n_prep = expand(a.sweep)
    print(f"sweep: {n} tasks, {n_prep} shared preparation job(s) in {out_dir}", file=sys.stderr)
    if a.dry_run:
        return
    home = os.environ.get("IRREV_HOME", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = os.path.join(home, "slurm", "sweep_array.sbatch")
    env = dict(os.environ, IRREV_HOME=home)
    prep = subprocess.run(["sbatch", "--parsable", f"--array=0-{n_prep - 1}", *a.sbatch, script, out_dir, "prepare"],
                          check=True, capture_output=True, text=True, env=env).stdout.strip().split(";")[0]
    array = subprocess.run(["sbatch", "--parsable", f"--array=0-{n - 1}", f"--dependency=afterok:{prep}", *a.sbatch,
                            script, out_dir, "task"], check=True, capture_output=True, text=True, env=env).stdout.strip().split(";")[0]
    print(json.dumps({"sweep_dir": out_dir, "tasks": n, "prepare_job": prep, "array_job": array}))


if __name__ == "__main__":
    main()
