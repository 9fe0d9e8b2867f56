//! Latency of the console's Flink client against curl making the same REST calls, both measured in
//! one run against a real cluster (FLINK_REST_URL, CONSOLE_JOBS_DIR; `make bench` sets them).
//! Prints the median per call and the ratio client / curl. Not a test: it asserts nothing.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use flink::{FlinkClient, FlinkCluster, JobId, JobState, Submission};

const ROUNDS: usize = 40;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// curl's own `time_total` for each of `ROUNDS` requests made in one process (keep-alive, like ours).
fn curl_median(method: &str, url: &str) -> Duration {
    let mut args = vec!["-s".to_owned(), "-X".to_owned(), method.to_owned()];
    for i in 0..ROUNDS {
        if i > 0 {
            args.push("--next".into());
            args.extend(["-s".to_owned(), "-X".to_owned(), method.to_owned()]);
        }
        args.extend([
            "-o".to_owned(),
            "/dev/null".to_owned(),
            "-w".to_owned(),
            "%{time_total}\\n".to_owned(),
            url.to_owned(),
        ]);
    }
    let output = Command::new("curl").args(&args).output().expect("curl runs");
    let samples = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.trim().parse::<f64>().ok())
        .map(Duration::from_secs_f64)
        .collect::<Vec<_>>();
    assert!(!samples.is_empty(), "curl measured nothing for {url}");
    median(samples)
}

async fn client_median<F, Fut>(mut call: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        call().await;
        samples.push(started.elapsed());
    }
    median(samples)
}

fn report(name: &str, ours: Duration, curl: Duration) {
    let ratio = ours.as_secs_f64() / curl.as_secs_f64().max(1e-9);
    println!(
        "{name:<28} client {:>8.2} ms   curl {:>8.2} ms   ratio {ratio:>5.2}",
        ours.as_secs_f64() * 1e3,
        curl.as_secs_f64() * 1e3
    );
}

#[tokio::main]
async fn main() {
    let url = std::env::var("FLINK_REST_URL").expect("FLINK_REST_URL: run through `make bench`");
    let jobs = PathBuf::from(std::env::var("CONSOLE_JOBS_DIR").expect("CONSOLE_JOBS_DIR: run through `make bench`"));
    let client = FlinkClient::new(&url).expect("client");

    let job = client
        .submit(&Submission {
            jar: jobs.join("stateful-job.jar"),
            entry_class: Some("console.examples.StatefulCounter".into()),
            args: vec!["--rate".into(), "10".into()],
            ..Submission::default()
        })
        .await
        .expect("a job to ask about");
    while FlinkCluster::job_state(&client, &job).await.ok().flatten() != Some(JobState::Running) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let JobId(id) = &job;
    println!("Flink client vs curl, median of {ROUNDS} calls each, against {url}");
    report(
        "GET /overview",
        client_median(|| async {
            client.overview().await.expect("overview");
        })
        .await,
        curl_median("GET", &format!("{url}/overview")),
    );
    report(
        "GET /jobs/overview",
        client_median(|| async {
            client.jobs().await.expect("jobs");
        })
        .await,
        curl_median("GET", &format!("{url}/jobs/overview")),
    );
    report(
        "GET /jobs/:id/status",
        client_median(|| async {
            FlinkClient::job_state(&client, &job).await.expect("state");
        })
        .await,
        curl_median("GET", &format!("{url}/jobs/{id}/status")),
    );
    report(
        "GET /jobs/:id/checkpoints",
        client_median(|| async {
            client.checkpoints(&job).await.expect("checkpoints");
        })
        .await,
        curl_median("GET", &format!("{url}/jobs/{id}/checkpoints")),
    );
    report(
        "GET /jobs/:id/exceptions",
        client_median(|| async {
            client.exceptions(&job).await.expect("exceptions");
        })
        .await,
        curl_median("GET", &format!("{url}/jobs/{id}/exceptions")),
    );
    report(
        "GET /jobs/:id (vertices)",
        client_median(|| async {
            client.vertices(&job).await.expect("vertices");
        })
        .await,
        curl_median("GET", &format!("{url}/jobs/{id}")),
    );
    report(
        "upload (cached) = GET /jars",
        client_median(|| async {
            client.upload_jar(&jobs.join("stateful-job.jar")).await.expect("upload");
        })
        .await,
        curl_median("GET", &format!("{url}/jars")),
    );
    FlinkClient::cancel(&client, &job).await.expect("cancel");
}
