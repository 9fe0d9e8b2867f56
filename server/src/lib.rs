//! The console server: builds the axum router (Leptos pages and server functions, health checks,
//! static files) around shared state. `main.rs` only parses the command line and wires things up,
//! so tests can call `router(state)` directly.

pub mod api;
pub mod auth;
pub mod clusters;
pub mod config;
pub mod health;
pub mod leader;
pub mod local_flink;
pub mod metrics;
pub mod plans;
pub mod seed;
pub mod static_files;
pub mod targets;
pub mod telemetry;

use std::sync::Arc;

use axum::extract::FromRef;
use axum::handler::Handler;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use services::Services;

/// Everything a request handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
    pub flink: Arc<local_flink::FlinkSupervision>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The whole HTTP surface of the console.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let services = state.services.clone();
    let provide_services = move || provide_context(services.clone());
    // The built site's files with their cache headers; a path that names none gets the app's
    // not-found page.
    let not_found =
        leptos_axum::file_and_error_handler_with_context::<AppState, _>(provide_services.clone(), app::shell)
            .with_state(state.clone());
    let site_files = tower::ServiceBuilder::new()
        .layer(axum::middleware::from_fn(static_files::cache_files))
        .service(static_files::files(&state.leptos_options.site_root, not_found));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(api::routes())
        .leptos_routes_with_context(&state, routes, provide_services.clone(), {
            let options = state.leptos_options.clone();
            move || app::shell(options.clone())
        })
        .fallback_service(site_files)
        .layer(axum::middleware::from_fn(static_files::revalidate_pages))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(telemetry::request_span)
                .on_response(telemetry::record_response),
        )
        // Outermost, so the time includes authentication; inside the router, where the route is known.
        .layer(axum::middleware::from_fn(metrics::time_requests))
        .with_state(state)
}
