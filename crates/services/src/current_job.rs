//! What Flink says now about a deployment's newest job, for the deployment page: its state, uptime
//! and restarts, its newest checkpoint, its exception history. Read only, through the same cluster
//! clients the engine uses; Flink being unreachable is an answer to show, never an error.

use domain::{Deployment, Job, NamespaceName, PageRequest};
use flink::{CompletedCheckpoint, FlinkCluster, JobDetails, JobException, JobId};

use crate::{ServiceError, Services};

/// The newest job of a deployment with what its cluster reports about it.
#[derive(Debug, Clone)]
pub struct CurrentJob {
    /// The job as the console recorded it.
    pub job: Job,
    /// Flink's id of the job, once it was submitted.
    pub flink_job_id: Option<String>,
    /// The REST URL of the job's cluster (its web UI is served there too), if the target has one.
    pub cluster_url: Option<String>,
    /// What Flink answered, or why it could not be asked (no submission yet, unreachable, forgotten).
    pub live: Result<LiveJob, String>,
}

/// What Flink reports about a job now.
#[derive(Debug, Clone)]
pub struct LiveJob {
    /// State, start, duration, restarts.
    pub details: JobDetails,
    /// The newest completed checkpoint or savepoint; `Err` with Flink's reason when it could not be read.
    pub checkpoint: Result<Option<CompletedCheckpoint>, String>,
}

/// The exception history of a deployment's newest job.
#[derive(Debug, Clone)]
pub enum JobExceptions {
    /// The deployment has never run a job that reached Flink.
    NoJob,
    /// Flink could not be asked, or does not know the job any more; the reason.
    Unavailable {
        /// Flink's id of the job asked about.
        flink_job_id: String,
        /// Why there is no answer.
        reason: String,
    },
    /// Flink's exception history of the job, newest first (empty: it never failed).
    Listed {
        /// Flink's id of the job.
        flink_job_id: String,
        /// The entries, newest first.
        entries: Vec<JobException>,
    },
}

impl Services {
    /// The newest job of `deployment` and what its cluster reports about it; `None` before its first
    /// job.
    pub async fn current_job(
        &self,
        namespace: &NamespaceName,
        deployment: &Deployment,
    ) -> Result<Option<CurrentJob>, ServiceError> {
        let Some(job) = self.newest_job(namespace, deployment).await? else { return Ok(None) };
        let flink_job_id = job.status.started.as_ref().map(|s| s.flink_job_id.clone());
        let cluster_url = self.cluster_url(namespace, deployment).await?;
        let live = match &flink_job_id {
            None => Err("the job has not reached Flink yet".to_owned()),
            Some(id) => match self.cluster_of(namespace, deployment).await {
                Err(reason) => Err(reason),
                Ok(cluster) => {
                    let id = JobId(id.clone());
                    let (details, checkpoints) = tokio::join!(cluster.job_details(&id), cluster.checkpoints(&id));
                    match details {
                        Err(err) => Err(unavailable(&err)),
                        Ok(details) => Ok(LiveJob {
                            details,
                            checkpoint: checkpoints.map(|c| c.latest_completed).map_err(|err| unavailable(&err)),
                        }),
                    }
                }
            },
        };
        Ok(Some(CurrentJob { job, flink_job_id, cluster_url, live }))
    }

    /// Flink's exception history of `deployment`'s newest job that reached Flink.
    pub async fn job_exceptions(
        &self,
        namespace: &NamespaceName,
        deployment: &Deployment,
    ) -> Result<JobExceptions, ServiceError> {
        let newest = self.newest_job(namespace, deployment).await?;
        let Some(flink_job_id) = newest.and_then(|job| job.status.started).map(|s| s.flink_job_id) else {
            return Ok(JobExceptions::NoJob);
        };
        let answer = match self.cluster_of(namespace, deployment).await {
            Err(reason) => Err(reason),
            Ok(cluster) => cluster.exceptions(&JobId(flink_job_id.clone())).await.map_err(|err| unavailable(&err)),
        };
        Ok(match answer {
            Ok(entries) => JobExceptions::Listed { flink_job_id, entries },
            Err(reason) => JobExceptions::Unavailable { flink_job_id, reason },
        })
    }

    async fn newest_job(
        &self,
        namespace: &NamespaceName,
        deployment: &Deployment,
    ) -> Result<Option<Job>, ServiceError> {
        let page = self.jobs(namespace, Some(&deployment.metadata.id), &PageRequest::first(1)).await?;
        Ok(page.items.into_iter().next())
    }

    async fn cluster_url(
        &self,
        namespace: &NamespaceName,
        deployment: &Deployment,
    ) -> Result<Option<String>, ServiceError> {
        let Some(name) = deployment.spec.deployment_target_name.as_deref() else { return Ok(None) };
        let target = self.store.deployment_target(namespace, name).await?;
        Ok(target.and_then(|t| t.spec.rest_url().map(str::to_owned)))
    }

    /// The cluster of the deployment's target, or why there is none to ask.
    async fn cluster_of(
        &self,
        namespace: &NamespaceName,
        deployment: &Deployment,
    ) -> Result<std::sync::Arc<dyn FlinkCluster>, String> {
        let Some(clusters) = &self.clusters else {
            return Err("this console does not read Flink for its pages".to_owned());
        };
        let Some(target) = deployment.spec.deployment_target_name.as_deref() else {
            return Err("the deployment names no deployment target".to_owned());
        };
        clusters.cluster(namespace, target).await.map_err(|err| err.to_string())
    }
}

/// Why Flink gave no answer, in words for the page.
fn unavailable(err: &flink::FlinkError) -> String {
    match err {
        flink::FlinkError::Rejected { status: 404, .. } => {
            "Flink no longer knows this job (a cluster keeps ended jobs only for a while, and forgets them when it \
             restarts)"
                .to_owned()
        }
        other => format!("Flink could not be reached: {other}"),
    }
}
