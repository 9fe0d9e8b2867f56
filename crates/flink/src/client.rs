//! A typed client for one Flink JobManager's REST API, built once with timeouts and a base URL.

use std::path::Path;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::{ClusterOverview, FlinkError, JarId, JobId, JobOverview, JobState, RunJar};

/// Talks to the JobManager at `base_url` (e.g. `http://127.0.0.1:8081`).
#[derive(Clone)]
pub struct FlinkClient {
    http: reqwest::Client,
    base_url: String,
}

#[derive(Deserialize)]
struct FlinkErrors {
    errors: Vec<String>,
}

impl FlinkClient {
    /// A client with a connect timeout of 2 s and a request timeout of 60 s (uploads of large jars
    /// and job submission can take tens of seconds on a busy cluster).
    pub fn new(base_url: &str) -> Result<Self, FlinkError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|source| FlinkError::Unreachable {
                url: base_url.to_owned(),
                source,
            })?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `GET /overview`: answers only when the JobManager is up.
    pub async fn overview(&self) -> Result<ClusterOverview, FlinkError> {
        self.send("cluster overview", self.http.get(self.url("/overview")))
            .await
    }

    /// `GET /jobs/overview`: every job the cluster knows, running or ended.
    pub async fn jobs(&self) -> Result<Vec<JobOverview>, FlinkError> {
        #[derive(Deserialize)]
        struct Jobs {
            jobs: Vec<JobOverview>,
        }
        let jobs: Jobs = self
            .send("job overview", self.http.get(self.url("/jobs/overview")))
            .await?;
        Ok(jobs.jobs)
    }

    /// `GET /jobs/:id/status`: the job's current state.
    pub async fn job_state(&self, job: &JobId) -> Result<JobState, FlinkError> {
        #[derive(Deserialize)]
        struct Status {
            status: JobState,
        }
        let what = format!("status of job {job}");
        let status: Status = self
            .send(
                &what,
                self.http.get(self.url(&format!("/jobs/{job}/status"))),
            )
            .await?;
        Ok(status.status)
    }

    /// Uploads the jar at `path` unless the cluster already holds the same bytes. Uploads are named
    /// by content hash, so the same artifact is sent once per cluster (and again only after the
    /// JobManager lost its uploads, e.g. on restart).
    pub async fn upload_jar(&self, path: &Path) -> Result<JarId, FlinkError> {
        let artifact_error = |source| FlinkError::Artifact {
            path: path.display().to_string(),
            source,
        };
        let bytes = tokio::fs::read(path).await.map_err(artifact_error)?;
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("artifact.jar");
        let digest = hex::encode(Sha256::digest(&bytes));
        let upload_name = format!("{}-{file_name}", &digest[..16]);

        if let Some(existing) = self.find_jar(&upload_name).await? {
            return Ok(existing);
        }
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(upload_name)
            .mime_str("application/java-archive")
            .map_err(|source| FlinkError::Unreachable {
                url: self.base_url.clone(),
                source,
            })?;
        let form = reqwest::multipart::Form::new().part("jarfile", part);
        #[derive(Deserialize)]
        struct Uploaded {
            filename: String,
        }
        let uploaded: Uploaded = self
            .send(
                "jar upload",
                self.http.post(self.url("/jars/upload")).multipart(form),
            )
            .await?;
        let id = Path::new(&uploaded.filename)
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| FlinkError::BadResponse {
                what: "jar upload".into(),
                detail: format!("no file name in {:?}", uploaded.filename),
            })?;
        Ok(JarId(id.to_owned()))
    }

    async fn find_jar(&self, upload_name: &str) -> Result<Option<JarId>, FlinkError> {
        #[derive(Deserialize)]
        struct Jar {
            id: String,
            name: String,
        }
        #[derive(Deserialize)]
        struct Jars {
            files: Vec<Jar>,
        }
        let jars: Jars = self
            .send("jar list", self.http.get(self.url("/jars")))
            .await?;
        Ok(jars
            .files
            .into_iter()
            .find(|jar| jar.name == upload_name)
            .map(|jar| JarId(jar.id)))
    }

    /// `POST /jars/:id/run`: submits a job; Flink's refusal (e.g. unmappable state) is kept verbatim.
    pub async fn run_jar(&self, jar: &JarId, request: &RunJar) -> Result<JobId, FlinkError> {
        #[derive(Deserialize)]
        struct Submitted {
            jobid: JobId,
        }
        let url = self.url(&format!("/jars/{}/run", jar.0));
        let submitted: Submitted = self
            .send("job submission", self.http.post(url).json(request))
            .await?;
        Ok(submitted.jobid)
    }

    /// `PATCH /jobs/:id?mode=cancel`: cancels without a savepoint. Flink answers 202 and the job
    /// reaches CANCELED shortly after.
    pub async fn cancel(&self, job: &JobId) -> Result<(), FlinkError> {
        let what = format!("cancellation of job {job}");
        let response = self
            .http
            .patch(self.url(&format!("/jobs/{job}?mode=cancel")))
            .send()
            .await
            .map_err(|source| self.unreachable(source))?;
        Self::check(&what, response).await.map(|_| ())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn unreachable(&self, source: reqwest::Error) -> FlinkError {
        FlinkError::Unreachable {
            url: self.base_url.clone(),
            source,
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        what: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, FlinkError> {
        let response = request
            .send()
            .await
            .map_err(|source| self.unreachable(source))?;
        let body = Self::check(what, response).await?;
        serde_json::from_str(&body).map_err(|err| FlinkError::BadResponse {
            what: what.to_owned(),
            detail: format!("{err}: {}", truncate(&body, 300)),
        })
    }

    /// Returns the body of a 2xx answer, or Flink's `errors` as a `Rejected` error.
    async fn check(what: &str, response: reqwest::Response) -> Result<String, FlinkError> {
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|err| FlinkError::BadResponse {
                what: what.to_owned(),
                detail: format!("unreadable body: {err}"),
            })?;
        if status.is_success() {
            return Ok(body);
        }
        let message = match serde_json::from_str::<FlinkErrors>(&body) {
            Ok(errors) if !errors.errors.is_empty() => errors.errors.join("\n"),
            _ => truncate(&body, 2000).to_owned(),
        };
        Err(FlinkError::Rejected {
            what: what.to_owned(),
            status: status.as_u16(),
            message,
        })
    }
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}
