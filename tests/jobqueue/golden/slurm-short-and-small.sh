#!/usr/bin/env bash
#SBATCH -J tessera-worker
#SBATCH -N 1
#SBATCH -n 2
#SBATCH --cpus-per-task=1
#SBATCH --mem=477M
#SBATCH -t 00:00:45

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=1
export TESSERA_WORKER_MEMORY_LIMIT=250000000
export TESSERA_WORKER_DEATH_TIMEOUT=60

srun --mpi=pmix --ntasks=2 --cpus-per-task=1 tessera-worker
