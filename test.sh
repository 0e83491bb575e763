#!/usr/bin/env bash
# The test command: every test, on SQLite and on PostgreSQL.
# Starts a throwaway PostgreSQL cluster (initdb/pg_ctl in a temp folder, on a free port), runs the
# whole suite with WORKFLOWS_TEST_POSTGRES pointing at it, and stops the cluster whatever happens.
# Installs Debian's chromium and fonts-noto-cjk for the browser tests when they are missing.
# Extra arguments go to `dotnet test` (e.g. ./test.sh --filter "FullyQualifiedName~Engine").
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '\n== %s\n' "$*"; }

find_pg_bin() {
  local candidate
  for candidate in "$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)")" /usr/lib/postgresql/*/bin; do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || echo $(( 20000 + RANDOM % 20000 ))
}

PG_BIN="$(find_pg_bin || true)"
if [ -z "$PG_BIN" ]; then
  log "PostgreSQL binaries not found; installing postgresql with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PG_BIN="$(find_pg_bin)"
fi

# The browser tests drive Debian's Chromium (never a browser Playwright downloads) and need CJK fonts for
# readable screenshots of the Chinese pages.
if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  log "Chromium or CJK fonts not found; installing chromium and fonts-noto-cjk with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

PG_DIR="$(mktemp -d /tmp/workflows-pg.XXXXXX)"
PG_PORT="$(free_port)"
as_pg() { if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then useradd --system --no-create-home postgres; fi
if [ "$(id -u)" = "0" ]; then chown postgres:postgres "$PG_DIR"; fi

stop_pg() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap stop_pg EXIT

log "Starting a throwaway PostgreSQL on port $PG_PORT ($PG_BIN)"
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
export WORKFLOWS_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50"

log "Building"
dotnet build Workflows.sln -c Release -nologo -v q

log "Running the suite (SQLite and PostgreSQL lanes)"
set +e
dotnet test Workflows.sln -c Release --no-build --nologo \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=results.trx" --results-directory TestResults "$@"
status=$?
set -e

# A plain summary line for whoever reads the log.
if [ -f TestResults/results.trx ]; then
  python3 - <<'PY' || true
import re
s = open("TestResults/results.trx", encoding="utf-8").read()
m = re.search(r'<Counters total="(\d+)" executed="(\d+)" passed="(\d+)" failed="(\d+)"[^>]*notExecuted="(\d+)"', s)
if m:
    total, executed, passed, failed, skipped = m.groups()
    print(f"\n{passed} passed, {failed} failed, {skipped} skipped")
PY
fi
exit $status
