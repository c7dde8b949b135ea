#!/usr/bin/env bash
#$ -N tessera-worker
#$ -pe smp 1
#$ -l h_rt=00:30:00
#$ -cwd

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=1
export TESSERA_WORKER_DEATH_TIMEOUT=60

mpirun -n 1 tessera-worker
