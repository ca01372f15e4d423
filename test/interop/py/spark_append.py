"""Appends to an existing table with Spark through floe's catalog; prints one JSON document.

  spark_append.py --catalog-uri jdbc:sqlite:/abs/catalog.db --catalog-name floe \
      --warehouse /abs/warehouse --table ns.t --rows-json '[{...}]'   (or @file, or - for stdin)
  spark_append.py ... --sql "INSERT INTO floe.ns.t VALUES (...)" [--sql ...]

Rows use the canonical JSON encoding (docs/INTEROP.md). Output: {spark_version,
iceberg_version, table, appended (rows, --rows-json only), snapshot_id (main after the
append), sql: [{sql, columns, rows}]}.
"""
from __future__ import annotations

import argparse
import json

import common
import spark_common as sc


def main() -> dict:
    p = argparse.ArgumentParser(prog="spark_append.py")
    sc.add_catalog_args(p)
    p.add_argument("--table", required=True)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--rows-json", help="JSON array of rows; @path or - for stdin")
    src.add_argument("--sql", action="append", help="Spark SQL statement(s) to run; repeatable")
    a = p.parse_args()
    spark = sc.session(a)
    try:
        out: dict = {**sc.versions(spark), "table": a.table}
        if a.rows_json is not None:
            rows = json.loads(common.read_arg(a.rows_json))
            if not isinstance(rows, list):
                raise ValueError("--rows-json must be a JSON array of row objects")
            out.update(sc.op_append(spark, a.catalog_name, a.table, rows))
        else:
            out["sql"] = [sc.op_sql(spark, s) for s in a.sql]
            out["snapshot_id"] = sc.current_snapshot_id(spark, a.catalog_name, a.table)
        return out
    finally:
        spark.stop()


if __name__ == "__main__":
    common.run("spark_append.py", main)
