//! The built site's files as the build lays them out (content-hashed bundle with precompressed
//! siblings, hash.txt): sent brotli or gzip as the browser accepts, kept for good under a hashed
//! name; pages link the hashed names and are never kept unasked.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use server::static_files::{use_hashed_names, HASH_FILE, IMMUTABLE, PAGE};
use tower::ServiceExt;

use crate::support::{console, Console};

const HASH: &str = "0123456789abcdef";
const WASM: &[u8] = b"\0asm the bundle as it is";
const WASM_BR: &[u8] = b"the bundle, brotli";
const WASM_GZ: &[u8] = b"the bundle, gzip";

/// A site root as `scripts/build.sh` writes it (the compressed files' bytes only tell them apart).
fn built_site() -> tempfile::TempDir {
    let site = tempfile::tempdir().expect("temp dir");
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).expect("pkg folder");
    for kind in ["js", "css"] {
        std::fs::write(pkg.join(format!("console.{HASH}.{kind}")), kind).expect("bundle file");
    }
    std::fs::write(pkg.join(format!("console.{HASH}.wasm")), WASM).expect("wasm");
    std::fs::write(pkg.join(format!("console.{HASH}.wasm.br")), WASM_BR).expect("wasm.br");
    std::fs::write(pkg.join(format!("console.{HASH}.wasm.gz")), WASM_GZ).expect("wasm.gz");
    std::fs::write(pkg.join("console.wasm"), WASM).expect("an unhashed bundle");
    std::fs::write(site.path().join("favicon.svg"), "<svg/>").expect("favicon");
    std::fs::write(site.path().join("favicon.svg.br"), "favicon, brotli").expect("favicon.br");
    std::fs::write(site.path().join(HASH_FILE), format!("js: {HASH}\nwasm: {HASH}\ncss: {HASH}\n")).expect("hash file");
    site
}

/// A console serving `site` as the binary would.
async fn console_serving(site: &tempfile::TempDir) -> Console {
    let mut console = console().await;
    console.state.leptos_options.site_root = site.path().display().to_string().into();
    use_hashed_names(&mut console.state.leptos_options);
    console
}

/// `GET uri` as the signed-in admin, accepting `accept_encoding`: status, headers and body bytes.
async fn get(console: &Console, uri: &str, accept_encoding: Option<&str>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = Request::get(uri).header(header::COOKIE, format!("console_session={}", console.admin_session));
    if let Some(accepted) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, accepted);
    }
    let response = server::router(console.state.clone())
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("a response");
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, body.collect().await.expect("body").to_bytes().to_vec())
}

fn header_of(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
}

#[tokio::test]
async fn a_hashed_bundle_file_is_sent_as_compressed_as_the_browser_accepts_and_kept_for_good() {
    let site = built_site();
    let console = console_serving(&site).await;
    let cases: [(Option<&str>, &str, &[u8]); 5] = [
        (Some("gzip, deflate, br, zstd"), "br", WASM_BR),
        (Some("br;q=1.0, gzip;q=0.8"), "br", WASM_BR),
        (Some("gzip, deflate"), "gzip", WASM_GZ),
        (Some("identity"), "", WASM),
        (None, "", WASM),
    ];
    for (accepted, encoding, bytes) in cases {
        let (status, headers, body) = get(&console, &format!("/pkg/console.{HASH}.wasm"), accepted).await;
        assert_eq!(status, StatusCode::OK, "{accepted:?}");
        assert_eq!(header_of(&headers, header::CONTENT_ENCODING), encoding, "{accepted:?}");
        assert_eq!(body, bytes, "{accepted:?}");
        assert_eq!(header_of(&headers, header::CONTENT_TYPE), "application/wasm", "{accepted:?}");
        assert_eq!(header_of(&headers, header::CACHE_CONTROL), IMMUTABLE, "{accepted:?}");
        assert!(header_of(&headers, header::VARY).contains("accept-encoding"), "{accepted:?}");
    }
}

#[tokio::test]
async fn files_without_a_content_hash_are_not_kept_for_good() {
    let site = built_site();
    let console = console_serving(&site).await;

    let (status, headers, _) = get(&console, "/pkg/console.wasm", Some("br")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-cache");

    let (status, headers, body) = get(&console, "/favicon.svg", Some("br, gzip")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), "br");
    assert_eq!(body, b"favicon, brotli");
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "public, max-age=86400");
}

#[tokio::test]
async fn pages_link_the_hashed_bundle_and_are_never_kept_unasked() {
    let site = built_site();
    let console = console_serving(&site).await;
    let (status, headers, body) = get(&console, "/namespaces/default/deployments", Some("br, gzip")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(header_of(&headers, header::CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), PAGE);
    let page = String::from_utf8(body).expect("HTML");
    for kind in ["js", "wasm", "css"] {
        assert!(page.contains(&format!("/pkg/console.{HASH}.{kind}")), "the page links the hashed {kind}");
    }

    for missing in ["/no/such/page", "/pkg/console.fedcba9876543210.wasm"] {
        let (status, headers, _) = get(&console, missing, Some("br")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(header_of(&headers, header::CACHE_CONTROL), PAGE, "{missing}");
    }
}
