#!/usr/bin/env bash
# A private PostgreSQL server for tests and benchmarks: started from scratch
# in a temporary folder, reachable only on its own Unix socket, stopped and
# removed afterwards. Nothing on the machine's own clusters is touched.
#
#   scripts/pg_private.sh start STATE_FILE [--fsync] [--owner PID]
#                                                      start; write its URL to STATE_FILE
#   scripts/pg_private.sh stop STATE_FILE              stop it and remove its folder
#   scripts/pg_private.sh crash STATE_FILE             kill it (immediate stop), keep its data
#   scripts/pg_private.sh resume STATE_FILE            start it again on its data
#
# STATE_FILE holds three lines: the admin URL (database "postgres"), the
# folder and the fsync setting. As root the server runs as the `postgres` user (initdb
# refuses root). Without --fsync the server skips fsync: tests kill tfarm,
# never the machine, and a server crash (pg_ctl -m immediate) keeps what the
# OS has. Benchmarks pass --fsync. With --owner PID a watcher in a session
# of its own stops and removes the server once that process is gone, even
# if it was killed before it could (a benchmark killed by a test timeout).
set -euo pipefail

usage="usage: pg_private.sh start|stop|crash|resume STATE_FILE [--fsync] [--owner PID]"
cmd=${1:?$usage}
state=${2:?$usage}
fsync=off
owner=""
shift 2
while (($#)); do
  case "$1" in
  --fsync) fsync=on ;;
  --owner)
    owner=${2:?$usage}
    [[ "$owner" =~ ^[0-9]+$ ]] || { echo "pg_private: --owner needs a process id, not '$owner'" >&2; exit 2; }
    shift ;;
  *) echo "pg_private: unknown option $1; $usage" >&2; exit 2 ;;
  esac
  shift
done

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
  echo "pg_private: PostgreSQL server binaries not found under /usr/lib/postgresql;" \
       "install them with: scripts/setup.sh --tests (package postgresql)" >&2
  exit 1
fi

as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  as_owner=(runuser -u postgres --)
fi

# Stops the server and removes its folder. Immediate: its data is thrown
# away, so a shutdown checkpoint writing every dirty page of every test's
# database first would only cost time.
stop_server() {
  local dir=$1
  [[ -d "$dir" ]] || return 0
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "$cmd" in
start)
  if [[ -f "$state" ]]; then
    stop_server "$(sed -n 2p "$state")"
    rm -f "$state"
  fi
  dir=$(mktemp -d /tmp/tfarm-pg.XXXXXX)
  chmod 755 "$dir"
  [[ ${#as_owner[@]} -gt 0 ]] && chown postgres "$dir"
  "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-locale -E UTF8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  # The port only names the socket file in this server's own folder (no
  # TCP listener), so any number will do; PostgreSQL steps past shared
  # memory keys another server holds.
  port=$((20000 + RANDOM % 20000))
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-k $dir -p $port -c listen_addresses='' -c fsync=$fsync -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  mkdir -p "$(dirname "$state")"
  printf 'postgresql://postgres@/postgres?host=%s&port=%s\n%s\n%s\n' "$dir" "$port" "$dir" "$fsync" \
    >"$state"
  if [[ -n "$owner" ]]; then
    # Stops this server only: the state file may name another one by then.
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done
      [[ "$(sed -n 2p "$3" 2>/dev/null)" == "$4" ]] && exec bash "$2" stop "$3"' \
      pg-private-watch "$owner" "$(realpath "$0")" "$(realpath "$state")" "$dir" \
      </dev/null >/dev/null 2>&1 &
  fi
  echo "pg_private: server on $dir port $port"
  ;;
stop)
  [[ -f "$state" ]] || exit 0
  stop_server "$(sed -n 2p "$state")"
  rm -f "$state"
  ;;
crash)
  dir=$(sed -n 2p "$state")
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop >/dev/null
  ;;
resume)
  dir=$(sed -n 2p "$state")
  port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' "$state" | head -1)
  fsync=$(sed -n 3p "$state")
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-k $dir -p $port -c listen_addresses='' -c fsync=${fsync:-off} -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  ;;
*)
  echo "pg_private: unknown command $cmd (start, stop, crash or resume)" >&2
  exit 2
  ;;
esac
