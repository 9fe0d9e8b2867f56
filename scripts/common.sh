# Shared settings of the project's scripts; sourced, never run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flink-console/target}"
FLINK_VERSION="2.3.0"
FLINK_HOME_DIR="$ROOT/.flink/flink-$FLINK_VERSION"
JOBS_BUILD="$ROOT/jobs/build"
# Where the built site goes; set it to keep two checkouts sharing a target dir from overwriting each other's.
SITE_ROOT="${SITE_ROOT:-$CARGO_TARGET_DIR/site}"
# moto, an S3-compatible server for the artifact-bucket tests, in a virtual environment of its own.
MOTO_VERSION="5.2.5"
MOTO_VENV="$ROOT/.moto/venv"
# Alibaba Cloud's Python SDK for Realtime Compute (Flink), OpenAPI version 2022-07-18, as its users install it.
ALIBABA_SDK_VERSION="1.14.0"
# Ververica's Jupyter extension (Flink SQL in notebooks through VVP's namespaces, SQL and deployments APIs).
JUPYTER_VVP_VERSION="0.1.0"
CLIENTS_VENV="$ROOT/.clients/venv"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[33m!!  %s\033[0m\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# Processes started in the background by a script; stop_background ends them (call it on EXIT),
# with SIGTERM or the signal named in stop_signal[pid].
background=()
declare -A stop_signal=()
stop_background() {
  for pid in "${background[@]}"; do kill -"${stop_signal[$pid]:-TERM}" "$pid" 2>/dev/null || true; done
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
  # The SQL helper (crates/flinksql) runs on this distribution: its tests fail, not skip, without it.
  export CONSOLE_TEST_SQL_REQUIRED=1
  say "Starting a local Flink cluster ($FLINK_REST_URL)"
  "$CARGO_TARGET_DIR/debug/flink-console" flink-local --flink-home "$FLINK_HOME_DIR" \
    --flink-work-dir "$1/flink" >"$1/flink.log" 2>&1 &
  background+=($!)
  wait_for "$FLINK_REST_URL/overview" 180 "$1/flink.log" "$!"
  until curl -fsS "$FLINK_REST_URL/overview" | grep -q '"taskmanagers":[1-9]'; do sleep 0.5; done
}

# Debian's PostgreSQL server binaries (the newest installed major version), or nothing.
postgres_bin_dir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/postgres" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_isready" ]; then
      echo "$dir"; return 0
    fi
  done
  return 1
}

# Starts a throwaway PostgreSQL cluster in the work dir for the storage tests: loopback only, trust
# auth, no durability (the cluster is thrown away), stopped by stop_background. Exports its URL.
start_test_postgres() { # work-dir
  local bin data="$1/postgres" port=15432 as_pg=()
  bin="$(postgres_bin_dir)" || { warn "PostgreSQL server binaries not found (scripts/setup.sh --with-postgres)"; exit 1; }
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    warn "port $port is taken; a leftover test PostgreSQL? (pgrep -a postgres)"; exit 1
  fi
  mkdir -p "$data"
  if [ "$(id -u)" = 0 ]; then
    # initdb and postgres refuse to run as root: run them as Debian's `postgres` user. setpriv execs
    # (no intermediate process), so the pid in `background` is the postmaster's own.
    id postgres >/dev/null 2>&1 || { warn "no 'postgres' OS user to run the test PostgreSQL as"; exit 1; }
    chmod o+x "$1"
    chown postgres: "$data"
    as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    "${as_pg[@]}" test -w "$data" \
      || { warn "the postgres user cannot reach $data (set TMPDIR to a directory it can enter)"; exit 1; }
  fi
  say "Starting a throwaway PostgreSQL ($(basename "$(dirname "$bin")")) on 127.0.0.1:$port"
  "${as_pg[@]}" "$bin/initdb" --pgdata="$data/data" --username=postgres --auth=trust \
    --encoding=UTF8 --locale=C --no-sync >"$1/postgres-initdb.log" 2>&1 \
    || { warn "initdb failed:"; tail -30 "$1/postgres-initdb.log" >&2; exit 1; }
  "${as_pg[@]}" "$bin/postgres" -D "$data/data" -c listen_addresses=127.0.0.1 -c port="$port" \
    -c unix_socket_directories="$data" -c max_connections=300 \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off >"$1/postgres.log" 2>&1 &
  background+=($!)
  stop_signal[$!]=INT # PostgreSQL's fast shutdown (SIGTERM waits for every client to leave)
  local pid=$! deadline=$((SECONDS + 60))
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      warn "PostgreSQL did not come up; last lines of $1/postgres.log:"; tail -30 "$1/postgres.log" >&2; exit 1
    fi
    sleep 0.2
  done
  export CONSOLE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

# Starts moto, a real S3-compatible server, on loopback for the artifact-bucket tests, with
# authentication on: an IAM user allowed s3:* gets an access key (moto answers IAM unauthenticated
# until auth is switched on), then every S3 request must carry a valid Signature Version 4 of that
# key. Exports the URL and the keys; each test creates its own bucket. Stopped by stop_background.
start_test_s3() { # work-dir [port]
  local port="${2:-19000}" url log="$1/moto.log" iam_auth keys
  url="http://127.0.0.1:$port"
  [ -x "$MOTO_VENV/bin/moto_server" ] || { warn "moto is not installed (scripts/setup.sh --with-s3)"; exit 1; }
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    warn "port $port is taken; a leftover test moto? (pgrep -a moto_server)"; exit 1
  fi
  say "Starting moto $MOTO_VERSION, an S3-compatible server ($url)"
  "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  background+=($!)
  wait_for "$url/moto-api/" 60 "$log" "$!"
  iam_auth="AWS4-HMAC-SHA256 Credential=setup/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0"
  iam() { curl -fsS -X POST "$url/" -H "Authorization: $iam_auth" --data "Version=2010-05-08&Action=$1"; }
  iam "CreateUser&UserName=console" >/dev/null
  iam "PutUserPolicy&UserName=console&PolicyName=s3&PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D" >/dev/null
  keys="$(iam "CreateAccessKey&UserName=console")"
  export CONSOLE_TEST_S3_ACCESS_KEY_ID CONSOLE_TEST_S3_SECRET_ACCESS_KEY
  CONSOLE_TEST_S3_ACCESS_KEY_ID="$(sed -n 's|.*<AccessKeyId>\([^<]*\)</AccessKeyId>.*|\1|p' <<<"$keys")"
  CONSOLE_TEST_S3_SECRET_ACCESS_KEY="$(sed -n 's|.*<SecretAccessKey>\([^<]*\)</SecretAccessKey>.*|\1|p' <<<"$keys")"
  [ -n "$CONSOLE_TEST_S3_ACCESS_KEY_ID" ] && [ -n "$CONSOLE_TEST_S3_SECRET_ACCESS_KEY" ] \
    || { warn "moto gave no access key; last lines of $log:"; tail -30 "$log" >&2; exit 1; }
  # From now on every request is authenticated and its signature checked.
  curl -fsS -X POST "$url/moto-api/reset-auth" -H "Content-Type: text/plain" --data-binary 0 >/dev/null
  export CONSOLE_TEST_S3_URL="$url" CONSOLE_TEST_S3_REQUIRED=1
}

# Removes what earlier builds left in the shared target dir and no build needs any more: each test
# or binary executable of target/debug/deps but the newest two of its name (about 0.5 GB each; one
# is linked per source change; two crates may have a test of the same name), and the incremental caches when the disk is short (under 20 GB free).
# A full disk fails a run midway, so a run starts with room. Cargo relinks what it misses.
prune_target() {
  local deps="$CARGO_TARGET_DIR/debug/deps" free_kb
  if [ -d "$deps" ]; then
    find "$deps" -maxdepth 1 -type f -perm -u+x ! -name '*.*' -printf '%T@ %f\n' | sort -rn \
      | awk '{ name = $2; sub(/-[0-9a-f]+$/, "", name); if (seen[name]++ >= 2) print $2 }' \
      | while read -r stale; do rm -f "$deps/$stale"; done
  fi
  free_kb="$(df -Pk "${CARGO_TARGET_DIR%/*}" 2>/dev/null | awk 'NR == 2 { print $4 }')"
  if [ -n "$free_kb" ] && [ "$free_kb" -lt $((20 * 1024 * 1024)) ]; then
    warn "under 20 GB free: removing the incremental build caches"
    rm -rf "$CARGO_TARGET_DIR"/*/incremental
  fi
}
