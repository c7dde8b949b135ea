#!/usr/bin/env bash
# Runs one scenario of tests/elastic/hostile_app.cpp on an elastic cluster: the program alone as
# client and scheduler, and worker processes of it that join (more when it prints
# "start-workers K"). The program kills workers itself and checks its results. This script
# checks that it says all results are right, that it and every surviving worker exit 0, that
# exactly as many workers as it says it killed ended by SIGKILL, that nothing hangs (past
# HOSTILE_LIMIT seconds, 40, every process left gets a gdb backtrace and is killed), and that
# the scheduler file is removed.
#   run_hostile.sh PROGRAM SCENARIO
# Scenarios (see hostile_app.cpp): persist, persist-pending, persist-released, large-fetch,
# large-fetch-2 (with two workers: the result is made again by the one that fetched it),
# two-kills, two-kills-at-once, nested, killer, killer-innocents, scatter, idle, tree.
set -uo pipefail
program="$1"
scenario="$2"
work="$(mktemp -d "${TMPDIR:-/tmp}/tessera-hostile-XXXXXX")"
# On the way out (also when killed with TERM), the programs go too: the children of each
# `timeout` first, which would outlive it.
stop_all() { for job in $(jobs -p); do pkill -KILL -P "$job"; kill -KILL "$job"; done 2>/dev/null; }
trap 'stop_all; [[ -n ${HOSTILE_KEEP:-} ]] || rm -rf "$work"' EXIT
trap 'exit 1' TERM INT
export TESSERA_SCHEDULER_FILE="$work/scheduler.json"
export TESSERA_WORKER_DEATH_TIMEOUT=20
export TESSERA_WORKER_THREADS=2
limit="${HOSTILE_LIMIT:-40}"
failed=0
fail() { echo "FAIL: $*"; failed=1; }

app="$scenario"
args=()
case "$scenario" in
  persist | persist-pending | large-fetch | nested | idle | tree) workers=3 ;;
  persist-released) workers=2 ;;
  large-fetch-2) workers=2 app=large-fetch ;;
  two-kills) workers=4 args=(--gap-ms 300) ;;
  two-kills-at-once) workers=4 app=two-kills args=(--gap-ms 0) ;;
  killer) workers=5 ;;
  killer-innocents) workers=5 app=killer args=(--innocents 40) ;;
  scatter) workers=3 ;;  # one at first; the program asks for the others
  *)
    echo "unknown scenario $scenario"
    exit 2
    ;;
esac
# HOSTILE_ARGS: more arguments for the program (e.g. "--kill-at 0.8" to try other timings).
read -r -a extra <<<"${HOSTILE_ARGS:-}"
args+=("${extra[@]}")
started=$(date +%s%N)

timeout $((limit + 30)) "$program" "$app" --workers "$workers" "${args[@]}" \
  >"$work/scheduler.out" 2>&1 &
scheduler=$!
worker_pids=()
start_worker() {
  local name="w$((${#worker_pids[@]} + 1))"
  TESSERA_ROLE=worker timeout $((limit + 30)) "$program" >"$work/$name.out" 2>&1 &
  worker_pids+=("$!")
}
initial=$workers
[[ $scenario == scatter ]] && initial=1
sleep 0.2
for _ in $(seq "$initial"); do start_worker; done

# gdb backtraces of the processes (the children of their `timeout`) still running, then kill.
hung() {  # arg: what hangs
  fail "$1"
  for wrapper in "$scheduler" "${worker_pids[@]}"; do
    kill -0 "$wrapper" 2>/dev/null || continue
    local pid
    pid="$(pgrep -P "$wrapper")" || continue
    echo "--- backtrace of pid $pid (wrapper $wrapper)"
    gdb -batch -p "$pid" -ex 'thread apply all bt' 2>&1 | grep -E '^(Thread|#)'
  done
  kill -KILL "$scheduler" "${worker_pids[@]}" 2>/dev/null
}

# Wait for the scheduler, starting the workers it asks for.
requested=$initial
deadline=$(($(date +%s) + limit))
while kill -0 "$scheduler" 2>/dev/null; do
  asked=$(grep -o '^start-workers [0-9]*' "$work/scheduler.out" | awk '{n += $2} END {print n + 0}')
  while ((requested < initial + asked)); do
    start_worker
    requested=$((requested + 1))
  done
  if (($(date +%s) > deadline)); then
    hung "the scheduler still runs after $limit s"
    break
  fi
  sleep 0.1
done
wait "$scheduler" 2>/dev/null
status=$?
[[ $status == 0 ]] || fail "the scheduler exited with $status, expected 0"

# Workers: the killed ones ended by SIGKILL (timeout reports 137), the others exit 0, soon.
deadline=$(($(date +%s) + 15))
for pid in "${worker_pids[@]}"; do
  while kill -0 "$pid" 2>/dev/null && (($(date +%s) <= deadline)); do sleep 0.1; done
done
still=0
for pid in "${worker_pids[@]}"; do kill -0 "$pid" 2>/dev/null && still=1; done
((still)) && hung "workers still run 15 s after the scheduler ended"
killed_expected=$(sed -n 's/^killed \([0-9]*\) workers$/\1/p' "$work/scheduler.out")
killed=0
n=0
for pid in "${worker_pids[@]}"; do
  n=$((n + 1))
  wait "$pid" 2>/dev/null
  status=$?
  if [[ $status == 137 ]]; then
    killed=$((killed + 1))
  elif [[ $status != 0 ]]; then
    fail "worker w$n exited with $status, expected 0 (or 137 if killed)"
  fi
done
[[ $killed == "${killed_expected:-?}" ]] ||
  fail "$killed workers ended by SIGKILL, the program says it killed ${killed_expected:-?}"
grep -q "hostile_app: all results right" "$work/scheduler.out" || fail "wrong results"
[[ -e $TESSERA_SCHEDULER_FILE ]] && fail "the scheduler file is left behind"
for f in "$work"/*.out; do
  [[ -s $f ]] || continue
  echo "--- $(basename "$f")"
  cat "$f"
done
echo "($((($(date +%s%N) - started) / 1000000)) ms)"
[[ $failed == 0 ]] && echo "PASS: hostile $scenario"
exit $failed
