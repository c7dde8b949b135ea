#!/usr/bin/env bash
#PBS -N tessera-worker
#PBS -l select=1:ncpus=1:mpiprocs=1
#PBS -l walltime=00:30:00

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=1
export TESSERA_WORKER_DEATH_TIMEOUT=60

mpirun -n 1 tessera-worker
