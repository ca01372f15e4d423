"""Loads several tables through PyIceberg's SqlCatalog in one process; prints one JSON document.

  pyiceberg_tables.py --catalog-uri sqlite:////abs/catalog.db --catalog-name floe \
      --warehouse /abs/warehouse --table ns.a --table ns.b ...

Output: {"tables": {"ns.a": {metadata_location, snapshot_id, row_count, files, rows}, ...}} with rows in
the canonical encoding of docs/INTEROP.md, sorted. The crash harness (test/crash) runs it
once at the end, over every table its kills left behind.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop" / "py"))

import common  # noqa: E402  (sets TZ=UTC first)
from canonical import sort_rows, to_canonical  # noqa: E402
from pyiceberg_common import kind_of, open_catalog  # noqa: E402


def main() -> dict:
    p = argparse.ArgumentParser(prog="pyiceberg_tables.py")
    p.add_argument("--catalog-uri", required=True)
    p.add_argument("--catalog-name", required=True)
    p.add_argument("--warehouse")
    p.add_argument("--table", action="append", required=True)
    a = p.parse_args()
    catalog = open_catalog(a.catalog_name, a.catalog_uri, a.warehouse)
    out = {}
    for name in a.table:
        table = catalog.load_table(name)
        scan = table.scan()
        files = sorted(t.file.file_path for t in scan.plan_files())
        schema = scan.projection()
        kinds = {f.name: kind_of(f.field_type) for f in schema.fields}
        columns = [f.name for f in schema.fields]
        rows = [{c: to_canonical(r.get(c), kinds[c]) for c in columns} for r in scan.to_arrow().to_pylist()]
        snapshot = table.current_snapshot()
        out[name] = {
            "metadata_location": table.metadata_location,
            "snapshot_id": str(snapshot.snapshot_id) if snapshot else None,
            "row_count": len(rows),
            "files": files,
            "rows": sort_rows(rows, columns),
        }
    return {"tables": out}


if __name__ == "__main__":
    common.run("pyiceberg_tables.py", main)
