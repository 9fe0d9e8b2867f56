//! A deployment's JAR comes only from the console's artifact store, its own namespace's uploaded
//! artifacts, or a URL to download through the network policy: no path a person types may make the
//! console read, or upload to a cluster of their choosing, a file of its own host, and no namespace
//! may run another's JAR. Uploads are limited, named safely, never replace a JAR in use. The attacks,
//! as a client makes them, are refused when the deployment or the artifact is written.

use axum::http::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{console, multipart, MAX_ARTIFACT_BYTES};

const ARTIFACTS: &str = "/api/v1/namespaces/default/artifacts";

/// The bytes of a small JAR (a zip file's first bytes, then `tag`).
pub(crate) fn jar_bytes(tag: &str) -> Vec<u8> {
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend_from_slice(tag.as_bytes());
    bytes
}

pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The names of the namespace's listed artifacts.
pub(crate) async fn listed(console: &crate::support::Console, namespace: &str) -> Vec<String> {
    let (status, list) = console.get(&format!("/api/v1/namespaces/{namespace}/artifacts")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"].as_array().expect("items").iter().map(|a| a["name"].as_str().unwrap_or_default().to_owned()).collect()
}

/// The files in the namespace's upload directory (temporary ones included).
fn files_of(console: &crate::support::Console, namespace: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(console.uploads_dir().join(namespace)) else { return Vec::new() };
    let mut names: Vec<String> = entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

const DEPLOYMENTS: &str = "/api/v1/namespaces/default/deployments";

pub(crate) fn with_jar(name: &str, jar_uri: &str) -> Value {
    json!({"metadata": {"name": name},
           "spec": {"template": {"spec": {"artifact": {"kind": "JAR", "jarUri": jar_uri, "entryClass": "x.Main"}}}}})
}

async fn count(console: &crate::support::Console) -> usize {
    let (_, list) = console.get(DEPLOYMENTS).await;
    list["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_jar_uri_naming_a_file_of_the_consoles_host_is_refused_and_nothing_is_stored() {
    let console = console().await;
    let inside = console.jar("real.jar");
    let root = inside.trim_start_matches("file://").trim_end_matches("/real.jar").to_owned();
    let before = count(&console).await;
    for hostile in [
        "file:///proc/self/environ".to_owned(),
        "/proc/self/environ".to_owned(),
        format!("file://{root}/../../../../etc/passwd.jar"),
        format!("{root}/console.db"),
        "file:///etc/ssl/certs/ca-certificates.crt".to_owned(),
        "s3://bucket/job.jar".to_owned(),
        "job.jar".to_owned(),
    ] {
        let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("stolen", &hostile)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{hostile}: {}", reply.body);
        let message = reply.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.starts_with("spec.template.spec.artifact.jarUri: "), "{hostile}: {message}");
    }
    assert_eq!(count(&console).await, before, "nothing was stored");
}

#[tokio::test]
async fn a_symbolic_link_out_of_the_artifact_store_is_refused() {
    let console = console().await;
    let inside = console.jar("real.jar");
    let root = inside.trim_start_matches("file://").trim_end_matches("/real.jar").to_owned();
    std::os::unix::fs::symlink("/proc/self/environ", format!("{root}/environ.jar")).expect("a link");
    let reply =
        console.send_json("POST", DEPLOYMENTS, &with_jar("linked", &format!("file://{root}/environ.jar"))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("outside the console's artifact store"), "{}", reply.body);
}

#[tokio::test]
async fn a_jar_of_the_artifact_store_or_a_url_is_accepted() {
    let console = console().await;
    let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("stored", &console.jar("job.jar"))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let maven = "https://repo1.maven.org/maven2/org/apache/flink/x/1.0/x-1.0.jar";
    let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("downloaded", maven)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

#[tokio::test]
async fn changing_a_deployment_to_a_hostile_jar_is_refused_but_other_changes_need_no_jar_check() {
    let console = console().await;
    let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("job", &console.jar("job.jar"))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.json()["metadata"]["id"].as_str().expect("an id").to_owned();
    let uri = format!("{DEPLOYMENTS}/{id}");

    let hostile = json!({"spec": {"template": {"spec": {"artifact": {"jarUri": "file:///proc/self/environ"}}}}});
    let reply = console.send_json("PATCH", &uri, &hostile).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);

    // The seeded examples name JARs of a jobs directory this test console lacks: a change of state
    // does not touch the JAR and is not held up by it.
    let (_, list) = console.get(DEPLOYMENTS).await;
    let seeded = list["items"].as_array().expect("items").iter().find(|d| d["metadata"]["name"] == "stateful-counter");
    let seeded = seeded.expect("the seeded example")["metadata"]["id"].as_str().expect("an id").to_owned();
    let reply =
        console.send_json("PATCH", &format!("{DEPLOYMENTS}/{seeded}"), &json!({"spec": {"state": "SUSPENDED"}})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn an_uploaded_jar_is_listed_with_its_size_hash_and_uploader_and_audited() {
    let console = console().await;
    assert!(listed(&console, "default").await.is_empty());
    let bytes = jar_bytes("job one");
    let reply = console.upload("default", "job.jar", &bytes).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let (status, list) = console.get(ARTIFACTS).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["kind"], "ArtifactList");
    let artifact = &list["items"][0];
    assert_eq!(artifact["name"], "job.jar");
    assert_eq!(artifact["namespace"], "default");
    assert_eq!(artifact["uri"], "artifact:///job.jar");
    assert_eq!(artifact["sizeBytes"], bytes.len());
    assert_eq!(artifact["sha256"], sha256(&bytes));
    assert_eq!(artifact["uploadedBy"], "user:admin");
    assert!(artifact["createdAt"].as_str().is_some_and(|at| at.ends_with('Z')), "{artifact}");
    let (status, one) = console.get(&format!("{ARTIFACTS}/job.jar")).await;
    assert_eq!((status, &one), (StatusCode::OK, artifact));
    assert_eq!(std::fs::read(console.uploads_dir().join("default/job.jar")).expect("stored"), bytes);
    assert_eq!(files_of(&console, "default"), ["job.jar"], "no temporary file stays");

    let (_, audit) = console.get("/api/v1/namespaces/default/audit-log").await;
    let line = audit["items"].as_array().expect("items").iter().find(|e| e["resourceKind"] == "Artifact");
    let line = line.expect("an audit line for the upload");
    assert_eq!((line["action"].as_str(), line["resourceName"].as_str()), (Some("upload"), Some("job.jar")));
    assert_eq!(line["after"]["sha256"], sha256(&bytes));
}

#[tokio::test]
async fn an_upload_over_the_limit_is_413_and_nothing_is_stored() {
    let console = console().await;
    let too_big = {
        let mut bytes = jar_bytes("");
        bytes.resize(usize::try_from(MAX_ARTIFACT_BYTES).expect("small") + 1, b'x');
        bytes
    };
    let reply = console.upload("default", "big.jar", &too_big).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.body);
    assert!(
        reply.json()["message"].as_str().is_some_and(|m| m.contains("at most 65536 bytes (64 KiB)")),
        "{}",
        reply.body
    );
    // Without a Content-Length the body is counted as it streams in, and refused all the same.
    let (content_type, body) = multipart(&[("file", Some("big.jar"), &too_big)]);
    let stream = futures_stream(body);
    let reply = console
        .send("POST", ARTIFACTS, &[("accept", "application/json"), ("content-type", &content_type)], stream)
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.body);
    // A Content-Length far beyond the limit is refused before the body is read.
    let reply = console
        .send(
            "POST",
            ARTIFACTS,
            &[("accept", "application/json"), ("content-type", &content_type), ("content-length", "1000000000")],
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.body);
    assert!(listed(&console, "default").await.is_empty());
    assert!(files_of(&console, "default").is_empty(), "nothing stored: {:?}", files_of(&console, "default"));
}

/// A body that arrives in chunks, with no length known in advance.
fn futures_stream(body: Vec<u8>) -> axum::body::Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.chunks(8 * 1024).map(|c| Ok(c.to_vec())).collect();
    axum::body::Body::from_stream(futures_util::stream::iter(chunks))
}

#[tokio::test]
async fn names_that_are_not_plain_jar_file_names_and_bytes_that_are_no_jar_are_refused() {
    let console = console().await;
    for name in ["../escape.jar", "notes.txt", ".hidden.jar", "..jar", "job", "a\\b.jar", "job.jar.sh", " job.jar"] {
        let reply = console.upload("default", name, &jar_bytes("x")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}: {}", reply.body);
        assert!(reply.json()["message"].as_str().is_some_and(|m| m.starts_with("file: ")), "{name}: {}", reply.body);
    }
    let reply = console.upload("default", "script.jar", b"#!/bin/sh\nrm -rf /").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("is not a JAR"), "{}", reply.body);
    let reply = console.upload("default", "empty.jar", b"").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let reply = console.send_json("POST", ARTIFACTS, &json!({"file": "job.jar"})).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", reply.body);
    let (content_type, body) = multipart(&[("other", None, b"x")]);
    let reply =
        console.send("POST", ARTIFACTS, &[("accept", "application/json"), ("content-type", &content_type)], body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(listed(&console, "default").await.is_empty());
    assert!(files_of(&console, "default").is_empty(), "{:?}", files_of(&console, "default"));
    let outside: Vec<String> = std::fs::read_dir(console.uploads_dir())
        .expect("the directory")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".jar") || name.contains("escape"))
        .collect();
    assert!(outside.is_empty(), "nothing written beside the namespace's directory: {outside:?}");
}

#[tokio::test]
async fn a_taken_name_takes_the_same_bytes_again_and_other_bytes_only_when_asked_to_overwrite() {
    let console = console().await;
    let (first, second) = (jar_bytes("first"), jar_bytes("second"));
    assert_eq!(console.upload("default", "job.jar", &first).await.status, StatusCode::CREATED);
    let again = console.upload("default", "job.jar", &first).await;
    assert_eq!(again.status, StatusCode::OK, "the same bytes: nothing to do; {}", again.body);
    let other = console.upload("default", "job.jar", &second).await;
    assert_eq!(other.status, StatusCode::CONFLICT, "{}", other.body);
    assert!(other.body.contains("overwrite=true"), "{}", other.body);
    assert_eq!(std::fs::read(console.uploads_dir().join("default/job.jar")).expect("kept"), first);

    let replaced = console.upload_to(&format!("{ARTIFACTS}?overwrite=true"), "job.jar", &second).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(replaced.json()["sha256"], sha256(&second));
    assert_eq!(std::fs::read(console.uploads_dir().join("default/job.jar")).expect("replaced"), second);
    // The form's checkbox does the same as the query parameter.
    let (content_type, body) = multipart(&[("overwrite", None, b"true"), ("file", Some("job.jar"), &first)]);
    let reply =
        console.send("POST", ARTIFACTS, &[("accept", "application/json"), ("content-type", &content_type)], body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["sha256"], sha256(&first));
    assert_eq!(files_of(&console, "default"), ["job.jar"]);
}

#[tokio::test]
async fn an_artifact_a_deployment_names_is_neither_deleted_nor_replaced_until_it_is_gone() {
    let console = console().await;
    assert_eq!(console.upload("default", "job.jar", &jar_bytes("v1")).await.status, StatusCode::CREATED);
    let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("runs-it", "artifact:///job.jar")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.json()["metadata"]["id"].as_str().expect("an id").to_owned();

    let refused = console.send("DELETE", &format!("{ARTIFACTS}/job.jar"), &[("accept", "application/json")], "").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("runs-it"), "the deployment is named: {}", refused.body);
    let replaced = console.upload_to(&format!("{ARTIFACTS}?overwrite=true"), "job.jar", &jar_bytes("v2")).await;
    assert_eq!(replaced.status, StatusCode::CONFLICT, "{}", replaced.body);
    assert!(replaced.body.contains("runs-it"), "{}", replaced.body);
    assert_eq!(listed(&console, "default").await, ["job.jar"]);

    let reply = console.send("DELETE", &format!("{DEPLOYMENTS}/{id}"), &[("accept", "application/json")], "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let deleted = console.send("DELETE", &format!("{ARTIFACTS}/job.jar"), &[("accept", "application/json")], "").await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert!(listed(&console, "default").await.is_empty());
    assert!(files_of(&console, "default").is_empty(), "the file went too");
    let again = console.send("DELETE", &format!("{ARTIFACTS}/job.jar"), &[("accept", "application/json")], "").await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
}

#[tokio::test]
async fn an_artifacts_bytes_come_back_as_uploaded_with_its_name_length_and_hash() {
    let console = console().await;
    // More than one 32 KiB chunk of the stream, within the test console's 64 KiB limit.
    let mut bytes = jar_bytes("download ");
    bytes.extend(std::iter::repeat_n(b'x', 60_000));
    let name = "My Job #1 (100%).jar";
    assert_eq!(console.upload("default", name, &bytes).await.status, StatusCode::CREATED);
    let content = format!("{ARTIFACTS}/My%20Job%20%231%20%28100%25%29.jar/content");
    let reply = console.send("GET", &content, &[], axum::body::Body::empty()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body.len(), bytes.len());
    assert_eq!(sha256(reply.body.as_bytes()), sha256(&bytes), "the very bytes uploaded");
    let header = |name: &str| reply.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(header("content-type"), "application/java-archive");
    assert_eq!(header("content-length"), bytes.len().to_string());
    assert_eq!(header("etag"), format!("\"{}\"", sha256(&bytes)));
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"My Job #1 (100%).jar\"; filename*=UTF-8''My%20Job%20%231%20%28100%25%29.jar"
    );
    assert_eq!(header("x-content-type-options"), "nosniff");

    // A client that has these bytes already is told so, without them.
    let etag = header("etag");
    let again = console.send("GET", &content, &[("if-none-match", &etag)], axum::body::Body::empty()).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(again.body, "");

    // Nothing else comes out: not an unknown artifact, not another namespace's, not a path.
    let other = domain::NamespaceName::parse("other").expect("a name");
    console.store.ensure_namespace(&other).await.expect("namespace other");
    assert_eq!(console.upload("other", "theirs.jar", &jar_bytes("theirs")).await.status, StatusCode::CREATED);
    for (uri, status) in [
        (format!("{ARTIFACTS}/missing.jar/content"), StatusCode::NOT_FOUND),
        (format!("{ARTIFACTS}/theirs.jar/content"), StatusCode::NOT_FOUND),
        (format!("{ARTIFACTS}/..%2Fother%2Ftheirs.jar/content"), StatusCode::BAD_REQUEST),
        (format!("{ARTIFACTS}/..%2F..%2Fconsole.db/content"), StatusCode::BAD_REQUEST),
        ("/api/v1/namespaces/nowhere/artifacts/theirs.jar/content".to_owned(), StatusCode::NOT_FOUND),
    ] {
        let reply = console.send("GET", &uri, &[("accept", "application/json")], axum::body::Body::empty()).await;
        assert_eq!(reply.status, status, "{uri}: {}", reply.body);
        assert!(reply.json()["message"].is_string(), "{uri}: an error body, got {}", reply.body);
    }
}

#[tokio::test]
async fn a_deployment_runs_only_its_own_namespaces_artifacts() {
    let console = console().await;
    let other = domain::NamespaceName::parse("other").expect("a name");
    console.store.ensure_namespace(&other).await.expect("namespace other");
    assert_eq!(console.upload("other", "theirs.jar", &jar_bytes("theirs")).await.status, StatusCode::CREATED);
    assert_eq!(listed(&console, "default").await, Vec::<String>::new(), "listed only in its namespace");
    let theirs_path = console.uploads_dir().join("other/theirs.jar").display().to_string();
    for hostile in [
        "artifact:///theirs.jar".to_owned(),
        "artifact:///../other/theirs.jar".to_owned(),
        "artifact:///missing.jar".to_owned(),
        format!("file://{theirs_path}"),
        theirs_path.clone(),
    ] {
        let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("borrowed", &hostile)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{hostile}: {}", reply.body);
        let message = reply.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.starts_with("spec.template.spec.artifact.jarUri: "), "{hostile}: {message}");
    }
    // Changing a deployment to another namespace's artifact is refused the same way.
    let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("own", &console.jar("own.jar"))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.json()["metadata"]["id"].as_str().expect("an id").to_owned();
    let patch = json!({"spec": {"template": {"spec": {"artifact": {"jarUri": "artifact:///theirs.jar"}}}}});
    let reply = console.send_json("PATCH", &format!("{DEPLOYMENTS}/{id}"), &patch).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
}

#[tokio::test]
async fn a_download_url_inside_the_consoles_network_is_refused_unless_an_admin_allows_it() {
    let console = console().await;
    for inside in
        ["http://127.0.0.1:9/job.jar", "http://169.254.169.254/latest/meta-data/x.jar", "http://localhost/x.jar"]
    {
        let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("fetch", inside)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{inside}: {}", reply.body);
        assert!(reply.body.contains("inside the console's network"), "{inside}: {}", reply.body);
    }
    console.allow_hosts(&["127.0.0.0/8"]).await;
    let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("fetch", "http://127.0.0.1:9/job.jar")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "allowed by the admin: {}", reply.body);
}

#[tokio::test]
async fn the_pages_form_post_is_answered_with_a_redirect_and_a_cross_site_one_is_refused() {
    let console = console().await;
    let (content_type, body) = multipart(&[("file", Some("job.jar"), &jar_bytes("form"))]);
    let browser = [("accept", "text/html,application/xhtml+xml"), ("content-type", content_type.as_str())];
    let page = "/namespaces/default/artifacts";
    let empty = console.send("GET", page, &[("accept", "text/html")], "").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("No artifacts yet — upload a JAR"), "the empty state: {}", empty.body);
    assert!(empty.body.contains(r#"enctype="multipart/form-data""#), "the upload form works without JavaScript");

    let reply = console.send("POST", ARTIFACTS, &browser, body.clone()).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.headers.get("location").and_then(|v| v.to_str().ok()), Some(page));
    assert_eq!(listed(&console, "default").await, ["job.jar"]);
    // The outcome reaches only the page, in a short-lived HttpOnly cookie, and shows there once.
    let cookie = reply.headers.get("set-cookie").and_then(|v| v.to_str().ok()).expect("a cookie").to_owned();
    assert!(cookie.contains("Path=/namespaces/default/artifacts") && cookie.contains("HttpOnly"), "{cookie}");
    let handed = cookie.split(';').next().expect("name=value").to_owned();
    let session = format!("console_session={}; {handed}", console.admin_session);
    let shown = console.send("GET", page, &[("accept", "text/html"), ("cookie", &session)], "").await;
    assert!(shown.body.contains("Uploaded job.jar ("), "{}", shown.body);
    assert!(shown.body.contains("artifact:///job.jar"), "listed: {}", shown.body);
    let cleared = shown
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("console_upload_result=;") && c.contains("Max-Age=0"));
    assert!(cleared, "read once: {:?}", shown.headers);
    let refused = console.send("POST", ARTIFACTS, &browser, body.clone()).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER, "a refusal returns to the page too");

    let cross_site = [
        ("accept", "text/html"),
        ("content-type", content_type.as_str()),
        ("host", "console.example"),
        ("origin", "https://evil.example"),
    ];
    let (content_type, body) = multipart(&[("file", Some("evil.jar"), &jar_bytes("evil"))]);
    let cross_site = [cross_site[0], ("content-type", content_type.as_str()), cross_site[2], cross_site[3]];
    let reply = console.send("POST", ARTIFACTS, &cross_site, body).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(listed(&console, "default").await, ["job.jar"]);
}

#[tokio::test]
async fn the_deployment_form_offers_the_namespaces_own_artifacts() {
    let console = console().await;
    let other = domain::NamespaceName::parse("other").expect("a name");
    console.store.ensure_namespace(&other).await.expect("namespace other");
    assert_eq!(console.upload("default", "mine.jar", &jar_bytes("mine")).await.status, StatusCode::CREATED);
    assert_eq!(console.upload("other", "theirs.jar", &jar_bytes("theirs")).await.status, StatusCode::CREATED);
    let headers = [("accept", "application/json"), ("content-type", "application/x-www-form-urlencoded")];
    let reply = console.send("POST", "/api/get_deployment_form", &headers, "namespace=default").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let jars: Vec<String> = reply.json()["jars"]
        .as_array()
        .expect("jars")
        .iter()
        .filter_map(|jar| jar.as_str().map(str::to_owned))
        .collect();
    assert_eq!(jars.first().map(String::as_str), Some("artifact:///mine.jar"), "{jars:?}");
    assert!(!jars.iter().any(|jar| jar.contains("theirs")), "another namespace's is not offered: {jars:?}");
}
