#!/usr/bin/env bash
# Runs a command and prints, on stderr, the CPU time (user + system seconds) of each of its
# threads by name (tessera names its threads: tessera-sched, tessera-task-N, tessera-thread-N;
# a rank's progress loop is its main thread), sampled from /proc every 50 ms until it exits.
# Under mpirun it wraps each rank:
#   mpirun -n 3 bench/thread_cpu.sh build/release/bench/tessera_bench_tasks --engine mpi
"$@" &
pid=$!
declare -A cpu
tck=$(getconf CLK_TCK)
while kill -0 $pid 2>/dev/null; do
  for t in /proc/$pid/task/*; do
    [ -r $t/stat ] || continue
    read -r line < $t/stat 2>/dev/null || continue
    name=$(cat $t/comm 2>/dev/null)
    rest=${line#*) }
    set -- $rest
    cpu["${t##*/} $name"]=$(( ${12} + ${13} ))
  done
  sleep 0.05
done
wait $pid
for k in "${!cpu[@]}"; do
  printf "rank %s tid-name %s cpu_s %.2f\n" "${OMPI_COMM_WORLD_RANK:-?}" "$k" "$(echo "${cpu[$k]} / $tck" | bc -l)"
done | sort -t' ' -k7 -rn >&2
