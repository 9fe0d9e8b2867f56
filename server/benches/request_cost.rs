//! What signing in and authorising cost per request: the same REST read
//! (`GET /api/v1/namespaces/default/deployments`) made through the whole server as the admin, as
//! an editor (one more lookup: the role), and with an API token, against a baseline measured in
//! the same run — the handler's own work (the store read and its JSON) without HTTP or
//! authorisation — and the bare HTTP stack (`/healthz`). The credentials and roles come from the
//! services' access cache after the first request; one row forgets it before every request (what
//! a caller's first request after a change of access costs, and what every request cost before
//! the cache). Signing in and authorising alone (`identify` + `require`, no HTTP) is measured too,
//! cached and not. The rows take turns within each round, so that a change of the machine's load
//! (other builds on a shared machine) falls on all of them alike. Prints figures; asserts nothing.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use domain::{NamespaceName, Permission, Role, User};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use server::local_flink::FlinkSupervision;
use server::{router, seed, AppState};
use services::{Caller, HealthBoard, Services};
use storage::{now_rfc3339, Store};
use tower::ServiceExt;

const ROUNDS: usize = 2_000;
const DEPLOYMENTS: &str = "/api/v1/namespaces/default/deployments";

/// One thing measured: a call that makes a future doing it once.
type Work<'a> = Box<dyn FnMut() -> Pin<Box<dyn Future<Output = ()> + 'a>> + 'a>;

fn work<'a, F, Fut>(mut make: F) -> Work<'a>
where
    F: FnMut() -> Fut + 'a,
    Fut: Future<Output = ()> + 'a,
{
    Box::new(move || Box::pin(make()))
}

/// Median and mean of one work's runs.
#[derive(Clone, Copy, Debug)]
struct Figures {
    median: Duration,
    mean: Duration,
}

/// The figures of `ROUNDS` runs of each of `works`, after 200 rounds to warm up. Each round runs
/// every work once, in turn.
async fn measure(works: &mut [Work<'_>]) -> Vec<Figures> {
    for _ in 0..200 {
        for work in works.iter_mut() {
            work().await;
        }
    }
    let mut times = vec![Vec::with_capacity(ROUNDS); works.len()];
    for _ in 0..ROUNDS {
        for (work, times) in works.iter_mut().zip(&mut times) {
            let start = Instant::now();
            work().await;
            times.push(start.elapsed());
        }
    }
    times
        .into_iter()
        .map(|mut times| {
            times.sort();
            Figures { median: times[ROUNDS / 2], mean: times.iter().sum::<Duration>() / ROUNDS as u32 }
        })
        .collect()
}

/// An editor's sign-in and authorisation alone, as the server makes them for each request.
async fn sign_in_and_authorise(services: &Services, session: &str, namespace: &NamespaceName) {
    let caller = services.identify(Some(session), None).await.expect("identified");
    services.require(&caller, Permission::ViewDeployments, namespace).await.expect("allowed");
}

/// The baseline: the handler's own work, its store read and JSON, without HTTP or authorisation.
async fn handlers_work(store: &Store, namespace: &NamespaceName) {
    let deployments = store.all_deployments_of_namespace(namespace).await.expect("deployments");
    serde_json::to_vec(&deployments).expect("JSON");
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

    let baseline = work(|| handlers_work(&store, &namespace));
    let handler_calls = work(|| async {
        let page = Services::page_request(None, None).expect("the default page");
        let listed = services.deployments(&namespace, &Default::default(), &page).await.expect("deployments");
        serde_json::to_vec(&listed.items).expect("JSON");
    });
    let uncached = work(|| {
        services.forget_cached_access();
        get(&app, DEPLOYMENTS, Some(("cookie", &editor_cookie)))
    });
    let editor_session = editor_secret.expose();
    let mut works = [
        baseline,
        handler_calls,
        work(|| sign_in_and_authorise(&services, editor_session, &namespace)),
        work(|| get(&app, "/healthz", None)),
        work(|| get(&app, DEPLOYMENTS, Some(("cookie", &admin_cookie)))),
        work(|| get(&app, DEPLOYMENTS, Some(("cookie", &editor_cookie)))),
        work(|| get(&app, DEPLOYMENTS, Some(("authorization", &bearer)))),
    ];
    let [baseline, handler_calls, auth_only, health, as_admin, as_editor, as_token] =
        <[_; 7]>::try_from(measure(&mut works).await).expect("seven rows");
    // Measured apart (with the baseline again): forgetting the cache in turn with the others would
    // make their requests miss it too.
    let auth_only_uncached = work(|| {
        services.forget_cached_access();
        sign_in_and_authorise(&services, editor_session, &namespace)
    });
    let mut apart = [work(|| handlers_work(&store, &namespace)), auth_only_uncached, uncached];
    let [baseline_apart, auth_only_uncached, uncached] =
        <[_; 3]>::try_from(measure(&mut apart).await).expect("three rows");

    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!("{ROUNDS} requests each, SQLite, one thread, in-process (no sockets):");
    println!("| request | median | mean | median vs the handler's own work |");
    println!("|---|---|---|---|");
    let row_against = |label: &str, measured: Figures, baseline: Figures| {
        println!(
            "| {label} | {:.0} µs | {:.0} µs | {:.2}× |",
            micros(measured.median),
            micros(measured.mean),
            micros(measured.median) / micros(baseline.median)
        );
    };
    let row = |label: &str, measured: Figures| row_against(label, measured, baseline);
    row("baseline: store read + JSON, no HTTP, no auth", baseline);
    row("the handler's own calls: Services::deployments + JSON, no HTTP, no auth", handler_calls);
    row("an editor's sign-in and authorisation alone (identify + require), no HTTP", auth_only);
    row("GET /healthz (HTTP stack, no auth work)", health);
    row("GET deployments as the admin (session)", as_admin);
    row("GET deployments as an editor (session + role)", as_editor);
    row("GET deployments with an API token", as_token);
    // Against the baseline measured with them.
    row_against(
        "sign-in and authorisation alone, the access cache forgotten before each",
        auth_only_uncached,
        baseline_apart,
    );
    row_against("GET deployments as an editor, the access cache forgotten before each", uncached, baseline_apart);
    let auth_cost = micros(as_editor.median) - micros(baseline.median) - micros(health.median);
    println!("sign-in and authorisation of an editor's request: about {auth_cost:.0} µs of its median");
    let ratio = |measured: Figures, base: Figures| micros(measured.median) / micros(base.median);
    println!(
        "auth + handler vs the handler's own work (medians; goal ≤ 1.3×): admin {:.2}×, editor {:.2}×, token {:.2}×; \
         editor with the cache forgotten {:.2}×",
        ratio(as_admin, baseline),
        ratio(as_editor, baseline),
        ratio(as_token, baseline),
        ratio(uncached, baseline_apart)
    );
    println!(
        "the handler's own work + an editor's sign-in and authorisation vs the handler's own work: {:.2}× cached, \
         {:.2}× with the cache forgotten",
        1.0 + ratio(auth_only, baseline),
        1.0 + ratio(auth_only_uncached, baseline_apart)
    );
}
