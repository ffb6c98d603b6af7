# A real single-node SLURM (Debian's slurm-wlm + munge) in a temporary folder, for the tests
# (sourced). slurm_start DIR starts munged, slurmctld and slurmd with their state, sockets,
# logs and config under DIR and exports SLURM_CONF; slurm_stop stops them by process id.
# The node is "localhost" at 127.0.0.1 whatever the host is called; its CPUs are declared, not
# detected (config_overrides), so that a master plus workers fit on a 2-core machine.

slurm_available() {
  command -v slurmctld > /dev/null && command -v slurmd > /dev/null && command -v munged > /dev/null
}

# slurm_conf DIR CONTROLLER PORT CPUS NODE:ADDR...: DIR/slurm.conf for the controller
# ("name(address)") and the nodes, every node declaring CPUS, all in one partition; each daemon's
# state, spool, pid and log files under DIR (per node: %n). The controller listens on PORT, the
# nodes on PORT + 1. Node failures are noticed after 30 s; a job on a failed node is requeued.
slurm_conf() {
  local dir="$1" controller="$2" port="$3" cpus="$4" node names=()
  shift 4
  {
    cat <<CONF
ClusterName=irrevtest
SlurmctldHost=$controller
SlurmctldPort=$port
SlurmdPort=$(( port + 1 ))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool.%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.%n.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.%n.log
PluginDir=/usr/lib/x86_64-linux-gnu/slurm-wlm
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=pmix
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
JobRequeue=1
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=10
CONF
    for node in "$@"; do
      echo "NodeName=${node%%:*} NodeAddr=${node#*:} CPUs=$cpus State=UNKNOWN"
      names+=("${node%%:*}")
    done
    echo "PartitionName=debug Nodes=$(IFS=,; echo "${names[*]}") Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES"
  } > "$dir/slurm.conf"
}

# munge_start DIR: munged with a fresh key, its socket, pid and log under DIR/munge.
munge_start() {
  mkdir -p "$1/munge"
  chmod 700 "$1/munge"
  dd if=/dev/urandom of="$1/munge/key" bs=1024 count=1 status=none
  chmod 400 "$1/munge/key"
  munged -f --key-file="$1/munge/key" --socket="$1/munge/sock" \
    --pid-file="$1/munge/pid" --log-file="$1/munge/log" --seed-file="$1/munge/seed"
}

slurm_start() {
  SLURM_DIR="$1"
  mkdir -p "$SLURM_DIR/state"
  munge_start "$SLURM_DIR"
  local base=$(( 20000 + ($$ % 2000) * 4 ))
  slurm_conf "$SLURM_DIR" "localhost(127.0.0.1)" "$base" 8 localhost:127.0.0.1
  export SLURM_CONF="$SLURM_DIR/slurm.conf"
  slurmctld -i -f "$SLURM_CONF"
  slurmd -N localhost -f "$SLURM_CONF"
  for _ in $(seq 100); do
    sinfo -h -o %T 2> /dev/null | grep -qE "^idle" && return 0
    sleep 0.2
  done
  echo "local SLURM did not come up; logs in $SLURM_DIR" >&2
  return 1
}

slurm_stop() {
  local f
  for f in "$SLURM_DIR"/slurmd.*.pid "$SLURM_DIR/slurmctld.pid" "$SLURM_DIR/munge/pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2> /dev/null || true
  done
}

# slurm_wait JOBID [SECONDS]: until the job (every task of an array) has left the queue.
slurm_wait() {
  local id="$1" limit="${2:-600}" i
  for ((i = 0; i < limit * 5; i++)); do
    [ -z "$(squeue -h -j "$id" 2> /dev/null)" ] && return 0
    sleep 0.2
  done
  echo "job $id still queued after $limit s" >&2
  return 1
}
