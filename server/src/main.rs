//! The `flink-console` binary: parses the command line, opens the store, starts the local Flink
//! cluster, serves the console, and on Ctrl-C or SIGTERM stops everything it started.

use std::sync::Arc;

use clap::Parser;
use leptos::prelude::LeptosOptions;
use server::config::{Cli, Command, LocalFlinkArgs, ServeArgs};
use server::local_flink::{local_cluster, FlinkSupervision};
use server::{router, seed, AppState};
use services::{HealthBoard, Services};
use tokio::sync::watch;

/// The file of the data directory holding the key AccessKey Secrets are derived from. Consoles
/// that share a database must share this file too (docs/security.md).
const ACCESS_KEY_MASTER_FILE: &str = "access-key-master.key";

/// How long a stopping console waits for its engine lease to be released (one database statement).
const LEASE_RELEASE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Stack of each runtime thread. Rendering a page walks its whole view tree recursively, and an
/// unoptimised (debug) build of the Start dialog needs more than tokio's 2 MiB default.
const THREAD_STACK_BYTES: usize = 16 * 1024 * 1024;

fn main() -> std::process::ExitCode {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(THREAD_STACK_BYTES).build();
    match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> std::process::ExitCode {
    let cli = Cli::parse();
    server::telemetry::init_logs(cli.log_format);
    // Before anything records: the engine, the Flink clients and the HTTP layer record through it.
    server::metrics::install();
    let outcome = match cli.command {
        Some(Command::FlinkLocal(args)) => run_local_flink(args, &cli.serve).await,
        None => serve(cli.serve).await,
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    server::auth::trust_proxies(args.trusted_proxies.clone());
    std::fs::create_dir_all(&args.data_dir)
        .map_err(|err| format!("cannot create the data directory {}: {err}", args.data_dir.display()))?;
    let database_url =
        args.database_url.clone().unwrap_or_else(|| format!("sqlite://{}/console.db", args.data_dir.display()));
    let store = storage::Store::connect(&database_url)
        .await
        .map_err(|err| storage::redacted(&database_url, &format!("cannot open the database {database_url}: {err}")))?;
    seed::first_start(&store, &args.jobs_dir)
        .await
        .map_err(|err| format!("cannot prepare the default namespace: {err}"))?;

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let flink = match &args.flink_url {
        Some(url) => FlinkSupervision::Remote(flink::FlinkClient::new(url).map_err(|err| err.to_string())?),
        None => match local_cluster(&args.flink, &args.data_dir) {
            Ok(cluster) => {
                let starting = cluster.clone();
                let watcher = shutdown_rx.clone();
                tokio::spawn(async move {
                    let url = starting.config().rest_url();
                    match starting.start().await {
                        Ok(()) => tracing::info!(%url, "local Flink cluster is up"),
                        Err(err) => {
                            tracing::error!(error = %err, "local Flink cluster failed to start; retrying")
                        }
                    }
                    starting.supervise(watcher).await;
                });
                FlinkSupervision::Local(cluster)
            }
            Err(reason) => {
                tracing::warn!("{reason}");
                FlinkSupervision::Unavailable(reason)
            }
        },
    };
    let flink = Arc::new(flink);

    let mut leptos_options = LeptosOptions::builder()
        .output_name("console")
        .site_root(args.site_root.clone())
        .site_pkg_dir("pkg")
        .site_addr(args.listen)
        .build();
    server::static_files::use_hashed_names(&mut leptos_options);
    let local_url = format!("http://127.0.0.1:{}", args.flink.flink_rest_port);
    server::targets::register_console_cluster(&store, &flink, &local_url)
        .await
        .map_err(|err| format!("cannot register the local deployment target: {err}"))?;
    let health = HealthBoard::default();
    // One policy for registration and every connection to a session cluster; the admin's stored
    // setting is loaded before anything connects.
    let network = services::stored_network_policy(&store)
        .await
        .map_err(|err| format!("cannot read the network settings: {err}"))?;
    let clusters = Arc::new(server::clusters::TargetClusters::new(store.clone(), network.clone()));
    tokio::spawn(server::auth::sweep_expired_sessions(store.clone(), shutdown_rx.clone()));
    let artifacts_dir = args.artifacts_dir.clone().unwrap_or_else(|| args.data_dir.join("artifacts"));
    std::fs::create_dir_all(&artifacts_dir)
        .map_err(|err| format!("cannot create the artifact directory {}: {err}", artifacts_dir.display()))?;
    // Downloads of `http(s)://` jarUris go only where the admin's network policy lets session
    // clusters go, and are cached under the data directory.
    let limits = flink::download::DownloadLimits { max_bytes: args.max_artifact_bytes, ..Default::default() };
    let downloader = flink::download::Downloader::new(network.clone(), limits).map_err(|err| err.to_string())?;
    let artifacts = engine::artifact::ArtifactStore::new([artifacts_dir.clone(), args.jobs_dir.clone()])
        .with_downloads(args.data_dir.join("downloads"), downloader);
    let secret = std::env::var(server::config::S3_SECRET_ACCESS_KEY_VAR).ok();
    let artifacts = match args.artifacts_s3.bucket(secret).map_err(|why| format!("the artifact bucket: {why}"))? {
        None => artifacts.with_uploads(artifacts_dir),
        Some((bucket, prefix)) => {
            match bucket.exists().await {
                Ok(true) => {
                    tracing::info!(endpoint = bucket.endpoint(), bucket = bucket.name(), %prefix, "artifacts are kept in a bucket")
                }
                Ok(false) => tracing::error!(
                    endpoint = bucket.endpoint(),
                    bucket = bucket.name(),
                    "the artifact bucket does not exist: uploads fail until it is created"
                ),
                Err(err) => {
                    tracing::error!(error = %err, "the artifact bucket cannot be used (unreachable or refusing these keys): uploads and starts of uploaded artifacts fail until it can")
                }
            }
            artifacts.with_bucket(bucket, &prefix, args.data_dir.join("artifact-bucket"), store.clone())
        }
    };
    let mut settings = engine::Settings::new(
        std::path::absolute(args.jobs_dir.join("sql-runner.jar"))
            .unwrap_or_else(|_| args.jobs_dir.join("sql-runner.jar")),
    );
    settings.artifacts = artifacts.clone();
    let sql_runner_jar = settings.sql_runner_jar.clone();
    let engine = Arc::new(
        engine::Engine::new(store.clone(), clusters.clone(), Arc::new(engine::SystemClock), settings)
            .with_autopilot_settings(engine::AutopilotSettings {
                sample_every: std::time::Duration::from_secs(args.autopilot_sample_seconds.max(1)),
                ..engine::AutopilotSettings::default()
            }),
    );
    let autopilot = engine.autopilot_monitor();
    // The engine runs in the replica holding the engine lease (`server::leader`, which also sets
    // the leader gauge); people's changes reach it through the bus, whichever replica they were made on.
    let nudger = engine::Nudger::through(store.bus().clone());
    tokio::spawn(server::metrics::upkeep_forever(shutdown_rx.clone()));
    let mut savepoint_roots = args.savepoint_roots.clone();
    if let FlinkSupervision::Local(cluster) = flink.as_ref() {
        savepoint_roots.extend([cluster.config().savepoint_dir(), cluster.config().checkpoint_dir()]);
    }
    let savepoint_roots = savepoint_roots
        .iter()
        .map(|root| std::path::absolute(root).unwrap_or_else(|_| root.clone()).display().to_string())
        .collect();
    let mut services = Services::new(store.clone(), health.clone(), nudger)
        .with_savepoint_roots(savepoint_roots)
        .with_clusters(clusters.clone())
        .with_autopilot(autopilot)
        .with_network_policy(network)
        .with_artifacts(artifacts)
        .with_max_artifact_bytes(args.max_artifact_bytes)
        .with_access_key_master(services::AccessKeyMaster::load_or_create(
            &args.data_dir.join(ACCESS_KEY_MASTER_FILE),
        )?);
    if let Some(token) = args.scrape_token(std::env::var(server::config::METRICS_TOKEN_VAR).ok())? {
        services = services.with_scrape_token(token);
    }
    // Every replica's cache of credentials and roles forgets what it holds when any replica
    // changes access (the bus: LISTEN/NOTIFY on PostgreSQL, this process alone on SQLite).
    let bus = store.bus().clone();
    services = services.on_access_change(move |_| bus.access_changed(&storage::bus::AccessChange::Everything));
    tokio::spawn(server::auth::forget_on_access_changes(
        store.bus().access_changes(),
        services.clone(),
        shutdown_rx.clone(),
    ));
    if let Some(file) = &args.test_clock_file {
        tracing::warn!(file = %file.display(), "tuning plans follow a test clock read from a file");
        services = services.with_clock(Arc::new(server::plans::FileClock::new(file.clone())));
    }
    // The state compatibility check reads savepoints and job graphs with the local Flink
    // distribution's classes; without one every check answers UNKNOWN and says why.
    match &args.flink.flink_home {
        Some(flink_home) => {
            let inspector_jar = std::path::absolute(args.jobs_dir.join("state-inspector.jar"))
                .unwrap_or_else(|_| args.jobs_dir.join("state-inspector.jar"));
            let config = compat::InspectorConfig::new(flink_home, inspector_jar, args.data_dir.join("compat"));
            services = services.with_compatibility_checker(services::CompatibilityChecker {
                inspector: compat::Inspector::new(config),
                sql_runner_jar,
            });
            // The SQL family (`/sql/v1beta1`) asks Flink's parser and planner through a helper JVM
            // of its own on the same distribution.
            let sql_jar = std::path::absolute(args.jobs_dir.join("sql-service.jar"))
                .unwrap_or_else(|_| args.jobs_dir.join("sql-service.jar"));
            let config = flinksql::SqlHelper::config(flink_home, sql_jar, args.data_dir.join("sql"));
            services = services.with_sql_helper(flinksql::SqlHelper::new(config));
        }
        None => tracing::warn!(
            "no Flink distribution (FLINK_HOME): state compatibility checks answer UNKNOWN and /sql/v1beta1 answers 503"
        ),
    }
    tokio::spawn(server::targets::probe_forever(store.clone(), health, flink.clone(), clusters, shutdown_rx.clone()));
    match services.ensure_admin(args.admin_password.as_deref()).await {
        Ok(Some(generated)) => println!(
            "First start: sign in as `admin` with the password {}  (shown once; set CONSOLE_ADMIN_PASSWORD to choose it)",
            generated.expose()
        ),
        Ok(None) => {}
        Err(err) => return Err(format!("cannot create the admin user: {err}")),
    }
    let leadership = server::leader::Leadership {
        replica: server::leader::replica_id(),
        store,
        engine,
        controller: engine::ControllerSettings::default(),
        services: services.clone(),
        plan_check: std::time::Duration::from_secs(args.plan_check_seconds.max(1)),
        ttl: std::time::Duration::from_secs(args.engine_lease_seconds),
    };
    let leading = tokio::spawn(leadership.run(shutdown_rx.clone()));
    let state = AppState { leptos_options, services, flink: flink.clone() };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|err| format!("cannot listen on {}: {err}", args.listen))?;
    println!("Flink Console is serving at http://{}/  (Ctrl-C stops it)", args.listen);
    if let FlinkSupervision::Local(cluster) = flink.as_ref() {
        println!("Local Flink cluster (starting): {}", cluster.config().rest_url());
    }
    // On Ctrl-C or SIGTERM everything hears it at once: the engine stops and its lease is handed
    // over while the HTTP server still finishes its requests.
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = shutdown_tx.send(true);
    });
    let mut stopping = shutdown_rx.clone();
    axum::serve(listener, router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        })
        .await
        .map_err(|err| format!("the server stopped: {err}"))?;
    if tokio::time::timeout(LEASE_RELEASE_WAIT, leading).await.is_err() {
        tracing::warn!("the engine lease was not released in time; it expires on its own");
    }
    if let FlinkSupervision::Local(cluster) = flink.as_ref() {
        println!("Stopping the local Flink cluster…");
        cluster.stop().await;
    }
    Ok(())
}

/// `flink-console flink-local`: a supervised local cluster and nothing else, until interrupted.
async fn run_local_flink(args: LocalFlinkArgs, serve: &ServeArgs) -> Result<(), String> {
    let cluster = local_cluster(&args, &serve.data_dir)?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let started = tokio::select! {
        started = cluster.start() => started.map_err(|err| err.to_string()),
        _ = shutdown_signal() => Err("interrupted while starting".to_owned()),
    };
    if let Err(err) = started {
        cluster.stop().await;
        return Err(err);
    }
    println!("Local Flink cluster ready at {}", cluster.config().rest_url());
    let supervisor = tokio::spawn(cluster.clone().supervise(shutdown_rx));
    shutdown_signal().await;
    let _ = shutdown_tx.send(true);
    let _ = supervisor.await;
    cluster.stop().await;
    println!("Local Flink cluster stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}
