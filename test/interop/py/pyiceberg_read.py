"""Reads one table through PyIceberg's SqlCatalog on floe's catalog; prints one JSON document.

  pyiceberg_read.py --catalog-uri sqlite:////abs/catalog.db --catalog-name floe \
      --warehouse /abs/warehouse --table ns.t [--filter "col = 3"] [--snapshot-id N] [--summary-only]

Output: {table, metadata_location, snapshot_id (string or null), schema: [{name, type,
field_id, required}], row_count, files_scanned, columns: {name: {non_null_count, checksum}},
rows: [canonical rows sorted canonically]} -- encoding in docs/INTEROP.md.
"""
from __future__ import annotations

import argparse

import common  # noqa: F401  (sets TZ=UTC first)
from canonical import sort_rows, summarize, to_canonical
from pyiceberg_common import kind_of, open_catalog, schema_json


def main() -> dict:
    p = argparse.ArgumentParser(prog="pyiceberg_read.py")
    p.add_argument("--catalog-uri", required=True)
    p.add_argument("--catalog-name", required=True)
    p.add_argument("--warehouse")
    p.add_argument("--table", required=True)
    p.add_argument("--filter", help="PyIceberg row filter expression, e.g. \"id >= 3 AND name = 'x'\"")
    p.add_argument("--snapshot-id", type=int)
    p.add_argument("--summary-only", action="store_true", help="omit rows (large tables)")
    a = p.parse_args()

    from pyiceberg.expressions import AlwaysTrue

    catalog = open_catalog(a.catalog_name, a.catalog_uri, a.warehouse)
    table = catalog.load_table(a.table)
    if a.snapshot_id is not None and table.metadata.snapshot_by_id(a.snapshot_id) is None:
        raise ValueError(f"table {a.table} has no snapshot {a.snapshot_id}")
    scan = table.scan(row_filter=a.filter or AlwaysTrue(), snapshot_id=a.snapshot_id)
    schema = scan.projection()
    files_scanned = sum(1 for _ in scan.plan_files())
    arrow = scan.to_arrow()

    kinds = {f.name: kind_of(f.field_type) for f in schema.fields}
    columns = [f.name for f in schema.fields]
    rows = [{c: to_canonical(r.get(c), kinds[c]) for c in columns} for r in arrow.to_pylist()]
    rows = sort_rows(rows, columns)
    row_count, summaries = summarize(rows, columns)

    snapshot = table.metadata.snapshot_by_id(a.snapshot_id) if a.snapshot_id is not None else table.current_snapshot()
    doc = {
        "table": a.table,
        "metadata_location": table.metadata_location,
        "snapshot_id": str(snapshot.snapshot_id) if snapshot else None,
        "schema": schema_json(schema),
        "row_count": row_count,
        "files_scanned": files_scanned,
        "columns": summaries,
    }
    if not a.summary_only:
        doc["rows"] = rows
    return doc


if __name__ == "__main__":
    common.run("pyiceberg_read.py", main)
