#!/usr/bin/env python3
"""Zarr stores written and read by the real zarr-python 3, for tests/io/test_zarr_interop.cpp.

    python3 zarr_cases.py --venv BUILD/venv write OUT_DIR   # zarr-python writes the cases
    python3 zarr_cases.py --venv BUILD/venv check OUT_DIR   # checks the stores tessera wrote

With --venv, makes the virtual environment (python3 -m venv, then pip install zarr numpy
xarray) unless it already imports them, and runs again inside it. `write` makes
OUT_DIR/python/<case> (a store whose array "a" holds the values below) and
OUT_DIR/python/cases.txt, one case a line: <case> <dtype> <shape, comma separated>. `check`
opens every store in OUT_DIR/cpp (as listed in OUT_DIR/cpp/cases.txt, written by the C++
test) and compares its values.

The values of element i (C order) of every array, which the C++ test computes too:
    floats: (i % 1000) * 0.5 - 7;  int32/int64: (i % 1000) * 3 - 50;  uint8: i % 251;
    bool: i % 3 == 0.
A case named *_missing writes only the first row of chunks: the rest reads as the fill value.

Groups: `write` also makes OUT_DIR/python_groups/v2 and v3, hierarchies with consolidated
metadata (root attributes {"title": "zarr-python"}; the array "temperature", float32 10x7; the
group "surface" with attributes {"level": 0} holding the array "t2m", float64 10x7, and the empty
group "deep"). `check` opens OUT_DIR/cpp_groups/v2 and v3 (written by the C++ test): their
consolidated metadata lists the members below, and xarray opens the group "climate" as a
dataset with dimensions lat and lon.
"""

import os
import shutil
import subprocess
import sys
import warnings


def ensure_venv(venv):
    python = os.path.join(venv, "bin", "python")
    if os.path.exists(python):
        imports = subprocess.run([python, "-c", "import zarr, numpy, xarray"],
                                 capture_output=True)
        if imports.returncode == 0:
            return python
    else:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "zarr", "numpy", "xarray"], check=True)
    return python


if "--venv" in sys.argv:
    i = sys.argv.index("--venv")
    args = sys.argv[1:i] + sys.argv[i + 2:]
    python = ensure_venv(sys.argv[i + 1])
    sys.exit(subprocess.run([python, os.path.abspath(__file__)] + args).returncode)

import numpy as np  # noqa: E402
import zarr  # noqa: E402
from zarr.codecs import (BloscCodec, BytesCodec, Crc32cCodec, GzipCodec,  # noqa: E402
                         ShardingCodec, TransposeCodec, ZstdCodec)
import numcodecs  # noqa: E402
import xarray  # noqa: E402


def values(dtype, shape):
    i = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    kind = np.dtype(dtype)
    if kind.kind == "f":
        return ((i % 1000) * 0.5 - 7).astype(kind)
    if kind.kind == "b":
        return i % 3 == 0
    if kind == np.uint8:
        return (i % 251).astype(kind)
    return ((i % 1000) * 3 - 50).astype(kind)


SHAPE = (10, 7)
CHUNKS = (4, 3)


def v2(compressor, dtype="<f4", order="C", separator=".", fill=0):
    return dict(zarr_format=2, dtype=dtype, compressors=compressor, order=order,
                chunk_key_encoding={"name": "v2", "separator": separator}, fill_value=fill)


def v3(codecs, dtype="float32", chunks=CHUNKS, keys=None, fill=0):
    options = dict(zarr_format=3, dtype=dtype, serializer=codecs[0], compressors=codecs[1:],
                   fill_value=fill)
    if keys:
        options["chunk_key_encoding"] = keys
    if chunks != CHUNKS:
        options["chunks"] = chunks
    return options


def sharded(location):
    return ShardingCodec(chunk_shape=(2, 3), codecs=[BytesCodec(), ZstdCodec(level=1)],
                         index_location=location)


CASES = {
    "v2_blosc_lz4": v2(numcodecs.Blosc("lz4", 5, numcodecs.Blosc.SHUFFLE)),
    "v2_blosc_zstd_bit": v2(numcodecs.Blosc("zstd", 3, numcodecs.Blosc.BITSHUFFLE), "<f8"),
    "v2_blosc_blosclz": v2(numcodecs.Blosc("blosclz", 5, numcodecs.Blosc.NOSHUFFLE), "<i4"),
    "v2_blosc_zlib": v2(numcodecs.Blosc("zlib", 5, numcodecs.Blosc.SHUFFLE), "<i8"),
    "v2_zlib": v2(numcodecs.Zlib(level=3), "|u1"),
    "v2_gzip": v2(numcodecs.GZip(level=3), "|b1", fill=False),
    "v2_zstd": v2(numcodecs.Zstd(level=1)),
    "v2_none_big_endian": v2(None, ">f8"),
    "v2_big_endian_i4": v2(numcodecs.Zlib(level=1), ">i4"),
    "v2_order_f": v2(numcodecs.Blosc("lz4", 5, numcodecs.Blosc.SHUFFLE), "<f4", order="F"),
    "v2_slash_separator": v2(numcodecs.Zstd(level=1), separator="/"),
    "v2_nan_fill_missing": v2(numcodecs.Blosc("lz4", 5, 1), fill=float("nan")),
    "v3_bytes": v3([BytesCodec()]),
    "v3_big_endian": v3([BytesCodec(endian="big")], "float64"),
    "v3_blosc": v3([BytesCodec(), BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")]),
    "v3_blosc_zstd_bit": v3([BytesCodec(), BloscCodec(cname="zstd", shuffle="bitshuffle")],
                            "int64"),
    "v3_gzip": v3([BytesCodec(), GzipCodec(level=1)], "int32"),
    "v3_zstd_crc32c": v3([BytesCodec(), ZstdCodec(level=3), Crc32cCodec()], "uint8"),
    "v3_bool": v3([BytesCodec(), ZstdCodec(level=3)], "bool", fill=False),
    "v3_v2_keys": v3([BytesCodec()], keys={"name": "v2", "separator": "."}),
    "v3_sharded_end": v3([sharded("end")], chunks=(4, 6)),
    "v3_sharded_start": v3([sharded("start")], "float64", chunks=(4, 6)),
    "v3_sharded_missing": v3([sharded("end")], chunks=(4, 6), fill=float("-inf")),
}


def write(out):
    root = os.path.join(out, "python")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    lines = []
    for name, options in CASES.items():
        options = dict(options)
        dtype = np.dtype(options.pop("dtype"))
        fmt = options.pop("zarr_format")
        chunks = options.pop("chunks", CHUNKS)
        array = zarr.create_array(os.path.join(root, name), name="a", shape=SHAPE,
                                  chunks=chunks,  # the shards' shape when sharded
                                  dtype=dtype, zarr_format=fmt, **options)
        data = values(dtype, SHAPE)
        if name.endswith("_missing"):
            array[0:4] = data[0:4]
        else:
            array[...] = data
        lines.append(f"{name} {dtype.str} {','.join(map(str, SHAPE))}")
    # The transpose codec: not through create_array's serializer list, written by hand.
    name = "v3_transpose"
    array = zarr.create_array(os.path.join(root, name), name="a", shape=SHAPE, chunks=CHUNKS,
                              dtype="float32", zarr_format=3,
                              filters=[TransposeCodec(order=(1, 0))], compressors=None)
    array[...] = values("float32", SHAPE)
    lines.append(f"{name} <f4 {','.join(map(str, SHAPE))}")
    with open(os.path.join(root, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"zarr_cases.py: {len(lines)} stores in {root} (zarr {zarr.__version__})")
    write_groups(out)


def write_groups(out):
    for fmt in (2, 3):
        path = os.path.join(out, "python_groups", f"v{fmt}")
        shutil.rmtree(path, ignore_errors=True)
        root = zarr.open_group(path, mode="w", zarr_format=fmt,
                               attributes={"title": "zarr-python"})
        root.create_array("temperature", shape=SHAPE, chunks=CHUNKS, dtype="float32")[...] = \
            values("float32", SHAPE)
        surface = root.create_group("surface", attributes={"level": 0})
        surface.create_array("t2m", shape=SHAPE, chunks=CHUNKS, dtype="float64")[...] = \
            values("float64", SHAPE)
        surface.create_group("deep")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # v3: "not part of the specification"
            zarr.consolidate_metadata(path)
    print(f"zarr_cases.py: group hierarchies v2 and v3 in {os.path.join(out, 'python_groups')}")


# The hierarchy the C++ test writes: the members of each group, and its xarray dataset.
TESSERA_MEMBERS = {"": [("climate", "group"), ("empty", "group")],
                   "climate": [("extra", "group"), ("lat", "array"), ("lon", "array"),
                               ("t2m", "array")]}


def check_groups(out):
    failures = 0
    for fmt in (2, 3):
        path = os.path.join(out, "cpp_groups", f"v{fmt}")
        for group_path, expected in TESSERA_MEMBERS.items():
            group = zarr.open_group(path, path=group_path, mode="r", use_consolidated=True)
            got = sorted((name, "group" if isinstance(node, zarr.Group) else "array")
                         for name, node in group.members())
            if group.metadata.consolidated_metadata is None or got != expected:
                print(f"zarr_cases.py: v{fmt} group '{group_path}': members {got}, "
                      f"expected {expected} from consolidated metadata")
                failures += 1
            else:
                print(f"zarr_cases.py: v{fmt} group '{group_path}': zarr-python lists the "
                      "members from tessera's consolidated metadata")
        ds = xarray.open_zarr(path, group="climate", consolidated=True)
        lat = np.array([10.0, 20.0, 30.0, 40.0])
        lon = np.array([100.0, 101.0, 102.0, 103.0, 104.0])
        ok = (ds["t2m"].dims == ("lat", "lon") and "lat" in ds.coords and "lon" in ds.coords
              and np.array_equal(ds["lat"].values, lat) and np.array_equal(ds["lon"].values, lon)
              and np.array_equal(ds["t2m"].values, values("float32", (4, 5)))
              and ds["t2m"].attrs.get("units") == "K"
              and ds.attrs.get("title") == "tessera climate")
        if not ok:
            print(f"zarr_cases.py: v{fmt}: xarray reads a different dataset:\n{ds}")
            failures += 1
        else:
            print(f"zarr_cases.py: v{fmt}: xarray opens tessera's group with dims lat, lon")
    return failures


def check(out):
    root = os.path.join(out, "cpp")
    failures = 0
    with open(os.path.join(root, "cases.txt")) as f:
        cases = [line.split() for line in f if line.strip()]
    for name, dtype, shape in cases:
        shape = tuple(int(n) for n in shape.split(","))
        array = zarr.open_array(os.path.join(root, name), path="a", mode="r")
        got = array[...]
        expected = values(dtype, shape)
        if got.shape != expected.shape or got.dtype != expected.dtype or \
                not np.array_equal(got, expected):
            print(f"zarr_cases.py: {name}: zarr-python reads different values "
                  f"({got.dtype} {got.shape}, expected {expected.dtype} {expected.shape})")
            failures += 1
        else:
            print(f"zarr_cases.py: {name}: zarr-python reads the values tessera wrote")
        if array.attrs.get("written_by") != "tessera":
            print(f"zarr_cases.py: {name}: attributes are {dict(array.attrs)}")
            failures += 1
    if not cases:
        print("zarr_cases.py: no stores to check")
        failures += 1
    failures += check_groups(out)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    mode, out = sys.argv[1], sys.argv[2]
    write(out) if mode == "write" else check(out)
