#pragma once
// tessera: Dask's model — lazy task graphs, futures, chunked collections — in C++20, on
// the cores of one machine or the ranks of an MPI job. Include this one header.

#include "tessera/buffer.hpp"
#include "tessera/client.hpp"
#include "tessera/config.hpp"
#include "tessera/dashboard.hpp"
#include "tessera/delayed.hpp"
#include "tessera/errors.hpp"
#include "tessera/events.hpp"
#include "tessera/future.hpp"
#include "tessera/graph.hpp"
#include "tessera/key.hpp"
#include "tessera/memory.hpp"
#include "tessera/performance_report.hpp"
#include "tessera/progress.hpp"
#include "tessera/runtime.hpp"
#include "tessera/serialize.hpp"
#include "tessera/task.hpp"
#include "tessera/value.hpp"
#include "tessera/visualize.hpp"
