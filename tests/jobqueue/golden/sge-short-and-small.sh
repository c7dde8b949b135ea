#!/usr/bin/env bash
#$ -N tessera-worker
#$ -pe smp 2
#$ -l h_vmem=239M
#$ -l mem_free=239M
#$ -l h_rt=00:00:45
#$ -cwd

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=1
export TESSERA_WORKER_MEMORY_LIMIT=250000000
export TESSERA_WORKER_DEATH_TIMEOUT=60

mpirun -n 2 tessera-worker
