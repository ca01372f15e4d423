"""Canonical encoding of table values, shared by every oracle script.

The contract is written down in docs/INTEROP.md ("Canonical encoding") and mirrored in
test/interop/oracle.ts; change all three together.

Two layers:
  * canonical JSON: what a value looks like in a script's `rows` output. It is typed by a
    *kind* (below) because ints and longs, timestamps with and without zone, and so on
    need the column type to be encoded.
  * canonical string: a function of the canonical JSON value alone, so the TS side can
    recompute it from the rows without knowing the schema. Checksums hash it.

A kind is one of the strings
  boolean int long float double date time timestamp timestamptz string uuid binary
or ('decimal', scale) | ('struct', [(name, kind), ...]) | ('list', kind) | ('map', kind, kind).
"""
from __future__ import annotations

import datetime as dt
import json
import math
import uuid
import zlib
from decimal import Decimal, localcontext
from typing import Any, Iterable

UTC = dt.timezone.utc


# --------------------------------------------------------------------------------------
# canonical JSON (typed)
# --------------------------------------------------------------------------------------

def to_canonical(value: Any, kind: Any) -> Any:
    """Encodes one engine value (Python object from pyarrow or Spark) as canonical JSON."""
    if value is None:
        return None
    if isinstance(kind, tuple):
        tag = kind[0]
        if tag == "decimal":
            return _decimal(value, kind[1])
        if tag == "struct":
            if not isinstance(value, dict):  # Spark Row
                value = value.asDict(recursive=False)
            return {name: to_canonical(value.get(name), sub) for name, sub in kind[1]}
        if tag == "list":
            return [to_canonical(v, kind[1]) for v in value]
        if tag == "map":
            pairs = value.items() if isinstance(value, dict) else value
            out = [[to_canonical(k, kind[1]), to_canonical(v, kind[2])] for k, v in pairs]
            # Maps are unordered: sort entries by their key's canonical string.
            out.sort(key=lambda kv: utf16_key(canonical_string(kv[0])))
            return out
        raise ValueError(f"unknown kind {kind!r}")
    if kind == "boolean":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "long":
        return str(int(value))
    if kind in ("float", "double"):
        f = float(value)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "Infinity" if f > 0 else "-Infinity"
        return f
    if kind == "date":
        return value.isoformat()
    if kind == "time":
        return value.isoformat(timespec="microseconds")
    if kind == "timestamp":
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if kind == "timestamptz":
        # Naive values come from Spark, which gives local time; the scripts run with TZ=UTC.
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds") + "Z"
    if kind == "string":
        return str(value)
    if kind == "uuid":
        if isinstance(value, (bytes, bytearray)):
            return str(uuid.UUID(bytes=bytes(value)))
        return str(uuid.UUID(str(value)))
    if kind == "binary":
        return bytes(value).hex()
    raise ValueError(f"unknown kind {kind!r}")


def _decimal(value: Any, scale: int) -> str:
    # decimal(38, s) needs 38 significant digits; Python's default context has 28.
    with localcontext() as ctx:
        ctx.prec = 80
        d = Decimal(value).quantize(Decimal(1).scaleb(-scale))
    if d == 0:
        d = abs(d)  # no "-0.00"
    return format(d, "f")


# --------------------------------------------------------------------------------------
# canonical string (untyped, from canonical JSON)
# --------------------------------------------------------------------------------------

def es_number_string(x: float) -> str:
    """ECMAScript Number::toString(x) for a finite double, except that -0 is "-0".

    Python's repr and ECMAScript both give the shortest round-tripping digits; only the
    layout differs (1.0 vs 1, 1e+16 vs 10000000000000000, 1e-07 vs 1e-7).
    """
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    sign = "-" if x < 0 else ""
    t = Decimal(repr(abs(x))).as_tuple()
    digits = list(t.digits)
    exp = t.exponent
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exp += 1
    s = "".join(map(str, digits))
    k = len(s)
    n = exp + k  # value = 0.s * 10^n
    if k <= n <= 21:
        out = s + "0" * (n - k)
    elif 0 < n <= 21:
        out = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + s
    else:
        e = n - 1
        es = ("+" if e >= 0 else "-") + str(abs(e))
        out = (s if k == 1 else s[0] + "." + s[1:]) + "e" + es
    return sign + out


def canonical_nested(v: Any) -> Any:
    """Canonical JSON -> a tree of strings, nulls and arrays (objects become sorted pairs)."""
    if v is None:
        return None
    if isinstance(v, list):
        return [canonical_nested(e) for e in v]
    if isinstance(v, dict):
        pairs = [[k, canonical_nested(e)] for k, e in v.items()]
        pairs.sort(key=lambda p: utf16_key(p[0]))
        return pairs
    return canonical_string(v)


def canonical_string(v: Any) -> str:
    """The string form that checksums hash; defined on canonical JSON values."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return es_number_string(v)
    if isinstance(v, str):
        return v
    if isinstance(v, (list, dict)):
        return compact_json(canonical_nested(v))
    raise TypeError(f"not a canonical JSON value: {v!r}")


def compact_json(v: Any) -> str:
    """Same text as ECMAScript JSON.stringify for strings, nulls and arrays of them."""
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def utf16_key(s: str) -> bytes:
    """Sort key equal to ECMAScript's string comparison (UTF-16 code units)."""
    return s.encode("utf-16-be", "surrogatepass")


def crc32_string(s: str) -> int:
    return zlib.crc32(s.encode("utf-8", "surrogatepass")) & 0xFFFFFFFF


# --------------------------------------------------------------------------------------
# rows and column summaries
# --------------------------------------------------------------------------------------

def row_sort_key(row: dict, columns: list[str]) -> bytes:
    return utf16_key(compact_json([canonical_nested(row.get(c)) for c in columns]))


def sort_rows(rows: list[dict], columns: list[str]) -> list[dict]:
    return sorted(rows, key=lambda r: row_sort_key(r, columns))


class ColumnSummary:
    """non_null_count and checksum = sum of crc32(utf8(canonical string)) mod 2^32."""

    __slots__ = ("non_null_count", "checksum")

    def __init__(self) -> None:
        self.non_null_count = 0
        self.checksum = 0

    def add(self, canonical_value: Any) -> None:
        if canonical_value is None:
            return
        self.non_null_count += 1
        self.checksum = (self.checksum + crc32_string(canonical_string(canonical_value))) & 0xFFFFFFFF

    def to_json(self) -> dict:
        return {"non_null_count": self.non_null_count, "checksum": self.checksum}


def summarize(rows: Iterable[dict], columns: list[str]) -> tuple[int, dict[str, dict]]:
    sums = {c: ColumnSummary() for c in columns}
    count = 0
    for row in rows:
        count += 1
        for c in columns:
            sums[c].add(row.get(c))
    return count, {c: s.to_json() for c, s in sums.items()}


# --------------------------------------------------------------------------------------
# decoding canonical JSON back into engine values (for writers)
# --------------------------------------------------------------------------------------

def from_canonical(v: Any, kind: Any) -> Any:
    """Inverse of to_canonical, also lenient: longs may be numbers, floats may be strings."""
    if v is None:
        return None
    if isinstance(kind, tuple):
        tag = kind[0]
        if tag == "decimal":
            return Decimal(str(v))
        if tag == "struct":
            return {name: from_canonical(v.get(name), sub) for name, sub in kind[1]}
        if tag == "list":
            return [from_canonical(e, kind[1]) for e in v]
        if tag == "map":
            pairs = v.items() if isinstance(v, dict) else v
            return {from_canonical(k, kind[1]): from_canonical(e, kind[2]) for k, e in pairs}
        raise ValueError(f"unknown kind {kind!r}")
    if kind == "boolean":
        return bool(v)
    if kind in ("int", "long"):
        return int(v)
    if kind in ("float", "double"):
        return float(v)  # float("NaN"), float("Infinity") and float("-Infinity") all parse
    if kind == "date":
        return dt.date.fromisoformat(v)
    if kind == "time":
        return dt.time.fromisoformat(v)
    if kind == "timestamp":
        return dt.datetime.fromisoformat(v.removesuffix("Z"))
    if kind == "timestamptz":
        t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        return t if t.tzinfo else t.replace(tzinfo=UTC)
    if kind == "string":
        return str(v)
    if kind == "uuid":
        return uuid.UUID(str(v)).bytes  # Arrow's uuid is 16 bytes; Spark reads uuid as string
    if kind == "binary":
        return bytes.fromhex(v)
    raise ValueError(f"unknown kind {kind!r}")
