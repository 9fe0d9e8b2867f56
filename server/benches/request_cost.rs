//! What signing in and authorising cost per request: the same REST read
//! (`GET /api/v1/namespaces/default/deployments`) made through the whole server as the admin, as
//! an editor (one more lookup: the role), and with an API token, against a baseline measured in
//! the same run — the handler's own work (the store read and its JSON) without HTTP or
//! authorisation — and the bare HTTP stack (`/healthz`). The credentials and roles come from the
//! services' access cache after the first request; one row forgets it before every request (what
//! a caller's first request after a change of access costs). Prints figures; asserts nothing.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use domain::{NamespaceName, Role, User};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use server::local_flink::FlinkSupervision;
use server::{router, seed, AppState};
use services::{Caller, HealthBoard, Services};
use storage::{now_rfc3339, Store};
use tower::ServiceExt;

const ROUNDS: usize = 2_000;
const DEPLOYMENTS: &str = "/api/v1/namespaces/default/deployments";

/// Median and mean of `ROUNDS` runs of `work`, after 200 to warm up.
async fn measure<F, Fut>(mut work: F) -> (Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..200 {
        work().await;
    }
    let mut times = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        work().await;
        times.push(start.elapsed());
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / ROUNDS as u32;
    (times[ROUNDS / 2], mean)
}

async fn get(app: &axum::Router, uri: &str, header: Option<(&str, &str)>) {
    let mut request = Request::builder().uri(uri).header("accept", "application/json");
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let response = app.clone().oneshot(request.body(Body::empty()).expect("a request")).await.expect("an answer");
    assert!(response.status().is_success(), "{uri}: {}", response.status());
    response.into_body().collect().await.expect("a body");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::connect(&format!("sqlite://{}/bench.db", dir.path().display())).await.expect("a store");
    seed::first_start(&store, dir.path()).await.expect("first start");
    let services = Services::new(store.clone(), HealthBoard::default(), engine::Nudger::disconnected());
    services.ensure_admin(Some("bench-password")).await.expect("the admin");
    let (admin, admin_secret) = services.sign_in("admin", "bench-password", "bench").await.expect("admin signs in");
    let namespace = NamespaceName::parse("default").expect("a namespace");
    let editor = User {
        id: uuid::Uuid::new_v4().to_string(),
        name: "ed".into(),
        admin: false,
        created_at: now_rfc3339(),
        must_change_password: false,
    };
    store.create_user(&editor, &services::auth::hash_password("bench-password").expect("a hash")).await.expect("ed");
    store.set_member(&namespace, &editor.id, Role::Editor).await.expect("ed's role");
    let (_, editor_secret) = services.sign_in("ed", "bench-password", "bench").await.expect("ed signs in");
    let (_, token) = services
        .create_api_token(&Caller::User(admin), &namespace, "bench", Role::Viewer, None)
        .await
        .expect("a token");

    let leptos_options =
        LeptosOptions::builder().output_name("console").site_root(dir.path().display().to_string()).build();
    let flink = std::sync::Arc::new(FlinkSupervision::Unavailable("not needed".into()));
    let app = router(AppState { leptos_options, services: services.clone(), flink });

    let admin_cookie = format!("console_session={}", admin_secret.expose());
    let editor_cookie = format!("console_session={}", editor_secret.expose());
    let bearer = format!("Bearer {}", token.expose());

    let baseline = measure(|| {
        let store = store.clone();
        let namespace = namespace.clone();
        async move {
            let deployments = store.all_deployments_of_namespace(&namespace).await.expect("deployments");
            serde_json::to_vec(&deployments).expect("JSON");
        }
    })
    .await;
    let health = measure(|| get(&app, "/healthz", None)).await;
    let as_admin = measure(|| get(&app, DEPLOYMENTS, Some(("cookie", &admin_cookie)))).await;
    let as_editor = measure(|| get(&app, DEPLOYMENTS, Some(("cookie", &editor_cookie)))).await;
    let as_token = measure(|| get(&app, DEPLOYMENTS, Some(("authorization", &bearer)))).await;
    let uncached = measure(|| {
        services.forget_cached_access();
        get(&app, DEPLOYMENTS, Some(("cookie", &editor_cookie)))
    })
    .await;

    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!("{ROUNDS} requests each, SQLite, one thread, in-process (no sockets):");
    println!("| request | median | mean | median vs the handler's own work |");
    println!("|---|---|---|---|");
    let row = |label: &str, (median, mean): (Duration, Duration)| {
        println!(
            "| {label} | {:.0} µs | {:.0} µs | {:.2}× |",
            micros(median),
            micros(mean),
            micros(median) / micros(baseline.0)
        );
    };
    row("baseline: store read + JSON, no HTTP, no auth", baseline);
    row("GET /healthz (HTTP stack, no auth work)", health);
    row("GET deployments as the admin (session)", as_admin);
    row("GET deployments as an editor (session + role)", as_editor);
    row("GET deployments with an API token", as_token);
    row("GET deployments as an editor, the access cache forgotten before each", uncached);
    let auth_cost = micros(as_editor.0) - micros(baseline.0) - micros(health.0);
    println!("sign-in and authorisation of an editor's request: about {auth_cost:.0} µs of its median");
    let ratio = |(median, _): (Duration, Duration)| micros(median) / micros(baseline.0);
    println!(
        "auth + handler vs the handler's own work (medians; goal ≤ 1.3×): admin {:.2}×, editor {:.2}×, token {:.2}×; \
         editor with the cache forgotten {:.2}×",
        ratio(as_admin),
        ratio(as_editor),
        ratio(as_token),
        ratio(uncached)
    );
}
