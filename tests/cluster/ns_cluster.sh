# A real SLURM cluster of one controller and four nodes on this one machine, for the tests
# (sourced). Each daemon runs in its own network namespace with its own address (10.77.0.0/24,
# veth pairs on a bridge that lives in a namespace of its own, so nothing of it exists in the
# machine's namespace), in its own UTS namespace (its host name: ctl, n1 ... n4) and, for the
# nodes, its own mount namespace with its own /tmp (PMIx and Open MPI keep per-node files
# there, as on real nodes). The file system is shared, as a cluster's is. munged runs outside
# and is reached through its socket file. Each node declares 4 GPUs (GRES "gpu", stand-in
# device files under DIR/dev): SLURM hands them out and sets CUDA_VISIBLE_DEVICES as on GPU
# nodes, while nothing opens them.
#   cluster_start DIR   starts it (state, logs and the config under DIR) and exports SLURM_CONF
#   on_ctl CMD...       runs CMD in the controller's network namespace (sbatch, squeue, ...)
#   node_kill NODE      kills every process of a node (its slurmd, job steps and ranks) by id
#   node_start NODE     starts its slurmd again (the node returns to service by itself)
#   cluster_stop DIR    stops every process the fixture started, by id, and deletes the namespaces
source "$(dirname "${BASH_SOURCE[0]}")/../slurm/local_slurm.sh"

# Jobs take three nodes; the fourth lets a job that lost one continue on three.
CLUSTER_NODES=(n1 n2 n3 n4)

cluster_available() {
  slurm_available && [ "$(id -u)" = 0 ] && command -v ip > /dev/null && command -v nsenter > /dev/null &&
    command -v unshare > /dev/null
}

# The namespaces' names: one prefix per fixture, kept in DIR so that any later script finds them.
cluster_prefix() { cat "$1/prefix"; }
in_ns() { local ns="$1"; shift; nsenter --net="/run/netns/$(cluster_prefix "$CLUSTER_DIR")$ns" "$@"; }
on_ctl() { in_ns ctl "$@"; }

cluster_start() {
  CLUSTER_DIR="$1"
  mkdir -p "$CLUSTER_DIR/state"
  local p="irc$$" i=2 ns
  echo "$p" > "$CLUSTER_DIR/prefix"
  ip netns add "${p}hub"
  ip -n "${p}hub" link add br0 type bridge
  ip -n "${p}hub" link set br0 up
  for ns in ctl "${CLUSTER_NODES[@]}"; do
    ip netns add "$p$ns"
    ip link add "${p}v$i" type veth peer name eth0 netns "$p$ns"
    ip link set "${p}v$i" netns "${p}hub"
    ip -n "${p}hub" link set "${p}v$i" master br0 up
    ip -n "$p$ns" addr add "10.77.0.$i/24" dev eth0
    ip -n "$p$ns" link set eth0 up
    ip -n "$p$ns" link set lo up
    i=$((i + 1))
  done
  munge_start "$CLUSTER_DIR"
  local nodes=() k=3
  for ns in "${CLUSTER_NODES[@]}"; do nodes+=("$ns:10.77.0.$k"); k=$((k + 1)); done
  slurm_conf "$CLUSTER_DIR" "ctl(10.77.0.2)" 6817 4 "${nodes[@]}"
  mkdir -p "$CLUSTER_DIR/dev"
  for i in 0 1 2 3; do [ -e "$CLUSTER_DIR/dev/gpu$i" ] || mknod "$CLUSTER_DIR/dev/gpu$i" c 1 3; done
  sed -i 's/^NodeName=.*/& Gres=gpu:4/' "$CLUSTER_DIR/slurm.conf"
  echo "GresTypes=gpu" >> "$CLUSTER_DIR/slurm.conf"
  echo "Name=gpu File=$CLUSTER_DIR/dev/gpu[0-3]" > "$CLUSTER_DIR/gres.conf"
  export SLURM_CONF="$CLUSTER_DIR/slurm.conf"
  in_ns ctl unshare --uts sh -c "hostname ctl && exec slurmctld -i -f '$SLURM_CONF'"
  for ns in "${CLUSTER_NODES[@]}"; do node_start "$ns"; done
  for _ in $(seq 150); do
    [ "$(on_ctl sinfo -h -o %T -t idle 2> /dev/null | wc -l)" -ge 1 ] &&
      [ "$(on_ctl sinfo -h -N -o %T 2> /dev/null | grep -c idle)" = "${#CLUSTER_NODES[@]}" ] && return 0
    sleep 0.2
  done
  echo "the namespace cluster did not come up; logs in $CLUSTER_DIR" >&2
  return 1
}

# The folders under /tmp that hold this fixture's shared file system: the checkout, the cluster's
# folder and whatever CLUSTER_VISIBLE names (the binary, LFW, the work folder). A node's fresh /tmp
# would hide them where the checkout lives under /tmp, so each node binds these back over its own.
tmp_roots() {
  local p
  for p in "$NS_CLUSTER_REPO" "$CLUSTER_DIR" ${CLUSTER_VISIBLE:-}; do
    # As given, with its '..' resolved but not its links (/tmp/co/../shared, a link), and where it leads.
    for p in "$(realpath -ms "$p")" "$(realpath -m "$p")"; do
      case "$p" in /tmp/?*) p="${p#/tmp/}"; echo "${p%%/*}" ;; esac
    done
  done | sort -u
}
NS_CLUSTER_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# node_start NODE: its slurmd, in the node's namespaces (a fresh /tmp of its own, with the shared
# folders that live under /tmp bound back: the machine's /tmp is first bound to DIR/tmp.NODE/.host,
# which the recursive bind over /tmp then carries along, and let go once they are bound).
node_start() {
  local tmp="$CLUSTER_DIR/tmp.$1" roots r private
  mkdir -p "$tmp"
  chmod 1777 "$tmp"
  roots=$(tmp_roots)
  private="mount --bind '$tmp' /tmp"
  if [ -n "$roots" ]; then
    mkdir -p "$tmp/.host"
    private="mount --rbind /tmp '$tmp/.host' && mount --rbind '$tmp' /tmp"
    for r in $roots; do private="$private && mkdir -p '/tmp/$r' && mount --rbind '/tmp/.host/$r' '/tmp/$r'"; done
    private="$private && umount -l /tmp/.host"
  fi
  in_ns "$1" unshare --uts --mount --propagation private \
    sh -c "hostname $1 && $private && exec slurmd -N $1 -f '$SLURM_CONF'"
}

# The processes inside a node's network namespace: its slurmd and everything it started.
node_pids() { ip netns pids "$(cluster_prefix "$CLUSTER_DIR")$1" 2> /dev/null || true; }

node_kill() {
  local pids
  pids=$(node_pids "$1")
  [ -z "$pids" ] || kill -9 $pids 2> /dev/null || true
}

cluster_stop() {
  CLUSTER_DIR="$1"
  [ -f "$CLUSTER_DIR/prefix" ] || return 0
  local p ns f
  p=$(cluster_prefix "$CLUSTER_DIR")
  for ns in "${CLUSTER_NODES[@]}" ctl; do node_kill "$ns"; done
  for f in "$CLUSTER_DIR/slurmctld.pid" "$CLUSTER_DIR/munge/pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2> /dev/null || true
  done
  for ns in "${CLUSTER_NODES[@]}" ctl hub; do ip netns del "$p$ns" 2> /dev/null || true; done
  rm -f "$CLUSTER_DIR/prefix"
}
