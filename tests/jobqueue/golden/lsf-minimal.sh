#!/usr/bin/env bash
#BSUB -J tessera-worker
#BSUB -n 1
#BSUB -R "span[hosts=1]"
#BSUB -W 00:30

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=1
export TESSERA_WORKER_DEATH_TIMEOUT=60

mpirun -n 1 tessera-worker
