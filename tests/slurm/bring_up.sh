#!/usr/bin/env bash
# Bring up a single-node SLURM cluster on this machine (slurmctld + slurmd + munged), for the
# SLURM test (tests/test_slurm.py) and as a readable recipe for trying the SLURM profile locally.
#
#   sudo tests/slurm/bring_up.sh [RUN_DIR]      # default RUN_DIR: /tmp/rbp-slurm
#   sinfo; snakemake --profile profiles/slurm ...   # see docs/slurm.md
#   sudo tests/slurm/tear_down.sh [RUN_DIR]     # stops exactly the daemons started here (by PID)
#
# Tested on Debian 12 (slurm-wlm 22.05, munge 0.5.15) in a container whose PID 1 is not systemd,
# so every daemon is started by hand. Needs root (apt-get, munge user, slurmd runs jobs as users).
# The cluster has no accounting database (AccountingStorageType=accounting_storage/none): sacct
# does not know its jobs, so Snakemake must query job status with squeue (see docs/slurm.md).
# Everything the cluster writes (config, state, spool, logs, PIDs) lives under RUN_DIR. Outside
# it: the Debian packages, the munge key in /etc/munge, and /etc/slurm/slurm.conf, a symlink to
# RUN_DIR/slurm.conf (SLURM_CONF would do for sbatch and squeue, but the plugin's job step strips
# SLURM_* variables before calling srun inside the job, so srun must find the default path).
set -euo pipefail

RUN_DIR=$(realpath -m "${1:-${RBP_SLURM_DIR:-/tmp/rbp-slurm}}")
TIMEOUT=${RBP_SLURM_TIMEOUT:-60}        # seconds to wait for each daemon / the first job
PIDS="$RUN_DIR/pids"                    # "<name> <pid>" per line, read by tear_down.sh
CONF="$RUN_DIR/slurm.conf"
ETC_CONF=/etc/slurm/slurm.conf
unset SLURM_CONF

say() { echo "[bring_up $(date +%T)] $*"; }
die() { echo "[bring_up] ERROR: $*" >&2; exit 1; }
# wait_for SECONDS DESCRIPTION COMMAND...: retry COMMAND every 0.5 s until it succeeds.
wait_for() {
    local limit=$1 what=$2; shift 2
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "timed out after ${limit}s waiting for $what (logs: $RUN_DIR/log)"
        sleep 0.5
    done
}

[[ $(id -u) == 0 ]] || die "run as root (installs packages, starts munged as user munge)"
if [[ -s $PIDS ]]; then
    die "$PIDS exists: a cluster from this RUN_DIR may still run; call tear_down.sh $RUN_DIR first"
fi
if command -v scontrol >/dev/null && timeout 10 scontrol ping 2>/dev/null | grep -q UP; then
    die "a SLURM controller already answers on this host; stop it first (tear_down.sh <its RUN_DIR>)"
fi
if [[ -e $ETC_CONF && ! -L $ETC_CONF ]]; then
    die "$ETC_CONF exists and is not ours: this host already has a SLURM configuration"
fi

# 1. Packages. slurm-wlm pulls slurmctld, slurmd and the client commands (sbatch, squeue, sinfo).
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get update -qq
    timeout 600 apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
say "$(slurmctld -V), $(munged --version 2>&1 | awk '{print $1}')"
install -d -m 0755 "$RUN_DIR" "$RUN_DIR/state" "$RUN_DIR/spool" "$RUN_DIR/log"

# 2. Munge: one shared key (here, on a single host, any random key), munged running as user munge.
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
if [[ ! -s /etc/munge/munge.key ]]; then
    say "creating /etc/munge/munge.key"
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
: >"$PIDS.tmp"
if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    say "munged already running: using it (tear_down.sh will leave it alone)"
else
    say "starting munged"
    runuser -u munge -- /usr/sbin/munged
    wait_for "$TIMEOUT" "munged" test -s /run/munge/munged.pid
    echo "munged $(cat /run/munge/munged.pid)" >>"$PIDS.tmp"
    wait_for "$TIMEOUT" "a munge credential round trip" sh -c 'munge -n </dev/null | unmunge'
fi

# 3. slurm.conf: this host as controller and only compute node, with its real CPUs and memory.
HOST=$(hostname -s)
CPUS=$(nproc)
MEM_TOTAL_MB=$(free -m | awk '/^Mem:/ {print $2}')
MEM_MB=$((MEM_TOTAL_MB * 9 / 10))       # leave 10% to the OS; slurmd drains a node claiming more
cat >"$CONF" <<EOF
# Single-node test cluster written by tests/slurm/bring_up.sh
ClusterName=rbp
SlurmctldHost=$HOST
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$RUN_DIR/state
SlurmdSpoolDir=$RUN_DIR/spool
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=$RUN_DIR/log/slurmctld.log
SlurmdLogFile=$RUN_DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups in a container: track processes by /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
# No slurmdbd: no accounting, so sacct cannot answer; Snakemake uses squeue instead.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# Finished jobs stay visible to squeue for 5 minutes (the plugin needs >= 3 status-check intervals).
MinJobAge=300
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
install -d -m 0755 /etc/slurm
ln -sfn "$CONF" "$ETC_CONF"
say "wrote $CONF, linked from $ETC_CONF (node $HOST: CPUs=$CPUS RealMemory=$MEM_MB MB)"

# 4. Daemons, started by hand (-c: ignore state from an earlier cluster in this RUN_DIR).
say "starting slurmctld"
slurmctld -c -f "$CONF"
wait_for "$TIMEOUT" "slurmctld" scontrol ping
echo "slurmctld $(cat "$RUN_DIR/slurmctld.pid")" >>"$PIDS.tmp"
say "starting slurmd"
slurmd -f "$CONF"
wait_for "$TIMEOUT" "slurmd pid file" test -s "$RUN_DIR/slurmd.pid"
echo "slurmd $(cat "$RUN_DIR/slurmd.pid")" >>"$PIDS.tmp"
mv "$PIDS.tmp" "$PIDS"
wait_for "$TIMEOUT" "node $HOST to be idle" sh -c "sinfo -h -n '$HOST' -o %t | grep -qx idle"
sinfo

# 5. Smoke test: one batch job runs to completion.
say "submitting a test job (sbatch --wait --wrap true)"
timeout "$TIMEOUT" sbatch --wait --quiet -o /dev/null --wrap true \
    || die "test job did not finish within ${TIMEOUT}s (logs: $RUN_DIR/log)"
say "cluster up; daemon PIDs in $PIDS, logs in $RUN_DIR/log"
