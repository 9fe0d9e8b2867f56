//! Talks to Apache Flink and nothing else: a typed client for a JobManager's REST API and the
//! supervisor of a local session cluster started from FLINK_HOME. It must never learn what a
//! deployment is; the engine translates.

#![warn(missing_docs)]

pub mod call_metrics;
mod client;
mod cluster;
pub mod download;
mod error;
mod job_metrics;
pub mod local;
pub mod network;
#[cfg(any(test, feature = "test-double"))]
pub mod testing;
mod types;

pub use client::FlinkClient;
pub use cluster::{FlinkCluster, SavepointRequest, Submission};
pub use error::{classify_refusal, ErrorClass, FlinkError, Marker, MARKERS};
pub use job_metrics::{GatheredSample, SampleDepth, SourceMetricNames};
pub use types::*;
