"""Reads tables with Spark through floe's catalog (JdbcCatalog); prints one JSON document.

  spark_read.py --catalog-uri jdbc:sqlite:/abs/catalog.db --catalog-name floe \
      --warehouse /abs/warehouse --table ns.t [--table ns.u@SNAPSHOT_ID]... [--with-rows]
      [--catalog-prop K=V]...

Output: {spark_version, iceberg_version, tables: {"ns.t": {table, snapshot_id, schema, count,
columns: {name: {non_null_count, checksum}}, rows? }}}. One JVM serves every --table.
"""
from __future__ import annotations

import argparse

import common
import spark_common as sc


def main() -> dict:
    p = argparse.ArgumentParser(prog="spark_read.py")
    sc.add_catalog_args(p)
    p.add_argument("--table", action="append", required=True, help="ns.t or ns.t@SNAPSHOT_ID; repeatable")
    p.add_argument("--with-rows", action="store_true", help="also print canonical rows, sorted")
    a = p.parse_args()
    spark = sc.session(a)
    try:
        tables = {}
        for spec in a.table:
            name, _, snap = spec.partition("@")
            tables[spec] = sc.op_read(spark, a.catalog_name, name, snap or None, a.with_rows)
        return {**sc.versions(spark), "tables": tables}
    finally:
        spark.stop()


if __name__ == "__main__":
    common.run("spark_read.py", main)
