#!/usr/bin/env bash
# irrev attack on real LFW templates with a real (small) inverter, launched with mpiexec:
# 1 rank, 3 ranks with another unit size, 3 ranks killed with SIGKILL and resumed, and 3 ranks
# stopped with SIGUSR1 and resumed all end with the same counts and histograms. A checkpoint
# of another attack and an inverter that saw an evaluation identity are refused.
source "$(dirname "$0")/lib.sh"
make_attack_inputs

attack 1 "$WORK/np1.h5" --templates-per-unit 32 --permutations-per-unit 5 > "$WORK/np1.json"
[ "$(json "$WORK/np1.json" "d['status']")" = complete ] || fail "np1 did not complete"
# (24 + 8) permutations x 32 templates.
[ "$(json "$WORK/np1.json" "d['samples']")" = 1024 ] || fail "samples: $(json "$WORK/np1.json" "d['samples']")"
json "$WORK/np1.json" "[r for r in d['rsr'] if r['complexity']==0 and r['type']=='I' and r['fmr']==0.01][0]['templates']" | grep -qx 32 \
  || fail "unprotected RSR row"
attack 3 "$WORK/np3.h5" --templates-per-unit 16 --permutations-per-unit 3 > /dev/null
same "$WORK/np1.h5" "$WORK/np3.h5"

# Grants (a worker's consecutive units merged into one result, sized by its speed): 8 ranks
# with small units (8 templates x 1 permutation: 128 units of about 5 s each on 7 workers
# sharing 2 cores) in grants of about 30 s, merged into fewer results, and 3 ranks one unit a
# result (grant_seconds 0), count as 1 rank does.
queue_line() {  # log expected-units: rank 0's queue line; prints "results units"
  python3 - "$1" "$2" <<'PY' || fail "no work-queue line of $2 units in $1: $(grep -m1 "work queue" "$1")"
import re, sys
m = re.search(r"work queue 'attack': (\d+) results of (\d+) units", open(sys.argv[1]).read())
assert m and m.group(2) == sys.argv[2], m and m.group(0)
print(m.group(1), m.group(2))
PY
}
attack 8 "$WORK/np8.h5" --templates-per-unit 8 --permutations-per-unit 1 --batch 8 --grant-seconds 30 \
  > /dev/null 2> "$WORK/np8.log"
same "$WORK/np1.h5" "$WORK/np8.h5"
read -r results units < <(queue_line "$WORK/np8.log" 128)
[ "$results" -le 96 ] || fail "8 ranks with grants of 30 s sent $results results for $units units of 8 samples"
attack 3 "$WORK/one_unit.h5" --templates-per-unit 8 --permutations-per-unit 1 --batch 8 --grant-seconds 0 \
  > /dev/null 2> "$WORK/one_unit.log"
same "$WORK/np1.h5" "$WORK/one_unit.h5"
read -r results units < <(queue_line "$WORK/one_unit.log" 128)
[ "$results" = 128 ] || fail "grant_seconds 0 sent $results results for $units units"

# SIGKILL every process of the job once a unit is checkpointed; the same command resumes.
attack 3 "$WORK/killed.h5" --templates-per-unit 16 --permutations-per-unit 3 --checkpoint-seconds 0 > /dev/null 2>&1 &
wait_for_units "$WORK/killed.checkpoint.h5"
pkill -9 -f "$WORK/killed.h5" || true
wait || true
[ ! -f "$WORK/killed.h5" ] || fail "the killed job finished before the kill; nothing was tested"
attack 3 "$WORK/killed.h5" --templates-per-unit 16 --permutations-per-unit 3 --checkpoint-seconds 0 \
  > "$WORK/killed.json" 2> "$WORK/killed.log"
grep -q "resuming" "$WORK/killed.log" || fail "the killed job did not resume"
same "$WORK/np1.h5" "$WORK/killed.h5"

# SIGUSR1 to mpiexec (as SLURM's --signal does): exit 75 (resumable), then continued.
attack 3 "$WORK/usr1.h5" --templates-per-unit 16 --permutations-per-unit 3 --checkpoint-seconds 0 \
  > "$WORK/usr1.json" 2> "$WORK/usr1.log" &
usr1_once_a_unit_is_saved $! "$WORK/usr1.checkpoint.h5" "$WORK/usr1.h5"
[ "$stopped_rc" = 75 ] || fail "a signalled attack must exit 75 (resumable), not $stopped_rc"
[ "$(json "$WORK/usr1.json" "d['status']")" = resumable ] || fail "not resumable: $(cat "$WORK/usr1.json")"
"$IRREV" status "$WORK" > "$WORK/status.json"
python3 - "$WORK/status.json" <<'PY' || fail "irrev status: $(cat "$WORK/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
s = [a for a in d["attacks"] if a["file"].endswith("usr1.checkpoint.h5")][0]
assert s["status"].startswith("resumable") and 0 < s["units_done"] < s["units_total"], s
assert any(a["status"] == "complete" and a["file"].endswith("np1.h5") for a in d["attacks"]), d
# The partial table: only permutations tried on all 32 templates (each is cut in two shards).
parts = {p["plan"]: p for p in s["partial"]}
assert set(parts) == {"b4-exhaustive", "b8-stratified"}, parts.keys()
assert parts["b4-exhaustive"]["permutations"] == 24 and parts["b8-stratified"]["permutations"] == 8, parts
for p in parts.values():
    assert 0 <= p["permutations_finished"] <= p["permutations"], p
    if p["permutations_finished"] == 0:
        assert p["rsr"] == [], p
        continue
    assert p["templates"] == 32, p
    for r in p["rsr"]:
        assert r["templates"] == 32 and 1 <= r["permutations"] <= p["permutations_finished"], r
        assert 0 <= r["min"] <= r["mean"] <= r["max"] <= 1, r
print("partial tables:", {k: v["permutations_finished"] for k, v in parts.items()})
PY
# Another plan against that checkpoint is refused, naming what differs.
set +e
attack 2 "$WORK/usr1.h5" --plan 8:fixed-seed > /dev/null 2> "$WORK/other.err"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q "checkpoint of a different attack (it differs in: plans" "$WORK/other.err" \
  || fail "other plan on a checkpoint: rc $rc: $(cat "$WORK/other.err")"
attack 2 "$WORK/usr1.h5" --templates-per-unit 16 --permutations-per-unit 3 --checkpoint-seconds 0 > /dev/null 2>&1
same "$WORK/np1.h5" "$WORK/usr1.h5"

# An inverter that saw identities of the evaluation set is refused (another split seed puts
# some of its training identities on the evaluation side).
set +e
attack 1 "$WORK/refused.h5" --split-seed 7 > /dev/null 2> "$WORK/refused.err"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q "was trained on [0-9]* of the [0-9]* identities this attack evaluates" "$WORK/refused.err" \
  || fail "seen identities: rc $rc: $(cat "$WORK/refused.err")"
# Without a second sample: the block order recovered by the block-position model, then the
# inversion; the same counts from 1 and 3 ranks. The model sends each block's content to the
# same position whatever the permutation, so every permutation of a plan gives the same type-I
# counts (a recovery that looked at the true order would break this).
attack 1 "$WORK/unshuffle1.h5" --unshuffle --targeted 2 --templates-per-unit 32 --permutations-per-unit 5 \
  > "$WORK/unshuffle1.json"
attack 3 "$WORK/unshuffle3.h5" --unshuffle --targeted 2 --templates-per-unit 16 --permutations-per-unit 3 > /dev/null
same "$WORK/unshuffle1.h5" "$WORK/unshuffle3.h5"
python3 - "$WORK/unshuffle1.h5" "$WORK/unshuffle1.json" <<'PY' || fail "unshuffled attack"
import json, subprocess, sys
d = json.load(open(sys.argv[2]))
assert d["mode"].startswith("unshuffled"), d["mode"]
out = subprocess.run(["h5dump", "-d", "/plans/b4-exhaustive/counts", "-y", "-w", "0", sys.argv[1]],
                     capture_output=True, text=True, check=True).stdout
body = out[out.index("DATA {") + 6: out.rindex("}")]
v = [int(x) for x in body.replace(",", " ").split() if x.strip().lstrip("-").isdigit()]
rows = [v[i:i + 9] for i in range(0, len(v), 9)]
assert len(rows) == 24, len(rows)
assert len({tuple(r[:4]) for r in rows}) == 1, rows[:3]
t = [r for r in d["targeted"] if r["plan"] == "b4-exhaustive"]
assert t and all(0 <= r["yield"] <= 1 for r in t), t
PY
# Gender SVM folds over ranks: the same table from 1 and 3 ranks.
gender() {  # ranks out.json
  "$MPIEXEC" --oversubscribe -n "$1" "$IRREV" --no-progress gender --templates "$WORK/t.h5" --crops "$WORK/crops.h5" \
    --blocks 64,128 --folds 5 > "$2"
}
gender 1 "$WORK/gender1.json"
gender 3 "$WORK/gender3.json"
cmp "$WORK/gender1.json" "$WORK/gender3.json" || fail "gender table differs between 1 and 3 ranks"
[ "$(json "$WORK/gender1.json" "len(d['rows'])")" = 3 ] || fail "gender rows: $(cat "$WORK/gender1.json")"
echo "attack_cli: np1 = np3 = np8 with grants = np3 a unit a result = killed+resumed = signalled+resumed; foreign checkpoint and seen identities refused; unshuffled np1 = np3"
