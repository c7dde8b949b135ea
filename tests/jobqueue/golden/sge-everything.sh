#!/bin/bash -l
#$ -N era5-workers
#$ -q long
#$ -P proj
#$ -pe smp 24
#$ -l h_vmem=3974M
#$ -l mem_free=3974M
#$ -l h_rt=36:00:00
#$ -o logs/
#$ -e logs/
#$ -cwd
#$ --exclusive
#$ --constraint=skylake

module load openmpi/4.1
source $HOME/venv/bin/activate
export TESSERA_ROLE=worker
export TESSERA_SCHEDULER_FILE="$HOME/.tessera/scheduler.json"
export TESSERA_WORKER_POOL=default
export TESSERA_WORKER_THREADS=12
export TESSERA_WORKER_MEMORY_LIMIT=50000000000
export TESSERA_WORKER_DEATH_TIMEOUT=300
export TESSERA_WORKER_LIFETIME=126000
export TESSERA_WORKER_LIFETIME_STAGGER=600
export TESSERA_TRANSPORT=tcp
export TESSERA_RESOURCES=GPU=1,SSD=1
export TESSERA_SPILL_DIRECTORY="$TMPDIR/tessera spill"
mkdir -p "$TESSERA_SPILL_DIRECTORY"

mpirun -n 2 /opt/app/bin/climatology --tasks "lib tasks.so"
