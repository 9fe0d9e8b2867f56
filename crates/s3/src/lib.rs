//! A small client of one S3-compatible bucket (AWS S3, MinIO, Ceph RGW, moto…): put a local file as
//! an object, get an object into a local file, look at one, delete one — path-style addressing
//! (`http://host:port/bucket/key`), requests signed with AWS Signature Version 4. Every request ends
//! within its timeout. The secret key is never printed: not in `Debug`, not in an error.

pub mod sigv4;

#[cfg(test)]
mod against_a_server;

use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};

/// An S3 secret access key. Shown nowhere: its `Debug` is redacted, and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretAccessKey(String);

impl SecretAccessKey {
    /// Wraps a secret key (read from the environment or a file, never from the command line).
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretAccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretAccessKey(<redacted>)")
    }
}

/// An access key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: SecretAccessKey,
}

/// How long requests may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To open a connection.
    pub connect: Duration,
    /// A request without a body to speak of (HEAD, DELETE, creating a bucket).
    pub small: Duration,
    /// Sending or receiving a whole object.
    pub transfer: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { connect: Duration::from_secs(10), small: Duration::from_secs(30), transfer: Duration::from_secs(600) }
    }
}

/// Where the bucket is and who the console is to it.
#[derive(Debug, Clone)]
pub struct BucketConfig {
    /// The server's base URL, `http://host[:port]`.
    pub endpoint: String,
    /// The bucket's name.
    pub bucket: String,
    /// The region requests are signed for (`us-east-1` unless the server says otherwise).
    pub region: String,
    pub credentials: Credentials,
    pub timeouts: Timeouts,
}

/// What was received of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub size_bytes: u64,
    /// The bytes' SHA-256, lowercase hexadecimal.
    pub sha256: String,
}

/// Why a request of the bucket failed: the operation, the object, and the reason.
#[derive(Debug, thiserror::Error)]
#[error("{operation} s3://{bucket}/{key} failed: {reason}")]
pub struct S3Error {
    pub operation: &'static str,
    pub bucket: String,
    pub key: String,
    pub reason: Reason,
}

/// What went wrong with a request.
#[derive(Debug, thiserror::Error)]
pub enum Reason {
    /// No connection to the endpoint, or it broke.
    #[error("the endpoint {endpoint} cannot be reached ({detail})")]
    Unreachable { endpoint: String, detail: String },
    /// No complete answer in time.
    #[error("no answer within {} s", .0.as_secs_f64())]
    TimedOut(Duration),
    /// The server refused (403 with a wrong key, 404 NoSuchBucket or NoSuchKey, …).
    #[error("the server answered HTTP {status}{}", describe(.code, .message))]
    Status { status: u16, code: Option<String>, message: Option<String> },
    /// The object is larger than the caller accepts.
    #[error("the object has more than {0} bytes")]
    TooLarge(u64),
    /// The local file could not be read or written.
    #[error("the local file: {0}")]
    File(String),
}

impl Reason {
    /// The error code S3 answered with (`NoSuchKey`, `AccessDenied`, …), if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Status { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

fn describe(code: &Option<String>, message: &Option<String>) -> String {
    match (code, message) {
        (Some(code), Some(message)) => format!(" ({code}: {message})"),
        (Some(code), None) => format!(" ({code})"),
        (None, Some(message)) => format!(" ({message})"),
        (None, None) => String::new(),
    }
}

/// One bucket of an S3-compatible server; cheap to clone.
#[derive(Clone)]
pub struct Bucket {
    http: reqwest::Client,
    /// `http://host[:port]`, no trailing slash.
    endpoint: String,
    /// The `Host` header the requests carry (and sign).
    host: String,
    name: String,
    region: String,
    credentials: Credentials,
    timeouts: Timeouts,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("endpoint", &self.endpoint)
            .field("name", &self.name)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl Bucket {
    /// A client of the bucket `config` names. The error says what is wrong with the configuration:
    /// an endpoint that is not `http://host[:port]` (this build has no TLS), a bucket name S3
    /// would not accept, an empty region or key id.
    pub fn new(config: BucketConfig) -> Result<Self, String> {
        let endpoint = config.endpoint.trim().trim_end_matches('/');
        if endpoint.starts_with("https://") {
            return Err(format!(
                "the S3 endpoint {endpoint} is https://, but this console is built without TLS; use an http:// \
                 endpoint on a network you trust (or a TLS-terminating proxy on loopback)"
            ));
        }
        let url = reqwest::Url::parse(endpoint).map_err(|err| format!("the S3 endpoint {endpoint:?}: {err}"))?;
        if url.scheme() != "http" {
            return Err(format!("the S3 endpoint {endpoint:?} must be http://host[:port]"));
        }
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.path() != "/" {
            return Err(format!(
                "the S3 endpoint {endpoint:?} must be http://host[:port] alone: no path, query, user or password (the \
                 bucket is named separately)"
            ));
        }
        let host = url.host_str().ok_or_else(|| format!("the S3 endpoint {endpoint:?} names no host"))?;
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        check_bucket_name(&config.bucket)?;
        if config.region.trim().is_empty() {
            return Err("the S3 region must not be empty (us-east-1 unless the server says otherwise)".into());
        }
        if config.credentials.access_key_id.trim().is_empty() {
            return Err("the S3 access key id must not be empty".into());
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeouts.connect)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| format!("no HTTP client for S3: {err}"))?;
        Ok(Self {
            http,
            endpoint: format!("http://{host}"),
            host,
            name: config.bucket,
            region: config.region.trim().to_owned(),
            credentials: config.credentials,
            timeouts: config.timeouts,
        })
    }

    /// The bucket's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server's base URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Creates the bucket (an error if it cannot be created; S3 answers 409 when it exists).
    pub async fn create(&self) -> Result<(), S3Error> {
        let response = self.send("create bucket", "PUT", "", reqwest::Body::from(Vec::new()), 0, None).await?;
        self.expect_success("create bucket", "", response).await.map(drop)
    }

    /// Puts the local file at `path` (`size` bytes whose SHA-256 is `sha256`, hex) as the object
    /// `key`, streaming it; the server checks the bytes against the hash.
    pub async fn put_file(&self, key: &str, path: &Path, size: u64, sha256: &str) -> Result<(), S3Error> {
        let operation = "PUT";
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|err| self.error(operation, key, Reason::File(format!("{}: {err}", path.display()))))?;
        let body = reqwest::Body::wrap(FileBody { file, remaining: size, buffer: vec![0; 64 * 1024] });
        let response = self.send(operation, "PUT", key, body, size, Some(sha256)).await?;
        self.expect_success(operation, key, response).await.map(drop)
    }

    /// Gets the object `key` into the local file `destination` (created or truncated), streaming
    /// it; more than `max_bytes` is an error. The caller checks the returned hash.
    pub async fn get_to_file(&self, key: &str, destination: &Path, max_bytes: u64) -> Result<Received, S3Error> {
        let operation = "GET";
        let response = self.send(operation, "GET", key, reqwest::Body::from(Vec::new()), 0, None).await?;
        let mut response = self.expect_success(operation, key, response).await?;
        if response.content_length().is_some_and(|length| length > max_bytes) {
            return Err(self.error(operation, key, Reason::TooLarge(max_bytes)));
        }
        let file_error = |err: std::io::Error| Reason::File(format!("{}: {err}", destination.display()));
        let mut file =
            tokio::fs::File::create(destination).await.map_err(|err| self.error(operation, key, file_error(err)))?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        loop {
            let chunk = match response.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(err) => return Err(self.failed(operation, key, &err, self.timeouts.transfer)),
            };
            size += chunk.len() as u64;
            if size > max_bytes {
                return Err(self.error(operation, key, Reason::TooLarge(max_bytes)));
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await.map_err(|err| self.error(operation, key, file_error(err)))?;
        }
        file.sync_all().await.map_err(|err| self.error(operation, key, file_error(err)))?;
        Ok(Received { size_bytes: size, sha256: hex::encode(hasher.finalize()) })
    }

    /// The size of the object `key`, or `None` if the bucket has no such object.
    pub async fn head(&self, key: &str) -> Result<Option<u64>, S3Error> {
        let operation = "HEAD";
        let response = self.send(operation, "HEAD", key, reqwest::Body::from(Vec::new()), 0, None).await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            // A missing bucket is also 404; HEAD has no body to tell them apart, so ask the bucket.
            return match self.bucket_exists().await? {
                true => Ok(None),
                false => Err(self.error(
                    operation,
                    key,
                    Reason::Status { status: 404, code: Some("NoSuchBucket".into()), message: None },
                )),
            };
        }
        let response = self.expect_success(operation, key, response).await?;
        // Not `content_length()`: that is the length of the (empty) body of an answer to HEAD.
        let length = response.headers().get(reqwest::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok());
        Ok(Some(length.and_then(|v| v.parse().ok()).unwrap_or(0)))
    }

    /// Deletes the object `key` (done, too, if there was none).
    pub async fn delete(&self, key: &str) -> Result<(), S3Error> {
        let operation = "DELETE";
        let response = self.send(operation, "DELETE", key, reqwest::Body::from(Vec::new()), 0, None).await?;
        self.expect_success(operation, key, response).await.map(drop)
    }

    /// Whether the bucket exists (and the keys may look at it).
    pub async fn exists(&self) -> Result<bool, S3Error> {
        self.bucket_exists().await
    }

    async fn bucket_exists(&self) -> Result<bool, S3Error> {
        let response = self.send("HEAD", "HEAD", "", reqwest::Body::from(Vec::new()), 0, None).await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(false);
        }
        self.expect_success("HEAD", "", response).await.map(|_| true)
    }

    /// Signs and sends one request for `key` ("" for the bucket itself) within its timeout.
    async fn send(
        &self,
        operation: &'static str,
        method: &'static str,
        key: &str,
        body: reqwest::Body,
        size: u64,
        sha256: Option<&str>,
    ) -> Result<reqwest::Response, S3Error> {
        let path = match key {
            "" => format!("/{}", sigv4::uri_encode(&self.name, true)),
            key => format!("/{}/{}", sigv4::uri_encode(&self.name, true), sigv4::uri_encode(key, false)),
        };
        let payload = sha256.unwrap_or(sigv4::EMPTY_SHA256);
        let amz_date = time::OffsetDateTime::now_utc()
            .format(time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"))
            .map_err(|err| self.error(operation, key, Reason::File(format!("the clock cannot be read: {err}"))))?;
        let headers = [("host", self.host.as_str()), ("x-amz-content-sha256", payload), ("x-amz-date", &amz_date)];
        let signer = sigv4::Signer {
            access_key_id: &self.credentials.access_key_id,
            secret_access_key: self.credentials.secret_access_key.expose(),
            region: &self.region,
            service: "s3",
            amz_date: &amz_date,
        };
        let request = sigv4::Request { method, path: &path, query: &[], headers: &headers, payload_sha256: payload };
        let authorization = signer.authorization(&request);
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|err| self.error(operation, key, Reason::File(format!("no HTTP method {method}: {err}"))))?;
        let timeout = if sha256.is_some() || operation == "GET" { self.timeouts.transfer } else { self.timeouts.small };
        let mut builder = self
            .http
            .request(method, format!("{}{path}", self.endpoint))
            .timeout(timeout)
            .header("x-amz-content-sha256", payload)
            .header("x-amz-date", &amz_date)
            .header(reqwest::header::AUTHORIZATION, authorization);
        if sha256.is_some() {
            builder = builder.header(reqwest::header::CONTENT_LENGTH, size);
        }
        builder.body(body).send().await.map_err(|err| self.failed(operation, key, &err, timeout))
    }

    /// The response if it is a success; else the error S3 described in its XML body.
    async fn expect_success(
        &self,
        operation: &'static str,
        key: &str,
        response: reqwest::Response,
    ) -> Result<reqwest::Response, S3Error> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        // S3's error bodies are small; one that is not is not read past a few kilobytes.
        let body = response.text().await.unwrap_or_default();
        let body = body.get(..4096).unwrap_or(&body);
        let reason = Reason::Status {
            status: status.as_u16(),
            code: xml_element(body, "Code"),
            message: xml_element(body, "Message"),
        };
        Err(self.error(operation, key, reason))
    }

    fn failed(&self, operation: &'static str, key: &str, err: &reqwest::Error, timeout: Duration) -> S3Error {
        if err.is_timeout() {
            return self.error(operation, key, Reason::TimedOut(timeout));
        }
        let mut detail = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            detail = format!("{detail}: {inner}");
            source = inner.source();
        }
        self.error(operation, key, Reason::Unreachable { endpoint: self.endpoint.clone(), detail })
    }

    fn error(&self, operation: &'static str, key: &str, reason: Reason) -> S3Error {
        S3Error { operation, bucket: self.name.clone(), key: key.to_owned(), reason }
    }
}

/// Whether S3 would accept `name` as a bucket's: 3 to 63 lower-case letters, digits, `.` and `-`,
/// starting and ending with a letter or digit.
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    let allowed = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let ends = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !(3..=63).contains(&name.len()) || !allowed || !ends(name.bytes().next()) || !ends(name.bytes().last()) {
        return Err(format!(
            "the S3 bucket name {name:?} is not one S3 accepts (3 to 63 lower-case letters, digits, '.' and '-', \
             starting and ending with a letter or digit)"
        ));
    }
    Ok(())
}

/// The text of the first `<name>…</name>` in `xml`, unescaped for the five predefined entities.
fn xml_element(xml: &str, name: &str) -> Option<String> {
    let start = xml.find(&format!("<{name}>"))? + name.len() + 2;
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    let text = xml[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    Some(text).filter(|text| !text.trim().is_empty())
}

/// A local file sent as a request body of a known length (S3 needs `Content-Length`; it refuses
/// a plain chunked upload).
struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
    buffer: Vec<u8>,
}

impl http_body::Body for FileBody {
    type Data = bytes::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = usize::try_from(this.remaining).unwrap_or(usize::MAX).min(this.buffer.len());
        let mut read = ReadBuf::new(&mut this.buffer[..want]);
        match Pin::new(&mut this.file).poll_read(cx, &mut read) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(err)) => Poll::Ready(Some(Err(err))),
            Poll::Ready(Ok(())) if read.filled().is_empty() => Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the file is shorter than its upload said",
            )))),
            Poll::Ready(Ok(())) => {
                let chunk = bytes::Bytes::copy_from_slice(read.filled());
                this.remaining -= chunk.len() as u64;
                Poll::Ready(Some(Ok(http_body::Frame::data(chunk))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(endpoint: &str, bucket: &str) -> BucketConfig {
        BucketConfig {
            endpoint: endpoint.into(),
            bucket: bucket.into(),
            region: "us-east-1".into(),
            credentials: Credentials {
                access_key_id: "AKID".into(),
                secret_access_key: SecretAccessKey::new("wJalrXUtnFEMI-very-secret"),
            },
            timeouts: Timeouts::default(),
        }
    }

    #[test]
    fn the_secret_key_never_shows_in_debug_output() {
        let bucket = Bucket::new(config("http://127.0.0.1:9000", "artifacts")).expect("a bucket");
        for shown in [format!("{bucket:?}"), format!("{:?}", config("http://x", "b")), format!("{bucket:#?}")] {
            assert!(!shown.contains("very-secret"), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }

    #[test]
    fn only_a_plain_http_endpoint_and_a_valid_bucket_name_are_accepted() {
        let refused = Bucket::new(config("https://s3.example.com", "artifacts")).expect_err("no TLS");
        assert!(refused.contains("built without TLS"), "{refused}");
        for endpoint in ["http://user:pw@host", "http://host/path", "ftp://host", "host:9000"] {
            assert!(Bucket::new(config(endpoint, "artifacts")).is_err(), "{endpoint}");
        }
        for bucket in ["ab", "Upper", "a_b", "-ab", "ab-", "a/b"] {
            assert!(Bucket::new(config("http://host", bucket)).is_err(), "{bucket}");
        }
        let bucket = Bucket::new(config("http://127.0.0.1:9000/", "my.artifacts-1")).expect("accepted");
        assert_eq!((bucket.endpoint(), bucket.host.as_str()), ("http://127.0.0.1:9000", "127.0.0.1:9000"));
        let default_port = Bucket::new(config("http://minio.internal:80", "bucket")).expect("accepted");
        assert_eq!(default_port.host, "minio.internal", "the Host header hyper sends for port 80");
    }

    #[test]
    fn an_s3_error_body_gives_its_code_and_message() {
        let body = "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket \
                    does not exist &amp; never did</Message><BucketName>x</BucketName></Error>";
        assert_eq!(xml_element(body, "Code").as_deref(), Some("NoSuchBucket"));
        assert_eq!(xml_element(body, "Message").as_deref(), Some("The specified bucket does not exist & never did"));
        assert_eq!(xml_element("<html>", "Code"), None);
    }

    #[tokio::test]
    async fn a_server_that_never_answers_fails_the_request_within_its_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = listener.local_addr().expect("an address");
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        let mut silent = config(&format!("http://{address}"), "artifacts");
        silent.timeouts = Timeouts {
            connect: Duration::from_millis(300),
            small: Duration::from_millis(300),
            transfer: Duration::from_millis(300),
        };
        let bucket = Bucket::new(silent).expect("a bucket");
        let started = std::time::Instant::now();
        let err = bucket.delete("default/job.jar").await.expect_err("no answer");
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
        assert!(matches!(err.reason, Reason::TimedOut(_)), "{err}");
        assert_eq!(err.to_string(), "DELETE s3://artifacts/default/job.jar failed: no answer within 0.3 s");

        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let gone = closed.local_addr().expect("an address");
        drop(closed);
        let bucket = Bucket::new(config(&format!("http://{gone}"), "artifacts")).expect("a bucket");
        let err = bucket.head("default/job.jar").await.expect_err("nobody listens");
        assert!(err.to_string().contains(&format!("the endpoint http://{gone} cannot be reached")), "{err}");
    }
}

/// The S3-compatible server of the test run (`scripts/test.sh` starts moto on loopback with
/// authentication on and sets `CONSOLE_TEST_S3_URL` and the keys): its tests run against it, and a
/// fresh bucket for each.
#[cfg(any(test, feature = "testing"))]
pub mod testing {
    use super::{Bucket, BucketConfig, Credentials, SecretAccessKey, Timeouts};

    /// The server's URL; unset, the tests that need it skip — unless `REQUIRED_VAR` is set.
    pub const URL_VAR: &str = "CONSOLE_TEST_S3_URL";
    pub const ACCESS_KEY_ID_VAR: &str = "CONSOLE_TEST_S3_ACCESS_KEY_ID";
    pub const SECRET_ACCESS_KEY_VAR: &str = "CONSOLE_TEST_S3_SECRET_ACCESS_KEY";
    /// Set by the README's test command: a missing server then fails the tests instead.
    pub const REQUIRED_VAR: &str = "CONSOLE_TEST_S3_REQUIRED";

    /// The test server's endpoint and keys.
    #[derive(Debug, Clone)]
    pub struct TestServer {
        pub endpoint: String,
        pub credentials: Credentials,
    }

    impl TestServer {
        /// A client of the (not yet created) bucket `name` on this server.
        pub fn bucket(&self, name: &str, credentials: Credentials) -> Bucket {
            let config = BucketConfig {
                endpoint: self.endpoint.clone(),
                bucket: name.to_owned(),
                region: "us-east-1".into(),
                credentials,
                timeouts: Timeouts::default(),
            };
            Bucket::new(config).unwrap_or_else(|err| panic!("{URL_VAR}: {err}"))
        }

        /// A new, empty bucket of its own (a unique name).
        pub async fn fresh_bucket(&self) -> Bucket {
            let name = format!("test-{}", unique());
            let bucket = self.bucket(&name, self.credentials.clone());
            bucket.create().await.unwrap_or_else(|err| panic!("creating the test bucket: {err}"));
            bucket
        }
    }

    fn unique() -> String {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        format!("{nanos:x}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
    }

    /// The test server, or `None` (the caller skips, saying so) when none is configured and none
    /// is required. Panics when one is required and missing, or its keys are.
    pub fn server() -> Option<TestServer> {
        let Ok(endpoint) = std::env::var(URL_VAR) else {
            if std::env::var_os(REQUIRED_VAR).is_some() {
                panic!("{REQUIRED_VAR} is set but {URL_VAR} is not: scripts/test.sh starts moto and sets both");
            }
            eprintln!("skipped: no S3-compatible test server ({URL_VAR} unset; `make test` starts one)");
            return None;
        };
        let key = |var: &str| std::env::var(var).unwrap_or_else(|_| panic!("{URL_VAR} is set, so {var} must be"));
        Some(TestServer {
            endpoint,
            credentials: Credentials {
                access_key_id: key(ACCESS_KEY_ID_VAR),
                secret_access_key: SecretAccessKey::new(key(SECRET_ACCESS_KEY_VAR)),
            },
        })
    }
}
