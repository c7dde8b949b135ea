#!/bin/bash -l
#SBATCH -J era5-workers
#SBATCH -o logs/era5-workers-%j.out
#SBATCH -e logs/era5-workers-%j.err
#SBATCH -p long
#SBATCH -N 1
#SBATCH -n 2
#SBATCH --cpus-per-task=12
#SBATCH --mem=95368M
#SBATCH -t 1-12:00:00
#SBATCH --exclusive
#SBATCH --constraint=skylake

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

srun --mpi=pmix --ntasks=2 --cpus-per-task=12 /opt/app/bin/climatology --tasks "lib tasks.so"
