# Shared settings of the project's scripts; sourced, never run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flink-console/target}"
FLINK_VERSION="2.3.0"
FLINK_HOME_DIR="$ROOT/.flink/flink-$FLINK_VERSION"
JOBS_BUILD="$ROOT/jobs/build"
SITE_ROOT="$CARGO_TARGET_DIR/site"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[33m!!  %s\033[0m\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# Processes started in the background by a script; stop_background ends them (call it on EXIT).
background=()
stop_background() {
  for pid in "${background[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${background[@]}"; do wait "$pid" 2>/dev/null || true; done
}

# Waits for an HTTP endpoint, or fails showing the log that explains why.
wait_for() { # url seconds log pid
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    if ! kill -0 "$4" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      warn "$1 did not come up; last lines of $3:"; tail -30 "$3" >&2; exit 1
    fi
    sleep 0.5
  done
}

# Starts a supervised local Flink cluster for tests and benchmarks (through the console binary's
# `flink-local` command, the same supervisor the console uses) and exports where it is.
start_test_flink() { # work-dir
  export FLINK_REST_PORT=18081 FLINK_RPC_PORT=16123
  export FLINK_REST_URL="http://127.0.0.1:$FLINK_REST_PORT"
  export CONSOLE_JOBS_DIR="$JOBS_BUILD" FLINK_HOME="$FLINK_HOME_DIR"
  say "Starting a local Flink cluster ($FLINK_REST_URL)"
  "$CARGO_TARGET_DIR/debug/flink-console" flink-local --flink-home "$FLINK_HOME_DIR" \
    --flink-work-dir "$1/flink" >"$1/flink.log" 2>&1 &
  background+=($!)
  wait_for "$FLINK_REST_URL/overview" 180 "$1/flink.log" "$!"
  until curl -fsS "$FLINK_REST_URL/overview" | grep -q '"taskmanagers":[1-9]'; do sleep 0.5; done
}
