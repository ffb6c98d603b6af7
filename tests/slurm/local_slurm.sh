# A real single-node SLURM (Debian's slurm-wlm + munge) in a temporary folder, for the tests
# (sourced). slurm_start DIR starts munged, slurmctld and slurmd with their state, sockets,
# logs and config under DIR and exports SLURM_CONF; slurm_stop stops them by process id.
# The node is "localhost" at 127.0.0.1 whatever the host is called; its CPUs are declared, not
# detected (config_overrides), so that a master plus workers fit on a 2-core machine.

slurm_available() {
  command -v slurmctld > /dev/null && command -v slurmd > /dev/null && command -v munged > /dev/null
}

slurm_start() {
  SLURM_DIR="$1"
  mkdir -p "$SLURM_DIR"/{state,spool,munge}
  chmod 700 "$SLURM_DIR/munge"
  dd if=/dev/urandom of="$SLURM_DIR/munge/key" bs=1024 count=1 status=none
  chmod 400 "$SLURM_DIR/munge/key"
  munged -f --key-file="$SLURM_DIR/munge/key" --socket="$SLURM_DIR/munge/sock" \
    --pid-file="$SLURM_DIR/munge/pid" --log-file="$SLURM_DIR/munge/log" --seed-file="$SLURM_DIR/munge/seed"
  local base=$(( 20000 + ($$ % 2000) * 4 ))
  local lib=/usr/lib/x86_64-linux-gnu/slurm-wlm
  cat > "$SLURM_DIR/slurm.conf" <<CONF
ClusterName=irrevtest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$(( base + 1 ))
AuthType=auth/munge
AuthInfo=socket=$SLURM_DIR/munge/sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/slurmctld.log
SlurmdLogFile=$SLURM_DIR/slurmd.log
PluginDir=$lib
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
NodeName=localhost NodeAddr=127.0.0.1 CPUs=8 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
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
  for f in "$SLURM_DIR/slurmd.pid" "$SLURM_DIR/slurmctld.pid" "$SLURM_DIR/munge/pid"; do
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
