//! The OpenAPI document of the REST API, generated from the handlers' `#[utoipa::path]`
//! annotations and the resource types, served at `/api/v1/openapi.json` (YAML by `Accept`).

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use utoipa::OpenApi;

use super::alibaba::{
    autopilot as ali_autopilot, deployments as ali_deployments, events as ali_events, jobs as ali_jobs,
    plans as ali_plans, savepoints as ali_savepoints, targets as ali_targets,
};
use super::representation::represent;
use super::{
    access, artifacts, autopilot, defaults, deployments, events, jobs, metrics, namespaces, plans, savepoints,
    settings, sql, status, targets, watch,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Flink console API",
        description = "Ververica Platform's Application Manager API (v1) paths and shapes, plus the console's own additions."
    ),
    paths(
        namespaces::list,
        namespaces::get,
        namespaces::vvp::list,
        namespaces::vvp::get,
        deployments::list,
        deployments::create,
        deployments::get,
        deployments::patch,
        deployments::delete,
        deployments::start,
        deployments::check_compatibility,
        autopilot::get_policy,
        autopilot::put_policy,
        autopilot::status,
        plans::list,
        plans::create,
        plans::executions,
        plans::get,
        plans::put,
        plans::delete,
        plans::apply,
        plans::stop,
        watch::watch,
        defaults::get,
        defaults::patch,
        defaults::get_global,
        defaults::patch_global,
        settings::get_network,
        settings::put_network,
        jobs::list,
        jobs::get,
        savepoints::list,
        savepoints::get,
        savepoints::create,
        savepoints::copy,
        events::list,
        targets::list,
        targets::create,
        targets::get,
        targets::put,
        targets::delete,
        artifacts::list,
        artifacts::upload,
        artifacts::get,
        artifacts::content,
        artifacts::delete,
        status::status,
        status::system_info,
        metrics::scrape,
        access::list_users,
        access::create_user,
        access::delete_user,
        access::reset_password,
        access::create_namespace,
        access::list_members,
        access::set_member,
        access::remove_member,
        access::list_tokens,
        access::create_token,
        access::revoke_token,
        access::create_access_key,
        access::audit_log,
        ali_deployments::list,
        ali_deployments::create,
        ali_deployments::get,
        ali_deployments::update,
        ali_deployments::delete,
        ali_deployments::get_by_name,
        ali_deployments::update_by_name,
        ali_deployments::delete_by_name,
        ali_deployments::list_by_label,
        ali_jobs::list,
        ali_jobs::get,
        ali_jobs::delete,
        ali_jobs::start,
        ali_jobs::start_deprecated,
        ali_jobs::stop,
        ali_savepoints::list,
        ali_savepoints::create,
        ali_savepoints::get,
        ali_savepoints::delete,
        ali_targets::list,
        ali_events::list,
        ali_autopilot::describe,
        ali_autopilot::update,
        ali_plans::list,
        ali_plans::create,
        ali_plans::update,
        ali_plans::delete,
        ali_plans::apply,
        ali_plans::stop,
        ali_plans::applied,
        ali_plans::executed_history,
        sql::validate,
        sql::execute,
        sql::suggest,
    ),
    tags(
        (name = "autopilot", description = "Ours: a deployment's Autopilot (Alibaba's and Ververica's): its policy \
            (`spec.autopilot`; modes DISABLED, MONITORING, ACTIVE) and what it decided from the job's metrics, with the \
            numbers behind it. The decision follows the Flink Kubernetes Operator's autoscaler."),
        (name = "tuning-plans", description = "Ours: scheduled tuning plans (Alibaba Realtime Compute's resource \
            plans): up to 20 per deployment, each a list of time points (once at an instant, or daily at a time of day in \
            an IANA time zone) with the parallelism, CPU/memory and Flink configuration to set then. One plan of a \
            deployment is applied at a time, never together with its Autopilot; each time point carried out is an event \
            and a row of the executed history."),
        (name = "Alibaba OpenAPI 2022-07-18", description = "Alibaba Cloud Realtime Compute for Apache Flink's \
            OpenAPI (version 2022-07-18) as its SDK calls it, mapped onto the console's one model: Alibaba's envelope \
            (`success`, `httpCode`, `requestId`, `data`, `errorCode`, `errorMessage`; lists add `pageIndex`, `pageSize`, \
            `totalSize`), `x-acs-bearer-token: <API token>`, a custom method's `:` also percent-encoded (`jobs%3Astart`). \
            The `workspace` header is accepted and ignored. What is and is not implemented: docs/api-alibaba.md."),
        (name = "artifacts", description = "Ours: a namespace's JARs, run by its deployments as `jarUri: artifact:///<name>`. \
            Ververica Platform serves artifacts from a separate API (`/artifacts/v1/namespaces/{ns}/artifacts:upload`, \
            `:list`, `:delete`); this console keeps them under the namespace like its other resources."),
        (name = "sql", description = "Ververica Platform's SQL family (`/sql/v1beta1`, as jupyter-vvp calls it): \
            validate, execute (DDL and commands) and suggest, answered by Flink's own parser and planner against the \
            namespace's catalog, which `:execute` changes and SQLSCRIPT deployments run with. The `:` of a method may be \
            sent percent-encoded (`sqlscripts%3Avalidate`).")
    )
)]
pub struct ApiDoc;

/// The document, as JSON or YAML.
pub async fn document(headers: HeaderMap) -> Response {
    represent(&headers, StatusCode::OK, &ApiDoc::openapi())
}
