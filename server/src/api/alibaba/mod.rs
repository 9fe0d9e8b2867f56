//! Alibaba Cloud Realtime Compute for Apache Flink's OpenAPI, version 2022-07-18, under
//! `/api/v2/namespaces/{ns}/…` (and its Autopilot family under `/autopilot/v2/…`), so that scripts
//! written against Alibaba's SDK run unchanged. Every operation maps onto the console's one model
//! through the same `Services` calls as `/api/v1` (authorised there first); none touches the store
//! and none has a write path of its own. Answers carry Alibaba's envelope
//! (`{success, httpCode, requestId, data, errorCode, errorMessage}`, lists with `pageIndex`,
//! `pageSize`, `totalSize`), errors too, with `code` and `message` for the SDK. The `workspace`
//! header Alibaba's SDK may send is accepted and ignored: a console namespace is the whole scope.

pub mod autopilot;
pub mod deployments;
mod envelope;
pub mod events;
pub mod jobs;
mod model;
pub mod plans;
pub mod savepoints;
pub mod targets;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::middleware;
use axum::response::Response;
use axum::routing::{any, get, post, put};
use axum::{Extension, Router};
use serde::de::DeserializeOwned;
use services::{Caller, ServiceError};

use crate::AppState;

pub use envelope::{AliError, Envelope, PageParams};
pub(crate) use model::*;

/// The OpenAPI tag of every operation here.
pub const TAG: &str = "Alibaba OpenAPI 2022-07-18";

/// Alibaba's routes. A custom method's `:` may arrive percent-encoded (`jobs%3Astart`, as Alibaba's
/// SDK sends it): the router matches the raw path, so such a segment is caught by a parameter
/// (which axum decodes) and dispatched by its decoded text.
pub fn routes() -> Router<AppState> {
    const NS: &str = "/api/v2/namespaces/{namespace}";
    Router::new()
        .route(&format!("{NS}/deployments"), get(deployments::list).post(deployments::create))
        .route(
            &format!("{NS}/deployments/{{deployment_id}}"),
            get(deployments::get).put(deployments::update).delete(deployments::delete),
        )
        .route(&format!("{NS}/deployments/name/{{deployment_name}}"), get(deployments::get_by_name))
        .route(&format!("{NS}/deployments/updateDeployment/byName"), put(deployments::update_by_name))
        .route(&format!("{NS}/deployments/deleteDeployment/byName"), axum::routing::delete(deployments::delete_by_name))
        .route(&format!("{NS}/deployments/getDeployments/byLabel"), get(deployments::list_by_label))
        .route(&format!("{NS}/jobs"), get(jobs::list).post(jobs::start_deprecated))
        .route(&format!("{NS}/jobs/{{job_id}}"), get(jobs::get).delete(jobs::delete).post(jobs::action))
        .route(&format!("{NS}/savepoints"), get(savepoints::list).post(savepoints::create))
        .route(&format!("{NS}/savepoints/{{savepoint_id}}"), get(savepoints::get).delete(savepoints::delete))
        .route(&format!("{NS}/deployment-targets"), get(targets::list))
        .route(&format!("{NS}/events"), get(events::list))
        .route(&format!("{NS}/scheduled-plans"), get(plans::list).post(plans::create))
        .route(
            &format!("{NS}/scheduled-plans/{{plan_id}}"),
            put(plans::update).delete(plans::delete).post(plans::post_action).patch(plans::patch_action),
        )
        .route(&format!("{NS}/job-resource-upgradings"), get(plans::executed_history))
        // `jobs:start`, `scheduled-plans:getExecutedScheduledPlan`: a collection's custom methods.
        .route(&format!("{NS}/{{collection_action}}"), post(collection_post).get(collection_get))
        .route(
            "/autopilot/v2/namespaces/{namespace}/deployments/{deployment_id}/autopilotpolicy-describe",
            get(autopilot::describe),
        )
        .route(
            "/autopilot/v2/namespaces/{namespace}/deployments/{deployment_id}/autopilotpolicy-update",
            put(autopilot::update),
        )
        .route("/api/v2/{*rest}", any(envelope::no_such_operation))
        .route("/autopilot/v2/{*rest}", any(envelope::no_such_operation))
        .layer(middleware::from_fn(envelope::envelope_bare_errors))
}

/// `POST …/{collection}:{method}`: `jobs:start`.
async fn collection_post(
    state: State<AppState>,
    caller: Extension<Caller>,
    Path((namespace, collection_action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AliError> {
    match collection_action.as_str() {
        "jobs:start" => jobs::start(state, caller, Path(namespace), headers, body).await,
        _ => Err(no_operation("POST", &collection_action)),
    }
}

/// `GET …/{collection}:{method}`: `scheduled-plans:getExecutedScheduledPlan`.
async fn collection_get(
    state: State<AppState>,
    caller: Extension<Caller>,
    Path((namespace, collection_action)): Path<(String, String)>,
    query: axum::extract::Query<plans::AppliedQuery>,
) -> Result<Response, AliError> {
    match collection_action.as_str() {
        "scheduled-plans:getExecutedScheduledPlan" => plans::applied(state, caller, Path(namespace), query).await,
        _ => Err(no_operation("GET", &collection_action)),
    }
}

/// The error for an operation this API does not have.
fn no_operation(method: &str, what: &str) -> AliError {
    AliError(ServiceError::NotFound(format!("the operation {method} {what:?}")))
}

/// Reads a JSON body into `T`; a wrong field is 400 naming it (`artifact.jarArtifact.jarUri: …`).
pub(crate) async fn read<T: DeserializeOwned>(headers: &HeaderMap, body: Body) -> Result<T, AliError> {
    let value = super::representation::read_body(headers, body).await.map_err(|err| AliError(err.0))?;
    parse(value)
}

/// Reads a JSON value into `T`, naming the wrong field.
pub(crate) fn parse<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AliError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        AliError(ServiceError::BadRequest(format!("{field}: {message}")))
    })
}

/// An id from a path or query parameter named `parameter`: a UUID, in its canonical text.
pub(crate) fn uuid_of(parameter: &str, raw: &str) -> Result<String, AliError> {
    uuid::Uuid::parse_str(raw).map(|id| id.to_string()).map_err(|_| bad(parameter, &format!("{raw:?} is not a UUID")))
}
