#!/usr/bin/env bash
# irrev unshuffle on real LFW templates with a real (small) inverter, launched with mpiexec:
# the synthesis search recovers the same orders on 1 and 3 ranks, templates searched alone or in
# groups (and with every order of a template split into chunks over the ranks); its control (the inverter's
# weights freshly initialised) does no better than the position model, and ranking by the
# untrained inverter's self-cosine alone does worse; the attack with the synthesis recovery
# counts the same on 1 and 3 ranks; --full-covariance is --method full; a
# synthesis run without its networks, or on another identity split, is refused; a search killed or
# signalled resumes from its checkpoint to the same orders; with blocks that
# carry no order of their own, the models are at chance and synthesis is not (untrained: all at
# chance, flagged; an inverter trained for 8 epochs finds the order by synthesis); a damaged
# checkpoint is refused; the joint model's
# attack counts the same on 1 and 3 ranks and recovers at least as many orders as the full model;
# its search over the ranks finds the same orders on 1 and 3 ranks and resumes after a signal.
source "$(dirname "$0")/lib.sh"
make_attack_inputs

# unshuffle RANKS OUT.h5 [options...]: the synthesis search on $TEMPLATES (12) evaluation templates
# with the inverter $INVERTER (the 2-epoch one).
unshuffle() {
  local n="$1" out="$2"
  shift 2
  "$MPIEXEC" --oversubscribe -n "$n" "$IRREV" --no-progress unshuffle --templates "$WORK/t.h5" --method synthesis \
    --inverter "${INVERTER:-$WORK/inv/inverter.pt}" --extractor "$MODELS/fr_feature.pt" \
    --max-templates "${TEMPLATES:-12}" --fit-templates 4 --batch 16 --out "$out" "$@"
}

# On 1 rank each template is searched alone (--search-group 1: its candidates fill batches by
# themselves); on 3 ranks the 8-block templates are searched 8 at a time (the default group,
# their candidates sharing batches) and each 4-block template's 24 orders (all of them: K >= 4!)
# are split into units of 5.
unshuffle 1 "$WORK/np1.h5" --blocks 4 8 --candidates 32 --exchange-rounds 1 --climb-starts 2 --thresholds "$WORK/verify.h5" \
  --search-group 1 > "$WORK/np1.json"
unshuffle 3 "$WORK/np3.h5" --blocks 4 8 --candidates 32 --exchange-rounds 1 --climb-starts 2 --thresholds "$WORK/verify.h5" --chunk 5 \
  > "$WORK/np3.json"
h5diff "$WORK/np1.h5" "$WORK/np3.h5" > /dev/null || fail "the recovered orders differ between 1 and 3 ranks"
python3 - "$WORK/np1.json" "$WORK/np3.json" <<'PY' || fail "synthesis figures"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for r in a["results"] + b["results"]:
    r.pop("seconds_per_template")
assert a == b, "the figures differ between 1 and 3 ranks"
r4, r8 = a["results"]
# 4 blocks: every order is a candidate, so the true one was scored.
assert r4["model_candidates"] == 24 and r4["true_order_scored"] == 1.0, r4
assert r8["model_candidates"] == 32 and r8["candidates_scored_per_template"] > 32, r8
for r in (r4, r8):
    for m in ("synthesis", "synthesis_only", "model_alone", "second_sample_bound"):
        assert 0 <= r[m]["exact_permutation_rate"] <= r[m]["position_accuracy"] <= 1, (m, r[m])
    # The fitted weight is the grid's best on the validation templates.
    best = max(g["exact_rate"] for g in r["weight_fit"])
    assert [g["exact_rate"] for g in r["weight_fit"] if g["weight"] == r["weight"]] == [best], r["weight_fit"]
    m = r["synthesis"]["misses"]
    assert m["search_misses"] + m["score_misses"] == round(12 * (1 - r["synthesis"]["exact_permutation_rate"])), m
    for ua in (r["synthesis"]["unshuffled_attack"], r["plain_attack"], r["unprotected_attack"]):
        assert ua["type_I_templates"] == 12 and 0 <= ua["rsr_type_I_fmr_0.1"] <= ua["rsr_type_I_fmr_1"] <= 1, ua
print("np1 = np3; 8 blocks: position model", r8["model_alone"]["exact_permutation_rate"],
      "synthesis", r8["synthesis"]["exact_permutation_rate"])
PY

# A search killed mid-way (SIGKILL) and one stopped by SIGUSR1 (exit 75, resumable) continue from
# their checkpoints on the same command and recover what the uninterrupted one does; the
# checkpoint is gone once the results are written.
interrupted=(--blocks 4 8 --candidates 32 --exchange-rounds 1 --climb-starts 2 --thresholds "$WORK/verify.h5"
  --checkpoint-seconds 0)
unshuffle 3 "$WORK/killed.h5" "${interrupted[@]}" > /dev/null 2>&1 &
wait_for_units "$WORK/killed.h5.checkpoint.h5"
pkill -9 -f "$WORK/killed.h5" || true
wait || true
[ ! -f "$WORK/killed.h5" ] || fail "the killed search finished before the kill; nothing was tested"
expect_error 2 "checkpoint of a different synthesis search (it differs in: joint_beam)" unshuffle 1 "$WORK/killed.h5" "${interrupted[@]}" --joint-beam 8
unshuffle 3 "$WORK/killed.h5" "${interrupted[@]}" > "$WORK/killed.json" 2> "$WORK/killed.log"
grep -q "resuming" "$WORK/killed.log" || fail "the killed search did not resume"
h5diff "$WORK/np1.h5" "$WORK/killed.h5" > /dev/null || fail "killed and resumed: other orders than uninterrupted"
[ ! -f "$WORK/killed.h5.checkpoint.h5" ] || fail "the checkpoint outlived the results"
unshuffle 3 "$WORK/usr1.h5" "${interrupted[@]}" > "$WORK/usr1.json" 2> /dev/null &
usr1_once_a_unit_is_saved $! "$WORK/usr1.h5.checkpoint.h5" "$WORK/usr1.h5"
[ "$stopped_rc" = 75 ] || fail "a signalled search must exit 75 (resumable), not $stopped_rc"
json "$WORK/usr1.json" "d['status']" | grep -q resumable || fail "the signalled search did not say resumable"
# A checkpoint damaged on disk (one finished unit's offset moved) is refused, the good one resumed.
cp "$WORK/usr1.h5.checkpoint.h5" "$WORK/good.checkpoint.h5"
damage_int64 "$WORK/usr1.h5.checkpoint.h5" /offsets
expect_error 2 "usr1.h5.checkpoint.h5'.*damaged" unshuffle 1 "$WORK/usr1.h5" "${interrupted[@]}"
# A checkpoint whose results were written by a build with other binary archives (another Boost
# or byte order: its SHA-256 still holds) is refused by name, not misread.
cp "$WORK/good.checkpoint.h5" "$WORK/usr1.h5.checkpoint.h5"
/usr/bin/python3 - "$WORK/usr1.h5.checkpoint.h5" << 'PY' || fail "could not rewrite the archive format"
import sys, h5py, numpy
with h5py.File(sys.argv[1], "r+") as f:
    assert f.attrs["schema"] in ("irrev.search-checkpoint/2", b"irrev.search-checkpoint/2"), f.attrs["schema"]
    # A fixed-length string, as irrev writes its attributes.
    f.attrs["archive_format"] = numpy.bytes_(b"boost binary archive 17, big-endian, int 4, long 8, float 4, double 8, char bits 8")
PY
expect_error 2 "holds results in another binary format (boost binary archive 17, big-endian" \
  unshuffle 1 "$WORK/usr1.h5" "${interrupted[@]}"
cp "$WORK/good.checkpoint.h5" "$WORK/usr1.h5.checkpoint.h5"
unshuffle 1 "$WORK/usr1.h5" "${interrupted[@]}" > "$WORK/usr1.json"
h5diff "$WORK/np1.h5" "$WORK/usr1.h5" > /dev/null || fail "signalled and resumed: other orders than uninterrupted"
python3 - "$WORK/np1.json" "$WORK/killed.json" "$WORK/usr1.json" <<'PY' || fail "resumed figures"
import json, sys
a, *others = (json.load(open(f)) for f in sys.argv[1:])
for d in [a] + others:
    for r in d["results"]:
        r.pop("seconds_per_template")
assert all(o == a for o in others), "resumed figures differ from the uninterrupted search's"
PY

# The control at 16 blocks, where the position model fitted on these few identities errs.
unshuffle 1 "$WORK/trained16.h5" --blocks 16 --candidates 16 --exchange-rounds 1 > "$WORK/trained16.json"
unshuffle 1 "$WORK/untrained16.h5" --blocks 16 --candidates 16 --exchange-rounds 1 --untrained-inverter \
  > "$WORK/untrained16.json"
python3 - "$WORK/trained16.json" "$WORK/untrained16.json" <<'PY' || fail "untrained control"
import json, sys
t, u = (json.load(open(f))["results"][0] for f in sys.argv[1:])
acc = lambda r, m: r[m]["position_accuracy"]
assert acc(u, "model_alone") == acc(t, "model_alone"), "the position model must not depend on the inverter"
assert acc(u, "synthesis") <= acc(u, "model_alone") + 1e-9, ("untrained synthesis beat the model", u)
assert acc(u, "synthesis_only") < acc(u, "model_alone"), ("an untrained self-cosine carried order", u)
assert [c["candidates"] for c in t["exact_by_model_candidates"]] == [1, 2, 4, 8, 16], t
print("16 blocks, position accuracy: model", acc(t, "model_alone"), "trained synthesis", acc(t, "synthesis"),
      "untrained synthesis", acc(u, "synthesis"), "untrained self-cosine alone", acc(u, "synthesis_only"))
PY

# Blocks that carry no order of their own (--identical-blocks: the models fitted on templates
# whose blocks are in random orders): the models alone are at chance and flagged so. An inverter
# trained longer than the shared one (8 epochs on this subset, about a minute on 2 cores) still
# finds the order by synthesis, far above chance, on 36 templates at 4 blocks (all 24 orders);
# with an untrained inverter every method is at chance and flagged.
"$IRREV" --no-progress train-inverter --crops "$WORK/crops.h5" --templates "$WORK/t.h5" \
  --extractor "$MODELS/fr_feature.pt" --out "$WORK/inv8" --preset quick-cpu --epochs 8 > /dev/null
INVERTER="$WORK/inv8/inverter.pt" TEMPLATES=36 unshuffle 3 "$WORK/ident.h5" --blocks 4 --candidates 24 \
  --identical-blocks > "$WORK/ident.json"
unshuffle 1 "$WORK/identu.h5" --blocks 4 --candidates 24 --identical-blocks --untrained-inverter > "$WORK/identu.json"
python3 - "$WORK/ident.json" "$WORK/identu.json" <<'PY' || fail "identical-blocks control"
import json, sys
t, u = (json.load(open(f)) for f in sys.argv[1:])
assert t["identical_blocks"] and u["identical_blocks"]
t, u = t["results"][0], u["results"][0]
assert t["model_alone"]["chance_level"] and u["model_alone"]["chance_level"], (t["model_alone"], u["model_alone"])
for m in ("synthesis", "synthesis_only"):
    assert u[m]["chance_level"], ("the untrained control left chance unflagged", m, u[m])
    # Chance is 1/24 exact; half the templates back in their exact order is far beyond it.
    assert not t[m]["chance_level"] and t[m]["exact_permutation_rate"] >= 0.5, ("the trained inverter lost the order", m, t[m])
print("identical blocks, 4 blocks, exact: model", t["model_alone"]["exact_permutation_rate"],
      "trained synthesis", t["synthesis"]["exact_permutation_rate"], "trained self-cosine",
      t["synthesis_only"]["exact_permutation_rate"], "untrained self-cosine", u["synthesis_only"]["exact_permutation_rate"])
PY

# The unshuffled attack with the synthesis recovery: the same counts on 1 and 3 ranks (each rank
# searches the templates it meets once and composes later permutations with that order); with a
# weight that leaves the order to the model, the same counts as the full model's attack.
synthesis=(--unshuffle --unshuffle-model synthesis --synthesis-candidates 8 --synthesis-exchange-rounds 1)
attack 1 "$WORK/asyn1.h5" "${synthesis[@]}" --templates-per-unit 32 --permutations-per-unit 5 > "$WORK/asyn1.json"
attack 3 "$WORK/asyn3.h5" "${synthesis[@]}" --templates-per-unit 16 --permutations-per-unit 3 > /dev/null
same "$WORK/asyn1.h5" "$WORK/asyn3.h5"
json "$WORK/asyn1.json" "d['mode']" | grep -q "^unshuffled (synthesis" || fail "mode: $(json "$WORK/asyn1.json" "d['mode']")"
attack 1 "$WORK/afull.h5" --unshuffle --unshuffle-model full > /dev/null
attack 3 "$WORK/amodel.h5" --unshuffle --unshuffle-model synthesis --synthesis-proposals full --synthesis-candidates 4 \
  --synthesis-exchange-rounds 0 --synthesis-weight 1e9 --templates-per-unit 16 --permutations-per-unit 3 > /dev/null
same "$WORK/afull.h5" "$WORK/amodel.h5"

# The joint model of the whole template: the attack counts the same on 1 and 3 ranks (each rank
# recovers a template once per block count and composes), its summary names the model, and on
# these templates it recovers at least as many orders exactly as the full position model.
attack 1 "$WORK/ajoint1.h5" --unshuffle --unshuffle-model joint --templates-per-unit 32 > "$WORK/ajoint1.json"
attack 3 "$WORK/ajoint3.h5" --unshuffle --unshuffle-model joint --templates-per-unit 16 --permutations-per-unit 3 \
  > /dev/null
same "$WORK/ajoint1.h5" "$WORK/ajoint3.h5"
json "$WORK/ajoint1.json" "d['mode']" | grep -q "^unshuffled (joint model" || fail "mode: $(json "$WORK/ajoint1.json" "d['mode']")"
"$IRREV" --no-progress unshuffle --templates "$WORK/t.h5" --blocks 8 16 --method joint > "$WORK/joint.json"
"$IRREV" --no-progress unshuffle --templates "$WORK/t.h5" --blocks 8 16 --method full > "$WORK/full.json"
python3 - "$WORK/joint.json" "$WORK/full.json" "$WORK/ajoint1.json" <<'PY' || fail "joint figures"
import json, sys
joint, full, attack = (json.load(open(f)) for f in sys.argv[1:])
for j, f in zip(joint["results"], full["results"]):
    assert j["exact_permutation_rate"] >= f["exact_permutation_rate"], (j, f)
    assert j["search_misses"] >= 0 and j["seconds_per_template"] > 0, j
assert joint["results"][1]["search"].startswith("beam of 64"), joint["results"][1]["search"]
assert [r["model"] for r in attack["recovery"]] == ["joint", "joint"], attack["recovery"]
print("joint exact:", [r["exact_permutation_rate"] for r in joint["results"]],
      "full exact:", [r["exact_permutation_rate"] for r in full["results"]])
PY
# The joint search runs over the ranks, a template a unit: 1 and 3 ranks find the same orders
# (placements and search misses), up to 32 blocks (beam, climbs and the tabu search).
"$IRREV" --no-progress unshuffle --templates "$WORK/t.h5" --blocks 16 32 --method joint --out "$WORK/joint1.h5" \
  > "$WORK/joint1.json"
"$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress unshuffle --templates "$WORK/t.h5" --blocks 16 32 --method joint \
  --out "$WORK/joint3.h5" > "$WORK/joint3.json"
h5diff "$WORK/joint1.h5" "$WORK/joint3.h5" > /dev/null || fail "the joint search's placements differ on 1 and 3 ranks"
python3 - "$WORK/joint1.json" "$WORK/joint3.json" <<'PY' || fail "joint search on 3 ranks"
import json, sys
one, three = (json.load(open(f))["results"] for f in sys.argv[1:])
for a, b in zip(one, three):
    assert a["search_misses"] == b["search_misses"] and a["exact_permutation_rate"] == b["exact_permutation_rate"], (a, b)
assert "robust tabu search" in one[1]["search"], one[1]["search"]
PY
# The joint search stopped by SIGUSR1 (exit 75, its checkpoint saved) resumes on the same
# command to the placements of the uninterrupted one (on its first 24 templates: the same
# templates, the same draws), and its checkpoint is gone after.
joint_usr1=(--templates "$WORK/t.h5" --blocks 16 32 --method joint --max-templates 24 --out "$WORK/jusr1.h5")
"$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress unshuffle "${joint_usr1[@]}" --checkpoint-seconds 0 \
  > "$WORK/jusr1.json" 2> /dev/null &
usr1_once_a_unit_is_saved $! "$WORK/jusr1.h5.checkpoint.h5" "$WORK/jusr1.h5"
[ "$stopped_rc" = 75 ] || fail "a signalled joint search must exit 75 (resumable), not $stopped_rc"
h5dump -a schema "$WORK/jusr1.h5.checkpoint.h5" | grep -q "irrev.joint-search-checkpoint/1" \
  || fail "the joint search's checkpoint carries no schema of its own"
"$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress unshuffle "${joint_usr1[@]}" > "$WORK/jusr1.json" 2> "$WORK/jusr1.log"
grep -q "resuming the joint search" "$WORK/jusr1.log" || fail "the joint search did not resume: $(cat "$WORK/jusr1.log")"
/usr/bin/python3 - "$WORK/joint1.h5" "$WORK/jusr1.h5" <<'PY' || fail "signalled and resumed joint search: other placements"
import sys, h5py, numpy
with h5py.File(sys.argv[1]) as whole, h5py.File(sys.argv[2]) as resumed:
    for d in ("eval_rows", "b16/joint", "b32/joint"):
        assert numpy.array_equal(whole[d][:24], resumed[d][:]), d
PY
[ ! -f "$WORK/jusr1.h5.checkpoint.h5" ] || fail "the joint search's checkpoint outlived the results"

"$IRREV" --no-progress unshuffle --templates "$WORK/t.h5" --blocks 8 --full-covariance --out "$WORK/f1.h5" > "$WORK/f1.json"
"$IRREV" --no-progress unshuffle --templates "$WORK/t.h5" --blocks 8 --method full --out "$WORK/f2.h5" > "$WORK/f2.json"
cmp "$WORK/f1.json" "$WORK/f2.json" || fail "--full-covariance and --method full differ"
h5diff "$WORK/f1.h5" "$WORK/f2.h5" > /dev/null || fail "--full-covariance and --method full placements differ"

expect_error 2 "needs an inverter and its extractor" \
  "$IRREV" --no-progress unshuffle --templates "$WORK/t.h5" --method synthesis
expect_error 2 "identity split" unshuffle 1 "$WORK/split.h5" --blocks 4 --split-seed 7
echo "unshuffle_cli: synthesis np1 = np3 (unshuffle and attack); untrained control at or below the position model;" \
  "synthesis led by the model = the full model's attack; errors named"
