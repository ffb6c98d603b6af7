#!/usr/bin/env bash
# gpu_run.sh [--rehearse] OUT_DIR [BUDGET_SECONDS=540]: the GPU issue's work on a lent GPU machine
# (scripts/device/README.md), correctness first, in steps that a second call on the same warm
# machine does not redo:
#   build         configure against the machine's PyTorch LibTorch and build
#   gpu_tests     irrev_gpu_tests: the CUDA PE-MIU kernel, device counting, graphs, precision guards
#   small_attack  the carried 64-template attack (8:stratified:1, 3 ranks: 2 workers share the GPU):
#                 fp32 counts identical to the CPU's (h5diff against the carried reference), the
#                 default precision within 0.5 pp of it
#   inverter      the strongest inverter (reference generator, cosine identity loss, bf16) and its
#                 type-I/II RSR; a carried one (carry/inverter.pt) is used instead of training again
#   peer          the PyTorch peer in this call: eager fp32 batch 32, torch.compile bf16 per batch
#   levers        attack_throughput: irrev's levers, each row with its guard against fp32 on the CPU
#   ddp           the gradient all-reduce on 2 ranks sharing the GPU, and a 2-rank training
#   study         the exhaustive 8-block study on the reference template set, stopped with SIGUSR1
#                 before the budget ends; its checkpoint (and the inverter) come back in
#                 OUT_DIR/carry/ to be carried to the next lent machine
# (The speed steps come after the inverter: the reference generator they time is the one trained
# here, so that each row's guard compares real reconstructions.)
#
# --rehearse runs every step in the same order through the same code on the CPU build with tiny
# sizes (tests/integration/gpu_rehearsal.sh, in CI), so that a broken step fails CI and not a lent
# machine. Every step has its own time limit and writes its log to OUT_DIR as it goes; the call
# always ends with a table of steps (name, seconds, status: done / failed / timed out / skipped
# for time), also when a step hangs or the budget runs out.
#
# Inputs: IRREV_GPU_KIT (default .devdeps/, made by scripts/device/bundle.sh and carried:
# `carry: [".devdeps"]`). IRREV_GPU_STEPS: the steps to run (default all, in the order above).
# IRREV_GPU_EPOCHS (default 20): epochs of the inverter (the work; --max-minutes is only a safety
# limit). IRREV_GPU_STUDY_STOP_UNITS=N: stop the study once N units are checkpointed (a short call).
# IRREV_GPU_LIMITS="NAME=SECONDS ...": other time limits for the steps named.
set -uo pipefail
self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
root="$(cd "$(dirname "$self")/../.." && pwd)"

# ------------------------------------------------------------------------------------------------
# The mode's sizes. Everything below reads these variables; nothing else differs between modes.
# ------------------------------------------------------------------------------------------------
configure_mode() {
  kit="${IRREV_GPU_KIT:-$root/.devdeps}"
  small="$kit/inputs/small"
  ext="$kit/models/fr_feature.pt"
  thr="$kit/inputs/verify_fr_feature.h5"
  epochs="${IRREV_GPU_EPOCHS:-20}"
  if [ "$mode" = rehearsal ]; then
    device=cpu
    py=/usr/bin/python3  # Debian's, with python3-torch, h5py and Pillow (scripts/setup.sh)
    build="${IRREV_BUILD:-$root/build}"
    work="${IRREV_GPU_WORK:-$build/work_gpu_rehearsal}"
    threads=2
    preset=quick-cpu precision_flag=() train_max_minutes=3
    epochs="${IRREV_GPU_EPOCHS:-1}"
    peer_fp32_batch=32 peer_compile_batches=(32) peer_seconds=1
    lever_batch=32 lever_seconds=1 lever_guard=16
    study_plan=4:exhaustive study_max_templates=(--max-templates 24) study_margin=10 study_checkpoint_seconds=0
    #          name        limit need
    limits=(build 300 5 gpu_tests 120 5 small_attack 240 20 inverter 300 20 peer 120 10 levers 120 10
      ddp 240 20 study 300 30)
  else
    device=cuda
    py=python3  # the machine's, with PyTorch 2
    build="$root/build-gpu"
    work="${IRREV_GPU_WORK:-$build/work}"  # an ignored build output: kept between calls on a warm machine
    threads=16
    preset=reference precision_flag=(--bf16) train_max_minutes=6
    peer_fp32_batch=32 peer_compile_batches=(4096) peer_seconds=3  # 4096: the best batch measured (FACTS)
    lever_batch=1024 lever_seconds=2 lever_guard=256
    study_plan=8:exhaustive study_max_templates=() study_margin=30 study_checkpoint_seconds=30
    limits=(build 200 60 gpu_tests 90 20 small_attack 90 40 inverter 360 60 peer 120 40 levers 150 60
      ddp 90 40 study 100000 60)
  fi
  bin="$build/src/app/irrev"
  res="$work/results"
  carry_in="$kit/carry"
  read -r -a id_flags <<< "${IRREV_GPU_ID:---id-loss cosine --id-weight 0.1}"
}

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export PATH=/usr/local/cuda/bin:$PATH

say() { echo "[gpu_run $mode] $*"; }
# mpirun with enough slots for 3 ranks on any machine.
launch() { mpirun --oversubscribe -np "$@"; }

# Crops from the kit's JPEG (crops_jpeg.py): FILE.h5 made once from PACKED.h5.
unpack() {  # PACKED OUT
  [ -f "$2" ] && return 0
  "$py" "$root/scripts/device/crops_jpeg.py" unpack "$1" "$2.part" && mv "$2.part" "$2"
}

# ------------------------------------------------------------------------------------------------
# The steps. Each runs in a session of its own (its whole process tree ends at its time limit),
# with its output in OUT_DIR/step_NAME.log; a non-zero exit is "failed".
# ------------------------------------------------------------------------------------------------
step_build() {
  if [ "$mode" = gpu ] && [ ! -f "$build/build.ninja" ]; then
    local torch_prefix
    torch_prefix="$("$py" -c 'import torch;print(torch.utils.cmake_prefix_path)')" || return 1
    say "torch $("$py" -c 'import torch;print(torch.__version__)') at $torch_prefix"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$torch_prefix" -DIRREV_DEPS_DIR="$kit" -DIRREV_WITH_OPENCV=OFF -DIRREV_ENABLE_ONNX=OFF \
      -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc -DCMAKE_CUDA_ARCHITECTURES=90 || return 1
  fi
  cmake --build "$build" --parallel "$(nproc)" --target irrev attack_throughput irrev_gpu_tests irrev_mpi_tests
}

step_gpu_tests() {
  IRREV_TEST_INVERTER="$small/inverter.pt" IRREV_TEST_EXTRACTOR="$ext" IRREV_TEST_TEMPLATES="$small/templates.h5" \
    IRREV_TEST_THRESHOLDS="$thr" "$build/tests/irrev_gpu_tests"
}

# attack NAME RANKS PLAN TEMPLATES CROPS INVERTER [options...]: one attack of the call, its
# summary in $res/NAME.json and its log in $res/NAME.log.
attack() {
  local name="$1" ranks="$2" plan="$3" templates="$4" crops="$5" inverter="$6"
  shift 6
  launch "$ranks" "$bin" --no-progress attack --templates "$templates" --crops "$crops" --extractor "$ext" \
    --inverter "$inverter" --thresholds "$thr" --out "$res/$name.h5" --plan "$plan" --device "$device" "$@" \
    > "$res/$name.json" 2> "$res/$name.log"
}

step_small_attack() {
  unpack "$small/crops_jpeg.h5" "$work/small_crops.h5" || return 1
  local common=("$small/templates.h5" "$work/small_crops.h5" "$small/inverter.pt" --max-templates 64 --batch 64
    --templates-per-unit 64)
  attack small_fp32 3 8:stratified:1 "${common[@]}" --precision fp32 || { tail -5 "$res/small_fp32.log"; return 1; }
  attack small_auto 3 8:stratified:1 "${common[@]}" || { tail -5 "$res/small_auto.log"; return 1; }
  local rc=0
  for d in counts histograms; do
    if "$py" "$root/scripts/device/h5_check.py" same "$small/reference_fp32.h5" "$res/small_fp32.h5" \
      "/plans/b8-stratified/$d"; then
      say "fp32 $d on $device: identical to the CPU's"
    else
      say "fp32 $d on $device: DIFFER from the CPU's"
      rc=1
    fi
  done
  "$py" "$root/scripts/device/rsr_guard.py" "$small/reference_fp32.json" "$res/small_fp32.json" \
    "$res/small_auto.json" || rc=1
  return $rc
}

# The inverter of the speed steps and the study: carried from an earlier machine, else trained.
inverter_path() {
  if [ -f "$carry_in/inverter.pt" ]; then echo "$carry_in/inverter.pt"; else echo "$work/inverter/inverter.pt"; fi
}

step_inverter() {
  unpack "$kit/inputs/lfw_crops_jpeg.h5" "$work/crops.h5" || return 1
  local tpl="$work/templates_fr_feature.h5"
  if [ ! -f "$tpl" ]; then
    "$bin" --no-progress embed --crops "$work/crops.h5" --model "$ext" --out "$tpl" --device "$device" \
      --batch 512 || return 1
  fi
  if [ -f "$carry_in/inverter.pt" ]; then
    say "the carried inverter is used (not trained again): $carry_in/inverter.pt"
    [ -f "$carry_in/train_summary.json" ] && cp "$carry_in/train_summary.json" "$res/"
  elif [ ! -f "$work/inverter/inverter.pt" ]; then
    say "train-inverter ($preset, ${id_flags[*]}, $device, $epochs epochs, at most $train_max_minutes min)"
    "$bin" --no-progress train-inverter --crops "$work/crops.h5" --templates "$tpl" --extractor "$ext" \
      --preset "$preset" --device "$device" "${precision_flag[@]}" "${id_flags[@]}" --epochs "$epochs" \
      --max-minutes "$train_max_minutes" --thresholds "$thr" --checkpoint-every 1 --out "$work/inverter" \
      > "$res/train_summary.json" || return 1
    cp "$work/inverter/losses.csv" "$res/" 2> /dev/null
  fi
  "$py" - "$res/train_summary.json" << 'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("inverter:", {k: d.get(k) for k in ("epochs", "kept", "type1_rsr", "type2_rsr")})
PY
}

step_peer() {
  local inv tpl="$work/templates_fr_feature.h5"
  inv="$(inverter_path)"
  "$py" "$root/bench/pytorch_peer.py" --device "$device" --inverter "$inv" --extractor "$ext" --templates "$tpl" \
    --threads "$threads" --seconds "$peer_seconds" --modes fp32 --batch "$peer_fp32_batch" || return 1
  "$py" "$root/bench/pytorch_peer.py" --device "$device" --inverter "$inv" --extractor "$ext" --templates "$tpl" \
    --threads "$threads" --seconds "$peer_seconds" --modes compile-bf16 --batch "${peer_compile_batches[@]}"
}

step_levers() {
  local inv b=(--batch "$lever_batch")
  inv="$(inverter_path)"
  local common=(--inverter "$inv" --extractor "$ext" --templates "$work/templates_fr_feature.h5" --device "$device"
    --thresholds "$thr" --threads "$threads" --seconds "$lever_seconds" --guard-device cpu
    --guard-templates "$lever_guard" --breakdown)
  if [ "$device" = cuda ]; then
    "$build/bench/attack_throughput" "${common[@]}" --eager --batch 32 --precision fp32 --graph 0 || return 1
    "$build/bench/attack_throughput" "${common[@]}" "${b[@]}" --graph 1 --precision fp32 bf16 fp16 fp16-all \
      --form subpixel transposed --fused 0 1 || return 1
    "$build/bench/attack_throughput" "${common[@]}" "${b[@]}" --graph 1 --precision bf16 fp16 --layout nchw nhwc/nchw \
      --cudnn-benchmark 0 1 || return 1
    "$build/bench/attack_throughput" "${common[@]}" --batch 4096 --graph 1 --precision bf16 fp16
  else
    "$build/bench/attack_throughput" "${common[@]}" --eager "${b[@]}" --precision fp32 bf16
  fi
}

step_ddp() {
  launch 2 "$build/tests/irrev_mpi_tests" --gtest_filter='GradientSum*:Communicator*' || return 1
  launch 3 "$bin" --no-progress devices --device "$device" || return 1
  launch 3 "$bin" --no-progress train-inverter --trainers 2 --crops "$work/crops.h5" \
    --templates "$work/templates_fr_feature.h5" --extractor "$ext" --preset "$preset" --device "$device" \
    "${precision_flag[@]}" "${id_flags[@]}" --epochs 1 --out "$work/ddp" > "$res/ddp_summary.json"
}

# The levers' fastest configuration whose guard held (cosine within 1e-2, RSR within 0.5 pp),
# as attack options; bf16 with a CUDA graph (the last measured best) when no lever ran.
chosen_configuration() {
  local best
  best="$(awk '/path=tuned/ && /max_abs_cos_diff/ {
      for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      a = v["rsr_diff_pp@fmr0.1"] + 0; b = v["rsr_diff_pp@fmr1"] + 0
      ok = v["max_abs_cos_diff"] + 0 <= 0.01 && a <= 0.5 && a >= -0.5 && b <= 0.5 && b >= -0.5
      if (ok && v["samples_per_s"] + 0 > best) {
        best = v["samples_per_s"] + 0
        line = v["precision"] " " v["graph"] " " v["form"] " " v["fused"] " " v["layout"]
      }
    } END { print line }' "$out/step_levers.log" 2> /dev/null)"
  local prec graph form fused layout
  read -r prec graph form fused layout <<< "$best"
  if [ -z "$prec" ]; then
    if [ "$device" = cuda ]; then prec=bf16 graph=1; else prec=fp32 graph=0; fi
    form=subpixel fused=0 layout=nhwc/nhwc
  fi
  local flags=(--precision "$prec" --upsampling "$form" --layout "$layout")
  [ "$graph" = 1 ] && flags+=(--cuda-graph)
  [ "$fused" = 1 ] && flags+=(--fused-relu)
  echo "${flags[*]}"
}

# study_attack CONFIG...: the study's attack until it completes or its time is up (SIGUSR1:
# checkpointed, resumable); returns the attack's exit code.
study_attack() {
  # mpirun itself in the background (not a function's subshell): SIGUSR1 must reach the launcher,
  # which passes it to the ranks.
  mpirun --oversubscribe -np 3 "$bin" --no-progress attack --templates "$work/templates_fr_feature.h5" \
    --crops "$work/crops.h5" --extractor "$ext" --inverter "$inv" --thresholds "$thr" --out "$res/study.h5" \
    --plan "$study_plan" "${study_max_templates[@]}" --device "$device" "$@" --batch "$lever_batch" \
    --templates-per-unit "$lever_batch" --permutations-per-unit 4 --checkpoint-seconds "$study_checkpoint_seconds" \
    > "$res/study.json" 2>> "$res/study.log" &
  local apid=$!
  while kill -0 $apid 2> /dev/null; do
    if [ "$(date +%s)" -ge "$stop_at" ] || study_units_reached "$ckpt"; then
      say "stopping the study (SIGUSR1: checkpointed, resumable)"
      kill -USR1 $apid
      break
    fi
    sleep 1
  done
  # A stop that is not honoured within 20 s ends the launch: the step's limit is a hard one.
  for _ in $(seq 20); do kill -0 $apid 2> /dev/null || break; sleep 1; done
  kill -0 $apid 2> /dev/null && { say "the study did not stop 20 s after SIGUSR1"; kill -KILL $apid; }
  wait $apid
}

step_study() {
  local inv config ckpt="$res/study.checkpoint.h5" stop_at=$(($(date +%s) + step_seconds - study_margin))
  inv="$(inverter_path)"
  [ -f "$inv" ] || { say "no inverter: the inverter step did not finish"; return 1; }
  # The configuration is chosen once and kept (and carried): a continued study must run with the
  # same settings.
  if [ ! -f "$work/study_configuration" ]; then
    if [ -f "$carry_in/study_configuration" ]; then
      cp "$carry_in/study_configuration" "$work/"
    else
      chosen_configuration > "$work/study_configuration"
    fi
  fi
  read -r -a config < "$work/study_configuration"
  local carried=0
  if [ ! -f "$ckpt" ] && [ -f "$carry_in/study.checkpoint.h5" ]; then
    say "continuing the carried study checkpoint"
    cp "$carry_in/study.checkpoint.h5" "$ckpt"
    carried=1
  fi
  say "study $study_plan with ${config[*]}"
  study_attack "${config[@]}"
  local rc=$?
  if [ "$rc" = 2 ] && [ "$carried" = 1 ] && grep -q "is the checkpoint of a different attack" "$res/study.log"; then
    say "the carried checkpoint belongs to other inputs (see study.log): the study starts over"
    mv "$ckpt" "$ckpt.refused"
    study_attack "${config[@]}"
    rc=$?
  fi
  tail -3 "$res/study.log"
  say "study rc=$rc (75: stopped and resumable)"
  mkdir -p "$out/carry"
  for f in "$ckpt" "$inv" "$res/train_summary.json" "$work/study_configuration"; do
    [ -f "$f" ] || continue
    if [ "$(stat -c %s "$f")" -le $((16 * 1024 * 1024)) ]; then
      cp "$f" "$out/carry/"
    else
      say "$(basename "$f") is over 16 MiB and cannot come back"
    fi
  done
  "$bin" status "$res" > "$res/status.json" 2> /dev/null
  "$py" "$root/scripts/device/study_table.py" "$res/status.json" "$res/study.json"
  return $rc
}

study_units_reached() {  # CHECKPOINT: whether IRREV_GPU_STUDY_STOP_UNITS units are checkpointed
  [ -n "${IRREV_GPU_STUDY_STOP_UNITS:-}" ] && [ -f "$1" ] || return 1
  [ "$("$py" "$root/scripts/device/h5_check.py" units-done "$1")" -ge "$IRREV_GPU_STUDY_STOP_UNITS" ]
}

# ------------------------------------------------------------------------------------------------
# A step run by the driver below: `gpu_run.sh --step NAME SECONDS` in a session of its own.
# ------------------------------------------------------------------------------------------------
if [ "${1:-}" = --step ]; then
  mode="$IRREV_GPU_MODE" out="$IRREV_GPU_OUT" step_seconds="$3"
  configure_mode
  "step_$2"
  exit $?
fi

# ------------------------------------------------------------------------------------------------
# The driver: each step within its limit and the call's budget, then the table.
# ------------------------------------------------------------------------------------------------
mode=gpu
[ "${1:-}" = --rehearse ] && { mode=rehearsal; shift; }
out="${1:?usage: gpu_run.sh [--rehearse] OUT_DIR [BUDGET_SECONDS]}"
budget="${2:-540}"
configure_mode
mkdir -p "$out" "$work" "$res"
out="$(cd "$out" && pwd)"
export IRREV_GPU_MODE="$mode" IRREV_GPU_OUT="$out"
t0=$(date +%s)
left() { echo $((budget - $(date +%s) + t0)); }
reserve=15  # for the table and the packing at the end
table="$out/steps.tsv"
: > "$table"
[ -n "${IRREV_GPU_STEPS:-}" ] && read -r -a wanted <<< "$IRREV_GPU_STEPS"

finish() {
  # The steps not reached (the budget ran out, or the call was interrupted) are in the table too.
  local i name
  for ((i = 0; i < ${#limits[@]}; i += 3)); do
    name="${limits[i]}"
    if [ -n "${wanted[*]:-}" ] && [[ " ${wanted[*]} " != *" $name "* ]]; then continue; fi
    grep -q "^$name	" "$table" || printf '%s\t0\tskipped for time\n' "$name" >> "$table"
  done
  "$py" - "$res" << 'PY' 2> /dev/null
import pathlib, sys
from PIL import Image  # sample grids as PNG (the GPU build has no OpenCV)
for p in pathlib.Path(sys.argv[1]).rglob("*.ppm"):
    Image.open(p).save(p.with_suffix(".png")); p.unlink()
PY
  tar -czf "$out/results.tar.gz" -C "$work" --exclude='*.checkpoint.h5' results 2> /dev/null
  echo
  echo "steps of this call ($mode, budget ${budget}s, $(($(date +%s) - t0))s used):"
  printf '  %-13s %8s  %s\n' step seconds status
  awk -F'\t' '{ printf "  %-13s %8s  %s\n", $1, $2, $3 }' "$table"
}
trap finish EXIT

say "machine: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2> /dev/null \
  || echo no GPU) / $(nproc) cores / $(grep -m1 -o -w -E 'amx_bf16|avx512_bf16' /proc/cpuinfo | head -1)"
say "budget ${budget}s; steps done in an earlier call: $(cd "$work" && ls -A | grep '^.done_' | sed 's/.done_//' | tr '\n' ' ')"

for ((i = 0; i < ${#limits[@]}; i += 3)); do
  name="${limits[i]}" limit="${limits[i + 1]}" need="${limits[i + 2]}"
  if [ -n "${wanted[*]:-}" ] && [[ " ${wanted[*]} " != *" $name "* ]]; then continue; fi
  if [ -f "$work/.done_$name" ]; then
    printf '%s\t0\tdone in an earlier call\n' "$name" >> "$table"
    continue
  fi
  avail=$(($(left) - reserve))
  if [ "$avail" -lt "$need" ]; then
    say "$name: skipped for time (${avail}s left, needs ${need}s)"
    printf '%s\t0\tskipped for time\n' "$name" >> "$table"
    continue
  fi
  for l in ${IRREV_GPU_LIMITS:-}; do [ "${l%%=*}" = "$name" ] && limit="${l#*=}"; done
  [ "$limit" -gt "$avail" ] && limit=$avail
  say "$name (at most ${limit}s)"
  s0=$(date +%s)
  setsid bash "$self" --step "$name" "$limit" > "$out/step_$name.log" 2>&1 &
  pid=$!
  status=""
  while kill -0 "$pid" 2> /dev/null; do
    if [ $(($(date +%s) - s0)) -ge "$limit" ]; then
      status="timed out"
      pkill -TERM -s "$pid" 2> /dev/null
      sleep 3
      pkill -KILL -s "$pid" 2> /dev/null
      break
    fi
    sleep 1
  done
  wait "$pid"
  rc=$?
  if [ -z "$status" ]; then
    case "$rc" in
      0) status=done; touch "$work/.done_$name" ;;
      75) status="stopped, resumable (the next call continues)" ;;
      *) status="failed (exit $rc)" ;;
    esac
  fi
  printf '%s\t%s\t%s\n' "$name" $(($(date +%s) - s0)) "$status" >> "$table"
  say "$name: $status after $(($(date +%s) - s0))s"
  tail -n 25 "$out/step_$name.log"
done
