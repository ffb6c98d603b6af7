#!/usr/bin/env python3
"""The exhaustive study's table after a call (gpu_run.sh's study step): type-I RSR by
permutation complexity with min / median / max over the permutations and the expected RSR under
uniform PE-MIU when the study completed, else its coverage and the table of the permutations
finished so far (every finished permutation is a uniform sample of the plan's).

  study_table.py STATUS.json STUDY.json   (irrev status RUN_DIR; the attack's standard output)"""
import json
import sys


def pct(x):
    return f"{100 * x:.2f}"


def main():
    status_path, study_path = sys.argv[1:3]
    try:
        study = json.load(open(study_path))
    except (OSError, ValueError):
        study = {}
    if study.get("status") == "complete":
        print(f"study complete: {study['samples']} samples, {study['templates']} templates, "
              f"{study['samples_per_second']:.1f} samples/s ({study['precision']} on {study['device']})")
        print("type I, FMR: complexity: mean (min / median / max over permutations)")
        for r in study["rsr"]:
            if r["type"] == "I":
                print(f"  {r['fmr']}: P{r['complexity']}: {pct(r['mean'])} ({pct(r['min'])} / {pct(r['median'])} / "
                      f"{pct(r['max'])}) over {r['permutations']}")
        for r in study.get("expected_rsr_uniform", []):
            print(f"  expected under uniform PE-MIU, type {r['type']} at FMR {r['fmr']}: {pct(r['value'])} %")
        return
    for a in json.load(open(status_path)).get("attacks", []):
        for p in a.get("partial", []):
            print(f"{a['file']}: {p['plan']}: {p['permutations_finished']} of {p['permutations']} permutations "
                  f"finished on {p['templates']} templates")
            for r in p["rsr"]:
                if r["type"] == "I":
                    print(f"  P{r['complexity']} FMR {r['fmr']}: mean {pct(r['mean'])} % (min {pct(r['min'])}, "
                          f"max {pct(r['max'])}) over {r['permutations']}")


if __name__ == "__main__":
    main()
