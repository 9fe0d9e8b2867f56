//! The HTTP surface, called in-process through `server::router` (no port, no browser). One test
//! binary; each resource has its own module.

mod access_cache;
mod access_limits;
mod acs3;
mod alibaba;
mod alibaba_sdk;
mod artifact_bucket;
mod artifacts;
mod audit;
mod autopilot;
mod defaults;
mod deployments;
mod events;
mod hostile_input;
mod jobs;
mod live;
mod matrix;
mod metrics;
mod network;
mod openapi;
mod paging;
mod plans;
mod savepoints;
mod site_files;
mod sql;
mod start;
mod support;
mod targets;
mod vvp;
