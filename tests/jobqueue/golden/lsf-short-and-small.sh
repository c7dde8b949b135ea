#!/usr/bin/env bash
#BSUB -J tessera-worker
#BSUB -n 2
#BSUB -R "span[hosts=1]"
#BSUB -M 488282
#BSUB -W 00:01

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=1
export TESSERA_WORKER_MEMORY_LIMIT=250000000
export TESSERA_WORKER_DEATH_TIMEOUT=60

mpirun -n 2 tessera-worker
