#!/usr/bin/env bash
# The per-node GPU index of slurm/gpu_nodes.sbatch on 2 nodes x 2 workers (plus the master on
# the first node). The fixture's nodes declare 4 GPUs each, so SLURM itself sets each task's
# CUDA_VISIBLE_DEVICES; the sbatch's --devices step has every rank report the GPU it would open
# (`irrev devices`: with no CUDA in this LibTorch it counts the GPUs from that list).
#   --gpus-per-node=2: every worker sees the node's 2 GPUs and worker w opens cuda:w;
#   --gpus-per-task=1: every task sees its own GPU, which each worker opens as cuda:0.
source "$(dirname "$0")/cluster_lib.sh"

# placement NAME SBATCH_OPTION...: runs the --devices step into WORK/NAME and prints one line
# per rank: "rank host role local_worker CUDA_VISIBLE_DEVICES opens node_gpu".
placement() {
  local name="$1" id
  shift
  rm -rf "${WORK:?}/$name"
  id=$(submit --nodes=2 --ntasks=5 --ntasks-per-node=3 --cpus-per-task=1 "$@" --output="$WORK/$name-%j.out" \
    slurm/gpu_nodes.sbatch --devices "$WORK/$name")
  slurm_wait "$id" 300
  [ -s "$WORK/$name/step-$id-0.json" ] || fail "$name: no report from job $id: $(tail -20 "$WORK/$name-$id.out")"
  python3 - "$WORK/$name/step-$id-0.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["ranks"]:
    if r["role"] == "master":
        print(r["rank"], r["host"], "master")
    else:
        assert not r["cuda_runtime"], "this test expects a LibTorch without CUDA"
        print(r["rank"], r["host"], "worker", r["local_worker"], r["cuda_visible_devices"], r["opens"], r["node_gpu"])
PY
}

got=$(placement gpus-per-node --gpus-per-node=2)
echo "$got"
want="0 n1 master
1 n1 worker 0 0,1 cuda:0 0
2 n1 worker 1 0,1 cuda:1 1
3 n2 worker 0 0,1 cuda:0 0
4 n2 worker 1 0,1 cuda:1 1"
[ "$got" = "$want" ] || fail "--gpus-per-node=2: expected
$want"

# (--gpus-per-node must agree with the sbatch's tasks per node once --gpus-per-task is given)
got=$(placement gpus-per-task --gpus-per-task=1 --gpus-per-node=3)
echo "$got"
# Every worker sees one GPU and opens it as cuda:0; the workers of a node have different GPUs.
python3 - "$got" <<'PY' || fail "--gpus-per-task=1: workers do not each have their own GPU"
import sys
rows = [l.split() for l in sys.argv[1].splitlines()]
assert [r[1] for r in rows] == ["n1", "n1", "n1", "n2", "n2"], rows
workers = [r for r in rows if r[2] == "worker"]
assert len(workers) == 4 and all(r[5] == "cuda:0" and r[4] == r[6] and "," not in r[4] for r in workers), workers
for host in ("n1", "n2"):
    gpus = [r[6] for r in workers if r[1] == host]
    assert len(set(gpus)) == 2, (host, gpus)
PY
echo "gpu_index_2_nodes: gpu_nodes.sbatch gives each of 2 x 2 workers its own GPU (per node and per task)"
