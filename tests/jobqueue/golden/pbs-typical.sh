#!/usr/bin/env bash
#PBS -N tessera-worker
#PBS -q compute
#PBS -A climate42
#PBS -l select=1:ncpus=32:mpiprocs=4:mem=128gb
#PBS -l walltime=02:00:00
#PBS -o /scratch/logs/
#PBS -e /scratch/logs/

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=8
export TESSERA_WORKER_MEMORY_LIMIT=34359738368
export TESSERA_WORKER_DEATH_TIMEOUT=60

mpirun -n 4 tessera-worker
