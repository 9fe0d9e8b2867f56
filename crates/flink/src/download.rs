//! Downloads a file a person named by `http(s)://` URL (a deployment's JAR) into a local file: within
//! a connect and a total timeout, at most a size cap, following redirects only within the same
//! origin, and only to addresses the console's network policy permits. It must never write a
//! partial download where a complete one is expected, nor read an answer into memory whole.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::network::{NetworkPolicy, NetworkRefusal};

/// How long and how much a download may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadLimits {
    /// To open the connection.
    pub connect: Duration,
    /// For the whole download, the answer's last byte included.
    pub total: Duration,
    /// The most bytes a download may have.
    pub max_bytes: u64,
}

impl Default for DownloadLimits {
    fn default() -> Self {
        Self { connect: Duration::from_secs(10), total: Duration::from_secs(120), max_bytes: 256 * 1024 * 1024 }
    }
}

/// What was downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    /// How many bytes.
    pub size_bytes: u64,
    /// Their SHA-256, lowercase hexadecimal.
    pub sha256: String,
}

/// Why a download did not happen; the message is meant for the person who named the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DownloadError {
    /// The URL is not one the console downloads from.
    #[error("{0}")]
    BadUrl(String),
    /// The network policy refuses the address.
    #[error("{0}")]
    Refused(String),
    /// No connection, or it broke.
    #[error("{0}")]
    Unreachable(String),
    /// The server did not answer 200.
    #[error("the server answered HTTP {0}")]
    Status(u16),
    /// The server sent the console elsewhere.
    #[error("the server redirects to another host ({0}); name the final URL")]
    Redirected(String),
    /// More bytes than allowed.
    #[error("the file is larger than the {0} bytes the console downloads")]
    TooLarge(u64),
    /// Not done within the total timeout.
    #[error("the download did not finish within {} s", .0.as_secs_f64())]
    TimedOut(Duration),
    /// The file could not be written.
    #[error("the download cannot be stored: {0}")]
    Storage(String),
}

/// Downloads through the console's network policy; cheap to clone.
#[derive(Clone)]
pub struct Downloader {
    http: reqwest::Client,
    policy: NetworkPolicy,
    limits: DownloadLimits,
}

/// The most redirects followed (within one origin).
const MAX_REDIRECTS: usize = 5;

impl Downloader {
    /// A downloader going only where `policy` permits, within `limits`.
    pub fn new(policy: NetworkPolicy, limits: DownloadLimits) -> Result<Self, DownloadError> {
        let same_origin = reqwest::redirect::Policy::custom(|attempt| {
            let Some(first) = attempt.previous().first() else { return attempt.stop() };
            let origin = |url: &reqwest::Url| {
                (url.scheme().to_owned(), url.host_str().map(str::to_owned), url.port_or_known_default())
            };
            if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else if origin(attempt.url()) == origin(first) {
                attempt.follow()
            } else {
                let elsewhere = attempt.url().host_str().unwrap_or("?").to_owned();
                attempt.error(RedirectedElsewhere(elsewhere))
            }
        });
        let http = reqwest::Client::builder()
            .connect_timeout(limits.connect)
            .timeout(limits.total)
            .redirect(same_origin)
            .dns_resolver(policy.resolver())
            // A kept connection would skip the resolver, and with it a policy changed since.
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|err| DownloadError::Unreachable(format!("no HTTP client: {err}")))?;
        Ok(Self { http, policy, limits })
    }

    /// The limits this downloader keeps.
    pub fn limits(&self) -> DownloadLimits {
        self.limits
    }

    /// Downloads `url` into `destination` (replacing it only once the download is complete).
    pub async fn download(&self, url: &str, destination: &Path) -> Result<Downloaded, DownloadError> {
        let parsed = reqwest::Url::parse(url).map_err(|err| DownloadError::BadUrl(format!("not a URL: {err}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || !parsed.username().is_empty() || parsed.password().is_some()
        {
            return Err(DownloadError::BadUrl("only http(s) URLs without user or password are downloaded".into()));
        }
        let host = parsed.host_str().ok_or_else(|| DownloadError::BadUrl("the URL has no host".into()))?;
        // reqwest resolves no name for an IP-literal URL, so the resolver never sees it.
        if let Ok(address) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            self.policy.check(host, address).map_err(|refusal| DownloadError::Refused(refusal.to_string()))?;
        }
        let partial = destination.with_file_name(format!(".part-{}", uuid::Uuid::new_v4().simple()));
        let total = self.limits.total;
        let outcome = match tokio::time::timeout(total, self.fetch_into(parsed, &partial)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(DownloadError::TimedOut(total)),
        };
        let renamed = match outcome {
            Ok(downloaded) => tokio::fs::rename(&partial, destination)
                .await
                .map(|()| downloaded)
                .map_err(|err| DownloadError::Storage(err.to_string())),
            Err(err) => Err(err),
        };
        if renamed.is_err() {
            let _ = tokio::fs::remove_file(&partial).await;
        }
        renamed
    }

    async fn fetch_into(&self, url: reqwest::Url, partial: &Path) -> Result<Downloaded, DownloadError> {
        let max = self.limits.max_bytes;
        let https = url.scheme() == "https";
        let mut response = self.http.get(url).send().await.map_err(|err| match self.failed(&err) {
            // reqwest is built without a TLS backend here: its connector refuses https URLs.
            DownloadError::Unreachable(why) if https && why.contains("scheme is not http") => DownloadError::BadUrl(
                "this console is built without TLS, so it cannot download https:// URLs; use http:// or upload the \
                 JAR to the namespace's artifacts"
                    .into(),
            ),
            other => other,
        })?;
        if !response.status().is_success() {
            return Err(DownloadError::Status(response.status().as_u16()));
        }
        if response.content_length().is_some_and(|length| length > max) {
            return Err(DownloadError::TooLarge(max));
        }
        let storage = |err: std::io::Error| DownloadError::Storage(err.to_string());
        let mut file = tokio::fs::File::create(partial).await.map_err(storage)?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        while let Some(chunk) = response.chunk().await.map_err(|err| self.failed(&err))? {
            size += chunk.len() as u64;
            if size > max {
                return Err(DownloadError::TooLarge(max));
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await.map_err(storage)?;
        }
        file.sync_all().await.map_err(storage)?;
        Ok(Downloaded { size_bytes: size, sha256: hex::encode(hasher.finalize()) })
    }

    fn failed(&self, err: &reqwest::Error) -> DownloadError {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(inner) = cause {
            if let Some(refusal) = inner.downcast_ref::<NetworkRefusal>() {
                return DownloadError::Refused(refusal.to_string());
            }
            if let Some(RedirectedElsewhere(host)) = inner.downcast_ref::<RedirectedElsewhere>() {
                return DownloadError::Redirected(host.clone());
            }
            cause = inner.source();
        }
        if err.is_timeout() {
            return DownloadError::TimedOut(self.limits.total);
        }
        let mut reason = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            reason = format!("{reason}: {inner}");
            source = inner.source();
        }
        DownloadError::Unreachable(reason)
    }
}

/// A redirect to another origin, refused.
#[derive(Debug)]
struct RedirectedElsewhere(String);

impl std::fmt::Display for RedirectedElsewhere {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a redirect to another host ({})", self.0)
    }
}

impl std::error::Error for RedirectedElsewhere {}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use domain::network::AllowedHosts;
    use domain::NetworkSettings;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    fn loopback_allowed() -> NetworkPolicy {
        let settings = NetworkSettings { allowed_session_cluster_hosts: vec!["127.0.0.0/8".into()] };
        NetworkPolicy::new(AllowedHosts::parse(&settings).expect("patterns"))
    }

    fn limits(max_bytes: u64) -> DownloadLimits {
        DownloadLimits { connect: Duration::from_millis(500), total: Duration::from_millis(800), max_bytes }
    }

    /// Serves each connection `answer(path)` once read, for as many connections as come.
    async fn serve(answer: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = listener.local_addr().expect("an address");
        let answer = std::sync::Arc::new(answer);
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut request = vec![0u8; 4096];
                    let read = stream.read(&mut request).await.unwrap_or(0);
                    let text = String::from_utf8_lossy(&request[..read]).into_owned();
                    let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let _ = stream.write_all(&answer(&path)).await;
                    // Held open until the client lets go: an answer that promises more never ends.
                    let _ = stream.read(&mut [0u8; 1]).await;
                });
            }
        });
        format!("http://{address}")
    }

    fn ok(body: &[u8]) -> Vec<u8> {
        let mut answer =
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
        answer.extend_from_slice(body);
        answer
    }

    #[tokio::test]
    async fn a_served_file_is_downloaded_whole_with_its_hash() {
        let base = serve(|path| match path {
            "/job.jar" => ok(b"PK jar bytes"),
            "/moved.jar" => b"HTTP/1.1 302 Found\r\nLocation: /job.jar\r\nContent-Length: 0\r\n\r\n".to_vec(),
            _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
        })
        .await;
        let dir = tempfile::tempdir().expect("a directory");
        let downloader = Downloader::new(loopback_allowed(), limits(1024)).expect("a downloader");
        let target = dir.path().join("job.jar");
        let downloaded = downloader.download(&format!("{base}/job.jar"), &target).await.expect("downloaded");
        assert_eq!(std::fs::read(&target).expect("the file"), b"PK jar bytes");
        assert_eq!(downloaded.size_bytes, 12);
        assert_eq!(downloaded.sha256, hex::encode(Sha256::digest(b"PK jar bytes")));
        let again = dir.path().join("moved.jar");
        downloader.download(&format!("{base}/moved.jar"), &again).await.expect("a redirect within the origin");
        let missing = downloader.download(&format!("{base}/missing.jar"), &dir.path().join("x.jar")).await;
        assert_eq!(missing, Err(DownloadError::Status(404)));
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("list").flatten().map(|e| e.file_name()).collect();
        assert_eq!(left.len(), 2, "no partial file stays: {left:?}");
    }

    #[tokio::test]
    async fn too_large_too_slow_elsewhere_and_inside_the_network_are_refused_quickly() {
        let other = serve(|_| ok(b"elsewhere")).await;
        let redirect_to = other.replace("127.0.0.1", "localhost");
        let base = serve(move |path| match path {
            "/big.jar" => ok(&[b'x'; 2048]),
            "/away.jar" => {
                format!("HTTP/1.1 302 Found\r\nLocation: {redirect_to}/x.jar\r\nContent-Length: 0\r\n\r\n").into_bytes()
            }
            // Promises a body it never sends.
            _ => b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nPK".to_vec(),
        })
        .await;
        let dir = tempfile::tempdir().expect("a directory");
        let target = dir.path().join("job.jar");
        let downloader = Downloader::new(loopback_allowed(), limits(1024)).expect("a downloader");
        let big = downloader.download(&format!("{base}/big.jar"), &target).await;
        assert_eq!(big, Err(DownloadError::TooLarge(1024)));
        let started = Instant::now();
        let slow = downloader.download(&format!("{base}/slow.jar"), &target).await;
        assert_eq!(slow, Err(DownloadError::TimedOut(Duration::from_millis(800))));
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
        let away = downloader.download(&format!("{base}/away.jar"), &target).await;
        assert!(matches!(away, Err(DownloadError::Redirected(_))), "{away:?}");

        let https = downloader.download(&base.replace("http://", "https://"), &target).await;
        assert!(matches!(&https, Err(DownloadError::BadUrl(why)) if why.contains("without TLS")), "{https:?}");

        let policed = Downloader::new(NetworkPolicy::default(), limits(1024)).expect("a downloader");
        for url in
            [format!("{base}/big.jar"), base.replace("127.0.0.1", "localhost"), "http://169.254.169.254/x.jar".into()]
        {
            let refused = policed.download(&url, &target).await;
            assert!(matches!(refused, Err(DownloadError::Refused(_))), "{url}: {refused:?}");
        }
        assert!(!target.exists(), "nothing was stored");
        assert!(std::fs::read_dir(dir.path()).expect("list").next().is_none(), "no partial file stays");
    }
}
