#!/usr/bin/env bash
# Stop the daemons tests/slurm/bring_up.sh started (by the PIDs it recorded), newest first.
#
#   sudo tests/slurm/tear_down.sh [RUN_DIR]     # default RUN_DIR: /tmp/rbp-slurm
#
# Jobs still queued are cancelled first. Daemons not started by bring_up.sh (a munged that was
# already running) are left alone. The /etc/slurm/slurm.conf symlink into RUN_DIR is removed;
# RUN_DIR itself (config, logs) is kept for inspection.
set -uo pipefail

RUN_DIR=$(realpath -m "${1:-${RBP_SLURM_DIR:-/tmp/rbp-slurm}}")
PIDS="$RUN_DIR/pids"
TIMEOUT=${RBP_SLURM_TIMEOUT:-30}
ETC_CONF=/etc/slurm/slurm.conf
unset SLURM_CONF

say() { echo "[tear_down $(date +%T)] $*"; }
unlink_conf() {
    if [[ -L $ETC_CONF && $(readlink "$ETC_CONF") == "$RUN_DIR/slurm.conf" ]]; then
        rm -f "$ETC_CONF"
    fi
}

# A PID file from an interrupted bring-up is still worth reading.
[[ -s $PIDS ]] || PIDS="$PIDS.tmp"
if [[ ! -s $PIDS ]]; then
    say "no PID file in $RUN_DIR: nothing to stop"
    unlink_conf
    exit 0
fi

if grep -q '^slurmctld ' "$PIDS"; then
    timeout 10 scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
fi

# stop NAME PID: SIGTERM, wait, then SIGKILL; only if PID still runs the program NAME.
stop() {
    local name=$1 pid=$2
    if [[ $(cat "/proc/$pid/comm" 2>/dev/null) != "$name" ]]; then
        say "$name ($pid) is not running"
        return
    fi
    say "stopping $name ($pid)"
    kill -TERM "$pid" 2>/dev/null
    local deadline=$((SECONDS + TIMEOUT))
    while [[ -e /proc/$pid ]] && ((SECONDS < deadline)); do sleep 0.2; done
    if [[ -e /proc/$pid ]]; then
        say "$name ($pid) ignored SIGTERM for ${TIMEOUT}s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null
    fi
}

# Reverse start order: slurmd, slurmctld, munged.
tac "$PIDS" | while read -r name pid; do
    stop "$name" "$pid"
done
rm -f "$RUN_DIR/pids" "$RUN_DIR/pids.tmp"
unlink_conf
say "done"
