#!/usr/bin/env bash
# The README's test command: set up, build, then run every test — Rust unit and API tests, the
# real-Flink integration tests against a local cluster started once for the run, the artifact-bucket
# tests against moto (an S3-compatible server on loopback), the storage and
# REST API tests a second time on a throwaway loopback PostgreSQL, a wasm32 check of the browser crate, and the
# Playwright suite in Debian's Chromium.
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/setup.sh" --with-browser --with-postgres --with-s3 --with-clients
prune_target
"$ROOT/scripts/build.sh" debug

work="$(mktemp -d "${TMPDIR:-/tmp}/console-test.XXXXXX")"
trap 'stop_background; rm -rf "$work"' EXIT
start_test_flink "$work"
start_test_postgres "$work"
start_test_s3 "$work"
# Console replicas on the throwaway PostgreSQL (server/tests/replicas.rs): fail, not skip, without it.
export CONSOLE_TEST_REPLICAS_REQUIRED=1

# The unchanged clients of other platforms (scripts/setup.sh --with-clients); required here, so a
# missing one fails its tests instead of skipping them.
export CONSOLE_TEST_CLIENTS_PYTHON="$CLIENTS_VENV/bin/python" CONSOLE_TEST_CLIENTS_REQUIRED=1

say "Rust tests (unit, API, real Flink); storage on SQLite"
CONSOLE_TEST_DATABASE=sqlite cargo nextest run --locked --workspace --exclude frontend --no-fail-fast

say "Storage and REST API tests on PostgreSQL ($CONSOLE_TEST_POSTGRES_URL)"
# The same build as above (no rebuild with other features); only the tests that use a store run.
CONSOLE_TEST_DATABASE=postgres cargo nextest run --locked --workspace --exclude frontend --no-fail-fast \
  -E 'package(storage) or (package(server) and binary(api))'

say "Playwright suite"
export CONSOLE_PORT=3100 CONSOLE_ADMIN_PASSWORD="e2e-admin-password"
"$CARGO_TARGET_DIR/debug/flink-console" --listen "127.0.0.1:$CONSOLE_PORT" --data-dir "$work/console" \
  --site-root "$SITE_ROOT" --jobs-dir "$JOBS_BUILD" --flink-url "$FLINK_REST_URL" --savepoint-root "$work/flink" \
  >"$work/console.log" 2>&1 &
background+=($!)
wait_for "http://127.0.0.1:$CONSOLE_PORT/readyz" 60 "$work/console.log" "$!"
(cd "$ROOT" && npx playwright test --config end2end/playwright.config.ts) || {
  warn "Playwright failed; the console's last lines ($work/console.log):"; tail -60 "$work/console.log" >&2
  warn "disk: $(df -Ph "$work" | awk 'NR == 2 { print $4 " free of " $2 }')"; exit 1
}
say "All tests passed"
