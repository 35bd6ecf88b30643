#!/usr/bin/env bash
# A throw-away single-node SLURM cluster on this machine, for tests/workflow/test_slurm.py.
#
#   slurm_cluster.sh install          apt-get install slurm-wlm and munge (root, Debian/Ubuntu)
#   slurm_cluster.sh start STATE_DIR  write STATE_DIR/slurm.conf, start munged, slurmctld, slurmd
#   slurm_cluster.sh stop STATE_DIR   stop the daemons `start` started (by their pid files)
#
# Clients find the cluster through /etc/slurm/slurm.conf, a symbolic link to STATE_DIR/slurm.conf
# made by `start` and removed by `stop` (the SLURM executor plugin drops SLURM_CONF before the
# `srun` inside each job, so the default path must work; `start` refuses to replace a real
# /etc/slurm/slurm.conf). One node (this host,
# 127.0.0.1) with the machine's CPUs and one fake GPU (gres/gpu on /dev/null: nothing runs on
# it, but `sbatch --gpus=1` is scheduled and allocated as on a GPU node), one partition "debug", no accounting database; finished jobs are recorded by
# jobcomp/filetxt in STATE_DIR/jobcomp.log. Container-friendly:
# proctrack/linuxproc and task/none need no cgroups, and config_overrides keeps the node
# usable whatever memory the container reports. Needs root (daemons run as root).
set -euo pipefail

CTLD_PORT=${MOTIVIC_SLURMCTLD_PORT:-16817}
SLURMD_PORT=${MOTIVIC_SLURMD_PORT:-16818}
MUNGE_SOCKET=/run/munge/munge.socket.2
SYSTEM_CONF=/etc/slurm/slurm.conf

die() { echo "slurm_cluster.sh: $*" >&2; exit 1; }

install_packages() {
    [ "$(id -u)" = 0 ] || die "install needs root"
    command -v apt-get >/dev/null || die "install needs apt-get"
    if command -v slurmctld >/dev/null && command -v munged >/dev/null; then
        return 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
}

write_conf() {
    local state=$1 host cpus
    host=$(hostname -s)
    cpus=$(nproc)
    mkdir -p "$state/ctld" "$state/spool"
    cat >"$state/slurm.conf" <<EOF
ClusterName=motivic-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$state/jobcomp.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
GresTypes=gpu
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=64000 Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    # gres.conf is read from the directory of slurm.conf. SLURM counts a GPU only with a device
    # file; /dev/null stands in for /dev/nvidia0 (task/none: no cgroup restricts devices).
    echo "NodeName=$host Name=gpu File=/dev/null" >"$state/gres.conf"
}

start_munge() {
    local state=$1
    if [ -S "$MUNGE_SOCKET" ] && munge -n </dev/null | unmunge >/dev/null 2>&1; then
        return 0   # a working munged is already there (ours or the system's)
    fi
    [ -s /etc/munge/munge.key ] || {
        mkdir -p /etc/munge
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    }
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /etc/munge /etc/munge/munge.key /run/munge /var/log/munge /var/lib/munge
    chmod 0700 /etc/munge /var/log/munge /var/lib/munge
    chmod 0400 /etc/munge/munge.key
    chmod 0755 /run/munge
    runuser -u munge -- /usr/sbin/munged
    touch "$state/munged.ours"
    for _ in $(seq 50); do
        munge -n </dev/null | unmunge >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "munged did not come up"
}

start() {
    local state=$1
    [ "$(id -u)" = 0 ] || die "start needs root"
    command -v slurmctld >/dev/null || die "slurmctld not installed (run: $0 install)"
    if [ -e "$SYSTEM_CONF" ] && [ "$(readlink "$SYSTEM_CONF")" != "$state/slurm.conf" ]; then
        die "$SYSTEM_CONF exists and is not ours; not touching a configured SLURM"
    fi
    write_conf "$state"
    mkdir -p "$(dirname "$SYSTEM_CONF")"
    ln -sfn "$state/slurm.conf" "$SYSTEM_CONF"
    start_munge "$state"
    export SLURM_CONF=$state/slurm.conf
    /usr/sbin/slurmctld -f "$SLURM_CONF"
    /usr/sbin/slurmd -f "$SLURM_CONF"
    for _ in $(seq 100); do
        if timeout 5 sinfo -h -o "%T" 2>/dev/null | grep -qx idle; then
            echo "SLURM_CONF=$SLURM_CONF"
            return 0
        fi
        sleep 0.2
    done
    sinfo -N -l >&2 || true
    tail -n 20 "$state/slurmctld.log" "$state/slurmd.log" >&2 || true
    die "the node did not become idle"
}

stop() {
    local state=$1 pidfile pid
    for pidfile in "$state/slurmd.pid" "$state/slurmctld.pid"; do
        [ -s "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    if [ -e "$state/munged.ours" ] && [ -s /run/munge/munged.pid ]; then
        kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
        rm -f "$state/munged.ours"
    fi
    if [ "$(readlink "$SYSTEM_CONF" 2>/dev/null)" = "$state/slurm.conf" ]; then
        rm -f "$SYSTEM_CONF"
    fi
}

case "${1:-}" in
    install) install_packages ;;
    start) [ -n "${2:-}" ] || die "usage: $0 start STATE_DIR"; start "$(realpath -m "$2")" ;;
    stop) [ -n "${2:-}" ] || die "usage: $0 stop STATE_DIR"; stop "$(realpath -m "$2")" ;;
    *) die "usage: $0 install | start STATE_DIR | stop STATE_DIR" ;;
esac
