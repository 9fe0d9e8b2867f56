//! The built site's files — the `pkg/` bundle (wasm, js, css) and the public files — served
//! precompressed (brotli or gzip, chosen by `Accept-Encoding`) with cache headers by kind of name,
//! and `no-cache` on every HTML page. It never renders a page: a path that names no file goes on to
//! the app's not-found page.

use std::path::Path;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::prelude::LeptosOptions;
use tower_http::services::ServeDir;

/// The file `scripts/build.sh` writes into the site root: one `kind: hash` line per bundle file
/// (`js`, `wasm`, `css`), the format of cargo-leptos, which Leptos' `HydrationScripts` and
/// `HashedStylesheet` read to link `pkg/console.<hash>.<kind>`.
pub const HASH_FILE: &str = "hash.txt";

/// How many hex digits the build's content hashes have.
const HASH_DIGITS: usize = 16;

/// A content-hashed file never changes under its name: browsers keep it a year without asking.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// An unhashed bundle file (a build without hashing) may change under its name at the next build.
const REVALIDATE: &str = "no-cache";
/// Public files (the favicon) keep their name across builds and rarely change: a day, then ask.
const PUBLIC_FILE: &str = "public, max-age=86400";
/// A page is one person's view of data that changes with every write: never reused unasked, and
/// never kept by a shared cache.
pub const PAGE: &str = "private, no-cache";

/// Makes Leptos link the content-hashed bundle when the site root holds the build's hash file;
/// otherwise (a site built by hand, the tests) it links `pkg/console.{js,wasm,css}` as before.
pub fn use_hashed_names(options: &mut LeptosOptions) {
    let hash_file = Path::new(&*options.site_root).join(HASH_FILE);
    if !hash_file.is_file() {
        return;
    }
    // Leptos reads `hash_file` relative to the running binary's folder; joined with an absolute
    // path, that folder is replaced, so the site root's file is read wherever the binary is.
    match std::path::absolute(&hash_file) {
        Ok(hash_file) => {
            options.hash_files = true;
            options.hash_file = hash_file.display().to_string().into();
        }
        Err(err) => tracing::warn!(error = %err, "cannot resolve {}; serving unhashed names", hash_file.display()),
    }
}

/// The files under `site_root`, a precompressed `.br` or `.gz` sibling preferred when the request
/// accepts it; any request for a path that names no file (whatever its method) goes to `not_found`.
pub fn files<F>(site_root: &str, not_found: F) -> ServeDir<F> {
    ServeDir::new(site_root)
        .precompressed_br()
        .precompressed_gzip()
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found)
}

/// Middleware around [`files`]: the cache headers of a file answer, by the requested name. The
/// not-found page (an error status) is left to [`revalidate_pages`].
pub async fn cache_files(request: Request, next: Next) -> Response {
    let policy = file_cache_control(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    if status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
        // The same name answers brotli, gzip or identity bytes: a cache must key on the header.
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Middleware: `Cache-Control: private, no-cache` on every HTML answer that sets none.
pub async fn revalidate_pages(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if is_html && !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(PAGE));
    }
    response
}

/// The `Cache-Control` of a file of the site, by its request path.
fn file_cache_control(path: &str) -> &'static str {
    match path.strip_prefix("/pkg/") {
        Some(name) if is_content_hashed(name) => IMMUTABLE,
        Some(_) => REVALIDATE,
        None => PUBLIC_FILE,
    }
}

/// Whether a file name carries the build's content hash: `console.<16 hex digits>.<extension>`.
fn is_content_hashed(name: &str) -> bool {
    let mut parts = name.rsplit('.');
    let (Some(_extension), Some(hash), Some(_stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !name.contains('/') && hash.len() == HASH_DIGITS && hash.bytes().all(|byte| byte.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_hashed_bundle_files_are_immutable() {
        let cases = [
            ("/pkg/console.0123456789abcdef.wasm", IMMUTABLE),
            ("/pkg/console.0123456789abcdef.js", IMMUTABLE),
            ("/pkg/console.0123456789ABCDEF.css", IMMUTABLE),
            ("/pkg/console.wasm", REVALIDATE),
            ("/pkg/console.css", REVALIDATE),
            ("/pkg/console.0123456789abcde.wasm", REVALIDATE),
            ("/pkg/console.0123456789abcdeg.wasm", REVALIDATE),
            ("/pkg/snippets/x.0123456789abcdef.js", REVALIDATE),
            ("/favicon.svg", PUBLIC_FILE),
            ("/console.0123456789abcdef.wasm", PUBLIC_FILE),
        ];
        for (path, expected) in cases {
            assert_eq!(file_cache_control(path), expected, "{path}");
        }
    }

    #[test]
    fn without_a_hash_file_leptos_links_the_plain_names() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut options =
            LeptosOptions::builder().output_name("console").site_root(dir.path().display().to_string()).build();
        use_hashed_names(&mut options);
        assert!(!options.hash_files);
    }

    #[test]
    fn with_the_build_hash_file_leptos_reads_it_by_absolute_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(HASH_FILE), "js: 0123456789abcdef\n").expect("hash file");
        let mut options =
            LeptosOptions::builder().output_name("console").site_root(dir.path().display().to_string()).build();
        use_hashed_names(&mut options);
        assert!(options.hash_files);
        let hash_file = Path::new(&*options.hash_file);
        assert!(hash_file.is_absolute());
        assert_eq!(std::env::current_exe().expect("test binary").join(hash_file), dir.path().join(HASH_FILE));
    }
}
