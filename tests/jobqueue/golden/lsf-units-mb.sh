#!/usr/bin/env bash
#BSUB -J tessera-worker
#BSUB -n 4
#BSUB -R "span[hosts=1]"
#BSUB -M 10240
#BSUB -W 01:30

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=4
export TESSERA_WORKER_MEMORY_LIMIT=10737418240
export TESSERA_WORKER_DEATH_TIMEOUT=60

mpirun -n 1 tessera-worker
