//! A console on a fresh database and helpers to call it.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use serde_json::Value;
use server::local_flink::FlinkSupervision;
use server::{router, seed, targets, AppState};
use services::{HealthBoard, Services};
use tower::ServiceExt;

/// The largest artifact the test console accepts (small, so a test can exceed it cheaply).
pub const MAX_ARTIFACT_BYTES: u64 = 64 * 1024;

pub struct Console {
    pub state: AppState,
    /// The console's one cache of Flink clients, built with its network policy.
    pub clusters: Arc<server::clusters::TargetClusters>,
    /// The console's database, for fixtures the engine would write (jobs, events) and for
    /// fingerprints; the console itself writes only through its services.
    pub store: storage::Store,
    /// The session cookie's value of the `admin` every request is sent as, unless it names its own
    /// `cookie` or `authorization`.
    pub admin_session: String,
    /// Where the console keeps and finds JARs (its uploads in its directory, or in a bucket).
    pub artifacts: engine::artifact::ArtifactStore,
    _database: storage::testing::TestDatabase,
    _dir: tempfile::TempDir,
}

/// A console on a fresh database (SQLite, or PostgreSQL when `CONSOLE_TEST_DATABASE=postgres`),
/// after its first start, whose Flink cannot run.
/// The one directory the test console accepts registered `file:` savepoints in.
pub const SAVEPOINT_ROOT: &str = "/savepoints";

pub async fn console() -> Console {
    console_keeping_uploads(None).await
}

/// A console like `console()`, keeping uploaded artifacts in `bucket` (objects under `prefix`).
pub async fn console_on_bucket(bucket: s3::Bucket, prefix: &str) -> Console {
    console_keeping_uploads(Some((bucket, prefix))).await
}

async fn console_keeping_uploads(bucket: Option<(s3::Bucket, &str)>) -> Console {
    // As `main` does; once per process, whichever console comes first.
    server::metrics::install();
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, database) = storage::testing::fresh_store().await;
    seed::first_start(&store, dir.path()).await.expect("first start");
    let flink = Arc::new(FlinkSupervision::Unavailable("Java was not found on PATH".into()));
    targets::register_console_cluster(&store, &flink, "http://127.0.0.1:8081").await.expect("local target");
    let health = HealthBoard::default();
    let network = flink::network::NetworkPolicy::default();
    let clusters = Arc::new(server::clusters::TargetClusters::new(store.clone(), network.clone()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let prober =
        tokio::spawn(targets::probe_forever(store.clone(), health.clone(), flink.clone(), clusters.clone(), stopped));
    for _ in 0..100 {
        if health.get("default", "local").message.as_deref() != Some("not checked yet") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).expect("stop the prober");
    prober.await.expect("prober ends");
    let leptos_options =
        LeptosOptions::builder().output_name("console").site_root(dir.path().display().to_string()).build();
    let artifacts = engine::artifact::ArtifactStore::new([dir.path().to_path_buf()]);
    let artifacts = match bucket {
        None => artifacts.with_uploads(dir.path().to_path_buf()),
        Some((bucket, prefix)) => artifacts.with_bucket(bucket, prefix, dir.path().join("bucket-work"), store.clone()),
    };
    let services = Services::new(store.clone(), health, engine::Nudger::disconnected())
        .with_network_policy(network)
        .with_savepoint_roots(vec![SAVEPOINT_ROOT.to_owned()])
        .with_clusters(clusters.clone())
        .with_artifacts(artifacts.clone())
        .with_max_artifact_bytes(MAX_ARTIFACT_BYTES);
    services.ensure_admin(Some("admin-password")).await.expect("the admin");
    let (_, secret) = services.sign_in("admin", "admin-password", "test").await.expect("the admin signs in");
    let admin_session = secret.expose().to_owned();
    Console {
        clusters,
        admin_session,
        artifacts,
        state: AppState { leptos_options, services, flink },
        store,
        _database: database,
        _dir: dir,
    }
}

impl Console {
    /// A `file:` URI of a JAR in the console's artifact store (an empty file called `name`).
    pub fn jar(&self, name: &str) -> String {
        let path = self._dir.path().join(name);
        std::fs::write(&path, b"PK").expect("a jar in the artifact store");
        let path = std::fs::canonicalize(&path).expect("a canonical path");
        format!("file://{}", path.display())
    }
}

/// A response: status, content type and body text.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

impl Console {
    /// An admin allows session clusters at `patterns` inside the console's network (e.g.
    /// `127.0.0.0/8` for a test's own listener).
    pub async fn allow_hosts(&self, patterns: &[&str]) {
        let settings = serde_json::json!({ "allowedSessionClusterHosts": patterns });
        let reply = self.send_json("PUT", "/api/v1/settings/network", &settings).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    /// Runs the health prober until it has looked at `namespace`'s target `name`.
    pub async fn probe(&self, namespace: &str, name: &str) -> Value {
        let health = self.state.services.health.clone();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let prober = tokio::spawn(targets::probe_forever(
            self.store.clone(),
            health.clone(),
            self.state.flink.clone(),
            self.clusters.clone(),
            stopped,
        ));
        for _ in 0..250 {
            if health.get(namespace, name).message.as_deref() != Some("not checked yet") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop.send(true).expect("stop the prober");
        prober.await.expect("prober ends");
        serde_json::to_value(health.get(namespace, name)).expect("health as JSON")
    }

    /// Sends one request: `method uri`, with `headers` and `body`.
    pub async fn send(&self, method: &str, uri: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let identified = headers.iter().any(|(name, _)| {
            ["cookie", "authorization", "x-acs-bearer-token"].iter().any(|n| name.eq_ignore_ascii_case(n))
        });
        if !identified {
            request = request.header("cookie", format!("console_session={}", self.admin_session));
        }
        let request = request.body(body.into()).expect("request");
        let response = router(self.state.clone()).oneshot(request).await.expect("a response");
        let status = response.status();
        let headers = response.headers().clone();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Reply { status, headers, content_type, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// `method uri` with a JSON body, asking for JSON.
    pub async fn send_json(&self, method: &str, uri: &str, body: &Value) -> Reply {
        let headers = [("accept", "application/json"), ("content-type", "application/json")];
        self.send(method, uri, &headers, body.to_string()).await
    }

    /// `GET uri` asking for JSON: the status and the body as JSON.
    pub async fn get(&self, uri: &str) -> (StatusCode, Value) {
        let reply = self.send("GET", uri, &[("accept", "application/json")], Body::empty()).await;
        (reply.status, reply.json())
    }
}

/// This package's folder as cargo or nextest give it when the test runs: a test binary reused from
/// another checkout that shares the target folder would carry that checkout's path in `env!`.
pub fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())
}

/// A `multipart/form-data` body of `parts` (field name, file name if a file, bytes): its
/// `Content-Type` and bytes.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "console-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (field, file_name, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(file_name) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: application/java-archive\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{field}\"\r\n\r\n").as_bytes())
            }
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Console {
    /// Uploads `bytes` as the artifact `file_name` of `namespace` (as the admin, asking for JSON).
    pub async fn upload(&self, namespace: &str, file_name: &str, bytes: &[u8]) -> Reply {
        self.upload_to(&format!("/api/v1/namespaces/{namespace}/artifacts"), file_name, bytes).await
    }

    /// Uploads `bytes` as `file_name` to `uri` (the upload's path, with a query if any).
    pub async fn upload_to(&self, uri: &str, file_name: &str, bytes: &[u8]) -> Reply {
        let (content_type, body) = multipart(&[("file", Some(file_name), bytes)]);
        self.send("POST", uri, &[("accept", "application/json"), ("content-type", &content_type)], body).await
    }

    /// The status of writing a deployment whose `jarUri` is `file://<path>`.
    pub async fn check_file_uri(&self, path: &std::path::Path) -> StatusCode {
        let deployment = serde_json::json!({"metadata": {"name": "by-path"}, "spec": {"template": {"spec": {"artifact":
            {"kind": "JAR", "jarUri": format!("file://{}", path.display()), "entryClass": "x.Main"}}}}});
        self.send_json("POST", "/api/v1/namespaces/default/deployments", &deployment).await.status
    }

    /// The directory the test console keeps uploaded artifacts in (one subdirectory per namespace).
    pub fn uploads_dir(&self) -> std::path::PathBuf {
        std::fs::canonicalize(self._dir.path()).expect("the console's directory")
    }
}
