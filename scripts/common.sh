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
