#!/usr/bin/env bash
# A real one-node SLURM cluster for tests: munge, slurmctld and slurmd from Debian's packages, started
# directly (no systemd, no cgroups) with state, spool and logs under a scratch directory.
#   tests/slurm/cluster.sh up DIR     start it; prints "export SLURM_CONF=DIR/slurm.conf"
#   tests/slurm/cluster.sh down DIR   stop every daemon it started
# Facts this relies on: ../shared/notes/slurm-local.md (fast scheduling, short credential expiry so a
# requeued job restarts in ~10 s, MinJobAge so finished jobs stay visible, PMIx for srun).
set -euo pipefail

cmd=${1:?usage: cluster.sh up|down DIR}
dir=${2:?usage: cluster.sh up|down DIR}
host=$(hostname)

stop_pidfile() { [ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null || true; }

down() {
    stop_pidfile "$dir/slurmd.pid" & stop_pidfile "$dir/slurmctld.pid" & wait
    for _ in $(seq 50); do # each daemon takes a moment to exit
        pgrep -f "slurm(ctld|d) -f $dir/slurm.conf" >/dev/null || break
        sleep 0.2
    done
    pkill -9 -f "slurm(ctld|d) -f $dir/slurm.conf" 2>/dev/null || true
    if [ -f "$dir/munged.pid" ]; then # ours: stop it and wait, so the next start finds the socket free
        local pid
        pid=$(cat "$dir/munged.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
}

up() {
    mkdir -p "$dir"/{state,spool,log}
    # munge: a key, its directories owned by the munge user, the daemon as that user
    if [ ! -f /etc/munge/munge.key ]; then mungekey --create --keyfile=/etc/munge/munge.key >/dev/null; fi
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
    chmod 0700 /etc/munge /var/lib/munge /var/log/munge
    chmod 0755 /run/munge
    if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then # no working munged: start ours
        runuser -u munge -- munged --pid-file=/run/munge/munged.pid --force
        cp /run/munge/munged.pid "$dir/munged.pid"
        for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
    fi
    local mem
    mem=$(awk '/MemTotal/ {printf "%d", $2 / 1024 / 2}' /proc/meminfo)
    cat > "$dir/slurm.conf" <<CONF
ClusterName=evofolio-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=pmix
MailProg=/bin/true
ReturnToService=2
SlurmdParameters=config_overrides
SchedulerParameters=batch_sched_delay=0,sched_interval=2,bf_interval=2
MinJobAge=3600
JobRequeue=1
EnforcePartLimits=ALL
DependencyParameters=kill_invalid_depend
KillWait=10
NodeName=$host NodeAddr=127.0.0.1 CPUs=4 RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    slurmctld -f "$dir/slurm.conf"
    slurmd -f "$dir/slurm.conf"
    export SLURM_CONF=$dir/slurm.conf
    for _ in $(seq 150); do # up to 30 s for the node to report idle
        if timeout 2 sinfo -h -o %T 2>/dev/null | grep -q idle; then
            echo "export SLURM_CONF=$dir/slurm.conf"
            return 0
        fi
        sleep 0.2
    done
    echo "cluster.sh: the node did not become idle; see $dir/log" >&2
    down
    return 1
}

case $cmd in
up) up ;;
down) down ;;
*) echo "usage: cluster.sh up|down DIR" >&2; exit 2 ;;
esac
