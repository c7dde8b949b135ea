"""tessera_bench_io's workloads with Dask's threaded scheduler: Zarr v2 and v3 sharded through
zarr-python 3, HDF5 through h5py. The same array, chunks and compressors; JSON lines of the
same form, engine "dask".

    python bench/peers/dask_io.py --dir DIR [--gib 1] [--repeat 3] [--threads 2]
"""
import os
import shutil

import dask
import dask.array as da
import h5py
import numcodecs
import numpy as np
import zarr
from zarr.codecs import BloscCodec

from io_common import CHUNK, SHARD, arguments, emit, field, remove, timed


def held(n, block):
    """The field in block x block pieces, computed and held in memory (persisted)."""
    def piece(block_info=None):
        (i0, i1), (j0, j1) = block_info[None]["array-location"]
        return field(i0, i1, j0, j1)
    count = n // block
    return da.map_blocks(piece, chunks=((block,) * count, (block,) * count), dtype=np.float32,
                         meta=np.empty((0, 0), np.float32)).persist()


def main():
    args = arguments(__doc__)
    dask.config.set(scheduler="threads", num_workers=args.threads)
    root = os.path.join(args.dir, f"dask-io-{os.getpid()}")
    os.makedirs(root, exist_ok=True)
    n = args.n
    try:
        for _ in range(args.repeat):
            for kind in ("zarr", "zarr3_sharded"):
                if kind not in args.workloads:
                    continue
                path = os.path.join(root, "v2.zarr" if kind == "zarr" else "v3.zarr")
                remove(path)
                sharded = kind == "zarr3_sharded"
                x = held(n, SHARD if sharded else CHUNK)

                def write():
                    if sharded:
                        z = zarr.create_array(
                            store=path, shape=(n, n), chunks=(CHUNK, CHUNK), shards=(SHARD, SHARD),
                            dtype="float32", fill_value=0, zarr_format=3,
                            compressors=BloscCodec(cname="lz4", clevel=5, shuffle="shuffle"))
                    else:
                        z = zarr.create_array(
                            store=path, shape=(n, n), chunks=(CHUNK, CHUNK), dtype="float32",
                            fill_value=0, zarr_format=2,
                            compressors=numcodecs.Blosc(cname="lz4", clevel=5,
                                                        shuffle=numcodecs.Blosc.SHUFFLE))
                    da.store(x, z, lock=False)
                timing, _ = timed(write)
                emit(f"{kind}_write", "dask", args, kind, timing)
                del x
                timing, mean = timed(lambda: float(da.from_zarr(path).mean().compute()))
                emit(f"{kind}_read_mean", "dask", args, kind, timing, result=mean)
            if "hdf5" in args.workloads:
                path = os.path.join(root, "data.h5")
                remove(path)
                x = held(n, CHUNK)

                def write():
                    with h5py.File(path, "w") as f:
                        d = f.create_dataset("data", shape=(n, n), dtype="float32",
                                             chunks=(CHUNK, CHUNK))
                        da.store(x, d, lock=True)
                timing, _ = timed(write)
                emit("hdf5_write", "dask", args, "hdf5", timing)
                del x

                def read():
                    with h5py.File(path, "r") as f:
                        return float(da.from_array(f["data"]).mean().compute())
                timing, mean = timed(read)
                emit("hdf5_read_mean", "dask", args, "hdf5", timing, result=mean)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
