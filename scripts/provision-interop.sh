#!/usr/bin/env bash
# Provisions the interop oracles that read floe's tables through floe's catalog:
#   .venv/        PyIceberg (SqlCatalog on SQLite and Postgres), pyarrow and pyspark, pinned exactly
#   .cache/jars/  iceberg-spark-runtime, sqlite-jdbc, the postgresql JDBC driver and iceberg-aws-bundle
#                 (S3FileIO), fetched with Maven
# Pins: scripts/interop-versions.env and test/interop/py/constraints.txt.
#
# Idempotent: a stamp (hash of the pins, the pom and the toolchain) makes a re-run a quick
# check. Any failure is loud and non-zero; nothing is skipped, in CI or elsewhere.
# Nothing else downloads at test time: test/interop/oracle.ts only runs what is here.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

die() { echo "provision-interop: ERROR: $*" >&2; exit 1; }
log() { echo "provision-interop: $*"; }

VERSIONS=scripts/interop-versions.env
CONSTRAINTS=test/interop/py/constraints.txt
POM=test/interop/pom.xml
VENV=$ROOT/.venv
JARS=$ROOT/.cache/jars
STAMP=$ROOT/.cache/interop.stamp

for f in "$VERSIONS" "$CONSTRAINTS" "$POM"; do
  [ -f "$f" ] || die "missing $f"
done
# shellcheck source=interop-versions.env
source "$VERSIONS"
for v in PYICEBERG_VERSION PYSPARK_VERSION PYARROW_VERSION ICEBERG_VERSION ICEBERG_SPARK_RUNTIME SQLITE_JDBC_VERSION \
  PSYCOPG2_BINARY_VERSION POSTGRESQL_JDBC_VERSION ICEBERG_AWS_BUNDLE_VERSION; do
  [ -n "${!v:-}" ] || die "$v is not set in $VERSIONS"
done

[ "$ICEBERG_AWS_BUNDLE_VERSION" = "$ICEBERG_VERSION" ] \
  || die "ICEBERG_AWS_BUNDLE_VERSION ($ICEBERG_AWS_BUNDLE_VERSION) must equal ICEBERG_VERSION ($ICEBERG_VERSION) in $VERSIONS"

# --- toolchain ------------------------------------------------------------------------
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (Python 3.9-3.12 is needed for pyspark $PYSPARK_VERSION)"
command -v java >/dev/null || die "java not found (Java 17 is needed by Spark $PYSPARK_VERSION)"
command -v mvn >/dev/null || die "mvn not found (Maven fetches the Spark jars)"
PY_VERSION=$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
case "$PY_VERSION" in
  3.9.*|3.10.*|3.11.*|3.12.*) ;;
  *) die "$PYTHON is $PY_VERSION; pyspark $PYSPARK_VERSION supports Python 3.9-3.12 (set PYTHON=...)" ;;
esac
JAVA_VERSION=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.version = //p')
case "$JAVA_VERSION" in
  17*|21*) ;;
  *) die "Java $JAVA_VERSION found; Spark $PYSPARK_VERSION with Iceberg $ICEBERG_VERSION is provisioned for Java 17 (or 21)" ;;
esac

JAR_NAMES=("$ICEBERG_SPARK_RUNTIME-$ICEBERG_VERSION.jar" "sqlite-jdbc-$SQLITE_JDBC_VERSION.jar" "postgresql-$POSTGRESQL_JDBC_VERSION.jar" "iceberg-aws-bundle-$ICEBERG_AWS_BUNDLE_VERSION.jar")
WANT=$(cat "$VERSIONS" "$CONSTRAINTS" "$POM" "$0" | sha256sum | cut -c1-16)
WANT="$WANT python=$PY_VERSION java=$JAVA_VERSION"

# Prints the installed versions; fails unless they are the pins (cheap: no heavy imports).
report() {
  "$VENV/bin/python" - "$PYICEBERG_VERSION" "$PYSPARK_VERSION" "$PYARROW_VERSION" "$PSYCOPG2_BINARY_VERSION" <<'PY' || return 1
import importlib.metadata as md, sys
want = dict(zip(("pyiceberg", "pyspark", "pyarrow", "psycopg2-binary"), sys.argv[1:]))
bad = 0
print(f"provision-interop: python    {sys.version.split()[0]} ({sys.prefix})")
for name in ("pyiceberg", "pyspark", "pyarrow", "psycopg2-binary", "sqlalchemy", "pyiceberg-core"):
    try:
        have = md.version(name)
    except md.PackageNotFoundError:
        have = "MISSING"
    ok = name not in want or want[name] == have
    bad += not ok
    print(f"provision-interop: {name:<14} {have}" + ("" if ok else f"  (pinned {want[name]})"))
sys.exit(1 if bad else 0)
PY
  log "java           $JAVA_VERSION"
  for j in "${JAR_NAMES[@]}"; do log "jar            .cache/jars/$j"; done
}

# --- fast path --------------------------------------------------------------------------
fast_path_ok() {
  [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] || return 1
  [ -x "$VENV/bin/python" ] || return 1
  for j in "${JAR_NAMES[@]}"; do [ -s "$JARS/$j" ] || return 1; done
}
# The venv must still run and hold the pins (its interpreter may have moved since).
if fast_path_ok && versions=$(report 2>&1); then
  log "up to date ($WANT)"
  echo "$versions"
  exit 0
fi
log "provisioning ($WANT)"
rm -f "$STAMP"

# --- Python venv ------------------------------------------------------------------------
if [ -x "$VENV/bin/python" ] && [ "$("$VENV/bin/python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null || true)" != "$PY_VERSION" ]; then
  log "recreating .venv (its python differs from $PY_VERSION)"
  rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  log "creating .venv with $PYTHON $PY_VERSION"
  "$PYTHON" -m venv "$VENV" || die "python -m venv failed"
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
log "pip install pyiceberg[sql-sqlite,pyarrow,pyiceberg-core]==$PYICEBERG_VERSION pyspark==$PYSPARK_VERSION pyarrow==$PYARROW_VERSION"
"$VENV/bin/python" -m pip install --quiet --no-input \
  -c "$CONSTRAINTS" \
  "pyiceberg[sql-sqlite,pyarrow,pyiceberg-core]==$PYICEBERG_VERSION" \
  "pyspark==$PYSPARK_VERSION" \
  "pyarrow==$PYARROW_VERSION" \
  "psycopg2-binary==$PSYCOPG2_BINARY_VERSION" \
  || die "pip install failed (see above)"
"$VENV/bin/python" -m pip check || die "pip check found broken requirements in .venv"
"$VENV/bin/python" -c 'import pyiceberg.catalog.sql, pyarrow, pyspark, sqlalchemy, psycopg2' \
  || die ".venv cannot import pyiceberg/pyarrow/pyspark/sqlalchemy/psycopg2"

# --- Java jars --------------------------------------------------------------------------
log "mvn: $ICEBERG_SPARK_RUNTIME:$ICEBERG_VERSION, sqlite-jdbc:$SQLITE_JDBC_VERSION -> .cache/jars"
mkdir -p "$ROOT/.cache"
TMP_JARS=$(mktemp -d "$ROOT/.cache/jars.XXXXXX")
trap 'rm -rf "$TMP_JARS"' EXIT
MVN_LOG=$ROOT/.cache/provision-interop-mvn.log
if ! mvn -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
  -DexcludeTransitive=true -DoutputDirectory="$TMP_JARS" \
  -Diceberg.version="$ICEBERG_VERSION" \
  -Diceberg.spark.runtime="$ICEBERG_SPARK_RUNTIME" \
  -Dsqlite.jdbc.version="$SQLITE_JDBC_VERSION" >"$MVN_LOG" 2>&1; then
  tail -n 60 "$MVN_LOG" >&2
  die "mvn could not fetch the Spark jars (full log: $MVN_LOG)"
fi
log "mvn: org.postgresql:postgresql:$POSTGRESQL_JDBC_VERSION -> .cache/jars"
if ! mvn -B -Dstyle.color=never -f "$POM" dependency:copy \
  -Dartifact="org.postgresql:postgresql:$POSTGRESQL_JDBC_VERSION" -DoutputDirectory="$TMP_JARS" \
  -Diceberg.version="$ICEBERG_VERSION" \
  -Diceberg.spark.runtime="$ICEBERG_SPARK_RUNTIME" \
  -Dsqlite.jdbc.version="$SQLITE_JDBC_VERSION" >>"$MVN_LOG" 2>&1; then
  tail -n 60 "$MVN_LOG" >&2
  die "mvn could not fetch the postgresql JDBC driver (full log: $MVN_LOG)"
fi
log "mvn: org.apache.iceberg:iceberg-aws-bundle:$ICEBERG_AWS_BUNDLE_VERSION -> .cache/jars"
if ! mvn -B -Dstyle.color=never -f "$POM" dependency:copy \
  -Dartifact="org.apache.iceberg:iceberg-aws-bundle:$ICEBERG_AWS_BUNDLE_VERSION" -DoutputDirectory="$TMP_JARS" \
  -Diceberg.version="$ICEBERG_VERSION" \
  -Diceberg.spark.runtime="$ICEBERG_SPARK_RUNTIME" \
  -Dsqlite.jdbc.version="$SQLITE_JDBC_VERSION" >>"$MVN_LOG" 2>&1; then
  tail -n 60 "$MVN_LOG" >&2
  die "mvn could not fetch iceberg-aws-bundle (full log: $MVN_LOG)"
fi
for j in "${JAR_NAMES[@]}"; do
  [ -s "$TMP_JARS/$j" ] || die "mvn did not produce $j"
  "$VENV/bin/python" -c 'import sys, zipfile; sys.exit(not zipfile.is_zipfile(sys.argv[1]))' "$TMP_JARS/$j" \
    || die "$j is not a jar (zip)"
done
# Swap in whole, so .cache/jars never holds a mix of old and new pins.
rm -rf "$JARS"
mv "$TMP_JARS" "$JARS"
trap - EXIT

report || die "installed versions differ from the pins (see above)"
echo "$WANT" > "$STAMP"
log "done"
