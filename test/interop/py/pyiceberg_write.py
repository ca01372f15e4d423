"""Creates a table with PyIceberg through a SqlCatalog and appends rows; prints one JSON document.

  pyiceberg_write.py --catalog-uri sqlite:////abs/catalog.db --catalog-name floe \
      --warehouse /abs/warehouse --table ns.t \
      (--fixture selftest | --schema-json '{"type":"struct","fields":[...]}') \
      [--rows-json '[{...}, ...]']... | [--appends-json '[[{...}], [{...}]]'] \
      [--partition-by "day(ts)"]... [--property K=V]... [--replace]

Each --rows-json, or each inner array of --appends-json, is one append (one snapshot);
JSON arguments may be inline, @path or - (stdin). Rows use the canonical JSON encoding of
docs/INTEROP.md (longs may also be plain numbers). The namespace is created if missing.
Output: {table, metadata_location, snapshot_ids: [string], row_count}.
"""
from __future__ import annotations

import argparse
import json
import re

import common
from canonical import from_canonical
from pyiceberg_common import kind_of, open_catalog
from selftest_fixture import SELFTEST_PARTITION_BY, SELFTEST_ROWS, SELFTEST_SCHEMA


def parse_transform(expr: str):
    from pyiceberg import transforms as X

    m = re.fullmatch(r"\s*(\w+)\s*\(\s*(?:(\d+)\s*,\s*)?(\w+)\s*\)\s*", expr)
    if not m:
        return X.IdentityTransform(), expr.strip()
    fn, n, col = m.group(1).lower(), m.group(2), m.group(3)
    table = {"year": X.YearTransform, "month": X.MonthTransform, "day": X.DayTransform, "hour": X.HourTransform}
    if fn in table:
        return table[fn](), col
    if fn == "bucket":
        return X.BucketTransform(int(n)), col
    if fn == "truncate":
        return X.TruncateTransform(int(n)), col
    if fn == "identity":
        return X.IdentityTransform(), col
    raise ValueError(f"unknown partition transform {expr!r}")


def main() -> dict:
    p = argparse.ArgumentParser(prog="pyiceberg_write.py")
    p.add_argument("--catalog-uri", required=True)
    p.add_argument("--catalog-name", required=True)
    p.add_argument("--warehouse", required=True)
    p.add_argument("--table", required=True)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--fixture", choices=["selftest"])
    src.add_argument("--schema-json", help="Iceberg schema JSON (a struct with field ids)")
    p.add_argument("--rows-json", action="append", default=[], help="one append; repeatable")
    p.add_argument("--appends-json", help="a JSON array of appends, each an array of rows")
    p.add_argument("--partition-by", action="append", default=[], help="identity col or day(col), bucket(16, col), ...")
    p.add_argument("--property", action="append", default=[], help="a table property K=V; repeatable")
    p.add_argument("--replace", action="store_true", help="drop the table first if it exists")
    a = p.parse_args()

    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.schema import Schema

    if a.fixture:
        schema_doc, batches, partition_by = SELFTEST_SCHEMA, SELFTEST_ROWS, SELFTEST_PARTITION_BY
    else:
        schema_doc = json.loads(common.read_arg(a.schema_json))
        batches = [json.loads(common.read_arg(r)) for r in a.rows_json]
        if a.appends_json:
            batches += json.loads(common.read_arg(a.appends_json))
        partition_by = a.partition_by
    schema_doc = {"schema-id": 0, **schema_doc}
    schema = Schema.model_validate(schema_doc)

    fields = []
    for i, expr in enumerate(partition_by):
        transform, col = parse_transform(expr)
        source = schema.find_field(col)
        fields.append(PartitionField(source_id=source.field_id, field_id=1000 + i, transform=transform,
                                     name=f"{col}_{type(transform).__name__.removesuffix('Transform').lower()}"))
    spec = PartitionSpec(*fields)

    catalog = open_catalog(a.catalog_name, a.catalog_uri, a.warehouse)
    ns, _ = common.split_table(a.table)
    catalog.create_namespace_if_not_exists(ns)
    if a.replace and catalog.table_exists(a.table):
        catalog.drop_table(a.table)
    properties = dict(kv.split("=", 1) for kv in a.property)
    table = catalog.create_table(a.table, schema=schema, partition_spec=spec, properties=properties)

    import pyarrow as pa

    arrow_schema = table.schema().as_arrow()
    kinds = {f.name: kind_of(f.field_type) for f in table.schema().fields}
    snapshot_ids = []
    row_count = 0
    for batch in batches:
        cols = {name: [from_canonical(r.get(name), kind) for r in batch] for name, kind in kinds.items()}
        data = pa.Table.from_pydict(cols, schema=arrow_schema)
        table.append(data)
        snapshot_ids.append(str(table.current_snapshot().snapshot_id))
        row_count += len(batch)
    return {
        "table": a.table,
        "metadata_location": table.metadata_location,
        "snapshot_ids": snapshot_ids,
        "row_count": row_count,
    }


if __name__ == "__main__":
    common.run("pyiceberg_write.py", main)
