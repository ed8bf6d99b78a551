#!/usr/bin/env bash
# Runs the connection_pool example against a real PostgreSQL, as the SQLite run in `cargo test`
# cannot show that the same code works there. The server is a throwaway cluster in a temp dir,
# listening on 127.0.0.1 only, on a free port, with a random password; it is stopped and deleted on
# exit whatever happens. Installs PostgreSQL with apt-get when it is missing (Debian, as root).
# Run from anywhere: `.ci/postgres.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

expected=examples-tokio/tests/expected/connection_pool.stdout
fail() { printf 'postgres.sh: %s\n' "$*" >&2; exit 1; }
command -v python3 >/dev/null || fail "needs python3 (to pick a free port)"

# The newest installed server, e.g. /usr/lib/postgresql/15/bin.
find_pg_bin() {
  local dirs=(/usr/lib/postgresql/*/bin)
  [[ -x ${dirs[0]}/initdb ]] || return 0
  printf '%s\n' "${dirs[@]}" | sort -V | tail -n 1
}
pg_bin=$(find_pg_bin)
if [[ -z $pg_bin ]]; then
  [[ $EUID -eq 0 ]] || fail "PostgreSQL is not installed; install it (Debian: apt-get install postgresql) or run as root"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Only the binaries: no `main` cluster started on port 5432 by the package scripts (the
  # setting lives in postgresql-common, so that goes first).
  apt-get install -y -qq --no-install-recommends postgresql-common >/dev/null
  sed -ri 's/^#?[[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' \
    /etc/postgresql-common/createcluster.conf
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  pg_bin=$(find_pg_bin)
  [[ -n $pg_bin ]] || fail "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb"
fi

# initdb and postgres refuse to run as root: as root, run them as the `postgres` user.
as_pg=()
if [[ $EUID -eq 0 ]]; then
  id -u postgres >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
  as_pg=(runuser -u postgres --)
fi

dir=$(mktemp -d)
data=$dir/data
cleanup() {
  if [[ -f $data/postmaster.pid ]]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
[[ $EUID -ne 0 ]] || chown postgres: "$dir"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
printf '%s\n' "$password" > "$dir/password"
[[ $EUID -ne 0 ]] || chown postgres: "$dir/password"

# Password over TCP, trust only on the Unix socket, which lives in the private temp dir.
"${as_pg[@]}" "$pg_bin/initdb" -D "$data" -U postgres -E UTF8 --no-sync \
  --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/password" >/dev/null
# Durability is pointless for a cluster deleted in a minute; turning it off makes the run faster.
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 30 start \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  >/dev/null || { cat "$dir/server.log" >&2; fail "the server did not start"; }
for _ in $(seq 50); do
  "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
  sleep 0.1
done
"$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" || fail "the server is not accepting connections on 127.0.0.1:$port"
"${as_pg[@]}" "$pg_bin/createdb" -h "$dir" -p "$port" -U postgres pool_demo

echo "connection_pool against PostgreSQL ($(basename "$(dirname "$pg_bin")")) on 127.0.0.1:$port"
output=$(DATABASE_URL="postgres://postgres:$password@127.0.0.1:$port/pool_demo" \
  cargo run -q -p examples-tokio --example connection_pool --locked)
printf '%s\n' "$output"

# Same lines as the SQLite run checked by `cargo test`: the wildcard lines (backend, timing) are
# that test's business, every other line must be identical, and the backend must be PostgreSQL.
grep -qx 'backend: PostgreSQL' <<<"$output" || fail "the example did not run on PostgreSQL"
mapfile -t want <"$expected"
mapfile -t got <<<"$output"
(( ${#want[@]} == ${#got[@]} )) || fail "${#got[@]} lines of output, $expected has ${#want[@]}"
for i in "${!want[@]}"; do
  [[ ${want[i]} == *'[..]'* || ${want[i]} =~ \{-?[0-9.]+\.\.=-?[0-9.]+\} ]] && continue
  [[ ${want[i]} == "${got[i]}" ]] || fail "line $((i + 1)): expected '${want[i]}', got '${got[i]}'"
done

# The example drops its table; a leftover would collide with nothing, but would be a bug.
left=$("${as_pg[@]}" "$pg_bin/psql" -h "$dir" -p "$port" -U postgres -d pool_demo -tAc \
  "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'pool_demo_%'")
[[ $left == 0 ]] || fail "the example left $left table(s) behind"
echo "postgres.sh: ok"
