"""The workloads of tessera_bench_array with Dask's threaded scheduler (the peer), and NumPy's
one-core copy: JSON lines of the same form, so both runs can be set side by side.

    python bench/peers/dask_array.py --n 10000 --chunk 1000 --threads 2 [--repeat 3]
"""
import argparse
import json
import time

import dask
import dask.array as da
import numpy as np


def emit(workload, engine, args, seconds, rate, **extra):
    line = {"workload": workload, "engine": engine,
            "params": {"n": args.n, "chunk": args.chunk, "threads": args.threads},
            "seconds": seconds, "rate": rate}
    line.update(extra)
    print(json.dumps(line), flush=True)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--matmul-n", type=int, default=4000)
    parser.add_argument("--workloads",
                        default="copy,sum_x_plus_xT,mean_axis0,std,stencil5_sum,"
                                "rechunk_rows_to_cols,matmul")
    args = parser.parse_args()
    workloads = args.workloads.split(",")
    nbytes = 8.0 * args.n * args.n
    dask.config.set(scheduler="threads", num_workers=args.threads)

    x = da.random.default_rng(42).random((args.n, args.n), chunks=(args.chunk, args.chunk))
    x = x.persist()
    for _ in range(args.repeat):
        if "copy" in workloads:
            size = min(int(nbytes), 256 << 20)
            a = np.ones(size, dtype=np.uint8)
            b = np.empty_like(a)
            np.copyto(b, a)
            seconds, _ = timed(lambda: [np.copyto(b, a) if i % 2 else np.copyto(a, b) for i in range(8)])
            emit("copy", "numpy", args, seconds, 2.0 * size * 8 / seconds / 1e9)
        if "sum_x_plus_xT" in workloads:
            seconds, total = timed(lambda: float((x + x.T).sum().compute()))
            emit("sum_x_plus_xT", "dask-threads", args, seconds, nbytes / seconds / 1e9, result=total)
        if "mean_axis0" in workloads:
            seconds, mean = timed(lambda: x.mean(axis=0).compute())
            emit("mean_axis0", "dask-threads", args, seconds, nbytes / seconds / 1e9,
                 result=float(mean[0]))
        if "std" in workloads:
            seconds, s = timed(lambda: float(x.std().compute()))
            emit("std", "dask-threads", args, seconds, nbytes / seconds / 1e9, result=s)
        if "stencil5_sum" in workloads:
            def laplacian(b):
                out = -4.0 * b
                out[1:-1, 1:-1] += b[:-2, 1:-1] + b[2:, 1:-1] + b[1:-1, :-2] + b[1:-1, 2:]
                return out
            seconds, total = timed(lambda: float(
                x.map_overlap(laplacian, depth=1, boundary="periodic").sum().compute()))
            emit("stencil5_sum", "dask-threads", args, seconds, nbytes / seconds / 1e9,
                 result=total)
        if "rechunk_rows_to_cols" in workloads:
            rows = da.random.default_rng(7).random((args.n, args.n), chunks=(args.chunk, args.n))
            rows = rows.persist()
            seconds, _ = timed(lambda: rows.rechunk((args.n, args.chunk)).persist())
            emit("rechunk_rows_to_cols", "dask-threads", args, seconds, nbytes / seconds / 1e9)
        if "matmul" in workloads:
            m = args.matmul_n
            a = da.random.default_rng(3).random((m, m), chunks=(args.chunk, args.chunk)).persist()
            b = da.random.default_rng(4).random((m, m), chunks=(args.chunk, args.chunk)).persist()
            seconds, _ = timed(lambda: (a @ b).persist())
            emit("matmul", "dask-threads", args, seconds, 2.0 * m ** 3 / seconds / 1e9, matmul_n=m)


if __name__ == "__main__":
    main()
