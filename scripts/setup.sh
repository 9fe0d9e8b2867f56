#!/usr/bin/env bash
# Installs what the console needs and is missing; a second run skips what is there.
#   scripts/setup.sh                  build tools, Flink, example jobs
#   scripts/setup.sh --with-browser   also Debian's Chromium (for the Playwright suite)
#   scripts/setup.sh --with-postgres  also Debian's PostgreSQL server (for the storage tests on it)
#   scripts/setup.sh --with-s3        also moto from PyPI (an S3-compatible server for the artifact-bucket tests)
#   scripts/setup.sh --with-clients   also Alibaba Cloud's Python SDK for Flink and Ververica's jupyter-vvp from PyPI
#                                     (the unchanged clients the /api/v2 and VVP SQL tests drive)
source "$(dirname "$0")/common.sh"

with_browser=false
with_postgres=false
with_s3=false
with_clients=false
for arg in "$@"; do
  case "$arg" in
    --with-browser) with_browser=true ;;
    --with-postgres) with_postgres=true ;;
    --with-s3) with_s3=true ;;
    --with-clients) with_clients=true ;;
    *) warn "unknown option $arg"; exit 2 ;;
  esac
done

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock.
wbg_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg_version" ]; then
  say "Installing wasm-bindgen-cli $wbg_version (a few minutes, once)"
  # Without --locked: its lock file pins a crate version the registry no longer has.
  cargo install wasm-bindgen-cli --version "$wbg_version" --force
fi

if [ ! -x "$ROOT/node_modules/.bin/tailwindcss" ] || [ ! -x "$ROOT/node_modules/.bin/wasm-opt" ] \
   || [ ! -x "$ROOT/node_modules/.bin/playwright" ] || [ "$ROOT/package.json" -nt "$ROOT/node_modules/.stamp" ]; then
  say "Installing npm dev tools (Tailwind CLI, binaryen, Playwright)"
  (cd "$ROOT" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error)
  touch "$ROOT/node_modules/.stamp"
fi

if [ ! -x "$FLINK_HOME_DIR/bin/jobmanager.sh" ]; then
  say "Installing Flink $FLINK_VERSION from PyPI into .flink/ (330 MB, once)"
  wheels="$ROOT/.flink/wheels"
  mkdir -p "$wheels"
  python3 -m pip download --quiet --no-deps --dest "$wheels" \
    "apache-flink-libraries==$FLINK_VERSION" "apache-flink==$FLINK_VERSION"
  staging="$ROOT/.flink/staging"
  rm -rf "$staging" && mkdir -p "$staging"
  (cd "$staging" && unzip -q -o "$wheels"/apache_flink_libraries-*.whl 'pyflink/*' \
     && unzip -q -o "$wheels"/apache_flink-"$FLINK_VERSION"-*.whl 'pyflink/bin/*' 'pyflink/conf/*' 'pyflink/log/*')
  chmod +x "$staging"/pyflink/bin/*
  rm -rf "$FLINK_HOME_DIR"
  mv "$staging/pyflink" "$FLINK_HOME_DIR"
  rm -rf "$staging" "$wheels"
fi

if have java && have javac; then
  newest_source="$(find "$ROOT/jobs/src" -name '*.java' -newer "$JOBS_BUILD/.stamp" 2>/dev/null | head -1 || true)"
  if [ ! -f "$JOBS_BUILD/.stamp" ] || [ -n "$newest_source" ] || [ ! -f "$JOBS_BUILD/state-inspector.jar" ] \
     || [ ! -f "$JOBS_BUILD/sql-service.jar" ]; then
    say "Compiling the example jobs, the state inspector and the SQL helper with javac"
    classes="$JOBS_BUILD/classes"
    rm -rf "$JOBS_BUILD" && mkdir -p "$classes"
    javac -nowarn -d "$classes" -cp "$FLINK_HOME_DIR/lib/*" $(find "$ROOT/jobs/src" -name '*.java')
    (cd "$classes" && jar cf "$JOBS_BUILD/stateful-job.jar" console/examples/StatefulCounter*.class \
       && jar cf "$JOBS_BUILD/sql-runner.jar" console/examples/SqlRunner*.class console/examples/CatalogReplay*.class \
       && jar cf "$JOBS_BUILD/state-inspector.jar" console/tools/StateInspector*.class \
       && jar cf "$JOBS_BUILD/sql-service.jar" console/tools/SqlService*.class console/examples/CatalogReplay*.class)
    touch "$JOBS_BUILD/.stamp"
  fi
else
  warn "Java (a JDK 17 with javac) was not found: the example jobs are not compiled and no local"
  warn "Flink cluster can start. The console still serves; install openjdk-17-jdk and run again."
fi

# Installs Debian packages, refreshing the package lists once if the first try fails.
apt_install() { # package...
  if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -q "$@" >/dev/null \
    || { "${apt_get[@]}" update -q >/dev/null && DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -q "$@" >/dev/null; }
}

if $with_browser && ! have chromium; then
  say "Installing Debian's Chromium for the browser tests"
  apt_install chromium
fi

# The tests start their own throwaway cluster (scripts/common.sh, start_test_postgres); Debian's
# default cluster `main` is not wanted, so it is switched off before the server package comes.
if $with_postgres && ! postgres_bin_dir >/dev/null; then
  say "Installing Debian's PostgreSQL server for the storage tests"
  apt_install postgresql-common
  conf=/etc/postgresql-common/createcluster.conf
  if ! grep -q '^create_main_cluster *= *false' "$conf"; then
    if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" sed -i -E 's/^#? *create_main_cluster *=.*/create_main_cluster = false/' "$conf"
    grep -q '^create_main_cluster = false' "$conf" \
      || echo 'create_main_cluster = false' | "${sudo[@]}" tee -a "$conf" >/dev/null
  fi
  apt_install postgresql
  postgres_bin_dir >/dev/null || { warn "PostgreSQL server binaries not found under /usr/lib/postgresql"; exit 1; }
fi

# moto serves S3 on loopback for the artifact-bucket tests (scripts/common.sh, start_test_s3). It goes
# into a virtual environment of the checkout's own; Debian's python3 needs python3-venv for that.
if $with_s3 && [ "$("$MOTO_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null)" != "$MOTO_VERSION" ]; then
  say "Installing moto $MOTO_VERSION from PyPI into .moto/ (the S3-compatible test server)"
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    apt_install python3-venv
  fi
  rm -rf "$MOTO_VENV"
  python3 -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi

# The clients other platforms' users already have, installed unchanged from PyPI, so the API families
# that imitate those platforms are tested by the real thing (the /api/v2 tests).
clients_installed() {
  "$CLIENTS_VENV/bin/python" -c 'import importlib.metadata as m
print(m.version("alibabacloud_ververica20220718"), m.version("jupyter-vvp"))' 2>/dev/null
}
if $with_clients && [ "$(clients_installed)" != "$ALIBABA_SDK_VERSION $JUPYTER_VVP_VERSION" ]; then
  say "Installing Alibaba Cloud's SDK for Flink $ALIBABA_SDK_VERSION and Ververica's jupyter-vvp $JUPYTER_VVP_VERSION from PyPI into .clients/"
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    apt_install python3-venv
  fi
  rm -rf "$CLIENTS_VENV"
  python3 -m venv "$CLIENTS_VENV"
  "$CLIENTS_VENV/bin/pip" install --quiet --disable-pip-version-check \
    "alibabacloud_ververica20220718==$ALIBABA_SDK_VERSION" "jupyter-vvp==$JUPYTER_VVP_VERSION" \
    "ipython==7.34.0" # jupyter-vvp imports clear_output from IPython.core.display, which IPython 8 moved
fi
