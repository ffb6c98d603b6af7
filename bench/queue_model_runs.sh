#!/usr/bin/env bash
# Real jobs for the queue model's check (build/bench/queue_model check): the attack and verify's
# all-vs-all of a quickstart run folder at each rank count given, on this machine. Each prints
# one "run" line from rank 0's work-queue log line (results, units, bytes, wall, the workers'
# compute). The attack's grants: $GRANT_SECONDS (default 1, the attack's default; 0: a unit a
# result).
#   bash bench/queue_model_runs.sh BUILD_DIR RUN_DIR RANKS... > runs.txt
# e.g. bash bench/queue_model_runs.sh build runs/quickstart 2 3 5 9
set -euo pipefail
build="$(cd "${1:?usage: queue_model_runs.sh BUILD_DIR RUN_DIR RANKS...}" && pwd)"
run="$(cd "${2:?usage: queue_model_runs.sh BUILD_DIR RUN_DIR RANKS...}" && pwd)"
shift 2
irrev="$build/src/app/irrev"
models="${IRREV_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/irrev/models}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
# "work queue 'NAME': R results of U units (M MB) in W s, the workers' compute C s (...); rank 0's
# time: receive ..., sink ..., checkpoint ... (N), idle ..." -> a run line.
as_run() {
  python3 -c '
import re, sys
kind, ranks, grant = sys.argv[1:4]
# verify hands out its all-vs-all rows in order, each unit pairing its rows with every later one
profile = "triangular" if kind == "verify" else "flat"
for line in sys.stdin:
    m = re.search(r"work queue .(\w+).: (\d+) results of (\d+) units \(([\d.]+) MB\) in ([\d.]+) s, "
                  r"the workers. compute ([\d.]+) s", line)
    if m and m.group(1) == kind:
        results, units = int(m.group(2)), int(m.group(3))
        mb, wall, compute = float(m.group(4)), float(m.group(5)), float(m.group(6))
        print(f"run kind={kind} ranks={ranks} hosts=1 units={units} results={results} grant_seconds={grant} "
              f"wall_s={wall} compute_ms_per_unit={1e3 * compute / units:.4f} "
              f"bytes_per_result={1e6 * mb / results:.0f} spread=0.1 profile={profile}")
' "$@"
}
for ranks in "$@"; do
  mpiexec --oversubscribe -n "$ranks" "$irrev" --no-progress attack --templates "$run/templates_fr_feature.h5" \
    --crops "$run/crops.h5" --extractor "$models/fr_feature.pt" --inverter "$run/inverter_fr_feature/inverter.pt" \
    --thresholds "$run/verify_fr_feature.h5" --out "$tmp/attack.h5" --plan 8:stratified:4 --plan 4:exhaustive \
    --max-templates 128 --gender-balanced --batch 32 --templates-per-unit 32 --permutations-per-unit 1 \
    --grant-seconds "${GRANT_SECONDS:-1}" 2>&1 | as_run attack "$ranks" "${GRANT_SECONDS:-1}"
  rm -f "$tmp/attack.h5"
  mpiexec --oversubscribe -n "$ranks" "$irrev" --no-progress verify --templates "$run/templates_fr_feature.h5" \
    --protocol error-rates --pairs all-vs-all --blocks 16 --limit 4000 --unit-rows 64 2>&1 |
    as_run verify "$ranks" 0
done
