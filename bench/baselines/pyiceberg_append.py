"""Baseline B of scenario 1: the CSV into a new Iceberg table with PyIceberg.

What a Python user writes today: pyarrow.csv.read_csv (types inferred by pyarrow), then
create_table + table.append into a SqlCatalog on SQLite in the run's directory. PyIceberg's
default write settings apply (zstd Parquet).

Usage: .venv/bin/python pyiceberg_append.py <csv> <warehouse-dir> <namespace.table>
Prints {"rows": N, "pyiceberg": "...", "pyarrow": "..."}.
"""

import json
import os
import sys

import pyarrow as pa
import pyarrow.csv as pacsv
import pyiceberg
from pyiceberg.catalog.sql import SqlCatalog


def main() -> None:
    csv_path, warehouse, table_name = sys.argv[1:4]
    os.makedirs(warehouse, exist_ok=True)
    catalog = SqlCatalog(
        "floe",
        uri=f"sqlite:///{os.path.join(warehouse, 'catalog.db')}",
        warehouse=f"file://{os.path.abspath(warehouse)}",
    )
    catalog.create_namespace(table_name.split(".")[0])
    data = pacsv.read_csv(csv_path)
    # pyarrow infers timestamp[ns]; Iceberg v2 has microseconds only, and PyIceberg refuses
    # ns unless told to downcast. Casting first is what a user does.
    fields = [
        f.with_type(pa.timestamp("us", tz=f.type.tz)) if pa.types.is_timestamp(f.type) and f.type.unit == "ns" else f
        for f in data.schema
    ]
    data = data.cast(pa.schema(fields))
    table = catalog.create_table(table_name, schema=data.schema)
    table.append(data)
    print(json.dumps({"rows": data.num_rows, "pyiceberg": pyiceberg.__version__, "pyarrow": pa.__version__}))


if __name__ == "__main__":
    main()
