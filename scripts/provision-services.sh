#!/usr/bin/env bash
# Provisions the real database servers that test/sources runs against:
#   PostgreSQL  a dedicated cluster "floe_test" on 127.0.0.1:$FLOE_TEST_PG_PORT (default 55432)
#   MariaDB     a dedicated mariadbd on 127.0.0.1:$FLOE_TEST_MYSQL_PORT (default 33306),
#               data under /var/lib/floe-test-mariadb
#   moto        an S3 API server on 127.0.0.1:$FLOE_TEST_S3_PORT (default 45900), from a
#               dedicated venv .cache/moto-venv, version MOTO_VERSION in scripts/interop-versions.env
# and writes .cache/services.env with FLOE_TEST_PG_URL, FLOE_TEST_MYSQL_URL and FLOE_TEST_S3_ENDPOINT.
#
# Why dedicated instances: the distribution's default cluster/port may belong to something
# else on a developer machine, and systemd is not running in CI containers, so the servers
# are started directly (pg_ctlcluster, mariadbd in the background) and bound to loopback only.
# They are test servers: durability is traded for speed (fsync off, no binlog).
#
# Idempotent: when both servers already accept the test login, this only rewrites the env
# file. Packages are installed with apt-get only when missing (apt-get update only then).
# Any failure is loud and non-zero; the tests never skip for want of a server.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

die() { echo "provision-services: ERROR: $*" >&2; exit 1; }
log() { echo "provision-services: $*"; }

PG_PORT=${FLOE_TEST_PG_PORT:-55432}
MY_PORT=${FLOE_TEST_MYSQL_PORT:-33306}
S3_PORT=${FLOE_TEST_S3_PORT:-45900}
MOTO_VENV=$ROOT/.cache/moto-venv
MOTO_LOG=$ROOT/.cache/moto-server.log
MOTO_VERSION=$(sed -n 's/^MOTO_VERSION=//p' scripts/interop-versions.env)
[ -n "$MOTO_VERSION" ] || die "MOTO_VERSION is not set in scripts/interop-versions.env"
S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
PG_CLUSTER=floe_test
MY_BASE=/var/lib/floe-test-mariadb
MY_SOCK=$MY_BASE/run/mysqld.sock
MY_LOG=$MY_BASE/mariadbd.log
DB_USER=floe
DB_NAME=floe_test
# The password carries a distinctive string so tests can prove it never reaches a message.
# URL-safe on purpose: it is spliced into the URLs below unencoded.
DB_PASSWORD=floe_s3cret_pw_7Qx
ENV_FILE=$ROOT/.cache/services.env
PG_URL="postgresql://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
MY_URL="mysql://$DB_USER:$DB_PASSWORD@127.0.0.1:$MY_PORT/$DB_NAME"

# Installing and starting servers needs root; the fast path above them does not.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo -n "$@"
  else die "not root and sudo is missing: '$1' needs root"
  fi
}
as_postgres() { as_root runuser -u postgres -- "$@"; }

mkdir -p "$ROOT/.cache"
write_env() {
  umask 077
  printf 'FLOE_TEST_PG_URL=%s\nFLOE_TEST_MYSQL_URL=%s\nFLOE_TEST_S3_ENDPOINT=%s\n' "$PG_URL" "$MY_URL" "$S3_ENDPOINT" >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

pg_ok() { command -v psql >/dev/null && PGPASSWORD=$DB_PASSWORD PGCONNECT_TIMEOUT=3 psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" -tAc 'select 1' >/dev/null 2>&1; }
my_ok() { command -v mariadb >/dev/null && mariadb --no-defaults --connect-timeout=3 -h 127.0.0.1 -P "$MY_PORT" -u "$DB_USER" -p"$DB_PASSWORD" "$DB_NAME" -e 'select 1' >/dev/null 2>&1; }

# moto answers ListBuckets at / with XML naming ListAllMyBucketsResult.
moto_ok() { curl -fsS --max-time 3 "$S3_ENDPOINT/" 2>/dev/null | grep -q ListAllMyBucketsResult; }

# --- moto (S3) --------------------------------------------------------------------------
moto_installed() { [ -x "$MOTO_VENV/bin/moto_server" ] && [ "$("$MOTO_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null)" = "$MOTO_VERSION" ]; }
# The venv is needed even when a moto server already answers (say, one started from another
# checkout): test/helpers/s3-auth-server.ts starts its own signature-checking moto from it.
install_moto() {
  if ! moto_installed; then
    log "installing moto[server]==$MOTO_VERSION into $MOTO_VENV"
    command -v python3 >/dev/null || die "python3 is needed for the moto S3 test server"
    [ -x "$MOTO_VENV/bin/python" ] || python3 -m venv "$MOTO_VENV" || die "cannot create the venv $MOTO_VENV (is python3-venv installed?)"
    "$MOTO_VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" >"$ROOT/.cache/moto-install.log" 2>&1 \
      || { tail -n 30 "$ROOT/.cache/moto-install.log" >&2; die "pip install moto[server]==$MOTO_VERSION failed"; }
    moto_installed || die "moto $MOTO_VERSION is not what $MOTO_VENV holds after installing it"
  fi
}
start_moto() {
  command -v curl >/dev/null || die "curl is needed to check the moto S3 test server"
  install_moto
  log "starting moto_server $MOTO_VERSION on $S3_ENDPOINT"
  # Loopback only; setsid + nohup: it outlives this script. Its state is in memory only.
  setsid nohup "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT" </dev/null >"$MOTO_LOG" 2>&1 &
  local i
  for i in $(seq 1 60); do
    moto_ok && return 0
    sleep 0.5
  done
  tail -n 30 "$MOTO_LOG" >&2 || true
  die "moto_server did not answer at $S3_ENDPOINT within 30 s (is the port taken? set FLOE_TEST_S3_PORT)"
}

# --- fast path --------------------------------------------------------------------------
if pg_ok && my_ok && moto_ok; then
  install_moto
  write_env
  log "already running: postgres 127.0.0.1:$PG_PORT, mariadb 127.0.0.1:$MY_PORT, moto $S3_ENDPOINT ($ENV_FILE)"
  exit 0
fi
moto_ok || start_moto
if pg_ok && my_ok; then
  write_env
  log "ready: postgres 127.0.0.1:$PG_PORT, mariadb 127.0.0.1:$MY_PORT, moto $S3_ENDPOINT ($ENV_FILE)"
  exit 0
fi

# --- packages ---------------------------------------------------------------------------
missing=()
command -v pg_createcluster >/dev/null || missing+=(postgresql)
{ command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null; } || missing+=(mariadb-server)
command -v mariadb >/dev/null || missing+=(mariadb-client)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing ${missing[*]} and apt-get is not available; install them by hand"
  log "installing ${missing[*]} with apt-get"
  # Keep the packages' own services from starting on install: their default instances
  # (5432, 3306) are not used here, and without systemd they would linger unmanaged.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    trap 'as_root rm -f '"$policy" EXIT
  fi
  # Another apt-get (an unattended upgrade, a second provisioning) may hold apt's locks for
  # a while: waited for (DPkg::Lock::Timeout), and update retried, for up to two minutes.
  apt_get() { as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 "$@"; }
  tries=0
  until apt_get update -qq; do
    tries=$((tries + 1))
    [ "$tries" -lt 24 ] || die "apt-get update failed"
    log "apt-get update failed (another apt-get holding its lock?); trying again in 5 s"
    sleep 5
  done
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
fi

# --- PostgreSQL -------------------------------------------------------------------------
start_postgres() {
  local version
  version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)
  [ -n "$version" ] || die "no PostgreSQL server under /usr/lib/postgresql"
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$version $PG_CLUSTER"; then
    log "creating PostgreSQL $version cluster $PG_CLUSTER on port $PG_PORT"
    as_root pg_createcluster "$version" "$PG_CLUSTER" -p "$PG_PORT" --start-conf=manual \
      -- --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null \
      || die "pg_createcluster failed"
  fi
  # Settings go to conf.d (included by Debian's postgresql.conf) rather than pg_createcluster
  # -o, which quotes values inconsistently; rewriting it each time keeps old clusters current.
  as_root sh -c "cat > /etc/postgresql/$version/$PG_CLUSTER/conf.d/floe-test.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  local status
  status=$(pg_lsclusters -h | awk -v c="$PG_CLUSTER" '$2 == c {print $4}')
  if [ "$status" != online ]; then
    log "starting PostgreSQL cluster $PG_CLUSTER"
    as_root pg_ctlcluster "$version" "$PG_CLUSTER" start \
      || { as_root tail -n 30 "/var/log/postgresql/postgresql-$version-$PG_CLUSTER.log" >&2 || true; die "PostgreSQL did not start"; }
  fi
  # Role and database; ALTER keeps the password current if the role predates this script.
  as_postgres psql -X -q -p "$PG_PORT" -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL || die "could not create the PostgreSQL test role and database"
SELECT 'CREATE ROLE $DB_USER LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') \gexec
ALTER ROLE $DB_USER WITH LOGIN PASSWORD '$DB_PASSWORD';
SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME') \gexec
SQL
}

# --- MariaDB ----------------------------------------------------------------------------
start_mariadb() {
  id mysql >/dev/null 2>&1 || die "the mysql system user is missing (it comes with mariadb-server)"
  as_root mkdir -p "$MY_BASE/run"
  as_root chown mysql:mysql "$MY_BASE" "$MY_BASE/run"
  if ! as_root test -d "$MY_BASE/data/mysql"; then
    log "initialising MariaDB data directory $MY_BASE/data"
    as_root mariadb-install-db --no-defaults --user=mysql --datadir="$MY_BASE/data" \
      --auth-root-authentication-method=socket --skip-test-db >"$ROOT/.cache/mariadb-install.log" 2>&1 \
      || { tail -n 30 "$ROOT/.cache/mariadb-install.log" >&2; die "mariadb-install-db failed"; }
  fi
  if ! as_root mariadb-admin --no-defaults --socket="$MY_SOCK" -uroot ping >/dev/null 2>&1; then
    log "starting mariadbd on 127.0.0.1:$MY_PORT"
    # setsid + nohup: the server outlives this script and the shell that ran it.
    as_root setsid nohup mariadbd --no-defaults --user=mysql --datadir="$MY_BASE/data" \
      --bind-address=127.0.0.1 --port="$MY_PORT" --socket="$MY_SOCK" --pid-file="$MY_BASE/run/mariadbd.pid" \
      --log-error="$MY_LOG" --skip-name-resolve --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
      --innodb-buffer-pool-size=128M --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      </dev/null >/dev/null 2>&1 &
    local i
    for i in $(seq 1 60); do
      as_root mariadb-admin --no-defaults --socket="$MY_SOCK" -uroot ping >/dev/null 2>&1 && break
      [ "$i" -eq 60 ] && { as_root tail -n 30 "$MY_LOG" >&2 || true; die "mariadbd did not accept connections within 30 s"; }
      sleep 0.5
    done
  fi
  as_root mariadb --no-defaults --socket="$MY_SOCK" -uroot >/dev/null <<SQL || die "could not create the MariaDB test user and database"
CREATE DATABASE IF NOT EXISTS $DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'%' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'%' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON $DB_NAME.* TO '$DB_USER'@'%';
FLUSH PRIVILEGES;
SQL
}

pg_ok || start_postgres
my_ok || start_mariadb

# --- wait and verify --------------------------------------------------------------------
for i in $(seq 1 60); do
  pg_ok && my_ok && break
  [ "$i" -eq 60 ] && { pg_ok || die "PostgreSQL does not accept the test login at 127.0.0.1:$PG_PORT"; die "MariaDB does not accept the test login at 127.0.0.1:$MY_PORT"; }
  sleep 0.5
done
write_env
log "ready: postgres 127.0.0.1:$PG_PORT, mariadb 127.0.0.1:$MY_PORT, moto $S3_ENDPOINT ($ENV_FILE)"
