#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying and testing `srun --mpi=pmix` and
# `sbatch` with tessera programs (needs root; Debian's slurm-wlm and munge).
#   scripts/slurm-local.sh up       install what is missing, configure, start the daemons
#   scripts/slurm-local.sh status   whether the cluster answers, and its node
#   scripts/slurm-local.sh down     stop the daemons (the configuration stays)
# The node is this host with the CPUs and memory `slurmd -C` finds; one partition, "debug",
# shares cores between jobs (OverSubscribe=FORCE) so several ranks fit on a small machine:
#   srun --mpi=pmix -n 3 --overcommit build/release/examples/hello
# It writes /etc/slurm/slurm.conf only if that file is missing or was written by this script.
set -euo pipefail

usage() { echo "usage: $0 up|status|down" >&2; exit 2; }
(( $# == 1 )) || usage

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config=/etc/slurm/slurm.conf
marker="# Written by tessera's scripts/slurm-local.sh"
logs=/var/log/slurm

answers() { timeout 10 scontrol ping 2>/dev/null | grep -q "is UP"; }

node_ready() {
  local state
  state="$(timeout 10 sinfo -h -N -o '%T' 2>/dev/null | head -n 1)"
  [[ "$state" == idle* || "$state" == mixed* || "$state" == allocated* ]]
}

write_config() {
  if [[ -f "$config" ]] && ! grep -qxF "$marker" "$config"; then
    echo "slurm-local: $config exists and was not written by this script; leaving it." >&2
    echo "slurm-local: move it away to let this script configure a one-node cluster." >&2
    exit 1
  fi
  local node
  node="$(slurmd -C | head -n 1)"  # NodeName=<host> CPUs=... RealMemory=...
  mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd "$logs" /run/slurm
  cat >"$config" <<CONF
$marker
ClusterName=tessera-local
SlurmctldHost=$(hostname -s)
SlurmUser=root
AuthType=auth/munge
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=$logs/slurmctld.log
SlurmdLogFile=$logs/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
$node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE
CONF
}

start_munge() {
  [[ -s /etc/munge/munge.key ]] || mungekey --create --keyfile=/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  pgrep -x munged >/dev/null || su -s /bin/sh munge -c /usr/sbin/munged
}

# Starts daemon $1 unless it runs; if it will not start, shows why from its log.
start_daemon() {
  pgrep -x "$1" >/dev/null && return 0
  if ! "$1"; then
    echo "slurm-local: $1 did not start; the end of $logs/$1.log:" >&2
    tail -n 8 "$logs/$1.log" >&2 || true
    exit 1
  fi
}

up() {
  if (( EUID != 0 )); then
    echo "slurm-local: run as root (it installs packages, writes /etc/slurm, starts daemons)" >&2
    exit 1
  fi
  source "$root/scripts/packages.sh"
  ensure_packages slurm-wlm munge
  write_config
  start_munge
  start_daemon slurmctld
  start_daemon slurmd
  local tries=0
  until answers && node_ready; do
    if (( ++tries == 5 )); then
      scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true
    fi
    if (( tries > 30 )); then
      echo "slurm-local: the cluster did not come up in 30 s; the daemons' logs:" >&2
      tail -n 20 "$logs/slurmctld.log" "$logs/slurmd.log" >&2 || true
      exit 1
    fi
    sleep 1
  done
  echo "slurm-local: up: $(sinfo -h -N -o '%N %c CPUs %m MB %T')"
}

status() {
  if answers; then
    echo "slurm-local: up: $(sinfo -h -N -o '%N %c CPUs %m MB %T')"
  else
    echo "slurm-local: down (start it with: scripts/slurm-local.sh up)"
    return 1
  fi
}

down() {
  pkill -x slurmd || true
  pkill -x slurmctld || true
  local tries=0
  while { pgrep -x slurmd || pgrep -x slurmctld; } >/dev/null && (( ++tries < 50 )); do sleep 0.1; done
  echo "slurm-local: stopped"
}

case "$1" in
  up) up ;;
  status) status ;;
  down) down ;;
  *) usage ;;
esac
