"""What the storage peers (dask_io.py, tensorstore_io.py) share with tessera_bench_io: the array's
side, its elements, the command line and the JSON lines."""
import argparse
import json
import math
import os
import resource
import shutil
import time

import numpy as np

CHUNK = 1000
SHARD = 4 * CHUNK
CACHE = "read back right after the write: from the page cache"
BLOSC = "blosc lz4 shuffle clevel 5"


def side_of(gib):
    """The side of the square float32 array: a multiple of the shard side near gib GiB."""
    shards = round(math.sqrt(gib * (1 << 30) / 4) / SHARD)
    return max(shards, 1) * SHARD


def field(i0, i1, j0, j1):
    """Elements [i0:i1, j0:j1]: tessera_bench_io's field_block, in float64 rounded to float32."""
    i = np.arange(i0, i1, dtype=np.int64)[:, None]
    j = np.arange(j0, j1, dtype=np.int64)[None, :]
    row = np.sin(i * 0.001) * 50.0
    ripple = ((i * 7 + j * 13) % 101) * 0.01
    return (row + j * 0.002 + ripple).astype(np.float32)


def arguments(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--workloads", default="zarr,zarr3_sharded,hdf5")
    args = parser.parse_args()
    args.workloads = args.workloads.split(",")
    args.n = side_of(args.gib)
    args.bytes = 4.0 * args.n * args.n
    return args


def layout(kind):
    if kind == "zarr":
        return {"format": 2, "chunks": [CHUNK, CHUNK], "compressor": BLOSC}
    if kind == "zarr3_sharded":
        return {"format": 3, "chunks": [CHUNK, CHUNK], "shards": [SHARD, SHARD], "compressor": BLOSC}
    return {"chunks": [CHUNK, CHUNK], "compressor": "none"}


def emit(workload, engine, args, kind, timing, **extra):
    seconds, cpu_seconds = timing
    params = {"shape": [args.n, args.n], "bytes": args.bytes}
    params.update(layout(kind))
    params.update({"threads": args.threads, "cache": CACHE})
    line = {"workload": workload, "engine": engine, "params": params, "seconds": seconds,
            "rate": args.bytes / seconds / 1e9, "cpu_seconds": cpu_seconds}
    line.update(extra)
    print(json.dumps(line), flush=True)


def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn):
    """fn's result, and the wall and CPU seconds it took."""
    start, start_cpu = time.perf_counter(), cpu()
    result = fn()
    return (time.perf_counter() - start, cpu() - start_cpu), result


def remove(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)
