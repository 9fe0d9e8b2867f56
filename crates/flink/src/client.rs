//! A typed client for one Flink JobManager's REST API, built once with timeouts and a base URL.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use reqwest::StatusCode;
use serde_json::json;

use crate::network::{NetworkPolicy, NetworkRefusal};
use crate::{
    AggregatedMetric, CheckpointSummary, ClusterOverview, CompletedCheckpoint, FlinkError, JarId, JobDetails,
    JobException, JobId, JobOverview, JobState, Operation, ParallelismBounds, RunJar, SavepointRequest, TriggerId,
    Vertex,
};

/// Talks to the JobManager at `base_url` (e.g. `http://127.0.0.1:8081`).
#[derive(Clone)]
pub struct FlinkClient {
    pub(crate) http: reqwest::Client,
    base_url: String,
    /// For a URL a person typed: the policy every connection is checked against, and the address
    /// of an IP-literal URL (reqwest resolves no name for it, so the resolver never sees it).
    policy: Option<(NetworkPolicy, Option<IpAddr>)>,
    /// Uploads this client found or made, by upload name (content hash and file name): a start
    /// of a known artifact asks Flink nothing before its run. A run that finds the upload gone (the
    /// JobManager restarted, or another console evicted it) forgets it and uploads again.
    known_jars: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, JarId>>>,
}

/// One vertex's entry of `/jobs/:id/resource-requirements`.
#[derive(Serialize, Deserialize)]
struct VertexRequirements {
    parallelism: ParallelismBounds,
}

#[derive(Deserialize)]
struct FlinkErrors {
    errors: Vec<String>,
}

/// The most jars this console keeps uploaded on one cluster. Uploads are the cluster's cache of
/// artifacts (named by content hash, so each is sent once); every new version of an artifact adds
/// one, so without a bound the JobManager's upload directory grows for ever. Beyond the bound the
/// oldest uploads are deleted; one still in use is uploaded again by its next submission.
pub const MAX_UPLOADED_JARS: usize = 32;

/// A jar the cluster holds (`GET /jars`).
#[derive(Deserialize)]
struct UploadedJar {
    id: String,
    name: String,
    /// When it was uploaded, in ms since the epoch.
    #[serde(default)]
    uploaded: i64,
}

/// The uploads of `jars` beyond the newest `max` of those this console named (`<16 hex>-<file>`),
/// oldest first, never `keep`. Jars uploaded by others are not this console's to delete.
fn jars_to_evict<'a>(jars: &'a [UploadedJar], max: usize, keep: &str) -> Vec<&'a str> {
    let ours = |jar: &&UploadedJar| {
        jar.name
            .split_once('-')
            .is_some_and(|(hash, _)| hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()))
    };
    let mut console_jars: Vec<&UploadedJar> = jars.iter().filter(ours).collect();
    console_jars.sort_by_key(|jar| std::cmp::Reverse(jar.uploaded));
    let mut evicted: Vec<&str> =
        console_jars.into_iter().skip(max).map(|jar| jar.id.as_str()).filter(|id| *id != keep).collect();
    evicted.reverse();
    evicted
}

impl FlinkClient {
    /// A client with a connect timeout of 2 s and a request timeout of 60 s (uploads of large jars
    /// and job submission can take tens of seconds on a busy cluster), for a cluster the console
    /// itself was configured with: no network policy applies.
    pub fn new(base_url: &str) -> Result<Self, FlinkError> {
        let http =
            Self::builder().build().map_err(|source| FlinkError::Unreachable { url: base_url.to_owned(), source })?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            policy: None,
            known_jars: Default::default(),
        })
    }

    /// A client for a session cluster whose URL a person typed: every connection goes only to
    /// addresses `policy` permits, checked when it is made (names through the resolver, an
    /// IP-literal URL before each request).
    pub fn for_session_cluster(base_url: &str, policy: &NetworkPolicy) -> Result<Self, FlinkError> {
        let refused = |reason: String| FlinkError::Refused { url: base_url.to_owned(), reason };
        let parsed = reqwest::Url::parse(base_url).map_err(|err| refused(format!("not a URL: {err}")))?;
        let host = parsed.host_str().ok_or_else(|| refused("the URL has no host".into()))?;
        let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok();
        let http = Self::builder()
            .dns_resolver(policy.resolver())
            // A kept connection would skip the resolver, and with it a policy changed since.
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|source| FlinkError::Unreachable { url: base_url.to_owned(), source })?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            policy: Some((policy.clone(), literal)),
            known_jars: Default::default(),
        })
    }

    fn builder() -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(60))
            // A session cluster's URL is typed by a person: an answer must not send the console
            // (and a jar upload) on to another host.
            .redirect(reqwest::redirect::Policy::none())
    }

    /// The JobManager's REST URL this client talks to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `GET /overview`: answers only when the JobManager is up.
    pub async fn overview(&self) -> Result<ClusterOverview, FlinkError> {
        self.send("cluster overview", self.http.get(self.url("/overview"))).await
    }

    /// `GET /jobs/overview`: every job the cluster knows, running or ended.
    pub async fn jobs(&self) -> Result<Vec<JobOverview>, FlinkError> {
        #[derive(Deserialize)]
        struct Jobs {
            jobs: Vec<JobOverview>,
        }
        let jobs: Jobs = self.send("job overview", self.http.get(self.url("/jobs/overview"))).await?;
        Ok(jobs.jobs)
    }

    /// `GET /jobs/:id/status`: the job's current state.
    pub async fn job_state(&self, job: &JobId) -> Result<JobState, FlinkError> {
        #[derive(Deserialize)]
        struct Status {
            status: JobState,
        }
        let what = format!("status of job {job}");
        let status: Status = self.send(&what, self.http.get(self.url(&format!("/jobs/{job}/status")))).await?;
        Ok(status.status)
    }

    /// Uploads the jar at `path` unless the cluster already holds the same bytes. Uploads are named
    /// by content hash, so the same artifact is sent once per cluster (and again only after the
    /// JobManager lost its uploads, e.g. on restart).
    pub async fn upload_jar(&self, path: &Path) -> Result<JarId, FlinkError> {
        let artifact_error = |source| FlinkError::Artifact { path: path.display().to_string(), source };
        let bytes = tokio::fs::read(path).await.map_err(artifact_error)?;
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("artifact.jar");
        let digest = hex::encode(Sha256::digest(&bytes));
        let upload_name = format!("{}-{file_name}", &digest[..16]);

        if let Some(known) = self.known_jars().get(&upload_name) {
            return Ok(known.clone());
        }
        if let Some(existing) = self.find_jar(&upload_name).await? {
            self.known_jars().insert(upload_name, existing.clone());
            return Ok(existing);
        }
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(upload_name.clone())
            .mime_str("application/java-archive")
            .map_err(|source| FlinkError::Unreachable { url: self.base_url.clone(), source })?;
        let form = reqwest::multipart::Form::new().part("jarfile", part);
        #[derive(Deserialize)]
        struct Uploaded {
            filename: String,
        }
        let uploaded: Uploaded =
            self.send("jar upload", self.http.post(self.url("/jars/upload")).multipart(form)).await?;
        let id = Path::new(&uploaded.filename).file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            FlinkError::BadResponse {
                what: "jar upload".into(),
                detail: format!("no file name in {:?}", uploaded.filename),
            }
        })?;
        self.evict_old_jars(id).await;
        let id = JarId(id.to_owned());
        self.known_jars().insert(upload_name, id.clone());
        Ok(id)
    }

    fn known_jars(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, JarId>> {
        self.known_jars.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forgets an upload Flink no longer holds (`FlinkError::is_missing_jar`), so the next
    /// `upload_jar` looks for it and sends it again.
    pub fn forget_jar(&self, jar: &JarId) {
        self.known_jars().retain(|_, known| known != jar);
    }

    async fn jars(&self) -> Result<Vec<UploadedJar>, FlinkError> {
        #[derive(Deserialize)]
        struct Jars {
            files: Vec<UploadedJar>,
        }
        let jars: Jars = self.send("jar list", self.http.get(self.url("/jars"))).await?;
        Ok(jars.files)
    }

    async fn find_jar(&self, upload_name: &str) -> Result<Option<JarId>, FlinkError> {
        Ok(self.jars().await?.into_iter().find(|jar| jar.name == upload_name).map(|jar| JarId(jar.id)))
    }

    /// Keeps at most `MAX_UPLOADED_JARS` of this console's uploads on the cluster (`DELETE
    /// /jars/:id`, oldest first). Best effort: a failure leaves a file behind, nothing else.
    async fn evict_old_jars(&self, just_uploaded: &str) {
        let jars = match self.jars().await {
            Ok(jars) => jars,
            Err(err) => return tracing::warn!(error = %err, "cannot list uploaded jars to bound them"),
        };
        for id in jars_to_evict(&jars, MAX_UPLOADED_JARS, just_uploaded) {
            let what = format!("deletion of uploaded jar {id}");
            let deleted = match self.execute(self.http.delete(self.url(&format!("/jars/{id}")))).await {
                Ok(response) => Self::check(&what, response).await.map(|_| ()),
                Err(err) => Err(err),
            };
            if let Err(err) = deleted {
                tracing::warn!(error = %err, jar = %id, "cannot delete an old uploaded jar");
            }
        }
    }

    /// `POST /jars/:id/run`: submits a job; Flink's refusal (e.g. unmappable state) is kept verbatim.
    pub async fn run_jar(&self, jar: &JarId, request: &RunJar) -> Result<JobId, FlinkError> {
        #[derive(Deserialize)]
        struct Submitted {
            jobid: JobId,
        }
        let url = self.url(&format!("/jars/{}/run", jar.0));
        let submitted: Submitted = self.send("job submission", self.http.post(url).json(request)).await?;
        Ok(submitted.jobid)
    }

    /// `PATCH /jobs/:id?mode=cancel`: cancels without a savepoint. Flink answers 202 and the job
    /// reaches CANCELED shortly after.
    pub async fn cancel(&self, job: &JobId) -> Result<(), FlinkError> {
        let what = format!("cancellation of job {job}");
        let response = self.execute(self.http.patch(self.url(&format!("/jobs/{job}?mode=cancel")))).await?;
        Self::check(&what, response).await.map(|_| ())
    }

    // Caller-chosen trigger ids (`triggerId` in both bodies), as observed on Flink 2.3:
    // - The same id posted again for the same job answers 202 with the same `request-id` and starts
    //   nothing: one savepoint directory, one stop. That holds after the stop finished the job too,
    //   and polling still answers the completed operation with its location.
    // - Savepoints and stops of a job share their ids: a stop posted with a savepoint's id is that
    //   savepoint (202, same id) and does not stop the job. Use a fresh id per operation.
    // - A new id for a job Flink does not run (unknown or ended) is accepted too (202); the
    //   operation then completes with a `FlinkJobNotFoundException` failure cause.
    // - An id that is not 32 hex characters is refused with 400 ("Request did not match expected
    //   format"); polling an id Flink never saw answers 404.
    // Flink keeps finished operations only in memory, for `rest.async.store-duration` (5 min by
    // default; not measured here): after that or a JobManager restart the id means nothing.
    /// `POST /jobs/:id/savepoints`: triggers a savepoint and leaves the job running. With a trigger id
    /// the request is idempotent (see `SavepointRequest`).
    pub async fn trigger_savepoint(&self, job: &JobId, request: &SavepointRequest) -> Result<TriggerId, FlinkError> {
        // Flink 2.3's `SavepointTriggerRequestBody` spells its fields in two styles.
        #[derive(Serialize)]
        struct Body<'a> {
            #[serde(rename = "target-directory", skip_serializing_if = "Option::is_none")]
            target_directory: Option<&'a str>,
            #[serde(rename = "cancel-job")]
            cancel_job: bool,
            #[serde(rename = "triggerId", skip_serializing_if = "Option::is_none")]
            trigger_id: Option<&'a TriggerId>,
            #[serde(rename = "formatType", skip_serializing_if = "Option::is_none")]
            format_type: Option<&'static str>,
        }
        let body = Body {
            target_directory: request.target_directory.as_deref(),
            cancel_job: false,
            trigger_id: request.trigger_id.as_ref(),
            format_type: request.native.then_some("NATIVE"),
        };
        let url = self.url(&format!("/jobs/{job}/savepoints"));
        self.trigger(&format!("savepoint of job {job}"), self.http.post(url).json(&body)).await
    }

    /// `POST /jobs/:id/stop`: stop-with-savepoint. The job ends FINISHED once the savepoint is taken;
    /// if the savepoint fails, the job keeps running. With a trigger id the request is idempotent.
    pub async fn stop_with_savepoint(
        &self,
        job: &JobId,
        request: &SavepointRequest,
        drain: bool,
    ) -> Result<TriggerId, FlinkError> {
        // `StopWithSavepointRequestBody`: camelCase, unlike the savepoint trigger's body.
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            target_directory: Option<&'a str>,
            drain: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            trigger_id: Option<&'a TriggerId>,
            #[serde(skip_serializing_if = "Option::is_none")]
            format_type: Option<&'static str>,
        }
        let body = Body {
            target_directory: request.target_directory.as_deref(),
            drain,
            trigger_id: request.trigger_id.as_ref(),
            format_type: request.native.then_some("NATIVE"),
        };
        let url = self.url(&format!("/jobs/{job}/stop"));
        self.trigger(&format!("stop-with-savepoint of job {job}"), self.http.post(url).json(&body)).await
    }

    /// Polls a savepoint or stop-with-savepoint operation.
    pub async fn savepoint_operation(&self, job: &JobId, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        let url = self.url(&format!("/jobs/{job}/savepoints/{trigger}"));
        self.operation(&format!("savepoint {trigger} of job {job}"), url).await
    }

    /// `POST /savepoint-disposal`: deletes a savepoint's files through Flink.
    pub async fn dispose_savepoint(&self, location: &str) -> Result<TriggerId, FlinkError> {
        let body = json!({"savepoint-path": location});
        let url = self.url("/savepoint-disposal");
        self.trigger(&format!("disposal of {location}"), self.http.post(url).json(&body)).await
    }

    /// Polls a savepoint disposal.
    pub async fn disposal_operation(&self, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        let url = self.url(&format!("/savepoint-disposal/{trigger}"));
        self.operation(&format!("savepoint disposal {trigger}"), url).await
    }

    /// `GET /jobs/:id/checkpoints`: the newest completed snapshot and what the job restored from.
    pub async fn checkpoints(&self, job: &JobId) -> Result<CheckpointSummary, FlinkError> {
        #[derive(Deserialize)]
        struct Completed {
            id: u64,
            external_path: Option<String>,
            latest_ack_timestamp: Option<i64>,
            #[serde(default)]
            is_savepoint: bool,
            state_size: Option<u64>,
        }
        #[derive(Deserialize)]
        struct Restored {
            external_path: Option<String>,
        }
        #[derive(Deserialize)]
        struct Latest {
            completed: Option<Completed>,
            savepoint: Option<Completed>,
            restored: Option<Restored>,
        }
        #[derive(Deserialize)]
        struct Checkpoints {
            latest: Option<Latest>,
        }
        let what = format!("checkpoints of job {job}");
        let answer: Checkpoints =
            self.send(&what, self.http.get(self.url(&format!("/jobs/{job}/checkpoints")))).await?;
        let Some(latest) = answer.latest else {
            return Ok(CheckpointSummary::default());
        };
        // Only snapshots a job can be restored from count: a checkpoint without an external path cannot.
        let restorable = |c: Completed| {
            Some(CompletedCheckpoint {
                id: c.id,
                external_path: c
                    .external_path
                    .filter(|p| !p.is_empty() && p != "<checkpoint-not-externally-addressable>")
                    .map(|p| normalize_location(&p))?,
                completed_at_ms: c.latest_ack_timestamp.unwrap_or_default(),
                is_savepoint: c.is_savepoint,
                size_bytes: c.state_size,
            })
        };
        let latest_savepoint = latest.savepoint.and_then(restorable);
        let newest = latest.completed.and_then(restorable).into_iter().chain(latest_savepoint.clone());
        Ok(CheckpointSummary {
            latest_completed: newest.max_by_key(|c| c.completed_at_ms),
            latest_savepoint,
            restored_from: latest.restored.and_then(|r| r.external_path).map(|p| normalize_location(&p)),
        })
    }

    /// `GET /jobs/:id/exceptions`: the job's exception history, newest first.
    pub async fn exceptions(&self, job: &JobId) -> Result<Vec<JobException>, FlinkError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Entry {
            exception_name: Option<String>,
            stacktrace: Option<String>,
            timestamp: Option<i64>,
        }
        #[derive(Deserialize)]
        struct History {
            #[serde(default)]
            entries: Vec<Entry>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Exceptions {
            exception_history: Option<History>,
        }
        let what = format!("exceptions of job {job}");
        let answer: Exceptions = self.send(&what, self.http.get(self.url(&format!("/jobs/{job}/exceptions")))).await?;
        Ok(answer
            .exception_history
            .map(|h| h.entries)
            .unwrap_or_default()
            .into_iter()
            .map(|e| JobException {
                name: e.exception_name.unwrap_or_default(),
                stacktrace: e.stacktrace.unwrap_or_default(),
                timestamp_ms: e.timestamp.unwrap_or_default(),
            })
            .collect())
    }

    /// `GET /jobs/:id` and its `numRestarts` metric: state, start, duration, restarts.
    pub async fn job_details(&self, job: &JobId) -> Result<JobDetails, FlinkError> {
        #[derive(Deserialize)]
        struct Job {
            state: JobState,
            #[serde(rename = "start-time")]
            start_time: i64,
            duration: i64,
        }
        #[derive(Deserialize)]
        struct Metric {
            id: String,
            value: String,
        }
        let what = format!("job {job}");
        let details: Job = self.send(&what, self.http.get(self.url(&format!("/jobs/{job}")))).await?;
        let url = self.url(&format!("/jobs/{job}/metrics"));
        let metrics: Vec<Metric> =
            self.send(&format!("metrics of job {job}"), self.http.get(url).query(&[("get", "numRestarts")])).await?;
        let restarts = metrics.iter().find(|m| m.id == "numRestarts").and_then(|m| m.value.parse().ok());
        Ok(JobDetails {
            state: details.state,
            start_time_ms: details.start_time,
            duration_ms: details.duration,
            restarts,
        })
    }

    /// `GET /jobs/:id`: the vertices of a job's graph.
    pub async fn vertices(&self, job: &JobId) -> Result<Vec<Vertex>, FlinkError> {
        #[derive(Deserialize)]
        struct Job {
            vertices: Vec<Vertex>,
        }
        let what = format!("graph of job {job}");
        let answer: Job = self.send(&what, self.http.get(self.url(&format!("/jobs/{job}")))).await?;
        Ok(answer.vertices)
    }

    /// `GET /jobmanager/config`: the cluster's configuration, key by key (Flink hides secrets).
    pub async fn jobmanager_config(&self) -> Result<BTreeMap<String, String>, FlinkError> {
        #[derive(Deserialize)]
        struct Entry {
            key: String,
            value: String,
        }
        let entries: Vec<Entry> =
            self.send("JobManager configuration", self.http.get(self.url("/jobmanager/config"))).await?;
        Ok(entries.into_iter().map(|e| (e.key, e.value)).collect())
    }

    /// `GET /jobs/:id/resource-requirements`: each vertex's parallelism bounds under the adaptive
    /// scheduler. The default scheduler refuses it (HTTP 500, a permanent error).
    pub async fn resource_requirements(&self, job: &JobId) -> Result<BTreeMap<String, ParallelismBounds>, FlinkError> {
        let what = format!("resource requirements of job {job}");
        let url = self.url(&format!("/jobs/{job}/resource-requirements"));
        let answer: BTreeMap<String, VertexRequirements> = self.send(&what, self.http.get(url)).await?;
        Ok(answer.into_iter().map(|(vertex, requirements)| (vertex, requirements.parallelism)).collect())
    }

    /// `PUT /jobs/:id/resource-requirements`: rescales a running job in place, vertex by vertex
    /// (adaptive scheduler only; every vertex must be named). Flink answers at once; on 2.3 the
    /// rescale happens after the next completed checkpoint and restarts the tasks from it
    /// (docs/autopilot.md has the measurements).
    pub async fn set_resource_requirements(
        &self,
        job: &JobId,
        bounds: &BTreeMap<String, ParallelismBounds>,
    ) -> Result<(), FlinkError> {
        let body: BTreeMap<&str, VertexRequirements> = bounds
            .iter()
            .map(|(vertex, parallelism)| (vertex.as_str(), VertexRequirements { parallelism: *parallelism }))
            .collect();
        let what = format!("rescale of job {job}");
        let url = self.url(&format!("/jobs/{job}/resource-requirements"));
        let response = self.execute(self.http.put(url).json(&body)).await?;
        Self::check(&what, response).await.map(|_| ())
    }

    /// Metrics of one vertex, aggregated over its subtasks (min, max, avg, sum). Flink answers an
    /// empty list for metrics it has not reported yet (about 10 s after a start).
    pub async fn vertex_metrics(
        &self,
        job: &JobId,
        vertex: &str,
        names: &[&str],
    ) -> Result<Vec<AggregatedMetric>, FlinkError> {
        let url = self.url(&format!("/jobs/{job}/vertices/{vertex}/subtasks/metrics"));
        let request = self.http.get(url).query(&[("get", names.join(",")), ("agg", "min,max,avg,sum".to_owned())]);
        self.send(&format!("metrics of vertex {vertex} of job {job}"), request).await
    }

    /// The ids of the metrics a vertex's subtasks report (e.g. `counter.maxCount`).
    pub async fn vertex_metric_names(&self, job: &JobId, vertex: &str) -> Result<Vec<String>, FlinkError> {
        #[derive(Deserialize)]
        struct Metric {
            id: String,
        }
        let url = self.url(&format!("/jobs/{job}/vertices/{vertex}/subtasks/metrics"));
        let metrics: Vec<Metric> =
            self.send(&format!("metric names of vertex {vertex} of job {job}"), self.http.get(url)).await?;
        Ok(metrics.into_iter().map(|m| m.id).collect())
    }

    async fn trigger(&self, what: &str, request: reqwest::RequestBuilder) -> Result<TriggerId, FlinkError> {
        #[derive(Deserialize)]
        struct Triggered {
            #[serde(rename = "request-id")]
            request_id: TriggerId,
        }
        let triggered: Triggered = self.send(what, request).await?;
        Ok(triggered.request_id)
    }

    async fn operation(&self, what: &str, url: String) -> Result<Operation, FlinkError> {
        #[derive(Deserialize)]
        struct Status {
            id: String,
        }
        #[derive(Deserialize)]
        struct Outcome {
            location: Option<String>,
            #[serde(rename = "failure-cause")]
            failure_cause: Option<serde_json::Value>,
        }
        #[derive(Deserialize)]
        struct Answer {
            status: Status,
            operation: Option<Outcome>,
        }
        let answer: Answer = self.send(what, self.http.get(url)).await?;
        if answer.status.id != "COMPLETED" {
            return Ok(Operation::InProgress);
        }
        let outcome = answer.operation.unwrap_or(Outcome { location: None, failure_cause: None });
        match outcome.failure_cause {
            Some(cause) => Ok(Operation::Failed { cause: describe_failure(&cause) }),
            None => Ok(Operation::Completed { location: outcome.location.map(|l| normalize_location(&l)) }),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends `request` if the network policy permits its address: the one way a request leaves.
    async fn execute(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, FlinkError> {
        if let Some((policy, Some(address))) = &self.policy {
            policy
                .check(&address.to_string(), *address)
                .map_err(|refusal| FlinkError::Refused { url: self.base_url.clone(), reason: refusal.to_string() })?;
        }
        request.send().await.map_err(|source| self.unreachable(source))
    }

    fn unreachable(&self, source: reqwest::Error) -> FlinkError {
        // The resolver's refusal is the policy's answer, not the network's.
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&source);
        while let Some(err) = cause {
            if let Some(refusal) = err.downcast_ref::<NetworkRefusal>() {
                return FlinkError::Refused { url: self.base_url.clone(), reason: refusal.to_string() };
            }
            cause = err.source();
        }
        FlinkError::Unreachable { url: self.base_url.clone(), source }
    }

    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        what: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, FlinkError> {
        let response = self.execute(request).await?;
        let body = Self::check(what, response).await?;
        serde_json::from_str(&body).map_err(|err| FlinkError::BadResponse {
            what: what.to_owned(),
            detail: format!("{err}: {}", truncate(&body, 300)),
        })
    }

    /// Returns the body of a 2xx answer, or Flink's `errors` as a `Rejected` error.
    async fn check(what: &str, response: reqwest::Response) -> Result<String, FlinkError> {
        let status = response.status();
        let body = response.text().await.map_err(|err| FlinkError::BadResponse {
            what: what.to_owned(),
            detail: format!("unreadable body: {err}"),
        })?;
        if status.is_success() {
            return Ok(body);
        }
        Err(rejection(what, status, &body))
    }
}

/// Flink's refusal with this status and body as a `Rejected` error: its `errors` without stack
/// frames (or the body itself), so `FlinkError::class` reads the exceptions Flink named.
pub(crate) fn rejection(what: &str, status: StatusCode, body: &str) -> FlinkError {
    let message = match serde_json::from_str::<FlinkErrors>(body) {
        Ok(errors) if !errors.errors.is_empty() => without_stack_frames(&errors.errors),
        _ => truncate(body, 2000).to_owned(),
    };
    // Flink answers 500 for the status of a job it does not know; it is a missing job all the same.
    let status = if message.contains("FlinkJobNotFoundException") { StatusCode::NOT_FOUND } else { status };
    FlinkError::Rejected { what: what.to_owned(), status: status.as_u16(), message }
}

/// Flink's serialised `failure-cause`: the class and message, plus the first "Caused by" line.
fn describe_failure(cause: &serde_json::Value) -> String {
    let class = cause.get("class").and_then(|v| v.as_str()).unwrap_or("unknown");
    let trace = cause.get("stack-trace").and_then(|v| v.as_str()).unwrap_or_default();
    let head = trace.lines().next().unwrap_or(class).trim();
    let root = trace.lines().rfind(|l| l.trim_start().starts_with("Caused by:"));
    match root {
        Some(root) if root.trim() != head => format!("{head} ({})", root.trim()),
        _ => head.to_owned(),
    }
}

/// Snapshot locations in one form: Flink reports savepoint paths as `/dir/…` and checkpoint and
/// restore paths as `file:/dir/…`; both mean `file:/dir/…`.
fn normalize_location(location: &str) -> String {
    if location.starts_with('/') {
        format!("file:{location}")
    } else {
        location.to_owned()
    }
}

/// Flink's `errors` without Java stack frames: the exception chain ("…Exception: reason", "Caused by: …").
fn without_stack_frames(errors: &[String]) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for line in errors.iter().flat_map(|e| e.lines()).map(str::trim) {
        let noise = line.is_empty()
            || line.starts_with("at ")
            || line.starts_with("... ")
            || line == "Internal server error."
            || line == "<Exception on server side:"
            || line == "End of exception on server side>";
        if !noise && !kept.contains(&line) {
            kept.push(line);
        }
    }
    truncate(&kept.join("\n"), 2000).to_owned()
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_console_uploads_are_kept() {
        let jar = |id: &str, name: &str, uploaded: i64| UploadedJar { id: id.into(), name: name.into(), uploaded };
        let jars = [
            jar("a_x.jar", "0123456789abcdef-job.jar", 1),
            jar("b_x.jar", "1123456789abcdef-job.jar", 4),
            jar("c_x.jar", "2123456789abcdef-job.jar", 3),
            jar("d_x.jar", "someone-elses.jar", 0),
            jar("e_x.jar", "3123456789abcdef-job.jar", 2),
        ];
        assert_eq!(jars_to_evict(&jars, 2, "b_x.jar"), ["a_x.jar", "e_x.jar"], "oldest first, others' jars stay");
        assert_eq!(jars_to_evict(&jars, 2, "a_x.jar"), ["e_x.jar"], "never the jar just uploaded");
        assert!(jars_to_evict(&jars, 4, "b_x.jar").is_empty());
    }

    #[tokio::test]
    async fn a_redirect_is_not_followed() {
        use std::io::{Read, Write};
        use std::sync::atomic::{AtomicU32, Ordering};
        use std::sync::Arc;

        let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let elsewhere_port = elsewhere.local_addr().expect("address").port();
        elsewhere.set_nonblocking(true).expect("non-blocking");
        let redirecting = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let url = format!("http://{}", redirecting.local_addr().expect("address"));
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = redirecting.accept() {
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request);
                let answer = format!(
                    "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{elsewhere_port}/overview\r\n\
                     Content-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        let client = FlinkClient::new(&url).expect("a client");
        let err = client.overview().await.expect_err("a redirect is no answer");
        assert!(matches!(err, FlinkError::Rejected { status: 302, .. }), "{err}");
        let visits = Arc::new(AtomicU32::new(0));
        while elsewhere.accept().is_ok() {
            visits.fetch_add(1, Ordering::SeqCst);
        }
        assert_eq!(visits.load(Ordering::SeqCst), 0, "the other host was never asked");
    }

    #[tokio::test]
    async fn a_session_clusters_client_never_connects_to_an_address_the_policy_refuses() {
        use crate::network::NetworkPolicy;
        use domain::network::AllowedHosts;
        use domain::NetworkSettings;

        let listening = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = listening.local_addr().expect("address").port();
        listening.set_nonblocking(true).expect("non-blocking");
        let policy = NetworkPolicy::default();
        for url in [format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}")] {
            let client = FlinkClient::for_session_cluster(&url, &policy).expect("a client");
            let err = client.overview().await.expect_err("refused");
            assert!(matches!(err, FlinkError::Refused { .. }), "{url}: {err}");
            assert!(err.to_string().contains("loopback"), "{err}");
            assert_eq!(err.class(), crate::ErrorClass::Permanent);
        }
        assert!(listening.accept().is_err(), "nothing connected");

        let loopback = NetworkSettings { allowed_session_cluster_hosts: vec!["127.0.0.0/8".into()] };
        policy.allow(AllowedHosts::parse(&loopback).expect("a pattern"));
        let client = FlinkClient::for_session_cluster(&format!("http://127.0.0.1:{port}"), &policy).expect("a client");
        let asked = tokio::spawn(async move { client.overview().await });
        let mut connected = false;
        for _ in 0..100 {
            if listening.accept().is_ok() {
                connected = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        asked.abort();
        assert!(connected, "allowed, the client connects");
    }
}
