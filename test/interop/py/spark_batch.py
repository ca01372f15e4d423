"""Runs a list of Spark operations in ONE SparkSession; prints one JSON document.

  spark_batch.py --catalog-uri jdbc:sqlite:/abs/catalog.db --catalog-name floe \
      --warehouse /abs/warehouse --ops-json '[...]'   (or @file, or - for stdin)

ops, run in order:
  {"op": "read",   "table": "ns.t", "snapshot_id": "123"?, "with_rows": true?}
  {"op": "append", "table": "ns.t", "rows": [{...canonical row...}]}
  {"op": "sql",    "sql": "CALL floe.system.rewrite_data_files('ns.t')"}
Output: {spark_version, iceberg_version, results: [one per op, shapes as in spark_read.py /
spark_append.py]}. The first failing op fails the run (exit 1), naming its index.
"""
from __future__ import annotations

import argparse
import json

import common
import spark_common as sc


def main() -> dict:
    p = argparse.ArgumentParser(prog="spark_batch.py")
    sc.add_catalog_args(p)
    p.add_argument("--ops-json", required=True)
    a = p.parse_args()
    ops = json.loads(common.read_arg(a.ops_json))
    if not isinstance(ops, list):
        raise ValueError("--ops-json must be a JSON array of operations")
    spark = sc.session(a)
    try:
        results = []
        for i, op in enumerate(ops):
            try:
                results.append(sc.run_op(spark, a.catalog_name, op))
            except Exception as e:
                raise RuntimeError(f"op {i} ({op.get('op')} {op.get('table') or op.get('sql', '')[:80]}) failed: {e}") from e
        return {**sc.versions(spark), "results": results}
    finally:
        spark.stop()


if __name__ == "__main__":
    common.run("spark_batch.py", main)
