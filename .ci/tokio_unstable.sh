#!/usr/bin/env bash
# Builds and runs the console example the way tokio-console needs it, with
# RUSTFLAGS="--cfg tokio_unstable", which `cargo test` never does. A separate target dir keeps the
# flag from invalidating the main build cache. Checks that the instrumented path ran: the example
# names the address it serves on, an HTTP/2 (gRPC) server answers there, and the workload finishes.
# Loopback only: the console server binds a free port on 127.0.0.1. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { printf 'tokio_unstable.sh: %s\n' "$*" >&2; exit 1; }
command -v python3 >/dev/null || fail "needs python3 (to pick a free port and probe it)"

export CARGO_TARGET_DIR=target/tokio-unstable
export RUSTFLAGS="--cfg tokio_unstable"
cargo build -q -p examples-tokio --example console --locked
bin=$CARGO_TARGET_DIR/debug/examples/console

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out=$(mktemp)
err=$(mktemp)
pid=
cleanup() {
  [[ -z $pid ]] || kill "$pid" 2>/dev/null || true
  rm -f "$out" "$err"
}
trap cleanup EXIT

# 2 s instead of the default 300 ms, so the server can be probed while the program runs.
TOKIO_CONSOLE_BIND=127.0.0.1:$port CONSOLE_RUN_SECS=2 "$bin" >"$out" 2>"$err" &
pid=$!

# A console client speaks gRPC over HTTP/2: send the client preface and an empty SETTINGS frame,
# and expect the server's SETTINGS frame back (frame type 4 in the 4th byte of its header).
python3 - "$port" <<'EOF' || fail "no HTTP/2 server answered on 127.0.0.1:$port"
import socket, sys, time
deadline = time.monotonic() + 1.5
while True:
    try:
        conn = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.05)
with conn:
    conn.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0]))
    header = conn.recv(9)
    sys.exit(0 if len(header) >= 4 and header[3] == 4 else 1)
EOF

status=0
wait "$pid" || status=$?
pid=
cat "$out"
[[ $status -eq 0 ]] || { cat "$err" >&2; fail "the example exited with $status"; }
# console-subscriber's server thread panics (on stderr) if it cannot serve; the program goes on.
[[ ! -s $err ]] || { cat "$err" >&2; fail "the example wrote to stderr"; }
grep -qxF "tokio-console: server starting on 127.0.0.1:$port; attach with \`tokio-console http://127.0.0.1:$port\`" "$out" ||
  fail "the example did not take the tokio_unstable path"
grep -qx 'producer sent \([0-9]*\), consumer received \1' "$out" || fail "the workload did not finish"
echo "tokio_unstable.sh: ok"
