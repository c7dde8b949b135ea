#!/usr/bin/env bash
#PBS -N tessera-worker
#PBS -l select=1:ncpus=2:mpiprocs=2:mem=477mb
#PBS -l walltime=00:00:45

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=1
export TESSERA_WORKER_MEMORY_LIMIT=250000000
export TESSERA_WORKER_DEATH_TIMEOUT=60

mpirun -n 2 tessera-worker
