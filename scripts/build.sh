#!/usr/bin/env bash
# Builds the site (wasm + js + css + public files) and the server binary.
#   scripts/build.sh [debug|release]   the server's profile; the wasm is always a release build
source "$(dirname "$0")/common.sh"
profile="${1:-release}"

say "Building the browser bundle (wasm, release)"
cargo build --locked -p frontend --target wasm32-unknown-unknown --profile wasm-release
pkg="$SITE_ROOT/pkg"
mkdir -p "$pkg"
wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name console \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"
# Debian's binaryen produces wasm that never hydrates: use the npm one (node_modules/.bin is first on PATH).
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int -o "$pkg/console.wasm" "$pkg/console_bg.wasm"
rm -f "$pkg/console_bg.wasm"
tailwindcss --input "$ROOT/style/main.css" --output "$pkg/console.css" --minify 2>/dev/null
cp -r "$ROOT/public/." "$SITE_ROOT/"

say "Building the server ($profile)"
if [ "$profile" = release ]; then
  cargo build --locked -p server --release
else
  cargo build --locked -p server
fi
