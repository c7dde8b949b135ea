#!/usr/bin/env bash
# Runs the elastic probes (README.md shows what they printed on this machine).
#   bench/elastic_probe/run_probes.sh BUILD_DIR OUT_DIR [SCENARIO...]
# Every program runs under `timeout`, so a hang shows as exit status 124 instead of blocking;
# every ompi-server started here is stopped here.
set -uo pipefail

build="${1:?usage: run_probes.sh BUILD_DIR OUT_DIR [SCENARIO...]}"
out="${2:?usage: run_probes.sh BUILD_DIR OUT_DIR [SCENARIO...]}"
shift 2
probes="$build/bench/elastic_probe"
mkdir -p "$out"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
MPIRUN=(timeout 60 mpirun)

ompi_server_pid=
start_ompi_server() {  # $1: where it writes its URI
  rm -f "$1"
  timeout 300 ompi-server --no-daemonize --report-uri "$1" >"$1.log" 2>&1 &
  ompi_server_pid=$!
  for _ in $(seq 100); do [[ -s "$1" ]] && return 0; sleep 0.05; done
  echo "ompi-server wrote no URI to $1" >&2
  return 1
}
stop_ompi_server() {
  [[ -n "$ompi_server_pid" ]] && kill "$ompi_server_pid" 2>/dev/null && wait "$ompi_server_pid" 2>/dev/null
  ompi_server_pid=
}
trap stop_ompi_server EXIT

# Runs "$@" in the background into $log; the caller waits on $! (bash keeps it).
show() { echo "+ $*" | sed "s#$probes/##g"; }

# (a) no ompi-server, the port string passed through a file.
a_file_no_server() {
  local d="$out/a_file_no_server"; mkdir -p "$d"; rm -f "$d/port"
  show mpirun -n 1 tessera_probe_connect server --port-file "$d/port"
  "${MPIRUN[@]}" -n 1 "$probes/tessera_probe_connect" server --port-file "$d/port" >"$d/server.log" 2>&1 &
  local server=$!
  show mpirun -n 2 tessera_probe_connect client --port-file "$d/port"
  timeout 20 mpirun -n 2 "$probes/tessera_probe_connect" client --port-file "$d/port" >"$d/client.log" 2>&1
  echo "client exit $?"
  sleep 3; kill -0 $server 2>/dev/null && echo "server still waiting in MPI_Comm_accept 3 s after the client failed; killed" && kill $server
  wait $server; echo "server exit $?"
}

# (a) ompi-server; $1: publish|file; $2: clients; $3...: extra client arguments.
a_with_server() {
  local how="$1" clients="$2"; shift 2
  local d="$out/a_${how}_${clients}clients${1:+_${1#--}}"; mkdir -p "$d"; rm -f "$d"/port*
  start_ompi_server "$d/uri" || return 1
  local find=(--publish tessera-probe)
  [[ "$how" == file ]] && find=(--port-file "$d/port")
  show ompi-server --no-daemonize --report-uri uri
  show mpirun -n 1 --ompi-server file:uri tessera_probe_connect server "${find[@]}" --clients "$clients" "$@"
  "${MPIRUN[@]}" -n 1 --ompi-server "file:$d/uri" "$probes/tessera_probe_connect" server \
    "${find[@]}" --clients "$clients" "$@" >"$d/server.log" 2>&1 &
  local server=$! pids=() c
  for ((c = 0; c < clients; ++c)); do
    local extra=("$@")
    if [[ " $* " == *" --peer "* ]]; then  # client 0 opens a port for client 1
      extra=()
      if ((c == 0)); then extra=(--peer-open "$d/peer_port"); else extra=(--peer-join "$d/peer_port"); fi
    fi
    show mpirun -n 2 --ompi-server file:uri tessera_probe_connect client "${find[@]}" "${extra[@]}"
    "${MPIRUN[@]}" -n 2 --ompi-server "file:$d/uri" "$probes/tessera_probe_connect" client \
      "${find[@]}" "${extra[@]}" >"$d/client$c.log" 2>&1 &
    pids+=($!)
    sleep 1  # the clients join one after another
  done
  for c in "${!pids[@]}"; do wait "${pids[$c]}"; echo "client $c exit $?"; done
  wait $server; echo "server exit $?"
  stop_ompi_server
  cat "$d"/server.log "$d"/client*.log | grep '^{'
}

a_singleton() {  # the server started without mpirun
  local d="$out/a_singleton"; mkdir -p "$d"
  start_ompi_server "$d/uri" || return 1
  show OMPI_MCA_pmix_server_uri=file:uri tessera_probe_connect server --publish tessera-probe
  OMPI_MCA_pmix_server_uri="file:$d/uri" \
    timeout 60 "$probes/tessera_probe_connect" server --publish tessera-probe --clients 1 \
    >"$d/server.log" 2>&1 &
  local server=$!
  show mpirun -n 2 --ompi-server file:uri tessera_probe_connect client --publish tessera-probe
  "${MPIRUN[@]}" -n 2 --ompi-server "file:$d/uri" "$probes/tessera_probe_connect" client \
    --publish tessera-probe >"$d/client.log" 2>&1
  echo "client exit $?"
  wait $server; echo "server exit $?"
  stop_ompi_server
  cat "$d"/server.log "$d"/client.log
}

# (b) ping-pong sizes 8 B .. 64 MiB; $1: a variant named in pml_options.
# --bind-to none: two separately started mpiruns each bind their rank 0 to core 0, and the
# two busy-polling processes then share one core (4 ms, a scheduler tick, per message).
pml_options() {
  case "$1" in
    ob1) echo --bind-to none --mca pml ob1 ;;
    ucx) echo --bind-to none --mca pml ucx --mca pml_ucx_tls any --mca pml_ucx_devices any ;;
    ob1-bound) echo --mca pml ob1 ;;
  esac
}
b_pingpong() {
  local tag="$1" largest="${2:-67108864}" opts
  read -ra opts <<<"$(pml_options "$tag")"
  [[ "$tag" == ob1-bound ]] && largest="$largest --max-trips 200"
  local d="$out/b_$tag"; mkdir -p "$d"; rm -f "$d/port"
  show mpirun -n 2 "${opts[@]}" tessera_probe_pingpong world --largest $largest
  "${MPIRUN[@]}" -n 2 "${opts[@]}" "$probes/tessera_probe_pingpong" world --largest $largest \
    >"$d/world.log" 2>&1
  echo "world exit $?"
  start_ompi_server "$d/uri" || return 1
  show mpirun -n 1 --ompi-server file:uri "${opts[@]}" tessera_probe_pingpong server --port-file port --largest $largest
  "${MPIRUN[@]}" -n 1 --ompi-server "file:$d/uri" "${opts[@]}" "$probes/tessera_probe_pingpong" \
    server --port-file "$d/port" --largest $largest >"$d/server.log" 2>&1 &
  local server=$!
  show mpirun -n 1 --ompi-server file:uri "${opts[@]}" tessera_probe_pingpong client --port-file port --largest $largest
  "${MPIRUN[@]}" -n 1 --ompi-server "file:$d/uri" "${opts[@]}" "$probes/tessera_probe_pingpong" \
    client --port-file "$d/port" --largest $largest >"$d/client.log" 2>&1
  echo "client exit $?"
  wait $server; echo "server exit $?"
  stop_ompi_server
  grep -h '^{' "$d/world.log" "$d/server.log" | sed "s/}\$/,\"variant\":\"$tag\"}/"
}

# (c) a client job loses a process mid-exchange; the server then accepts a second job.
# $1: name; $2: pml variant (pml_options); $3: extra client mpirun options; $4: client
# arguments of job 0; $5: seconds after which this script SIGKILLs job 0's mpirun (0: never).
c_fault() {
  local name="$1" variant="$2" client_opts server_opts victim_args kill_after="${5:-0}"
  read -ra server_opts <<<"$(pml_options "$variant")"
  read -ra client_opts <<<"${server_opts[*]} $3"
  read -ra victim_args <<<"$4"
  local d="$out/c_$name"; mkdir -p "$d"; rm -f "$d/port"
  start_ompi_server "$d/uri" || return 1
  show mpirun -n 1 --ompi-server file:uri "${server_opts[@]}" tessera_probe_fault server --port-file port --clients 2 --rounds 400 --wait 2
  "${MPIRUN[@]}" -n 1 --ompi-server "file:$d/uri" "${server_opts[@]}" "$probes/tessera_probe_fault" \
    server --port-file "$d/port" --clients 2 --rounds 400 --wait 2 >"$d/server.log" 2>&1 &
  local server=$!
  show mpirun -n 2 --ompi-server file:uri "${client_opts[@]}" tessera_probe_fault client --port-file port "${victim_args[@]}"
  timeout 30 mpirun -n 2 --ompi-server "file:$d/uri" "${client_opts[@]}" "$probes/tessera_probe_fault" \
    client --port-file "$d/port" "${victim_args[@]}" >"$d/client0.log" 2>&1 &
  local job0=$!
  if ((kill_after > 0)); then
    for _ in $(seq 400); do
      (($(grep -c '"connected"' "$d/client0.log") >= 2)) && break
      sleep 0.05
    done
    sleep "$kill_after"
    local launcher; launcher="$(pgrep -P "$job0" mpirun)"
    echo "SIGKILL to job 0's mpirun (pid $launcher) at $(date +%s.%N)"
    kill -KILL "$launcher"
  fi
  wait $job0; echo "client job 0 exit $?"
  local pids; pids="$(grep '"connected"' "$d/client0.log" | grep -o '"pid":[0-9]*' | cut -d: -f2)"
  for pid in $pids; do
    kill -0 "$pid" 2>/dev/null && echo "job 0 process $pid still running after its mpirun ended ($(date +%s.%N))"
  done
  # A stopped victim outlives its mpirun's timeout: end it by the pid it printed.
  local victim_pid
  victim_pid="$(grep '"signal":"STOP"' "$d/client0.log" | grep -o '"pid":[0-9]*' | cut -d: -f2)"
  if [[ -n "$victim_pid" ]] && kill -0 "$victim_pid" 2>/dev/null; then
    echo "the stopped process $victim_pid is still there; SIGKILL"
    kill -KILL "$victim_pid"
  fi
  show mpirun -n 2 --ompi-server file:uri "${client_opts[@]}" tessera_probe_fault client --port-file port
  timeout 30 mpirun -n 2 --ompi-server "file:$d/uri" "${client_opts[@]}" "$probes/tessera_probe_fault" \
    client --port-file "$d/port" >"$d/client1.log" 2>&1
  echo "client job 1 exit $?"
  wait $server; echo "server exit $?"
  stop_ompi_server
  for pid in $pids; do
    kill -0 "$pid" 2>/dev/null && echo "job 0 process $pid still running at the end; SIGKILL" &&
      kill -KILL "$pid"
  done
  grep -h '^{' "$d/client0.log" "$d/server.log"
  grep -hv '^{' "$d/server.log" | grep -E "ERROR|abort|Abort|error" | head -5
}

# (d) UCX: ping-pong, then a server with three client processes started separately: the first
# is killed (or stopped) after 50 heartbeats, the third joins after that.
d_pingpong() {
  local d="$out/d_pingpong"; mkdir -p "$d"; rm -f "$d/port"
  show tessera_probe_ucx server --port-file port --pingpong
  timeout 120 "$probes/tessera_probe_ucx" server --port-file "$d/port" --pingpong >"$d/server.log" 2>&1 &
  local server=$!
  show tessera_probe_ucx client --port-file port --pingpong --lanes
  timeout 120 "$probes/tessera_probe_ucx" client --port-file "$d/port" --pingpong --lanes >"$d/client.log" 2>&1
  echo "client exit $?"
  wait $server; echo "server exit $?"
  grep 'lane\[' "$d/client.log"
  grep -h '^{' "$d/server.log" | sed 's/}$/,"variant":"ucx"}/'
}
d_fault() {  # $1: KILL or STOP
  local d="$out/d_$1"; mkdir -p "$d"; rm -f "$d/port"
  show tessera_probe_ucx server --port-file port --clients 3 --seconds 5 --wait 2
  timeout 60 "$probes/tessera_probe_ucx" server --port-file "$d/port" --clients 3 --seconds 5 \
    --wait 2 >"$d/server.log" 2>&1 &
  local server=$!
  show tessera_probe_ucx client --port-file port --after 50 --signal "$1"
  timeout 60 "$probes/tessera_probe_ucx" client --port-file "$d/port" --after 50 --signal "$1" \
    >"$d/client0.log" 2>&1 &
  local victim=$!
  sleep 0.5
  show tessera_probe_ucx client --port-file port
  timeout 60 "$probes/tessera_probe_ucx" client --port-file "$d/port" >"$d/client1.log" 2>&1 &
  local survivor=$!
  sleep 2
  show tessera_probe_ucx client --port-file port  # joins after the failure
  timeout 60 "$probes/tessera_probe_ucx" client --port-file "$d/port" >"$d/client2.log" 2>&1
  echo "late client exit $?"
  wait $survivor; echo "surviving client exit $?"
  wait $server; echo "server exit $?"
  local pid; pid="$(grep -o '"pid":[0-9]*' "$d/client0.log" | head -1 | cut -d: -f2)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    echo "the stopped client $pid is still there; SIGKILL"; kill -KILL "$pid"
  fi
  wait $victim; echo "victim exit $?"
  grep -h '^{' "$d/client0.log" "$d/server.log"
}

victim="--victim 1 --after 50 --signal"
scenarios=("$@")
[[ ${#scenarios[@]} -gt 0 ]] || scenarios=(a)
for scenario in "${scenarios[@]}"; do
  case "$scenario" in
    a)
      echo "== a: port through a file, no ompi-server"; a_file_no_server
      echo "== a: publish/lookup through ompi-server"; a_with_server publish 1
      echo "== a: port through a file, ompi-server running"; a_with_server file 1
      echo "== a: server as a singleton"; a_singleton
      echo "== a: two clients one after another, merged"; a_with_server publish 2 --merge
      echo "== a: two clients, client<->client through a second port"; a_with_server publish 2 --peer
      ;;
    b)
      echo "== b: ping-pong, ob1 (Debian's default pml), each mpirun binding to core 0"
      b_pingpong ob1-bound 512
      for variant in ob1 ucx; do
        echo "== b: ping-pong, $variant"; b_pingpong $variant
      done
      ;;
    c) "$0" "$build" "$out" c_kill_ob1 c_kill_ucx c_kill_ob1_recovery c_kill_ucx_recovery \
         c_stop_ob1 c_kill_mpirun_ob1 c_kill_mpirun_ucx ;;
    c_kill_ob1) echo "== c: SIGKILL one client process, ob1"
      c_fault kill_ob1 ob1 "" "$victim KILL" ;;
    c_kill_ucx) echo "== c: SIGKILL one client process, ucx"
      c_fault kill_ucx ucx "" "$victim KILL" ;;
    c_kill_ob1_recovery) echo "== c: SIGKILL one client process, ob1, client mpirun --enable-recovery"
      c_fault kill_ob1_recovery ob1 "--enable-recovery" "$victim KILL" ;;
    c_kill_ucx_recovery) echo "== c: SIGKILL one client process, ucx, client mpirun --enable-recovery"
      c_fault kill_ucx_recovery ucx "--enable-recovery" "$victim KILL" ;;
    c_stop_ob1) echo "== c: SIGSTOP one client process, ob1"
      c_fault stop_ob1 ob1 "" "$victim STOP" ;;
    c_kill_mpirun_ob1) echo "== c: SIGKILL the client job's mpirun (as scancel ends a job), ob1"
      c_fault kill_mpirun_ob1 ob1 "" "" 1 ;;
    c_kill_mpirun_ucx) echo "== c: SIGKILL the client job's mpirun (as scancel ends a job), ucx"
      c_fault kill_mpirun_ucx ucx "" "" 1 ;;
    d) echo "== d: UCX ping-pong"; d_pingpong
       echo "== d: UCX, SIGKILL one client"; d_fault KILL
       echo "== d: UCX, SIGSTOP one client"; d_fault STOP ;;
    *) echo "unknown scenario $scenario" >&2; exit 2 ;;
  esac
done
