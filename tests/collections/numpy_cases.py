#!/usr/bin/env python3
"""Cases that pin tessera::Array to NumPy's semantics, with NumPy's own answers.

    python3 numpy_cases.py --venv BUILD/venv OUT_DIR

With --venv, makes the virtual environment (python3 -m venv, then pip install numpy) unless it
already imports NumPy, and runs again inside it; it does nothing if OUT_DIR's cases are newer
than this script. Writes OUT_DIR/cases.txt, one case a line:

    <id> <op> [key=value ...]

and the inputs <id>.in0.npy, <id>.in1.npy, ... and the expected result <id>.out.npy (absent
when the case expects an error: key error=1). tests/collections/test_array_numpy.cpp runs every
case with tessera and compares. Where tessera deliberately differs from NumPy (no float16 or
int8), the expected result is what tessera gives and key note= says why:
  - a float16 result of NumPy (sqrt of uint8 or bool, ...) is float32 in tessera: the expected
    values are NumPy's on the inputs cast to float32;
  - an int8 result of NumPy (floor_divide, remainder or power of bools) is an error in tessera.
"""

import os
import subprocess
import sys


def ensure_venv(venv):
    python = os.path.join(venv, "bin", "python")
    if os.path.exists(python):
        ok = subprocess.run([python, "-c", "import numpy"], capture_output=True).returncode == 0
        if ok:
            return python
    else:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "numpy"], check=True)
    return python


if "--venv" in sys.argv:
    i = sys.argv.index("--venv")
    args = sys.argv[1:i] + sys.argv[i + 2:]
    cases = os.path.join(args[0], "cases.txt")
    if os.path.exists(os.path.join(sys.argv[i + 1], "bin", "python")) and os.path.exists(cases) \
            and os.path.getmtime(cases) >= os.path.getmtime(os.path.abspath(__file__)):
        print(f"numpy_cases.py: {cases} is up to date")
        sys.exit(0)
    python = ensure_venv(sys.argv[i + 1])
    sys.exit(subprocess.run([python, os.path.abspath(__file__)] + args).returncode)

import platform  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

warnings.simplefilter("ignore")

DTYPES = ["bool", "uint8", "int32", "int64", "uint64", "float32", "float64"]
NP = {name: np.dtype(name) for name in DTYPES}
FLOATS = ["float32", "float64"]
INTS = ["uint8", "int32", "int64", "uint64"]
rng = np.random.default_rng(20240613)

out_dir = sys.argv[1]
os.makedirs(out_dir, exist_ok=True)
for name in os.listdir(out_dir):
    if name.endswith(".npy") or name == "cases.txt":
        os.remove(os.path.join(out_dir, name))
lines = []


def fmt(value):
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value) if value else "()"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return value.hex() if np.isfinite(value) else repr(value)
    return str(value)


def tessera_result(fn, inputs):
    """NumPy's result, mapped to what tessera promises: (array or None, note)."""
    try:
        r = np.asarray(fn(*inputs))
    except Exception:
        return None, ""
    if r.dtype == np.float16:
        widened = [x.astype(np.float32) if x.dtype in (np.bool_, np.uint8) else x for x in inputs]
        return np.asarray(fn(*widened)), "float16"
    if r.dtype == np.int8:
        return None, "int8"
    if r.dtype.name not in DTYPES:
        raise RuntimeError(f"unexpected NumPy result type {r.dtype}")
    return r, ""


def add(op, inputs, fn, **params):
    """A case: tessera's op on inputs must give fn(*inputs) as NumPy computes it."""
    case_id = f"c{len(lines):04d}"
    expected, note = tessera_result(fn, inputs)
    for k, x in enumerate(inputs):
        np.save(os.path.join(out_dir, f"{case_id}.in{k}.npy"), np.array(x, order="C"))
    if expected is None:
        params["error"] = 1
    else:
        np.save(os.path.join(out_dir, f"{case_id}.out.npy"), np.array(expected, order="C"))
    if note:
        params["note"] = note
    words = [case_id, op] + [f"{k}={fmt(v)}" for k, v in params.items()]
    lines.append(" ".join(words))


def values(dtype, shape, special=False):
    """Small values of dtype, with zeros; NaN, infinities and -0.0 for floats if special."""
    n = int(np.prod(shape))
    if dtype == "bool":
        v = rng.integers(0, 2, n).astype(bool)
    elif dtype in ("uint8", "uint64"):
        v = rng.integers(0, 12, n)
    elif dtype in ("int32", "int64"):
        v = rng.integers(-9, 10, n)
    else:
        v = np.round(rng.standard_normal(n) * 8) / 4
        if special and n >= 4:
            v[rng.choice(n, min(n, 4), replace=False)] = [np.nan, np.inf, -np.inf, -0.0][: min(n, 4)]
    return np.asarray(v, dtype=NP[dtype]).reshape(shape)


# --- type promotion of arrays with arrays: every pair of types --------------------------------
PROMOTION_OPS = {
    "add": np.add, "divide": np.divide, "floor_divide": np.floor_divide,
    "remainder": np.remainder, "maximum": np.maximum, "less": np.less,
    "bitwise_and": np.bitwise_and, "arctan2": np.arctan2,
}
for a in DTYPES:
    for b in DTYPES:
        x, y = values(a, (4,)), values(b, (4,))
        if b != "bool":
            y[y == 0] = 1  # floor_divide by 0 is its own case below
        for op, fn in PROMOTION_OPS.items():
            add("binary:" + op, [x, y], fn)

# Every binary operation on arrays of one type (floats with NaN, infinities and -0.0).
BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
    "floor_divide": np.floor_divide, "remainder": np.remainder, "power": np.power,
    "maximum": np.maximum, "minimum": np.minimum, "fmax": np.fmax, "fmin": np.fmin,
    "arctan2": np.arctan2, "hypot": np.hypot, "equal": np.equal, "not_equal": np.not_equal,
    "less": np.less, "less_equal": np.less_equal, "greater": np.greater,
    "greater_equal": np.greater_equal, "logical_and": np.logical_and,
    "logical_or": np.logical_or, "logical_xor": np.logical_xor, "bitwise_and": np.bitwise_and,
    "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
}
for t in DTYPES:
    x, y = values(t, (3, 4), special=True), values(t, (3, 4), special=True)
    if t in ("int32", "int64"):
        y_pow = np.abs(y)  # negative integer powers are an error, tested below
    else:
        y_pow = y
    for op, fn in BINARY.items():
        add("binary:" + op, [x, y_pow if op == "power" else y], fn)

# --- broadcasting --------------------------------------------------------------------------------
SHAPES = [
    ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 1, 4), (3, 1)), ((), (3,)), ((2, 3), ()),
    ((0,), (1,)), ((0, 3), (3,)), ((2, 0, 3), (1, 3)), ((1, 1, 1, 5), (2, 3, 4, 1)),
    ((2, 3, 1, 5), (3, 4, 1)), ((3,), (4,)), ((2, 3), (3, 2)), ((0,), (2,)), ((2, 1), (3, 0)),
]
for sa, sb in SHAPES:
    add("binary:add", [values("float64", sa), values("int32", sb)], np.add)
    add("binary:less", [values("int64", sa), values("uint8", sb)], np.less)

# --- scalars: NumPy 2's weak Python scalars (NEP 50) ---------------------------------------------
SCALARS = [("bool", True), ("int", 3), ("int", -2), ("float", 2.5), ("float", float("nan"))]
SCALAR_OPS = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
              "divide": np.divide, "floor_divide": np.floor_divide, "maximum": np.maximum,
              "less": np.less, "equal": np.equal, "power": np.power}
for t in DTYPES:
    x = values(t, (2, 3), special=True)
    for kind, s in SCALARS:
        for op, fn in SCALAR_OPS.items():
            if op == "power" and kind == "int" and s < 0:
                continue
            if kind == "float" and np.isnan(s) and op not in ("add", "maximum", "less", "equal"):
                continue
            add("scalar:" + op, [x], lambda x, fn=fn, s=s: fn(x, s), kind=kind, value=s, first=0)
            add("scalar:" + op, [x], lambda x, fn=fn, s=s: fn(s, x), kind=kind, value=s, first=1)
# Python integers out of the range of the array's type: arithmetic is an OverflowError,
# comparisons are answered.
for t, big in [("uint8", 300), ("uint8", -1), ("int32", 2**31), ("int32", -(2**31) - 1),
               ("uint64", -1), ("int64", -(2**63)), ("uint8", 255), ("int32", 2**31 - 1)]:
    x = values(t, (5,))
    for op, fn in [("add", np.add), ("multiply", np.multiply), ("maximum", np.maximum),
                   ("less", np.less), ("greater_equal", np.greater_equal),
                   ("equal", np.equal), ("not_equal", np.not_equal),
                   ("logical_and", np.logical_and)]:
        add("scalar:" + op, [x], lambda x, fn=fn, s=big: fn(x, s), kind="int", value=big, first=0)
        add("scalar:" + op, [x], lambda x, fn=fn, s=big: fn(s, x), kind="int", value=big, first=1)
# An integer above the int64 range (a std::uint64_t in C++) next to an int64 array.
add("scalar:add", [values("int64", (3,))], lambda x: np.add(x, 2**63), kind="uint", value=2**63,
    first=0)
add("scalar:less", [values("int64", (3,))], lambda x: np.less(x, 2**63), kind="uint",
    value=2**63, first=0)

# --- division and remainder signs, division by zero ---------------------------------------------
fa = np.array([5, -5, 5, -5, 0, -0.0, 7.5, -7.5, np.inf, -np.inf, np.nan, 1e308, 3, -3])
fb = np.array([3, 0.5, -3, -0.0, 2, 0.0, np.inf, -np.inf, 2, 0.0])
A, B = np.meshgrid(fa, fb, indexing="ij")
for t in FLOATS:
    for op, fn in [("divide", np.divide), ("floor_divide", np.floor_divide),
                   ("remainder", np.remainder)]:
        add("binary:" + op, [A.astype(t), B.astype(t)], fn, signed_zero=1)
ia = np.arange(-7, 8)
ib = np.array([-3, -2, -1, 0, 1, 2, 3])
A, B = np.meshgrid(ia, ib, indexing="ij")
for t in INTS:
    a, b = (A, B) if t in ("int32", "int64") else (np.abs(A), np.abs(B))
    for op, fn in [("floor_divide", np.floor_divide), ("remainder", np.remainder),
                   ("divide", np.divide)]:
        add("binary:" + op, [a.astype(t), b.astype(t)], fn)
for t in ("int32", "int64"):
    lo = np.iinfo(t).min
    add("binary:floor_divide", [np.array([lo, lo, 7], t), np.array([-1, 1, -1], t)],
        np.floor_divide)
    add("binary:remainder", [np.array([lo, lo, 7], t), np.array([-1, 1, -1], t)], np.remainder)

# --- power ------------------------------------------------------------------------------------
for t in INTS:
    base = np.array([0, 1, 2, 3, 7, 2, 3], t)
    exponent = np.array([0, 5, 10, 40, 3, 63, 0], t)
    add("binary:power", [base, exponent], np.power)
for t in ("int32", "int64"):
    add("binary:power", [np.array([2, 3], t), np.array([1, -1], t)], np.power)  # error
    add("scalar:power", [np.array([2, 3], t)], lambda x: np.power(x, -1), kind="int", value=-1,
        first=0)
for t in FLOATS:
    base = np.array([-8, 0, 0, 2, -2, np.nan, 1, np.inf, 4])
    exponent = np.array([1 / 3, -1, 0, 0.5, 3, 0, np.nan, -1, -0.5])
    add("binary:power", [base.astype(t), exponent.astype(t)], np.power)

# --- overflow wraps around ---------------------------------------------------------------------
for t in ("uint8", "int32", "int64", "uint64"):
    info = np.iinfo(t)
    x = np.array([info.max, info.min, info.max, 7], t)
    y = np.array([1, 1, 2, 0], t)
    for op, fn in [("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply)]:
        add("binary:" + op, [x, y], fn)
    for op, fn in [("negative", np.negative), ("abs", np.absolute), ("square", np.square)]:
        add("unary:" + op, [x], fn)

# --- maximum and minimum with NaN ----------------------------------------------------------------
for t in FLOATS:
    x = np.array([np.nan, 1, np.nan, -np.inf, 2, np.inf], t)
    y = np.array([1, np.nan, np.nan, np.nan, 3, -1], t)
    for op, fn in [("maximum", np.maximum), ("minimum", np.minimum), ("fmax", np.fmax),
                   ("fmin", np.fmin)]:
        add("binary:" + op, [x, y], fn)

# --- unary operations on every type -------------------------------------------------------------
UNARY = {
    "negative": np.negative, "positive": np.positive, "abs": np.absolute, "sign": np.sign,
    "square": np.square, "sqrt": np.sqrt, "cbrt": np.cbrt, "exp": np.exp, "exp2": np.exp2,
    "expm1": np.expm1, "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "arcsin": np.arcsin, "arccos": np.arccos,
    "arctan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "floor": np.floor,
    "ceil": np.ceil, "trunc": np.trunc, "rint": np.rint, "isnan": np.isnan, "isinf": np.isinf,
    "isfinite": np.isfinite, "logical_not": np.logical_not, "invert": np.invert,
}
for t in DTYPES:
    x = values(t, (2, 5), special=True)
    if t in FLOATS:
        x.flat[:4] = [0.5, -1.5, 2.5, -0.5]  # rint rounds halves to even
    for op, fn in UNARY.items():
        add("unary:" + op, [x], fn)

# --- comparisons and logic with NaN ----------------------------------------------------------------
for t in FLOATS:
    x = np.array([np.nan, 1, np.nan, 0, -0.0, np.inf], t)
    y = np.array([np.nan, np.nan, 1, -0.0, 0, np.inf], t)
    for op in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
               "logical_and", "logical_or", "logical_xor"):
        add("binary:" + op, [x, y], BINARY[op])

# --- where ------------------------------------------------------------------------------------
for ct, at, bt, sc, sa, sb in [
    ("bool", "float64", "float64", (3, 4), (3, 4), (3, 4)),
    ("bool", "int32", "float32", (3, 1), (4,), (3, 4)),
    ("int32", "uint8", "int64", (4,), (3, 4), ()),
    ("float64", "bool", "uint8", (2, 3), (2, 3), (2, 3)),
    ("bool", "uint64", "int64", (2, 1, 3), (4, 1), (3,)),
    ("bool", "bool", "bool", (0, 3), (3,), (1, 3)),
]:
    c = values(ct, sc, special=True)
    add("where", [c, values(at, sa), values(bt, sb)], np.where)
for at in DTYPES:
    c = values("bool", (2, 3))
    x = values(at, (2, 3))
    for kind, s in [("int", 7), ("float", 0.5), ("bool", True)]:
        add("where_scalar", [c, x], lambda c, x, s=s: np.where(c, x, s), kind=kind, value=s)

# --- clip -------------------------------------------------------------------------------------
for t in DTYPES:
    x = values(t, (7,), special=True)
    for kind, lo, hi in [("int", 0, 5), ("int", -3, 2), ("float", -0.5, 1.5), ("int", 1, 300)]:
        add("clip", [x], lambda x, lo=lo, hi=hi: np.clip(x, lo, hi), kind=kind, low=lo, high=hi)
for t in FLOATS + ["int32"]:
    x, lo, hi = values(t, (3, 4), special=True), values(t, (4,)), values(t, (3, 1))
    add("clip_arrays", [x, lo, hi], np.clip)

# --- astype between every pair of types: values NumPy defines -----------------------------------
SOURCE = {
    "bool": np.array([True, False, True]),
    "uint8": np.array([0, 1, 127, 128, 255], np.uint8),
    "int32": np.array([0, 1, -1, 255, 256, -129, 2**31 - 1, -(2**31)], np.int32),
    "int64": np.array([0, 1, -1, 256, 2**31, 2**40 + 5, -(2**63), 2**63 - 1, 2**53 + 1],
                      np.int64),
    "uint64": np.array([0, 1, 255, 2**32 + 7, 2**63, 2**64 - 1, 2**53 + 1], np.uint64),
    "float32": np.array([0, -0.0, 1.9, 2.5, 100.75, 255.5, 1e30, np.nan, np.inf, -np.inf],
                        np.float32),
    "float64": np.array([0, -0.0, 1.9, 2.5, 100.75, 255.5, 1e300, 1e-50, np.nan, np.inf,
                         -np.inf, 2**31 - 0.5, 16777217.0], np.float64),
}
for src, x in SOURCE.items():
    for dst in DTYPES:
        v = x
        if src in FLOATS and dst in INTS:  # in range: truncated towards zero
            info = np.iinfo(dst)
            keep = np.isfinite(v) & (v > float(info.min) - 1) & (v < min(float(info.max), 2.0**63))
            v = v[keep]
        add("astype", [v], lambda x, dst=dst: x.astype(dst), dtype=dst)
        if src in FLOATS and dst in ("uint8", "int32", "int64", "uint64") \
                and platform.machine() in ("x86_64", "AMD64"):
            bad = x[~np.isin(x, v)]  # NaN, infinities, out of range: x86-64's conversions
            bad = np.concatenate([bad, np.array([-1.5, -200.7, 3e9, -3e9, 2.0**63, 1.8e19],
                                                x.dtype)])
            add("astype", [bad], lambda x, dst=dst: x.astype(dst), dtype=dst, platform="x86_64")

# --- reductions -----------------------------------------------------------------------------------
REDUCE = {
    "sum": np.sum, "prod": np.prod, "min": np.min, "max": np.max, "mean": np.mean,
    "var": np.var, "std": np.std, "argmin": np.argmin, "argmax": np.argmax, "any": np.any,
    "all": np.all, "nansum": np.nansum, "nanprod": np.nanprod, "nanmin": np.nanmin,
    "nanmax": np.nanmax, "nanmean": np.nanmean, "nanvar": np.nanvar, "nanstd": np.nanstd,
    "nanargmin": np.nanargmin, "nanargmax": np.nanargmax,
}
ARG = ("argmin", "argmax", "nanargmin", "nanargmax")


def reduce_case(op, x, axis, keepdims=False, ddof=0):
    fn = REDUCE[op]
    kwargs = {}
    if keepdims:
        kwargs["keepdims"] = True
    if ddof:
        kwargs["ddof"] = ddof
    axis_text = "all" if axis is None else ("none" if axis == () else axis)
    if isinstance(axis_text, int):
        axis_text = [axis_text]
    add("reduce:" + op, [x], lambda x: fn(x, axis=axis, **kwargs), axis=axis_text,
        keepdims=keepdims, ddof=ddof)


for t in DTYPES:
    x = values(t, (3, 4, 5))
    if t in ("uint8", "uint64", "int32", "int64"):
        x = x % 4 + 1  # products that fit
    for op in REDUCE:
        reduce_case(op, x, None)
        reduce_case(op, x, 1)
        if op not in ARG:
            reduce_case(op, x, (0, 2), keepdims=True)
            reduce_case(op, x, (-1, 0))
        else:
            reduce_case(op, x, -1, keepdims=True)
# NaN: propagated by the plain reductions, skipped by the nan-variants.
xn = values("float64", (4, 6))
xn[1, 2] = xn[3, 0] = xn[3, 5] = np.nan
xn[2, :] = np.nan
for t in FLOATS:
    for op in REDUCE:
        if op in ("nanargmin", "nanargmax"):
            reduce_case(op, xn.astype(t), 0)  # every column has a number
            reduce_case(op, xn.astype(t), 1)  # row 2 is all NaN: an error
        else:
            reduce_case(op, xn.astype(t), 1)
            reduce_case(op, xn.astype(t), None)
# ddof, and degrees of freedom at or below zero.
for t in ("float64", "int32", "float32"):
    x = values(t, (5, 3))
    for ddof in (0, 1, 2, 5, 6):
        for op in ("var", "std", "nanvar", "nanstd"):
            reduce_case(op, x, 0, ddof=ddof)
    reduce_case("var", x, None, ddof=1)
# Ties: the first index wins; several axes and keepdims.
ties = np.array([[3, 1, 3, 1], [2, 2, 2, 2], [0, 5, 5, 0]])
for t in ("int32", "float64", "uint8", "bool"):
    for op in ("argmin", "argmax"):
        for axis in (None, 0, 1):
            reduce_case(op, (ties % 2 if t == "bool" else ties).astype(t), axis)
x4 = values("float64", (2, 3, 4, 5))
for axis in [(0, 1), (1, 3), (0, 2, 3), (), (0, 1, 2, 3), (-1, -2)]:
    for keepdims in (False, True):
        for op in ("sum", "mean", "max", "var", "any"):
            reduce_case(op, x4 if op != "any" else x4 > 0.5, axis, keepdims)
# Empty arrays: sums are 0, means NaN, min and argmax errors.
for shape, axis in [((0,), None), ((3, 0), 0), ((3, 0), 1), ((0, 4), 0)]:
    for op in ("sum", "prod", "mean", "max", "argmax", "any", "all", "nansum", "var"):
        if op in ARG and axis is None and shape == (0,):
            reduce_case(op, np.zeros(shape), None)
        elif op not in ARG or axis is not None:
            reduce_case(op, np.zeros(shape), axis)

# --- arange and linspace ----------------------------------------------------------------------
for start, stop, step, t in [(0, 10, 1, "float64"), (0, 10, 3, "int32"), (10, 0, -3, "int64"),
                             (0.5, 2.0, 0.25, "float64"), (0, 1, 0.1, "float64"),
                             (1, 1.3, 0.1, "float64"), (5, 5, 1, "float64"),
                             (5, 0, 1, "int32"), (0, 7, 2, "float32"), (0, 300, 7, "uint8"),
                             (-3, 3, 1, "int64"), (0, 5, 1, "uint64")]:
    add("arange", [], lambda start=start, stop=stop, step=step, t=t:
        np.arange(start, stop, step, dtype=t), start=float(start), stop=float(stop),
        step=float(step), dtype=t)
for start, stop, num, endpoint, t in [(0, 1, 5, True, "float64"), (0, 1, 5, False, "float64"),
                                      (1, 0, 4, True, "float64"), (0, 1, 1, True, "float64"),
                                      (0, 1, 0, True, "float64"), (0, 1, 1, False, "float64"),
                                      (2, 2, 3, True, "float64"), (0, 1, 7, True, "float32"),
                                      (-5, 5, 4, True, "int32"), (-7, 9, 6, False, "int64"),
                                      (0, 10, 4, True, "uint8"), (-1e10, 1e10, 11, True,
                                                                  "float64")]:
    add("linspace", [], lambda start=start, stop=stop, num=num, endpoint=endpoint, t=t:
        np.linspace(start, stop, num, endpoint=endpoint, dtype=t), start=float(start),
        stop=float(stop), num=num, endpoint=endpoint, dtype=t)

with open(os.path.join(out_dir, "cases.txt"), "w") as f:
    f.write(f"# numpy {np.__version__}, {len(lines)} cases\n")
    f.write("\n".join(lines) + "\n")
print(f"numpy_cases.py: {len(lines)} cases from NumPy {np.__version__} in {out_dir}")
