#!/usr/bin/env bash
# Benchmarks that print figures (ratios against baselines measured in the same run); asserts nothing.
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/setup.sh" --with-postgres
"$ROOT/scripts/build.sh" debug
work="$(mktemp -d "${TMPDIR:-/tmp}/console-bench.XXXXXX")"
trap 'stop_background; rm -rf "$work"' EXIT
start_test_flink "$work"
start_test_postgres "$work"
say "Flink client latency vs curl"
cargo bench --locked -p flink --bench client_latency
say "Lifecycle engine vs direct Flink REST calls (start, stateful upgrade)"
cargo bench --locked -p engine --bench engine_vs_direct
say "The engine at rest: 10,000 and 100,000 deployments (fake Flink; SQLite and PostgreSQL)"
cargo bench --locked -p engine --bench steady_state
say "Lifecycle engine throughput (10,000 deployments, fake Flink)"
cargo bench --locked -p engine --bench engine_throughput
say "What sign-in and authorisation cost per REST request (in-process, SQLite)"
cargo bench --locked -p server --bench request_cost
say "The Deployments page at 10,000 deployments: SSR p50/p99, an idle tab polling vs the live stream"
CONSOLE_SITE_ROOT="$SITE_ROOT" cargo bench --locked -p server --bench pages_at_scale
say "The Deployments page at 100,000 deployments in one namespace on PostgreSQL"
BENCH_POSTGRES_URL="$CONSOLE_TEST_POSTGRES_URL" BENCH_DEPLOYMENTS=100000 BENCH_REQUESTS=100 BENCH_IDLE_SECONDS=10 \
  CONSOLE_SITE_ROOT="$SITE_ROOT" cargo bench --locked -p server --bench pages_at_scale
say "Failover of three console replicas on PostgreSQL: SIGKILL of the engine lease holder, 20 times"
cargo bench --locked -p server --bench failover
