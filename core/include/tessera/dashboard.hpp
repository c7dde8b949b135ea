#pragma once
// The live dashboard and Prometheus metrics, served over HTTP.
//
//   tessera::config::set("dashboard_address", "127.0.0.1:8787");   // or TESSERA_DASHBOARD_ADDRESS
//   tessera::Runtime rt(argc, argv);     // rank 0 (or this process) serves the dashboard
//   // open http://127.0.0.1:8787/ in a browser (through an SSH tunnel on a cluster), or
//   // curl http://127.0.0.1:8787/metrics   (Prometheus text format; scrape it from Prometheus)
//
// The page at / is self-contained (nothing fetched from the network) and updates itself once
// a second: the task stream (a lane per worker thread, tasks coloured by prefix), progress per
// task prefix, tasks processing per worker, worker memory with the spill and pause thresholds
// and spilled bytes, data transferred between workers, and the event log. It polls JSON that
// scripts may read too: /api/snapshot (the numbers above), /api/tasks?since=T&limit=N (tasks
// that stopped since T, the newest at most 5000, and the "now" to ask from next) and
// /api/events?since=T (events of every topic, the newest 500).
//
// Off by default. Under MPI rank 0 serves it for the whole cluster, including each worker's
// memory, spilled bytes and transfers; without MPI the process of the local clients serves it.
// The server starts with the Runtime (or the first local Client), prints its URL on standard
// error, and stops when the Runtime (or the last Client) ends. Port 0 picks a free port; a port
// in use is replaced by a free one, with a warning.

#include <string>

namespace tessera {

/// The dashboard's URL ("http://127.0.0.1:8787/"), or "" when none is served in this process.
std::string dashboard_url();

}  // namespace tessera
