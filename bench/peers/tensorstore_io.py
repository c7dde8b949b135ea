"""tessera_bench_io's Zarr workloads with TensorStore: Zarr v2 (driver "zarr") and v3 sharded
(driver "zarr3"), the same array, chunks and compressors, written from a NumPy array held in
memory and read back into one, then averaged with NumPy (TensorStore's data copies on --threads
threads). JSON lines of the same form, engine
"tensorstore".

    python bench/peers/tensorstore_io.py --dir DIR [--gib 1] [--repeat 3]
"""
import os
import shutil

import numpy as np
import tensorstore as ts

from io_common import CHUNK, SHARD, arguments, emit, field, remove, timed

BYTES = {"name": "bytes", "configuration": {"endian": "little"}}
BLOSC = {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle",
                                            "typesize": 4, "blocksize": 0}}


def spec(kind, path, n):
    kvstore = {"driver": "file", "path": path}
    if kind == "zarr":
        return {"driver": "zarr", "kvstore": kvstore,
                "metadata": {"shape": [n, n], "chunks": [CHUNK, CHUNK], "dtype": "<f4",
                             "order": "C", "fill_value": 0, "filters": None,
                             "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5,
                                            "shuffle": 1, "blocksize": 0}}}
    sharding = {"name": "sharding_indexed",
                "configuration": {"chunk_shape": [CHUNK, CHUNK], "codecs": [BYTES, BLOSC],
                                  "index_codecs": [BYTES, {"name": "crc32c"}],
                                  "index_location": "end"}}
    return {"driver": "zarr3", "kvstore": kvstore,
            "metadata": {"shape": [n, n], "data_type": "float32", "fill_value": 0,
                         "chunk_grid": {"name": "regular",
                                        "configuration": {"chunk_shape": [SHARD, SHARD]}},
                         "chunk_key_encoding": {"name": "default"},
                         "codecs": [sharding]}}


def main():
    args = arguments(__doc__)
    root = os.path.join(args.dir, f"tensorstore-io-{os.getpid()}")
    os.makedirs(root, exist_ok=True)
    n = args.n
    context = ts.Context({"data_copy_concurrency": {"limit": args.threads}})
    data = np.empty((n, n), np.float32)
    for i in range(0, n, CHUNK):
        data[i:i + CHUNK] = field(i, i + CHUNK, 0, n)
    try:
        for _ in range(args.repeat):
            for kind in ("zarr", "zarr3_sharded"):
                if kind not in args.workloads:
                    continue
                path = os.path.join(root, "v2.zarr" if kind == "zarr" else "v3.zarr")
                remove(path)
                s = spec(kind, path, n)

                def write():
                    store = ts.open(s, create=True, delete_existing=True, context=context).result()
                    store.write(data).result()
                timing, _ = timed(write)
                emit(f"{kind}_write", "tensorstore", args, kind, timing)

                def read():
                    store = ts.open({"driver": s["driver"], "kvstore": s["kvstore"]},
                                    open=True, context=context).result()
                    return float(store.read().result().mean(dtype=np.float64))
                timing, mean = timed(read)
                emit(f"{kind}_read_mean", "tensorstore", args, kind, timing, result=mean)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
