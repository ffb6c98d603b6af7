#!/usr/bin/env bash
# gpu_run.sh OUT_DIR [BUDGET_SECONDS=560]: the GPU issues' work on a lent GPU machine
# (scripts/device/README.md), in steps that a second call on the same warm machine does not
# redo: build against the machine's PyTorch LibTorch, embed the carried LFW crops, train the
# reference inverter (a checkpoint per epoch; a crash resumes), check that a killed GPU training
# resumes to the uninterrupted weights, run the GPU tests against the CPU reference, benchmark the
# attack's configurations (with where a batch's time goes), and attack the reference template set
# under the fixed-seed plan and then all 8! permutations (checkpointed; the next call continues).
# Every step logs its wall time; results accumulate and are packed into OUT_DIR/results.tar.gz.
# Needs .devdeps/ from scripts/device/bundle.sh (carried: `carry: [".devdeps"]`).
# IRREV_GPU_TRAIN_MIN (default 5): minutes of inverter training to aim for.
# IRREV_GPU_ID (default "--id-loss cosine --id-weight 0.1"): the identity term of that training
#   (the study's is "--id-loss mse --id-weight 0.005").
# IRREV_GPU_BENCH=0: no benchmark; the attack takes bf16 with a CUDA graph (the last measured best).
set -uo pipefail
out="${1:?usage: gpu_run.sh OUT_DIR [BUDGET_SECONDS]}"
budget="${2:-560}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
deps="$root/.devdeps"
build="$root/build-gpu"
work="$build/work"  # ignored build output: kept between calls on a warm machine
res="$work/results"
t0=$(date +%s)
mkdir -p "$out" "$work" "$res"
el() { echo $(( $(date +%s) - t0 )); }
left() { echo $(( budget - $(date +%s) + t0 )); }
# Each log line also copies the small logs to OUT_DIR: a call killed by the device's time limit
# (before the EXIT trap packs) still brings back how far it got.
log() {
  echo "[gpu_run +$(el)s] $*" | tee -a "$res/steps.log"
  cp "$res"/*.log "$out/" 2>/dev/null || true
}
done_step() { [ -f "$work/.done_$1" ]; }
mark() { touch "$work/.done_$1"; }
pack() {
  # Sample grids as PNG (the build has no OpenCV; Python's Pillow is there).
  python3 - "$res" <<'PY' || true
import pathlib, sys
from PIL import Image
for p in pathlib.Path(sys.argv[1]).rglob("*.ppm"):
    Image.open(p).save(p.with_suffix(".png")); p.unlink()
PY
  tar -czf "$out/results.tar.gz" -C "$work" results
  log "packed results ($(du -h "$out/results.tar.gz" | cut -f1))"
}
trap pack EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export PATH=/usr/local/cuda/bin:$PATH

log "call with budget ${budget}s; steps done before: $(cd "$work" && ls -A | grep '^.done_' | sed 's/.done_//' | tr '\n' ' ')"
log "machine: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader) / $(nproc) cores"
torch_prefix="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')"
log "torch $(python3 -c 'import torch;print(torch.__version__)') at $torch_prefix"

# Crops from JPEG while the engine builds.
unpack_pid=""
if [ ! -f "$work/crops.h5" ]; then
  (python3 "$root/scripts/device/crops_jpeg.py" unpack "$deps/inputs/lfw_crops_jpeg.h5" "$work/crops.h5.part" \
     > "$work/unpack.log" 2>&1 && mv "$work/crops.h5.part" "$work/crops.h5"; echo "rc=$?" >> "$work/unpack.log") &
  unpack_pid=$!
fi

if [ ! -f "$build/build.ninja" ]; then
  log "configure"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$torch_prefix" -DIRREV_DEPS_DIR="$deps" -DIRREV_WITH_OPENCV=OFF -DIRREV_ENABLE_ONNX=OFF \
    -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc -DCMAKE_CUDA_ARCHITECTURES=90 > "$res/configure.log" 2>&1 \
    || { tail -40 "$res/configure.log"; log "configure FAILED"; exit 1; }
  grep -iE "warning|torch|cuda" "$res/configure.log" | head -20
fi
log "build"
ninja -C "$build" -j16 irrev attack_throughput train_throughput pe_miu_throughput irrev_gpu_tests irrev_mpi_tests > "$res/build.log" 2>&1 \
  || { grep -B2 -A12 -m5 "error" "$res/build.log" | head -120; log "build FAILED"; exit 1; }
log "built"
bin="$build/src/app/irrev"
[ -n "$unpack_pid" ] && { wait "$unpack_pid"; cat "$work/unpack.log"; }

ext="$deps/models/fr_feature.pt"
thr="$deps/inputs/verify_fr_feature.h5"
tpl="$work/templates_fr_feature.h5"
if [ ! -f "$tpl" ]; then
  log "embed (cuda)"
  "$bin" embed --crops "$work/crops.h5" --model "$ext" --out "$tpl" --device cuda --batch 512 2>&1 | tail -3
fi

# --- the reference inverter (issue 4): the study's generator, loss and schedule, bf16 autocast,
# stopped after the epoch that passes IRREV_GPU_TRAIN_MIN minutes. A checkpoint after every
# epoch: the first GPU run of 2026-11-26 segfaulted at its second checkpoint; a crash now shows
# in train.log and the loop resumes from the last checkpoint.
inv="$work/inverter/inverter.pt"
read -r -a id_flags <<< "${IRREV_GPU_ID:---id-loss cosine --id-weight 0.1}"
train() {
  "$bin" train-inverter --crops "$work/crops.h5" --templates "$tpl" --extractor "$ext" --preset reference \
    --device cuda --bf16 "${id_flags[@]}" "$@"
}
if ! done_step train; then
  target=${IRREV_GPU_TRAIN_MIN:-5}
  train_t0=$(date +%s)
  attempt=0
  while [ ! -f "$inv" ] && [ "$attempt" -lt 4 ]; do
    attempt=$((attempt + 1))
    minutes=$(python3 -c "print(round(max(0.5, min($target - ($(date +%s) - $train_t0) / 60, ($(left) - 160) / 60)), 2))")
    log "train-inverter (reference, ${id_flags[*]}, cuda, bf16, $minutes min, attempt $attempt)"
    train --out "$work/inverter" --thresholds "$thr" --max-minutes "$minutes" --checkpoint-every 1 \
      > "$res/train_summary.json" 2>> "$res/train.log"
    rc=$?
    log "train-inverter rc=$rc"
    [ "$rc" -ne 0 ] && tail -5 "$res/train.log"
  done
  grep -E "epoch [0-9]+ loss|resuming|Segmentation|error" "$res/train.log" | tail -8
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('type-I RSR', d.get('type1_rsr'), 'type-II RSR', d.get('type2_rsr'), 'epochs', d.get('epochs'), 'kept', d.get('kept'))" \
    "$res/train_summary.json" 2>/dev/null
  cp "$work/inverter/losses.csv" "$work/inverter/training_curves.png" "$res/" 2>/dev/null
  cp -r "$work/inverter/samples" "$res/" 2>/dev/null
  [ -f "$inv" ] && mark train
fi
[ -f "$inv" ] || { log "no inverter, stopping"; exit 1; }

# --- the gradient all-reduce (dist::average_gradients) over ranks that share the GPU: the MPI
# test, then a data-parallel training of 2 ranks, whose log says where the sum ran (the device
# buffer where Open MPI is CUDA-aware, host memory otherwise).
if ! done_step ddp && [ "$(left)" -gt 100 ]; then
  timeout 30 mpirun --oversubscribe -np 3 "$bin" devices --device cuda > "$res/devices.txt" 2>&1
  cat "$res/devices.txt"
  log "MPI $(ompi_info --parsable --all 2>/dev/null | grep -m1 'built_with_cuda_support:value')"
  timeout 60 mpirun --oversubscribe -np 2 "$build/tests/irrev_mpi_tests" --gtest_filter='GradientSum*:Communicator*' \
    > "$res/mpi_tests.log" 2>&1
  log "mpi tests rc=$?"
  grep -E "^\[ *(OK|FAILED|SKIPPED|PASSED) |gradient sum|Failure" "$res/mpi_tests.log" | head
  timeout 150 mpirun --oversubscribe -np 3 "$bin" train-inverter --trainers 2 --crops "$work/crops.h5" \
    --templates "$tpl" --extractor "$ext" --preset reference --device cuda --bf16 "${id_flags[@]}" --epochs 2 \
    --out "$work/ddp" > "$res/ddp_summary.json" 2> "$res/ddp.log"
  log "2-rank training rc=$?"
  grep -E "gradients averaged|training rank|epoch [0-9]+ loss|error" "$res/ddp.log" | head
  mark ddp
fi

# --- PE-MIU comparisons per second: the CUDA kernel beside the CPU paths on this machine.
if ! done_step pe_miu && [ "$(left)" -gt 100 ]; then
  log "pe_miu_throughput"
  timeout 90 "$build/bench/pe_miu_throughput" --templates "$tpl" --blocks 8 16 32 --pairs 500000 \
    --tile-templates 1024 --cuda > "$res/pe_miu.txt" 2>&1
  log "pe_miu_throughput rc=$?"; cat "$res/pe_miu.txt"
  mark pe_miu
fi

# --- a killed GPU training resumes to the uninterrupted weights (deterministic cuDNN/cuBLAS).
if ! done_step resume && [ "$(left)" -gt 90 ]; then
  log "resume check: 2 epochs straight, and killed after epoch 1 then resumed"
  train --out "$work/resume_straight" --epochs 2 > /dev/null 2> "$res/resume_straight.log"
  train --out "$work/resume_killed" --epochs 2 > /dev/null 2> "$res/resume_killed.log" &
  tp=$!
  while kill -0 $tp 2>/dev/null && [ ! -f "$work/resume_killed/checkpoint/state.json" ]; do sleep 0.5; done
  pkill -9 -f "$work/resume_killed" 2>/dev/null; wait $tp 2>/dev/null  # the training itself, not only its shell
  train --out "$work/resume_killed" --epochs 2 > /dev/null 2>> "$res/resume_killed.log"
  if grep -q "resuming after epoch" "$res/resume_killed.log" && cmp "$work/resume_straight/inverter.pt" "$work/resume_killed/inverter.pt"; then
    log "resume check: PASSED (resumed weights equal the uninterrupted ones, byte for byte)"
  else
    log "resume check: FAILED"; grep -E "resuming|epoch" "$res/resume_killed.log" | tail -4
  fi
  mark resume
fi

# --- GPU tests against the CPU reference.
if ! done_step tests && [ "$(left)" -gt 60 ]; then
  log "gpu tests"
  IRREV_TEST_INVERTER="$inv" IRREV_TEST_EXTRACTOR="$ext" IRREV_TEST_TEMPLATES="$tpl" IRREV_TEST_THRESHOLDS="$thr" \
    timeout $(( $(left) - 15 )) "$build/tests/irrev_gpu_tests" > "$res/gpu_tests.log" 2>&1
  log "gpu tests rc=$?"
  grep -E "^\[ *(OK|FAILED|SKIPPED|PASSED) |guard\]|Failure|Expected|Which is|warn" "$res/gpu_tests.log" | head -40
  mark tests
fi

# --- the benchmark (issue 8): eager fp32 baseline, then the tuned path's levers, each line with
# the accuracy guard against fp32 on the CPU and the generator/re-embedding split of a batch.
b="$build/bench/attack_throughput"
bench() {  # bench NAME NEED_S MAX_S OPTIONS...: a part of the benchmark, run once, if NEED_S are left
  local name="$1" need="$2" max="$3"; shift 3
  done_step "bench_$name" && return 0
  [ "$(left)" -gt "$need" ] || { log "bench $name: skipped, $(left) s left"; return 0; }
  local limit=$(( max < $(left) - 20 ? max : $(left) - 20 ))
  log "bench $name (at most ${limit}s)"
  timeout "$limit" "$b" --inverter "$inv" --extractor "$ext" --templates "$tpl" --device cuda --thresholds "$thr" \
    --threads 16 --seconds 2 "$@" >> "$res/bench.txt" 2>&1
  mark "bench_$name"
}
if [ "${IRREV_GPU_BENCH:-1}" = 0 ]; then mark bench_skipped; else
bench eager 40 40 --guard-templates 0 --eager --batch 32 --precision fp32 --graph 0
bench matrix 130 150 --guard-device cpu --guard-templates 256 --batch 1024 --graph 1 --breakdown \
  --precision bf16 fp16 fp16-all --form subpixel transposed --fused 0 1
bench layout 60 60 --guard-device cpu --guard-templates 256 --batch 1024 --graph 1 --breakdown \
  --precision bf16 fp16 --layout nchw nhwc/nchw
bench cudnn 60 60 --guard-templates 0 --batch 1024 --graph 1 --breakdown --precision bf16 fp16 \
  --form subpixel transposed --cudnn-benchmark 1
bench b4096 45 45 --guard-templates 0 --batch 4096 --graph 1 --breakdown --precision bf16 fp16
fi
[ -f "$res/bench.txt" ] && cat "$res/bench.txt"

# The fastest configuration whose guard held (cosine within 1e-2, no worse than 0.5 pp).
read -r rate prec graph form fused layout <<< "$(awk '/path=tuned/ && /max_abs_cos_diff/ {
    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    a = v["rsr_diff_pp@fmr0.1"] + 0; b = v["rsr_diff_pp@fmr1"] + 0
    ok = v["max_abs_cos_diff"] + 0 <= 0.01 && a <= 0.5 && a >= -0.5 && b <= 0.5 && b >= -0.5
    if (ok && v["samples_per_s"] + 0 > best) {
      best = v["samples_per_s"] + 0
      line = best " " v["precision"] " " v["graph"] " " v["form"] " " v["fused"] " " v["layout"]
    }
  } END { print (line == "" ? "0 bf16 1 subpixel 0 nhwc/nhwc" : line) }' "$res/bench.txt" 2>/dev/null)"
[ -n "$prec" ] || { rate=0 prec=bf16 graph=1 form=subpixel fused=0 layout=nhwc/nhwc; }  # no benchmark ran
log "attack configuration: $prec graph=$graph form=$form fused=$fused layout=$layout ($rate samples/s in the bench)"

# --- the attack (issue 5) on the reference template set (one image per evaluation subject,
# best detection score, gender-balanced): the fixed-seed plan first (it also gives the set's
# size), then all 8! permutations, stopped with SIGUSR1 and checkpointed near the budget's end;
# a later call with the same settings continues from the checkpoint.
attack() {  # attack OUT BATCH PLAN...
  local o="$1" batch="$2"; shift 2
  local flags=(--precision "$prec" --upsampling "$form")
  [ "$graph" = "1" ] && flags+=(--cuda-graph)
  [ "$fused" = "1" ] && flags+=(--fused-relu)
  flags+=(--layout "$layout")
  local plans=(); for p in "$@"; do plans+=(--plan "$p"); done
  mpirun --oversubscribe -np 2 "$bin" attack --templates "$tpl" --crops "$work/crops.h5" --extractor "$ext" \
    --inverter "$inv" --thresholds "$thr" --out "$o" "${plans[@]}" --batch "$batch" --templates-per-unit "$batch" \
    --permutations-per-unit 16 --device cuda "${flags[@]}" --checkpoint-seconds 60 &
  local apid=$!
  while kill -0 $apid 2>/dev/null; do
    if [ "$(left)" -lt 30 ]; then log "stopping the attack (SIGUSR1: checkpoint, resumable)"; kill -USR1 $apid; break; fi
    sleep 2
  done
  # A stop that is not honoured within 15 s ends the launch: the budget is a hard limit.
  for _ in $(seq 15); do kill -0 $apid 2>/dev/null || break; sleep 1; done
  if kill -0 $apid 2>/dev/null; then
    log "the attack did not stop 15 s after SIGUSR1: SIGTERM, then SIGKILL"
    kill -TERM $apid; sleep 3; kill -KILL $apid 2>/dev/null
  fi
  wait $apid; log "attack $(basename "$o") rc=$?"
}
# Only with the benchmark's choice made: a later call must resume with the same settings.
done_step bench_matrix || done_step bench_skipped || { log "no attack before the benchmark has chosen its configuration"; exit 0; }
if [ ! -f "$res/attack_fixed_seed.h5" ] && [ "$(left)" -gt 60 ]; then
  attack "$res/attack_fixed_seed.h5" 256 8:fixed-seed > "$res/attack_fixed_seed.log" 2>&1
  tail -30 "$res/attack_fixed_seed.log"
fi
n=$(python3 -c "import h5py,sys; print(len(h5py.File(sys.argv[1], 'r')['selection/row']))" "$res/attack_fixed_seed.h5" 2>/dev/null)
if [ -n "$n" ] && [ "$(left)" -gt 60 ]; then
  batch=$(( (n + 31) / 32 * 32 ))  # the whole set in one batch per permutation
  log "attack 8:exhaustive on the $n templates of the reference set (batch $batch, $(left) s left)"
  attack "$res/attack_exhaustive.h5" "$batch" 8:exhaustive >> "$res/attack_exhaustive.log" 2>&1
  tail -40 "$res/attack_exhaustive.log"
  timeout 20 "$bin" status "$res" > "$res/status.json" 2>&1
  # The unfinished study's table so far (finished permutations: a uniform sample of the 8!).
  python3 - "$res/status.json" <<'PY' || head -c 1500 "$res/status.json"
import json, sys
for a in json.load(open(sys.argv[1]))["attacks"]:
    for p in a.get("partial", []):
        print(f'{a["file"]}: {p["plan"]} {p["permutations_finished"]} of {p["permutations"]} permutations finished, {p["templates"]} templates')
        for r in p["rsr"]:
            if r["type"] == "I":
                print(f'  P{r["complexity"]} FMR {r["fmr"]}: mean {100*r["mean"]:.2f} % (min {100*r["min"]:.1f}, max {100*r["max"]:.1f}) over {r["permutations"]}')
PY
fi
log "done"
