#!/usr/bin/python3
"""same_results.py RUN_A RUN_B: are two run folders of the same job the same results?

The acceptance test of a change that must not change behaviour (a redesign, a faster path):
run the same job before and after it (or on 1 and on 3 ranks) and compare the folders. Every
HDF5 file must be equal dataset by dataset (h5diff), every other file byte for byte, and
JSON, CSV and HDF5 attributes equal except for what describes the run rather than the study
(times, speeds, checkpoint counts, paths, rank counts, and the up-to-date keys, which name files
and their times). Files only in one folder are differences too. Needs h5py.
Exit status 0 when the results are the same, 1 otherwise; each difference is printed."""
import json
import pathlib
import re
import sys

# Keys of summary.json that describe the run, not its results.
RUN_KEYS = re.compile(r"(seconds|minutes|per_second|^checkpoints$|^out$|^source$|^model$|^ranks$|^threads$|"
                      r"^resumed$|^units_run$|_dir|_from_run$|^path$|^key$|^stage_key$|^templates$|^crops$)")
# Files that record when or where a run happened: the job's own keys (file times and paths), and
# gnuplot scripts (they name the folder they draw from).
SKIP = re.compile(r"(^|/)(stage_key\.json|[^/]*\.lock|job\.toml|[^/]*\.gp)$")


def describes_run(key, value):
    """A key that says how or where the run went; "job" as a string is the job file's path (as a
    table it is the job's results)."""
    return RUN_KEYS.search(key) or (key == "job" and isinstance(value, str))


def scrub(x):
    if isinstance(x, dict):
        return {k: scrub(v) for k, v in x.items() if not describes_run(k, v)}
    if isinstance(x, list):
        return [scrub(v) for v in x]
    return x


def attribute(v):
    """An HDF5 attribute as comparable data: JSON text scrubbed of what describes the run."""
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, str):
        try:
            return scrub(json.loads(v))
        except ValueError:
            return v
    return v.tolist() if hasattr(v, "tolist") else v


def same_h5(a, b) -> str:
    import h5py
    import numpy as np
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        objs = {}
        for f, side in ((fa, 0), (fb, 1)):
            f.visititems(lambda name, o, side=side: objs.setdefault(name, [None, None]).__setitem__(side, o))
            objs.setdefault("/", [None, None])[side] = f
        for name, (oa, ob) in sorted(objs.items()):
            if oa is None or ob is None:
                return f"'{name}' only in one file"
            keys = {k for k in list(oa.attrs) + list(ob.attrs) if not RUN_KEYS.search(k)}
            for k in sorted(keys):
                if k not in oa.attrs or k not in ob.attrs or attribute(oa.attrs[k]) != attribute(ob.attrs[k]):
                    return f"attribute '{k}' of '{name}' differs"
            if isinstance(oa, h5py.Dataset):
                if oa.shape != ob.shape or oa.dtype != ob.dtype:
                    return f"'{name}': shape or type differs"
                if oa.size and not np.array_equal(oa[()], ob[()]):
                    return f"'{name}': values differ"
    return ""


def same_csv(a, b) -> str:
    ra, rb = ([line.split(",") for line in open(p).read().splitlines()] for p in (a, b))
    if not ra or not rb or ra[0] != rb[0] or len(ra) != len(rb):
        return "header or row count differs"
    keep = [i for i, h in enumerate(ra[0]) if not RUN_KEYS.search(h)]
    for n, (x, y) in enumerate(zip(ra, rb)):
        if [x[i] for i in keep if i < len(x)] != [y[i] for i in keep if i < len(y)]:
            return f"row {n} differs"
    return ""


def same(a: pathlib.Path, b: pathlib.Path, rel: str) -> str:
    """'' when equal, else what differs."""
    if rel.endswith(".h5"):
        return same_h5(a, b)
    if rel.endswith(".json"):
        return "" if scrub(json.load(open(a))) == scrub(json.load(open(b))) else "results in the JSON differ"
    if rel.endswith(".csv"):
        return same_csv(a, b)
    return "" if a.read_bytes() == b.read_bytes() else "bytes differ"


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    ra, rb = (pathlib.Path(p) for p in sys.argv[1:])
    for r in (ra, rb):
        if not r.is_dir():
            print(f"same_results: '{r}' is not a run folder", file=sys.stderr)
            return 2
    files_a = {str(p.relative_to(ra)) for p in ra.rglob("*") if p.is_file()}
    files_b = {str(p.relative_to(rb)) for p in rb.rglob("*") if p.is_file()}
    differences, compared = [], 0
    for rel in sorted(files_a | files_b):
        if SKIP.search(rel):
            continue
        if rel not in files_a or rel not in files_b:
            differences.append(f"{rel}: only in {ra if rel in files_a else rb}")
            continue
        compared += 1
        why = same(ra / rel, rb / rel, rel)
        if why:
            differences.append(f"{rel}: {why}")
    for d in differences:
        print(d)
    print(f"same_results: {compared} files compared, {len(differences)} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
