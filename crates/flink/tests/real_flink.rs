//! Against a real local Flink cluster, started once by the test command (`make test`), which sets
//! FLINK_REST_URL and CONSOLE_JOBS_DIR. These tests fail, rather than skip, without it.

use std::path::PathBuf;
use std::time::Duration;

use flink::{FlinkClient, JobId, JobState, RunJar};

fn cluster() -> FlinkClient {
    let url = std::env::var("FLINK_REST_URL")
        .expect("FLINK_REST_URL is not set: run the real-Flink tests through `make test`");
    FlinkClient::new(&url).expect("a client")
}

fn example_jar(name: &str) -> PathBuf {
    let dir = std::env::var("CONSOLE_JOBS_DIR")
        .expect("CONSOLE_JOBS_DIR is not set: run through `make test`");
    PathBuf::from(dir).join(name)
}

/// Polls the job until it is in `wanted` (or fails the test after `within`).
async fn wait_for_state(client: &FlinkClient, job: &JobId, wanted: JobState, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    let mut last = None;
    while tokio::time::Instant::now() < deadline {
        match client.job_state(job).await {
            Ok(state) if state == wanted => return,
            Ok(state) => last = Some(state),
            Err(err) => panic!("asking for the state of {job} failed: {err}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("job {job} did not reach {wanted:?} within {within:?}; last seen {last:?}");
}

#[tokio::test]
async fn the_stateful_example_job_is_uploaded_runs_and_is_cancelled() {
    let client = cluster();
    let jar = client
        .upload_jar(&example_jar("stateful-job.jar"))
        .await
        .expect("upload");
    let again = client
        .upload_jar(&example_jar("stateful-job.jar"))
        .await
        .expect("second upload");
    assert_eq!(jar, again, "the same artifact is uploaded once");

    let job = client
        .run_jar(
            &jar,
            &RunJar {
                entry_class: Some("console.examples.StatefulCounter".into()),
                program_args_list: vec!["--rate".into(), "20".into()],
                parallelism: Some(1),
                ..RunJar::default()
            },
        )
        .await
        .expect("the job is submitted");
    wait_for_state(&client, &job, JobState::Running, Duration::from_secs(60)).await;
    let listed = client.jobs().await.expect("job overview");
    assert!(
        listed
            .iter()
            .any(|j| j.jid == job && j.name == "stateful-counter"),
        "{listed:?}"
    );

    client.cancel(&job).await.expect("cancel");
    wait_for_state(&client, &job, JobState::Canceled, Duration::from_secs(30)).await;
}

#[tokio::test]
async fn flink_refusals_keep_flinks_message() {
    let client = cluster();
    let err = client
        .cancel(&JobId("00000000000000000000000000000000".into()))
        .await
        .expect_err("no such job");
    assert_eq!(err.class(), flink::ErrorClass::Permanent, "{err}");
    assert!(
        matches!(err, flink::FlinkError::Rejected { status: 404, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn an_unreachable_cluster_is_a_transient_error() {
    let client = FlinkClient::new("http://127.0.0.1:9").expect("a client");
    let err = client
        .overview()
        .await
        .expect_err("nothing listens on port 9");
    assert_eq!(err.class(), flink::ErrorClass::Transient, "{err}");
}
