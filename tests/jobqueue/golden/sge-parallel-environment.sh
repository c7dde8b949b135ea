#!/usr/bin/env bash
#$ -N tessera-worker
#$ -pe mpi 12
#$ -l h_vmem=1G
#$ -l mem_free=1G
#$ -l h_rt=00:30:00
#$ -cwd

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=4
export TESSERA_WORKER_MEMORY_LIMIT=4294967296
export TESSERA_WORKER_DEATH_TIMEOUT=60

mpiexec -n 3 tessera-worker
