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
  OMPI_MCA_orte_data_server_uri="file:$d/uri" OMPI_MCA_pmix_server_uri="file:$d/uri" \
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
    *) echo "unknown scenario $scenario" >&2; exit 2 ;;
  esac
done
