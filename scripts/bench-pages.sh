#!/usr/bin/env bash
# The Deployments page at scale: seeds 10,000 deployments, runs the console binary, and prints the
# server-side rendering p50/p90/p99 of its views and of a deployment page, and what one idle tab
# costs in 60 s, polling (before) against the live stream (after). docs/performance.md has figures.
#   BENCH_DEPLOYMENTS=10000 BENCH_REQUESTS=300 BENCH_IDLE_SECONDS=60 scripts/bench-pages.sh
source "$(dirname "$0")/common.sh"
# The site the pages link to (stylesheet, script); the bench builds its own optimised console.
[ -f "$SITE_ROOT/hash.txt" ] || "$ROOT/scripts/build.sh" debug
CONSOLE_SITE_ROOT="$SITE_ROOT" cargo bench --locked -p server --bench pages_at_scale
