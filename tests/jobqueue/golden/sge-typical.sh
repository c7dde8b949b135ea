#!/usr/bin/env bash
#$ -N tessera-worker
#$ -q compute
#$ -P climate42
#$ -pe smp 32
#$ -l h_vmem=4G
#$ -l mem_free=4G
#$ -l h_rt=02:00:00
#$ -o /scratch/logs/
#$ -e /scratch/logs/
#$ -cwd

export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE=/shared/tessera/scheduler.json
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=8
export TESSERA_WORKER_MEMORY_LIMIT=34359738368
export TESSERA_WORKER_DEATH_TIMEOUT=60

mpirun -n 4 tessera-worker
