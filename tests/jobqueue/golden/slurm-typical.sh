#!/usr/bin/env bash
#SBATCH -J tessera-worker
#SBATCH -o /scratch/logs/tessera-worker-%j.out
#SBATCH -e /scratch/logs/tessera-worker-%j.err
#SBATCH -p compute
#SBATCH -A climate42
#SBATCH -N 1
#SBATCH -n 4
#SBATCH --cpus-per-task=8
#SBATCH --mem=128G
#SBATCH -t 02:00:00

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=8
export TESSERA_WORKER_MEMORY_LIMIT=34359738368
export TESSERA_WORKER_DEATH_TIMEOUT=60

srun --mpi=pmix --ntasks=4 --cpus-per-task=8 tessera-worker
