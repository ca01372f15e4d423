"""Reads tables of an s3:// warehouse through PyIceberg's SqlCatalog on floe's catalog, with
PyIceberg's own S3 FileIO; prints one JSON document.

  s3_pyiceberg_read.py --catalog-uri sqlite:////abs/catalog.db --catalog-name floe \
      --warehouse s3://bucket/prefix --request-json -

The request (stdin, so the keys stay out of argv):
  {"s3": {"endpoint": "http://127.0.0.1:45900", "access_key_id": "...",
          "secret_access_key": "...", "region": "us-east-1"},
   "reads": [{"table": "ns.t", "snapshot_id": "123"?, "ref": "tag-or-branch"?}, ...]}

Output: {io_impl, reads: [one per request entry, each as pyiceberg_read.py prints it, plus
"data_files": the data file paths the scan planned]}. Every read runs in this one process
(PyIceberg's import dominates a read of a small table).
"""
from __future__ import annotations

import argparse
import json

import common
from canonical import sort_rows, summarize, to_canonical
from pyiceberg_common import kind_of, schema_json

# pyarrow's S3FileSystem (the venv has no s3fs, so not the fsspec FileIO).
IO_IMPL = "pyiceberg.io.pyarrow.PyArrowFileIO"


def open_s3_catalog(name: str, uri: str, warehouse: str, s3: dict):
    from pyiceberg.catalog.sql import SqlCatalog

    if not warehouse.startswith("s3://"):
        raise ValueError(f"--warehouse must be an s3:// URL, got {warehouse!r}")
    return SqlCatalog(name, **{
        "uri": uri,
        "warehouse": warehouse,
        "py-io-impl": IO_IMPL,
        "s3.endpoint": s3["endpoint"],
        "s3.access-key-id": s3["access_key_id"],
        "s3.secret-access-key": s3["secret_access_key"],
        "s3.region": s3.get("region", "us-east-1"),
        "s3.path-style-access": "true",
    })


def read_one(catalog, table_name: str, snapshot_id: str | None, ref: str | None) -> dict:
    table = catalog.load_table(table_name)
    if ref is not None:
        snapshot = table.snapshot_by_name(ref)
        if snapshot is None:
            raise ValueError(f"table {table_name} has no ref {ref!r}")
        snapshot_id = str(snapshot.snapshot_id)
    if snapshot_id is not None and table.metadata.snapshot_by_id(int(snapshot_id)) is None:
        raise ValueError(f"table {table_name} has no snapshot {snapshot_id}")
    scan = table.scan(snapshot_id=int(snapshot_id) if snapshot_id is not None else None)
    schema = scan.projection()
    tasks = list(scan.plan_files())
    arrow = scan.to_arrow()

    kinds = {f.name: kind_of(f.field_type) for f in schema.fields}
    columns = [f.name for f in schema.fields]
    rows = sort_rows([{c: to_canonical(r.get(c), kinds[c]) for c in columns} for r in arrow.to_pylist()], columns)
    row_count, summaries = summarize(rows, columns)
    snapshot = table.metadata.snapshot_by_id(int(snapshot_id)) if snapshot_id is not None else table.current_snapshot()
    return {
        "table": table_name,
        "metadata_location": table.metadata_location,
        "snapshot_id": str(snapshot.snapshot_id) if snapshot else None,
        "schema": schema_json(schema),
        "row_count": row_count,
        "files_scanned": len(tasks),
        "data_files": sorted(t.file.file_path for t in tasks),
        "delete_files": sorted({d.file_path for t in tasks for d in t.delete_files}),
        "columns": summaries,
        "rows": rows,
    }


def main() -> dict:
    p = argparse.ArgumentParser(prog="s3_pyiceberg_read.py")
    p.add_argument("--catalog-uri", required=True)
    p.add_argument("--catalog-name", required=True)
    p.add_argument("--warehouse", required=True)
    p.add_argument("--request-json", required=True)
    a = p.parse_args()
    req = json.loads(common.read_arg(a.request_json))
    catalog = open_s3_catalog(a.catalog_name, a.catalog_uri, a.warehouse, req["s3"])
    reads = []
    for i, r in enumerate(req["reads"]):
        try:
            reads.append(read_one(catalog, r["table"], r.get("snapshot_id"), r.get("ref")))
        except Exception as e:
            raise RuntimeError(f"read {i} ({json.dumps(r)}) failed: {e}") from e
    return {"io_impl": IO_IMPL, "reads": reads}


if __name__ == "__main__":
    common.run("s3_pyiceberg_read.py", main)
