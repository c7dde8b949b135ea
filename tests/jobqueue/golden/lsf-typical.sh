#!/usr/bin/env bash
#BSUB -J tessera-worker
#BSUB -o /scratch/logs/tessera-worker-%J.out
#BSUB -e /scratch/logs/tessera-worker-%J.err
#BSUB -q compute
#BSUB -P climate42
#BSUB -n 32
#BSUB -R "span[hosts=1]"
#BSUB -M 134217728
#BSUB -W 02:00

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=8
export TESSERA_WORKER_MEMORY_LIMIT=34359738368
export TESSERA_WORKER_DEATH_TIMEOUT=60

mpirun -n 4 tessera-worker
