#!/usr/bin/env bash
# Builds the site (wasm + js + css + public files) and the server binary.
#   scripts/build.sh [debug|release]   the server's profile; the wasm is always a release build
# The site: $SITE_ROOT/pkg/console.<hash>.{wasm,js,css} (hash: the first 16 hex digits of the file's
# SHA-256), each with .br and .gz siblings; $SITE_ROOT/hash.txt names the hashes for the server
# (Leptos' hash-file format); the public files, also precompressed.
source "$(dirname "$0")/common.sh"
profile="${1:-release}"

say "Building the browser bundle (wasm, release)"
cargo build --locked -p frontend --target wasm32-unknown-unknown --profile wasm-release
pkg="$SITE_ROOT/pkg"
# A fresh folder: the bundles of earlier builds (other hashes) would pile up.
rm -rf "$pkg"
mkdir -p "$pkg"
wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name console \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"
# Debian's binaryen produces wasm that never hydrates: use the npm one (node_modules/.bin is first on PATH).
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int -o "$pkg/console.wasm" "$pkg/console_bg.wasm"
rm -f "$pkg/console_bg.wasm"
tailwindcss --input "$ROOT/style/main.css" --output "$pkg/console.css" --minify 2>/dev/null
# Content-hashed names, so browsers may keep each file for good (server/src/static_files.rs).
hashes=""
for kind in js wasm css; do
  hash="$(sha256sum "$pkg/console.$kind" | cut -c1-16)"
  mv "$pkg/console.$kind" "$pkg/console.$hash.$kind"
  hashes+="$kind: $hash"$'\n'
done
printf '%s' "$hashes" >"$SITE_ROOT/hash.txt"
cp -r "$ROOT/public/." "$SITE_ROOT/"
node "$ROOT/scripts/precompress.js" "$pkg"/console.*.{js,wasm,css} "$SITE_ROOT"/*.svg

say "Building the server ($profile)"
if [ "$profile" = release ]; then
  cargo build --locked -p server --release
else
  cargo build --locked -p server
fi
