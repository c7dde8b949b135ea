#!/usr/bin/env bash
#PBS -N tessera-worker
#PBS -l select=1:ncpus=16:mem=60gb:ngpus=1
#PBS -l walltime=00:30:00

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=16
export TESSERA_WORKER_MEMORY_LIMIT=68719476736
export TESSERA_WORKER_DEATH_TIMEOUT=60

mpirun -n 1 tessera-worker
