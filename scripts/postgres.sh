# Find a PostgreSQL server for the tests, or start a throwaway one. Sets POSTGRES_URL.
# Uses $POSTGRES_URL if given, else the server at 127.0.0.1:5432 (user postgres), else a
# temporary cluster made with initdb/pg_ctl and removed when the script exits. Fails (never
# skips) when none can be had.

postgres_ready() {
  if [ -n "${POSTGRES_URL:-}" ]; then
    return
  fi
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null &&
    psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    POSTGRES_URL="postgres://postgres@127.0.0.1:5432/coproduce"
    return
  fi
  local bindir
  bindir=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)")
  if [ ! -x "$bindir/initdb" ]; then
    echo "No PostgreSQL answers at 127.0.0.1:5432 and initdb is not installed." >&2
    echo "Install PostgreSQL 15 or newer, or set POSTGRES_URL." >&2
    exit 1
  fi
  PG_TMP=$(mktemp -d /tmp/coproduce-pg.XXXXXX)
  local port=55432
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG_TMP"
    run=(runuser -u postgres --)
  fi
  echo "Starting a throwaway PostgreSQL in $PG_TMP on port $port"
  "${run[@]}" "$bindir/initdb" -D "$PG_TMP/data" -U postgres --auth=trust >/dev/null
  "${run[@]}" "$bindir/pg_ctl" -D "$PG_TMP/data" -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null
  trap 'postgres_stop' EXIT
  POSTGRES_URL="postgres://postgres@127.0.0.1:$port/coproduce"
  PG_BINDIR=$bindir
}

postgres_stop() {
  if [ -n "${PG_TMP:-}" ]; then
    local run=()
    [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
    "${run[@]}" "$PG_BINDIR/pg_ctl" -D "$PG_TMP/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
}
