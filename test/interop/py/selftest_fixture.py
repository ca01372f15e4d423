"""The table the harness self-test writes with PyIceberg and reads back with both oracles.

It covers every type Spark 3.5 can read from Iceberg (not `time`: Spark has no such type)
and the encoding's edge cases: nulls, longs past 2^53, NaN/inf/-0.0, decimals with sign
and scale, timestamps before the epoch, strings that sort differently by code point and by
UTF-16 code unit, nested struct/list/map with nulls inside.
"""
from __future__ import annotations


def _f(id_, name, type_, required=False):
    return {"id": id_, "name": name, "type": type_, "required": required}


SELFTEST_SCHEMA = {
    "type": "struct",
    "fields": [
        _f(1, "id", "long", True),
        _f(2, "i", "int"),
        _f(3, "f", "float"),
        _f(4, "d", "double"),
        _f(5, "dec", "decimal(10, 2)"),
        _f(6, "s", "string"),
        _f(7, "b", "boolean"),
        _f(8, "dt", "date"),
        _f(9, "ts", "timestamp"),
        _f(10, "tstz", "timestamptz"),
        _f(11, "bin", "binary"),
        _f(12, "fx", "fixed[4]"),
        _f(13, "st", {"type": "struct", "fields": [_f(14, "x", "int"), _f(15, "y", "string")]}),
        _f(16, "ls", {"type": "list", "element-id": 17, "element": "long", "element-required": False}),
        _f(18, "mp", {"type": "map", "key-id": 19, "key": "string", "value-id": 20, "value": "double",
                      "value-required": False}),
    ],
}

SELFTEST_PARTITION_BY = ["day(tstz)"]

_BATCH_1 = [
    {"id": "1", "i": 1, "f": 0.1, "d": 0.1, "dec": "12.30", "s": "alpha", "b": True, "dt": "2024-02-29",
     "ts": "2024-02-29T12:34:56.123456", "tstz": "2024-02-29T12:34:56.123456Z", "bin": "00ff10",
     "fx": "deadbeef", "st": {"x": 1, "y": "one"}, "ls": ["1", "9007199254740993"],
     "mp": [["a", 1.5], ["b", None]]},
    {"id": "9007199254740993", "i": -2147483648, "f": "NaN", "d": "-Infinity", "dec": "-0.05",
     "s": "\U0001F600 astral", "b": False, "dt": "1969-12-31", "ts": "1969-12-31T23:59:59.999999",
     "tstz": "1969-12-31T23:59:59.999999Z", "bin": "", "fx": "00000000", "st": {"x": None, "y": None},
     "ls": [], "mp": []},
    {"id": "3", "i": None, "f": None, "d": -0.0, "dec": None, "s": "\uff5e fullwidth", "b": None,
     "dt": None, "ts": None, "tstz": "2024-03-01T00:00:00.000000Z", "bin": None, "fx": None, "st": None,
     "ls": None, "mp": None},
]

_BATCH_2 = [
    {"id": "-9223372036854775808", "i": 2147483647, "f": "Infinity", "d": 1e21, "dec": "99999999.99",
     "s": "", "b": True, "dt": "0001-01-01", "ts": "2262-04-11T23:47:16.854775",
     "tstz": "2024-02-29T00:00:00.000001Z", "bin": "61", "fx": "01020304",
     "st": {"x": 7, "y": "\u00e9\u0301"}, "ls": [None, "-1"], "mp": [["z", 1e-7], ["\u00e9", 123456789.125]]},
    {"id": "5", "i": 0, "f": -1.5, "d": 5e-324, "dec": "0.00", "s": "line\nbreak \"quoted\" \\ tab\t",
     "b": False, "dt": "2038-01-19", "ts": "2038-01-19T03:14:08.000000",
     "tstz": "2038-01-19T03:14:08.000000Z", "bin": "0a0b", "fx": "ffffffff",
     "st": {"x": -1, "y": ""}, "ls": ["0"], "mp": [["k", "NaN"]]},
    # Same id: the order of these two is decided by `s`, where UTF-16 code unit order
    # (the contract, as in JS) and code point order disagree.
    {"id": "7", "s": "\uff5e"},
    {"id": "7", "s": "\U0001F600"},
]

SELFTEST_ROWS = [_BATCH_1, _BATCH_2]
