#!/usr/bin/env bash
# The README's test command: set up, build, then run every test — Rust unit and API tests, the
# real-Flink integration tests against a local cluster started once for the run, a wasm32 check of
# the browser crate, and the Playwright suite in Debian's Chromium.
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/setup.sh" --with-browser
"$ROOT/scripts/build.sh" debug

work="$(mktemp -d "${TMPDIR:-/tmp}/console-test.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Wait for an HTTP endpoint, or fail with the log that explains why.
wait_for() { # url seconds log pid
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    if ! kill -0 "$4" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      warn "$1 did not come up; last lines of $3:"; tail -30 "$3" >&2; exit 1
    fi
    sleep 0.5
  done
}

export FLINK_REST_PORT=18081 FLINK_RPC_PORT=16123
export FLINK_REST_URL="http://127.0.0.1:$FLINK_REST_PORT"
export CONSOLE_JOBS_DIR="$JOBS_BUILD"
say "Starting a local Flink cluster for the tests ($FLINK_REST_URL)"
"$CARGO_TARGET_DIR/debug/flink-console" flink-local --flink-home "$FLINK_HOME_DIR" \
  --flink-work-dir "$work/flink" >"$work/flink.log" 2>&1 &
pids+=($!)
flink_pid=$!

# The browser crate was compiled for wasm32 by build.sh (a release build, stronger than a check).

wait_for "$FLINK_REST_URL/overview" 180 "$work/flink.log" "$flink_pid"
until curl -fsS "$FLINK_REST_URL/overview" | grep -q '"taskmanagers":[1-9]'; do sleep 0.5; done

say "Rust tests (unit, API, real Flink)"
cargo nextest run --locked --workspace --exclude frontend --no-fail-fast

say "Playwright suite"
export CONSOLE_PORT=3100
"$CARGO_TARGET_DIR/debug/flink-console" --listen "127.0.0.1:$CONSOLE_PORT" --data-dir "$work/console" \
  --site-root "$SITE_ROOT" --jobs-dir "$JOBS_BUILD" --flink-url "$FLINK_REST_URL" >"$work/console.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$CONSOLE_PORT/readyz" 60 "$work/console.log" "$!"
(cd "$ROOT" && npx playwright test --config end2end/playwright.config.ts)
say "All tests passed"
