#!/bin/bash -l
#BSUB -J era5-workers
#BSUB -o logs/era5-workers-%J.out
#BSUB -e logs/era5-workers-%J.err
#BSUB -q long
#BSUB -P proj
#BSUB -n 24
#BSUB -R "span[hosts=1]"
#BSUB -M 97656250
#BSUB -W 36:00
#BSUB --exclusive
#BSUB --constraint=skylake

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
