#!/usr/bin/env python3
"""HDF5 files between h5py and tessera, checked with the real h5py.

    python3 h5py_interop.py --venv BUILD/venv-h5py write DIR   # h5py writes DIR/h5py.h5
    python3 h5py_interop.py --venv BUILD/venv-h5py check DIR   # h5py reads DIR/tessera.h5

With --venv, makes the virtual environment (python3 -m venv, then pip install h5py numpy)
unless it imports h5py already, and runs again inside it. The values are those of
tests/io/array_support.hpp's sample_values: tests/io/test_hdf5_h5py.cpp reads what "write"
wrote and writes what "check" reads; "check" exits non-zero on any difference.
"""

import os
import subprocess
import sys

if "--venv" in sys.argv:
    i = sys.argv.index("--venv")
    venv = sys.argv[i + 1]
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    if subprocess.run([python, "-c", "import h5py"], capture_output=True).returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "h5py", "numpy"], check=True)
    args = sys.argv[1:i] + sys.argv[i + 2:]
    sys.exit(subprocess.run([python, os.path.abspath(__file__)] + args).returncode)

import h5py  # noqa: E402
import numpy as np  # noqa: E402

DTYPES = ["bool", "uint8", "int32", "int64", "uint64", "float32", "float64"]
SHAPE = (30, 17)


def sample_values(dtype, n):
    i = np.arange(n, dtype=np.int64)
    if dtype == "bool":
        return i % 3 == 1
    if dtype.startswith("float"):
        return (i.astype(dtype) * np.asarray(0.5, dtype) - np.asarray(7, dtype)).astype(dtype)
    return (i * 7 % 251).astype(dtype)


ATTRIBUTES = {"count": 42, "scale": 0.25, "name": "temperature at 2 m",
              "levels": np.array([1000, 850, 500], dtype=np.int64),
              "range": np.array([-1.5, 2.5])}


def write(directory):
    with h5py.File(os.path.join(directory, "h5py.h5"), "w") as f:
        for dtype in DTYPES:
            values = sample_values(dtype, SHAPE[0] * SHAPE[1]).reshape(SHAPE)
            f.create_dataset(f"chunked/{dtype}", data=values, chunks=(8, 5))
            f.create_dataset(f"gzip/{dtype}", data=values, chunks=(10, 17), compression="gzip")
            f.create_dataset(f"contiguous/{dtype}", data=values)
            f.create_dataset(f"bigendian/{dtype}", data=values.astype(values.dtype.newbyteorder(">")))
        for key, value in ATTRIBUTES.items():
            f["chunked/float64"].attrs[key] = value


def check(directory):
    failures = []
    with h5py.File(os.path.join(directory, "tessera.h5"), "r") as f:
        for dtype in DTYPES:
            for layout in ("chunked", "deflate"):
                d = f[f"{layout}/{dtype}"]
                expected = sample_values(dtype, SHAPE[0] * SHAPE[1]).reshape(SHAPE)
                if d.dtype != np.dtype(dtype):
                    failures.append(f"{d.name}: dtype {d.dtype}, expected {dtype}")
                elif not np.array_equal(d[()], expected):
                    failures.append(f"{d.name}: values differ")
        attrs = f["chunked/float64"].attrs
        for key, value in ATTRIBUTES.items():
            got = attrs.get(key)
            if got is None or not np.array_equal(np.asarray(got), np.asarray(value)):
                failures.append(f"attribute {key}: {got!r}, expected {value!r}")
        if f["deflate/float64"].compression != "gzip":
            failures.append("deflate/float64 is not gzip-compressed")
    for failure in failures:
        print("h5py_interop.py:", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    mode, directory = sys.argv[1], sys.argv[2]
    if mode == "write":
        write(directory)
        sys.exit(0)
    sys.exit(check(directory))
