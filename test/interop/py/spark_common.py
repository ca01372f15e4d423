"""Local-mode Spark with Iceberg's SparkCatalog over floe's SQL catalog (JdbcCatalog on SQLite).

One SparkSession per process: JVM start-up dominates (20-40 s on 2 cores), so the scripts
take several tables or operations per run (spark_batch.py).
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import common
from canonical import from_canonical, sort_rows, summarize, to_canonical

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
JARS_DIR = Path(os.environ.get("FLOE_INTEROP_JARS", REPO / ".cache" / "jars"))


def add_catalog_args(p) -> None:
    p.add_argument("--catalog-uri", required=True, help="jdbc:sqlite:/abs/catalog.db")
    p.add_argument("--catalog-name", required=True, help="Spark catalog name = catalog_name column")
    p.add_argument("--warehouse", required=True)
    p.add_argument("--catalog-prop", action="append", default=[], metavar="K=V",
                   help="extra Iceberg catalog property, e.g. jdbc.schema-version=V1")


def jars() -> list[str]:
    found = sorted(str(p) for p in JARS_DIR.glob("*.jar"))
    names = " ".join(Path(j).name for j in found)
    if "iceberg-spark-runtime" not in names or "sqlite-jdbc" not in names:
        raise RuntimeError(f"Spark jars missing in {JARS_DIR} (found: {names or 'nothing'}); "
                           "run scripts/provision-interop.sh")
    return found


def catalog_props(a) -> dict[str, str]:
    props = {
        "type": "jdbc",
        "uri": a.catalog_uri,
        "warehouse": a.warehouse,
        # Never create catalog tables in the DB under test: a missing table is a finding.
        "jdbc.init-catalog-tables": "false",
    }
    for kv in a.catalog_prop:
        k, sep, v = kv.partition("=")
        if not sep:
            raise ValueError(f"--catalog-prop {kv!r} is not K=V")
        props[k] = v
    return props


def session(a):
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.pop("SPARK_HOME", None)  # always the pinned pyspark's own Spark
    from pyspark.sql import SparkSession

    scratch = tempfile.mkdtemp(prefix="floe-spark-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    java_opts = f"-Dlog4j2.configurationFile=file:{HERE / 'log4j2.properties'} -Duser.timezone=UTC"
    b = (
        SparkSession.builder.master("local[2]")
        .appName("floe-interop")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.extraClassPath", ":".join(jars()))
        .config("spark.driver.extraJavaOptions", java_opts)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.warehouse.dir", os.path.join(scratch, "spark-warehouse"))
        .config("spark.local.dir", scratch)
        .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
        .config(f"spark.sql.catalog.{a.catalog_name}", "org.apache.iceberg.spark.SparkCatalog")
    )
    for k, v in catalog_props(a).items():
        b = b.config(f"spark.sql.catalog.{a.catalog_name}.{k}", v)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def ident(catalog: str, table: str, *suffix: str) -> str:
    ns, t = common.split_table(table)
    parts = [catalog, *ns.split("."), t, *suffix]
    return ".".join("`" + p.replace("`", "``") + "`" for p in parts)


def kind_of(dt: Any) -> Any:
    """Spark DataType -> canonical kind. Iceberg uuid reads as string, fixed as binary."""
    from pyspark.sql import types as T

    if isinstance(dt, T.BooleanType):
        return "boolean"
    if isinstance(dt, (T.ByteType, T.ShortType, T.IntegerType)):
        return "int"
    if isinstance(dt, T.LongType):
        return "long"
    if isinstance(dt, T.FloatType):
        return "float"
    if isinstance(dt, T.DoubleType):
        return "double"
    if isinstance(dt, T.DecimalType):
        return ("decimal", dt.scale)
    if isinstance(dt, T.DateType):
        return "date"
    if isinstance(dt, T.TimestampNTZType):
        return "timestamp"
    if isinstance(dt, T.TimestampType):
        return "timestamptz"
    if isinstance(dt, T.StringType):
        return "string"
    if isinstance(dt, T.BinaryType):
        return "binary"
    if isinstance(dt, T.StructType):
        return ("struct", [(f.name, kind_of(f.dataType)) for f in dt.fields])
    if isinstance(dt, T.ArrayType):
        return ("list", kind_of(dt.elementType))
    if isinstance(dt, T.MapType):
        return ("map", kind_of(dt.keyType), kind_of(dt.valueType))
    raise ValueError(f"the interop oracle has no canonical encoding for Spark type {dt.simpleString()}")


def canonical_rows(df) -> tuple[list[str], list[dict]]:
    kinds = [(f.name, kind_of(f.dataType)) for f in df.schema.fields]
    rows = []
    for r in df.toLocalIterator():
        rows.append({name: to_canonical(r[i], kind) for i, (name, kind) in enumerate(kinds)})
    return [n for n, _ in kinds], rows


def current_snapshot_id(spark, catalog: str, table: str) -> str | None:
    refs = spark.sql(f"SELECT snapshot_id FROM {ident(catalog, table, 'refs')} WHERE name = 'main'").collect()
    return str(refs[0][0]) if refs else None


# --------------------------------------------------------------------------------------
# operations (each returns a JSON-able dict)
# --------------------------------------------------------------------------------------

def op_read(spark, catalog: str, table: str, snapshot_id: str | None = None, with_rows: bool = False) -> dict:
    reader = spark.read
    if snapshot_id is not None:
        reader = reader.option("snapshot-id", str(snapshot_id))
    df = reader.table(ident(catalog, table))
    columns, rows = canonical_rows(df)
    count, summaries = summarize(rows, columns)
    out = {
        "table": table,
        "snapshot_id": str(snapshot_id) if snapshot_id is not None else current_snapshot_id(spark, catalog, table),
        "schema": [{"name": f.name, "type": f.dataType.simpleString(), "nullable": f.nullable}
                   for f in df.schema.fields],
        "count": count,
        "columns": summaries,
    }
    if with_rows:
        out["rows"] = sort_rows(rows, columns)
    return out


def op_append(spark, catalog: str, table: str, rows: list[dict]) -> dict:
    target = spark.table(ident(catalog, table))
    schema = target.schema
    kinds = [(f.name, kind_of(f.dataType)) for f in schema.fields]
    known = {n for n, _ in kinds}
    for i, r in enumerate(rows):
        extra = set(r) - known
        if extra:
            raise ValueError(f"row {i} has columns not in {table}: {sorted(extra)}")
    data = [tuple(_spark_value(from_canonical(r.get(n), k), k) for n, k in kinds) for r in rows]
    df = spark.createDataFrame(data, schema=schema, verifySchema=True)
    df.writeTo(ident(catalog, table)).append()
    return {"table": table, "appended": len(rows), "snapshot_id": current_snapshot_id(spark, catalog, table)}


def _spark_value(v: Any, kind: Any) -> Any:
    """from_canonical gives bytes and dict structs; Spark wants bytearray and tuples."""
    if v is None:
        return None
    if kind == "binary":
        return bytearray(v)
    if isinstance(kind, tuple):
        if kind[0] == "struct":
            return tuple(_spark_value(v.get(n), k) for n, k in kind[1])
        if kind[0] == "list":
            return [_spark_value(e, kind[1]) for e in v]
        if kind[0] == "map":
            return {_spark_value(k, kind[1]): _spark_value(e, kind[2]) for k, e in v.items()}
    return v


def op_sql(spark, sql: str) -> dict:
    df = spark.sql(sql)
    columns, rows = canonical_rows(df)
    return {"sql": sql, "columns": columns, "rows": rows}


def run_op(spark, catalog: str, op: dict) -> dict:
    kind = op.get("op")
    if kind == "read":
        return op_read(spark, catalog, op["table"], op.get("snapshot_id"), bool(op.get("with_rows")))
    if kind == "append":
        return op_append(spark, catalog, op["table"], op["rows"])
    if kind == "sql":
        return op_sql(spark, op["sql"])
    raise ValueError(f"unknown op {json.dumps(op)[:200]}")


def versions(spark) -> dict:
    jvm = spark.sparkContext._jvm
    try:
        iceberg = jvm.org.apache.iceberg.IcebergBuild.version()
    except Exception:  # noqa: BLE001 - informational only
        iceberg = None
    return {"spark_version": spark.version, "iceberg_version": iceberg}
