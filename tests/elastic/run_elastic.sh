#!/usr/bin/env bash
# Starts an elastic cluster as a batch system would: the program alone as its scheduler (with
# TESSERA_SCHEDULER_FILE), and worker processes of the same program that join it later
# (TESSERA_ROLE=worker). Checks the program's own result checks, every exit status (so no
# process outlives the run), and that the scheduler file is removed.
#   run_elastic.sh PROGRAM SCENARIO [WORKER COMMAND...]
# Scenarios:
#   basic: 2 workers join after the scheduler.
#   workers-first: a worker starts before the scheduler and waits for its file.
#   late-join: the second worker joins 2 s after the first.
#   no-scheduler: a worker whose scheduler never comes gives up, naming the file.
#   ended-while-joining: a worker joining a scheduler that never answers ends with status 0
#     if the scheduler file is removed meanwhile (as a scheduler that ends does), and with an
#     error naming the address if not.
#   kill-worker: one of three workers is SIGKILLed half way through a computation: it still
#     completes with right results.
#   stop-worker: one is SIGSTOPped: after worker_timeout it counts as lost and the
#     computation completes without it.
#   lifetimes: workers retire after 2 +- 0.5 s, each replaced ahead of time by a new one as
#     lifetime_restart does, while a computation of about 6 s runs: it completes, every worker
#     leaves with status 0, and so do the replacements left at the end, sent SIGTERM.
#   sigterm: a worker sent SIGTERM, as Slurm does before a walltime kill, retires the same
#     way; here a replacement starts only once it has gone, as it would in a batch queue.
#   tessera-worker: as basic, with the worker command given after the scenario
#     (tessera-worker and a task library).
#   adapt-slurm: the program adapts a SlurmCluster of its own jobs on the local Slurm: they
#     grow to 3 workers while it computes and are all gone once it idles; skipped when no
#     Slurm answers.
#   slurm-lifetimes: 3 Slurm jobs of workers that retire after 3 +- 1 s and are replaced by
#     the cluster ahead of time, while a computation of about 8 s runs; half way one job is
#     scancelled and one worker SIGKILLed: the results are right, and no job, worker, spill
#     file or scheduler file is left.
set -uo pipefail
# CTest's limit is 180 s: a run that hangs is sent SIGTERM before, and shows what was said.
if [[ -z ${RUN_ELASTIC_TIMED:-} ]]; then
  RUN_ELASTIC_TIMED=1 exec timeout -s TERM "${TESSERA_TEST_ELASTIC_LIMIT:-150}" "$0" "$@"
fi
program="$1"
scenario="$2"
shift 2
worker_command=("$@")  # what workers run: PROGRAM itself unless given
[[ ${#worker_command[@]} == 0 ]] && worker_command=("$program")
work="$(mktemp -d "${TMPDIR:-/tmp}/tessera-elastic-XXXXXX")"
# On the way out (also when killed with TERM, as a time limit does), the programs go too:
# the children of each `timeout` first, which would outlive it.
stop_all() { for job in $(jobs -p); do pkill -KILL -P "$job"; kill -KILL "$job"; done 2>/dev/null; }
trap 'stop_all; rm -rf "$work"' EXIT
trap 'echo "FAIL: stopped by a signal; the output so far:"; show; exit 1' TERM INT
export TESSERA_SCHEDULER_FILE="$work/scheduler.json"
export TESSERA_WORKER_DEATH_TIMEOUT=20
failed=0
fail() { echo "FAIL: $*"; failed=1; }

start_scheduler() {  # args: the program's arguments
  timeout 120 "$program" "$@" >"$work/scheduler.out" 2>&1 &
  scheduler=$!
}
start_worker() {  # arg: a name for its output
  TESSERA_ROLE=worker timeout 120 "${worker_command[@]}" >"$work/$1.out" 2>&1 &
  eval "$1=$!"
}
expect_exit() {  # args: pid, name, expected status
  wait "$1"
  local status=$?
  [[ $status == "$3" ]] || fail "$2 exited with $status, expected $3"
}
show() { for f in "$work"/*.out; do echo "--- $(basename "$f")"; cat "$f"; done; }

case "$scenario" in
  basic | late-join | workers-first | tessera-worker)
    if [[ $scenario == workers-first ]]; then
      start_worker w1
      sleep 1
      start_scheduler --workers 2
    else
      start_scheduler --workers 2
      sleep 0.3
      start_worker w1
    fi
    [[ $scenario == late-join ]] && sleep 2
    start_worker w2
    expect_exit "$scheduler" scheduler 0
    expect_exit "$w1" "worker 1" 0
    expect_exit "$w2" "worker 2" 0
    grep -q "elastic_app: all results right" "$work/scheduler.out" || fail "wrong results"
    ;;
  kill-worker | stop-worker)
    [[ $scenario == stop-worker ]] && export TESSERA_WORKER_TIMEOUT=2
    start_scheduler --workers 3 --long-seconds 4
    start_worker w1
    start_worker w2
    start_worker w3
    for _ in $(seq 600); do grep -q computing "$work/scheduler.out" && break; sleep 0.1; done
    sleep "${KILL_AFTER:-1.5}"  # seconds into the computation
    if [[ $scenario == kill-worker ]]; then
      kill -KILL "$(pgrep -P "$w2")"
      expect_exit "$w2" "the killed worker" 137
    else
      victim="$(pgrep -P "$w2")"
      kill -STOP "$victim"
    fi
    expect_exit "$scheduler" scheduler 0
    expect_exit "$w1" "worker 1" 0
    expect_exit "$w3" "worker 3" 0
    if [[ $scenario == stop-worker ]]; then
      kill -KILL "$victim"
      wait "$w2"
    fi
    grep -q "elastic_app: all results right" "$work/scheduler.out" || fail "wrong results"
    ;;
  lifetimes | sigterm)
    # TESSERA_TEST_WORKER_LIFETIME(_STAGGER): longer lifetimes for slow builds (ThreadSanitizer),
    # for this scenario only: workers of the others must not retire with nobody to replace them.
    [[ $scenario == lifetimes ]] &&
      export TESSERA_WORKER_LIFETIME=${TESSERA_TEST_WORKER_LIFETIME:-2} \
        TESSERA_WORKER_LIFETIME_STAGGER=${TESSERA_TEST_WORKER_LIFETIME_STAGGER:-0.5}
    start_scheduler --workers 3 --long-seconds 6
    now() { date +%s.%N; }
    declare -A alive=() born=() replaced=()
    started=0
    retired=0
    for n in 1 2 3; do
      start_worker "w$n"
      alive[w$n]=1
      born[w$n]=$(now)
      started=$n
    done
    for _ in $(seq 600); do grep -q computing "$work/scheduler.out" && break; sleep 0.1; done
    [[ $scenario == sigterm ]] && { sleep 1; kill -TERM "$(pgrep -P "$w1")"; }
    # As lifetime_restart does: a replacement starts before a worker's lifetime is over
    # (lifetime - stagger - 0.3 s after it started), so that a retiring worker has somewhere
    # to hand its results.
    lead=$(awk -v l="${TESSERA_WORKER_LIFETIME:-0}" -v s="${TESSERA_WORKER_LIFETIME_STAGGER:-0}" \
      'BEGIN { print l - s - 0.3 }')
    while kill -0 "$scheduler" 2>/dev/null; do
      for name in "${!alive[@]}"; do
        pid="${!name}"
        if kill -0 "$pid" 2>/dev/null; then
          [[ $scenario == lifetimes && -z ${replaced[$name]:-} ]] || continue
          awk -v t="$(now)" -v b="${born[$name]}" -v l="$lead" 'BEGIN { exit !(t - b > l) }' ||
            continue
          replaced[$name]=1
        else
          wait "$pid"
          status=$?
          unset "alive[$name]"
          [[ $status == 0 ]] || fail "$name exited with $status, expected 0 (it retires)"
          retired=$((retired + 1))
          [[ $scenario == lifetimes ]] && continue
        fi
        if grep -q computing "$work/scheduler.out" && ! grep -q "all results right" "$work/scheduler.out"; then
          started=$((started + 1))
          start_worker "w$started"
          alive[w$started]=1
          born[w$started]=$(now)
        fi
      done
      sleep 0.1
    done
    expect_exit "$scheduler" scheduler 0
    # A replacement started as the computation ended may still wait for the scheduler file, or
    # be joining the scheduler that has just ended. As a batch system cancels the jobs of a
    # cluster that is closed, each left is sent SIGTERM: it ends with status 0.
    # (One that had only just started, before tessera set its handler, is ended by the signal.)
    for name in "${!alive[@]}"; do
      pkill -TERM -P "${!name}"
      wait "${!name}"
      status=$?
      [[ $status == 0 || ($status == 143 && ! -s $work/$name.out) ]] ||
        fail "$name (sent SIGTERM after the scheduler ended) exited with $status, expected 0"
    done
    echo "$retired workers retired during the computation, $started started"
    (( retired >= 1 )) || fail "no worker retired"
    grep -q "elastic_app: all results right" "$work/scheduler.out" || fail "wrong results"
    ;;
  adapt-slurm)
    if ! timeout 20 scontrol ping 2>/dev/null | grep -q "is UP"; then
      echo "skipped: no Slurm cluster answers (scripts/slurm-local.sh up starts one)"
      exit 0
    fi
    start_scheduler --workers 3 --long-seconds 4 --adapt-slurm 3
    expect_exit "$scheduler" scheduler 0
    grep -q "elastic_app: all results right" "$work/scheduler.out" || fail "wrong results"
    ;;
  slurm-lifetimes)
    if ! timeout 20 scontrol ping 2>/dev/null | grep -q "is UP"; then
      echo "skipped: no Slurm cluster answers (scripts/slurm-local.sh up starts one)"
      exit 0
    fi
    start_scheduler --workers 3 --long-seconds 8 --slurm-jobs 3 \
      --lifetime "${TESSERA_TEST_SLURM_LIFETIME:-3}" --stagger 1
    for _ in $(seq 600); do grep -q computing "$work/scheduler.out" && break; sleep 0.1; done
    sleep 2
    mine() { squeue -h -o "%i %j %o" | awk -v me="$program" '$3 == me {print $1}'; }
    victim_job="$(mine | head -n 1)"
    [[ -n $victim_job ]] && scancel "$victim_job"
    sleep 1
    victim="$(pgrep -fx "$program" | head -n 1)"
    [[ -n $victim ]] && kill -KILL "$victim"
    expect_exit "$scheduler" scheduler 0
    grep -q "elastic_app: all results right" "$work/scheduler.out" || fail "wrong results"
    for _ in $(seq 100); do [[ -z "$(mine)" ]] && break; sleep 0.2; done
    [[ -z "$(mine)" ]] || fail "jobs are left in squeue: $(mine | tr '\n' ' ')"
    pgrep -fx "$program" >/dev/null && fail "worker processes are left: $(pgrep -fx "$program")"
    [[ -z "$(ls -A "$work/spill" 2>/dev/null)" ]] || fail "spill files are left"
    ;;
  no-scheduler)
    export TESSERA_WORKER_DEATH_TIMEOUT=1
    start_worker w1
    expect_exit "$w1" "a worker without a scheduler" 1
    grep -q "scheduler.json" "$work/w1.out" || fail "the worker's message does not name the file"
    ;;
  ended-while-joining)
    # A "scheduler" that takes connections and never answers: a worker's join waits. If the
    # scheduler file goes meanwhile (a scheduler that ends normally removes it), the worker
    # ends with status 0; while the file is still there, it is an error naming the address.
    export TESSERA_WORKER_DEATH_TIMEOUT=4
    python3 -c '
import socket, sys, time
listener = socket.create_server(("", 0))
print(listener.getsockname()[1], flush=True)
held = []
listener.settimeout(0.2)
for _ in range(300):
    try:
        held.append(listener.accept()[0])
    except socket.timeout:
        pass' >"$work/listener.out" &
    listener=$!
    for _ in $(seq 100); do [[ -s $work/listener.out ]] && break; sleep 0.1; done
    publish() {
      printf '{"tessera_scheduler_file": 1, "transport": "ucx", "address": "%s:%s", "host": "%s", "pid": %s, "created": %s}\n' \
        "$(hostname)" "$(cat "$work/listener.out")" "$(hostname)" "$listener" "$(date +%s)" \
        >"$TESSERA_SCHEDULER_FILE"
    }
    publish
    start_worker w1
    sleep 1.5
    rm -f "$TESSERA_SCHEDULER_FILE"
    expect_exit "$w1" "a worker whose scheduler ended as it joined" 0
    grep -q "has ended (it removed its file" "$work/w1.out" || fail "w1 does not say the scheduler ended"
    publish
    start_worker w2
    expect_exit "$w2" "a worker whose scheduler never answers" 1
    grep -q "$(cat "$work/listener.out")" "$work/w2.out" || fail "w2's error does not name the address"
    rm -f "$TESSERA_SCHEDULER_FILE"
    kill "$listener"
    ;;
  *)
    echo "unknown scenario $scenario"
    exit 2
    ;;
esac
[[ -e $TESSERA_SCHEDULER_FILE ]] && fail "the scheduler file is left behind"
show
[[ $failed == 0 ]] && echo "PASS: elastic $scenario"
exit $failed
