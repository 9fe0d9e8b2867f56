#!/usr/bin/env bash
# The README's run command: set up, build, then serve the console with a local Flink cluster.
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/build.sh" release

flink_args=()
if [ -x "$FLINK_HOME_DIR/bin/jobmanager.sh" ]; then
  flink_args=(--flink-home "$FLINK_HOME_DIR")
fi
cd "$ROOT"
exec "$CARGO_TARGET_DIR/release/flink-console" \
  --site-root "$SITE_ROOT" --jobs-dir "$JOBS_BUILD" --data-dir "$ROOT/.console" "${flink_args[@]}" "$@"
