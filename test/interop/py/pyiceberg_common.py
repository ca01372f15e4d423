"""PyIceberg helpers: open floe's SQL catalog and map Iceberg types to canonical kinds."""
from __future__ import annotations

from typing import Any

from pyiceberg import types as T
from pyiceberg.catalog.sql import SqlCatalog


def open_catalog(name: str, uri: str, warehouse: str | None) -> SqlCatalog:
    """SqlCatalog on an existing or new catalog DB (uri: sqlite:////abs/catalog.db).

    init_catalog_tables stays at its default (true): on a DB that already has the tables
    PyIceberg only probes for the iceberg_type column and never alters anything unless
    schema_version=v1 is passed (see docs/INTEROP.md).
    """
    props: dict[str, str] = {"uri": uri}
    if warehouse:
        props["warehouse"] = warehouse if "://" in warehouse else "file://" + warehouse
    return SqlCatalog(name, **props)


def kind_of(t: Any) -> Any:
    """Iceberg type -> canonical kind (see canonical.py)."""
    if isinstance(t, T.BooleanType):
        return "boolean"
    if isinstance(t, T.IntegerType):
        return "int"
    if isinstance(t, T.LongType):
        return "long"
    if isinstance(t, T.FloatType):
        return "float"
    if isinstance(t, T.DoubleType):
        return "double"
    if isinstance(t, T.DecimalType):
        return ("decimal", t.scale)
    if isinstance(t, T.DateType):
        return "date"
    if isinstance(t, T.TimeType):
        return "time"
    if isinstance(t, T.TimestamptzType):
        return "timestamptz"
    if isinstance(t, T.TimestampType):
        return "timestamp"
    if isinstance(t, T.StringType):
        return "string"
    if isinstance(t, T.UUIDType):
        return "uuid"
    if isinstance(t, (T.BinaryType, T.FixedType)):
        return "binary"
    if isinstance(t, T.StructType):
        return ("struct", [(f.name, kind_of(f.field_type)) for f in t.fields])
    if isinstance(t, T.ListType):
        return ("list", kind_of(t.element_type))
    if isinstance(t, T.MapType):
        return ("map", kind_of(t.key_type), kind_of(t.value_type))
    raise ValueError(f"the interop oracle has no canonical encoding for Iceberg type {t}")


def schema_json(schema: Any) -> list[dict]:
    return [
        {"name": f.name, "type": str(f.field_type), "field_id": f.field_id, "required": f.required}
        for f in schema.fields
    ]
