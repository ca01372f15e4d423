"""Process plumbing shared by the oracle scripts.

Each script prints exactly ONE JSON document on stdout and nothing else; diagnostics go to
stderr and a failure exits non-zero. Engines print to fd 1 on their own (the JVM that
pyspark launches inherits it), so `protect_stdout` moves fd 1 onto stderr for the whole run
and `emit` writes the document to the saved original.
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback
from typing import Any, Callable

# Spark hands TimestampType values to Python as naive *local* datetimes; pinning the
# process zone to UTC makes them UTC. Done at import, before pyspark or pyarrow load.
os.environ["TZ"] = "UTC"
time.tzset()

_out_fd: int | None = None


def protect_stdout() -> None:
    global _out_fd
    if _out_fd is None:
        sys.stdout.flush()
        _out_fd = os.dup(1)
        os.dup2(2, 1)


def emit(doc: Any) -> None:
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n"
    data = text.encode("utf-8", "surrogatepass")
    fd = _out_fd if _out_fd is not None else 1
    while data:
        n = os.write(fd, data)
        data = data[n:]


def run(name: str, main: Callable[[], Any]) -> None:
    """Runs main() and emits its result; any exception is a one-line error plus traceback."""
    protect_stdout()
    started = time.monotonic()
    try:
        doc = main()
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - report everything, then fail
        traceback.print_exc(file=sys.stderr)
        print(f"{name}: error: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
    if isinstance(doc, dict):
        doc.setdefault("elapsed_s", round(time.monotonic() - started, 3))
    emit(doc)


def read_arg(value: str) -> str:
    """A JSON argument given inline, as @path, or as '-' for stdin (one argv string is capped
    at 128 KiB on Linux, so callers with real data use stdin)."""
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        with open(value[1:], encoding="utf-8") as f:
            return f.read()
    return value


def split_table(name: str) -> tuple[str, str]:
    """'ns.t' or 'a.b.t' -> (namespace, table); the last dot separates them, as in both catalogs."""
    if "." not in name:
        raise ValueError(f"table {name!r} must be namespace.table")
    ns, _, t = name.rpartition(".")
    return ns, t
