//! Against a real local Flink cluster, started once by the test command (`make test`), which sets
//! FLINK_REST_URL and CONSOLE_JOBS_DIR. These tests fail, rather than skip, without it.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use flink::{
    ErrorClass, FlinkClient, FlinkCluster, FlinkError, JobId, JobState, Operation, SavepointRequest, Submission,
    TriggerId,
};

fn cluster() -> FlinkClient {
    let url = std::env::var("FLINK_REST_URL")
        .expect("FLINK_REST_URL is not set: run the real-Flink tests through `make test`");
    FlinkClient::new(&url).expect("a client")
}

fn example_jar(name: &str) -> PathBuf {
    let dir = std::env::var("CONSOLE_JOBS_DIR").expect("CONSOLE_JOBS_DIR is not set: run through `make test`");
    PathBuf::from(dir).join(name)
}

fn savepoint_dir() -> String {
    let dir = std::env::temp_dir().join("console-real-flink-savepoints");
    format!("file://{}", dir.display())
}

fn into_dir(target_directory: String) -> SavepointRequest {
    SavepointRequest { target_directory: Some(target_directory), trigger_id: None, drain: false, native: false }
}

fn counter(args: &[&str]) -> Submission {
    Submission {
        jar: example_jar("stateful-job.jar"),
        entry_class: Some("console.examples.StatefulCounter".into()),
        args: args.iter().map(|a| a.to_string()).collect(),
        parallelism: Some(1),
        ..Submission::default()
    }
}

/// Polls the job until it is in `wanted` (or fails the test after `within`).
async fn wait_for_state(client: &FlinkClient, job: &JobId, wanted: JobState, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    let mut last = None;
    while tokio::time::Instant::now() < deadline {
        match FlinkClient::job_state(client, job).await {
            Ok(state) if state == wanted => return,
            Ok(state) => last = Some(state),
            Err(err) => panic!("asking for the state of {job} failed: {err}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("job {job} did not reach {wanted:?} within {within:?}; last seen {last:?}");
}

/// Polls an operation until it is done; returns the savepoint location.
async fn wait_for_savepoint(client: &FlinkClient, job: &JobId, trigger: &TriggerId) -> String {
    for _ in 0..300 {
        match FlinkClient::savepoint_operation(client, job, trigger).await.expect("poll") {
            Operation::InProgress => tokio::time::sleep(Duration::from_millis(200)).await,
            Operation::Completed { location: Some(location) } => return location,
            other => panic!("savepoint of {job} did not complete: {other:?}"),
        }
    }
    panic!("savepoint of {job} took more than a minute");
}

/// Triggers a savepoint, retrying while Flink says not all tasks are running yet.
async fn savepoint_when_ready(client: &FlinkClient, job: &JobId) -> String {
    for _ in 0..50 {
        let trigger = FlinkClient::trigger_savepoint(client, job, &into_dir(savepoint_dir())).await.expect("trigger");
        loop {
            match FlinkClient::savepoint_operation(client, job, &trigger).await.expect("poll") {
                Operation::InProgress => tokio::time::sleep(Duration::from_millis(200)).await,
                Operation::Completed { location: Some(location) } => return location,
                Operation::Completed { location: None } => panic!("a savepoint without location"),
                Operation::Failed { .. } => break,
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("no savepoint of {job} succeeded");
}

/// The `maxCount` gauge of the counter operator, once Flink reports it.
async fn max_count(client: &FlinkClient, job: &JobId) -> Option<f64> {
    let vertices = client.vertices(job).await.ok()?;
    let vertex = vertices.iter().find(|v| v.name.contains("counter"))?;
    let names = client.vertex_metric_names(job, &vertex.id).await.ok()?;
    let name = names.iter().find(|n| n.ends_with("maxCount"))?;
    let metrics = client.vertex_metrics(job, &vertex.id, &[name]).await.ok()?;
    metrics.first()?.max
}

async fn wait_for_count_at_least(client: &FlinkClient, job: &JobId, at_least: f64) -> f64 {
    for _ in 0..300 {
        if let Some(count) = max_count(client, job).await.filter(|c| *c >= at_least) {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the counter of {job} did not reach {at_least} within a minute");
}

#[tokio::test]
async fn the_stateful_example_job_is_uploaded_runs_and_is_cancelled() {
    let client = cluster();
    let jar = client.upload_jar(&example_jar("stateful-job.jar")).await.expect("upload");
    let again = client.upload_jar(&example_jar("stateful-job.jar")).await.expect("second upload");
    assert_eq!(jar, again, "the same artifact is uploaded once");

    let job = client.submit(&counter(&["--rate", "20"])).await.expect("the job is submitted");
    wait_for_state(&client, &job, JobState::Running, Duration::from_secs(60)).await;
    let listed = client.jobs().await.expect("job overview");
    assert!(listed.iter().any(|j| j.jid == job && j.name == "stateful-counter"), "{listed:?}");

    FlinkClient::cancel(&client, &job).await.expect("cancel");
    wait_for_state(&client, &job, JobState::Canceled, Duration::from_secs(30)).await;
}

#[tokio::test]
async fn a_start_asks_nothing_before_its_run_and_an_upload_flink_lost_is_sent_again() {
    let client = cluster();
    let jar = client.upload_jar(&example_jar("stateful-job.jar")).await.expect("upload");
    // The upload disappears behind the client's back (a JobManager restart, another console's eviction).
    let url = format!("{}/jars/{}", std::env::var("FLINK_REST_URL").expect("FLINK_REST_URL"), jar.0);
    let deleted = reqwest::Client::new().delete(&url).send().await.expect("delete the upload");
    assert!(deleted.status().is_success(), "{}", deleted.status());
    assert_eq!(client.upload_jar(&example_jar("stateful-job.jar")).await.expect("known"), jar, "remembered, not asked");

    let job = client.submit(&counter(&["--rate", "20"])).await.expect("submitted all the same");
    wait_for_state(&client, &job, JobState::Running, Duration::from_secs(60)).await;
    let uploaded_again = client.upload_jar(&example_jar("stateful-job.jar")).await.expect("known again");
    assert_ne!(uploaded_again, jar, "the jar was uploaded anew");
    FlinkClient::cancel(&client, &job).await.expect("cancel");
    wait_for_state(&client, &job, JobState::Canceled, Duration::from_secs(30)).await;
}

#[tokio::test]
async fn state_survives_stop_with_savepoint_and_restore() {
    let client = cluster();
    let job = client.submit(&counter(&["--rate", "50", "--keys", "5"])).await.expect("submitted");
    wait_for_state(&client, &job, JobState::Running, Duration::from_secs(60)).await;
    let plain = savepoint_when_ready(&client, &job).await;
    assert!(plain.contains("savepoint-"), "{plain}");

    let before_stop = wait_for_count_at_least(&client, &job, 100.0).await;
    let stop = FlinkClient::stop_with_savepoint(&client, &job, &into_dir(savepoint_dir()), false).await.expect("stop");
    let location = wait_for_savepoint(&client, &job, &stop).await;
    wait_for_state(&client, &job, JobState::Finished, Duration::from_secs(30)).await;

    let restored = client
        .submit(&Submission { restore_from: Some(location.clone()), ..counter(&["--rate", "50", "--keys", "5"]) })
        .await
        .expect("restored");
    wait_for_state(&client, &restored, JobState::Running, Duration::from_secs(60)).await;
    let first_reading = wait_for_count_at_least(&client, &restored, 1.0).await;
    let summary = client.checkpoints(&restored).await.expect("checkpoints");
    FlinkClient::cancel(&client, &restored).await.expect("cancel");
    assert!(
        first_reading >= before_stop,
        "the counter continues from {before_stop}, but the restored job reported {first_reading}"
    );
    assert_eq!(summary.restored_from.as_deref(), Some(location.as_str()), "{summary:?}");
}

#[tokio::test]
async fn a_changed_uid_needs_allow_non_restored_state() {
    let client = cluster();
    let job = client.submit(&counter(&["--rate", "20"])).await.expect("submitted");
    wait_for_state(&client, &job, JobState::Running, Duration::from_secs(60)).await;
    let location = savepoint_when_ready(&client, &job).await;
    FlinkClient::cancel(&client, &job).await.expect("cancel");

    let changed = counter(&["--rate", "20", "--uid-suffix", "-v2"]);
    let refused = client
        .submit(&Submission { restore_from: Some(location.clone()), ..changed.clone() })
        .await
        .expect_err("state of the old operators cannot be mapped");
    assert_eq!(refused.class(), ErrorClass::Permanent, "{refused}");
    assert!(refused.user_message().contains("Cannot map checkpoint/savepoint state"), "{}", refused.user_message());

    let allowed = client
        .submit(&Submission { restore_from: Some(location), allow_non_restored_state: true, ..changed })
        .await
        .expect("starts without the unmapped state");
    wait_for_state(&client, &allowed, JobState::Running, Duration::from_secs(60)).await;
    FlinkClient::cancel(&client, &allowed).await.expect("cancel");
}

#[tokio::test]
async fn a_bounded_job_finishes() {
    let client = cluster();
    let job = client.submit(&counter(&["--count", "500", "--rate", "0"])).await.expect("submitted");
    wait_for_state(&client, &job, JobState::Finished, Duration::from_secs(90)).await;
}

#[tokio::test]
async fn a_job_failing_at_record_n_ends_failed_with_its_exception() {
    let client = cluster();
    let job = client.submit(&counter(&["--rate", "100", "--keys", "1", "--fail-at", "50"])).await.expect("submitted");
    wait_for_state(&client, &job, JobState::Failed, Duration::from_secs(90)).await;
    let exceptions = client.exceptions(&job).await.expect("exceptions");
    assert!(
        exceptions.iter().any(|e| e.stacktrace.contains("failing on purpose")),
        "the job's own failure is reported: {exceptions:?}"
    );
}

#[tokio::test]
async fn a_sql_script_runs_through_the_sql_runner() {
    let client = cluster();
    let script = "CREATE TEMPORARY TABLE numbers (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');\n\
                  CREATE TEMPORARY TABLE sink (n BIGINT) WITH ('connector' = 'blackhole');\n\
                  INSERT INTO sink SELECT n FROM numbers;";
    let encoded = base64::engine::general_purpose::STANDARD.encode(script);
    let job = client
        .submit(&Submission {
            jar: example_jar("sql-runner.jar"),
            entry_class: Some("console.examples.SqlRunner".into()),
            args: vec!["--script-base64".into(), encoded],
            ..Submission::default()
        })
        .await
        .expect("the SQL job is submitted");
    wait_for_state(&client, &job, JobState::Running, Duration::from_secs(60)).await;
    FlinkClient::cancel(&client, &job).await.expect("cancel");
}

#[tokio::test]
async fn flink_refusals_keep_flinks_message() {
    let client = cluster();
    let err =
        FlinkClient::cancel(&client, &JobId("00000000000000000000000000000000".into())).await.expect_err("no such job");
    assert_eq!(err.class(), ErrorClass::Permanent, "{err}");
    assert!(matches!(err, FlinkError::Rejected { status: 404, .. }), "{err}");
    assert!(!err.user_message().contains("\tat "), "no Java stack frames: {}", err.user_message());
    let vanished = FlinkCluster::job_state(&client, &JobId("00000000000000000000000000000000".into()))
        .await
        .expect("a job the cluster does not know is an answer, not an error");
    assert_eq!(vanished, None);
}

#[tokio::test]
async fn an_unreachable_cluster_is_a_transient_error() {
    let client = FlinkClient::new("http://127.0.0.1:9").expect("a client");
    let err = FlinkClient::overview(&client).await.expect_err("nothing listens on port 9");
    assert_eq!(err.class(), ErrorClass::Transient, "{err}");
}

#[tokio::test]
async fn a_chosen_job_id_is_the_flink_job_id_and_a_second_submission_with_it_is_a_duplicate() {
    let client = cluster();
    let chosen = JobId::random();
    let submission = Submission { job_id: Some(chosen.clone()), ..counter(&["--rate", "20"]) };
    let job = client.submit(&submission).await.expect("submitted");
    assert_eq!(job, chosen, "Flink runs the job under the id we chose");
    wait_for_state(&client, &chosen, JobState::Running, Duration::from_secs(60)).await;

    // Flink 2.3 answers 400, "DuplicateApplicationSubmissionException: Application has already been
    // submitted.", and leaves the running job alone.
    let again = client.submit(&submission).await.expect_err("the id is taken");
    assert!(again.is_duplicate_job(), "{again}");
    assert_eq!(again.class(), ErrorClass::Permanent, "{again}");
    let listed = client.jobs().await.expect("job overview");
    let twins: Vec<_> = listed.iter().filter(|j| j.jid == chosen).collect();
    assert_eq!(twins.len(), 1, "{listed:?}");
    assert_eq!(twins[0].state, JobState::Running, "{listed:?}");

    FlinkClient::cancel(&client, &chosen).await.expect("cancel");
    wait_for_state(&client, &chosen, JobState::Canceled, Duration::from_secs(30)).await;
    let after_end = client.submit(&submission).await.expect_err("an ended job keeps its id");
    assert!(after_end.is_duplicate_job(), "{after_end}");
}

/// Names of the savepoint directories Flink wrote in `dir`.
fn savepoints_in(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with("savepoint-"))
                .collect()
        })
        .unwrap_or_default()
}

/// A running counter that has taken a savepoint already, and a request with a fresh trigger id
/// into a directory of its own. (A savepoint right after the start can fail — not all tasks
/// running yet — and a failed operation keeps its trigger id.)
async fn ready_for_a_savepoint(
    client: &FlinkClient,
    drain: bool,
    native: bool,
) -> (JobId, tempfile::TempDir, TriggerId, SavepointRequest) {
    let job = client.submit(&counter(&["--rate", "20"])).await.expect("submitted");
    wait_for_state(client, &job, JobState::Running, Duration::from_secs(60)).await;
    savepoint_when_ready(client, &job).await;
    let target = tempfile::tempdir().expect("a savepoint directory");
    let trigger = TriggerId::random();
    let request = SavepointRequest {
        target_directory: Some(format!("file://{}", target.path().display())),
        trigger_id: Some(trigger.clone()),
        drain,
        native,
    };
    (job, target, trigger, request)
}

#[tokio::test]
async fn stop_with_savepoint_asked_twice_with_one_trigger_id_takes_one_savepoint_the_job_reports() {
    let client = cluster();
    let (job, target, trigger, request) = ready_for_a_savepoint(&client, false, false).await;
    let first = FlinkCluster::stop_with_savepoint(&client, &job, &request).await.expect("stop");
    let second = FlinkCluster::stop_with_savepoint(&client, &job, &request).await.expect("the same stop again");
    assert_eq!((&first, &second), (&trigger, &trigger));
    let location = wait_for_savepoint(&client, &job, &trigger).await;
    wait_for_state(&client, &job, JobState::Finished, Duration::from_secs(30)).await;

    // Asked once more after the job ended (as an engine that crashed before recording the answer
    // would): the same operation, still completed, not a failed stop of a finished job.
    let third = FlinkCluster::stop_with_savepoint(&client, &job, &request).await.expect("asked after the end");
    assert_eq!(third, trigger);
    assert_eq!(
        FlinkCluster::savepoint_operation(&client, &job, &trigger).await.expect("poll"),
        Operation::Completed { location: Some(location.clone()) }
    );
    let written = savepoints_in(target.path());
    assert_eq!(written.len(), 1, "one savepoint for three requests: {written:?}");
    assert!(location.ends_with(&written[0]), "{location} vs {written:?}");

    let summary = FlinkCluster::checkpoints(&client, &job).await.expect("checkpoints of the finished job");
    let savepoint = summary.latest_savepoint.clone().expect("the stop's savepoint is the job's latest savepoint");
    assert_eq!(savepoint.external_path, location, "{summary:?}");
    assert!(savepoint.is_savepoint);
}

#[tokio::test]
async fn a_drained_stop_ends_the_job_finished_with_its_savepoint() {
    let client = cluster();
    let (job, target, trigger, request) = ready_for_a_savepoint(&client, true, false).await;
    FlinkCluster::stop_with_savepoint(&client, &job, &request).await.expect("a drained stop");
    let location = wait_for_savepoint(&client, &job, &trigger).await;
    wait_for_state(&client, &job, JobState::Finished, Duration::from_secs(30)).await;
    assert!(location.contains(&target.path().display().to_string()), "{location}");
}

#[tokio::test]
async fn a_savepoint_in_the_native_format_is_taken_and_restores() {
    let client = cluster();
    let (job, _target, trigger, request) = ready_for_a_savepoint(&client, false, true).await;
    FlinkCluster::trigger_savepoint(&client, &job, &request).await.expect("a native savepoint");
    let location = wait_for_savepoint(&client, &job, &trigger).await;
    client.cancel(&job).await.expect("cancelled");
    let restored = client
        .submit(&Submission { restore_from: Some(location.clone()), ..counter(&["--rate", "20"]) })
        .await
        .expect("restored from the native savepoint");
    wait_for_state(&client, &restored, JobState::Running, Duration::from_secs(60)).await;
    client.cancel(&restored).await.expect("cancelled");
}

#[tokio::test]
async fn a_savepoint_without_a_directory_goes_to_the_clusters_and_one_trigger_id_takes_one() {
    let client = cluster();
    let job = client.submit(&counter(&["--rate", "20"])).await.expect("submitted");
    wait_for_state(&client, &job, JobState::Running, Duration::from_secs(60)).await;
    let mut location = None;
    for _ in 0..50 {
        // A failed attempt keeps its trigger id, so each attempt needs a fresh one.
        let request = SavepointRequest {
            target_directory: None,
            trigger_id: Some(TriggerId::random()),
            drain: false,
            native: false,
        };
        let first = FlinkCluster::trigger_savepoint(&client, &job, &request).await.expect("trigger");
        let second = FlinkCluster::trigger_savepoint(&client, &job, &request).await.expect("the same trigger again");
        assert_eq!(Some(&first), request.trigger_id.as_ref());
        assert_eq!(second, first);
        match wait_for_operation(&client, &job, &first).await {
            Operation::Completed { location: Some(written) } => {
                location = Some(written);
                break;
            }
            Operation::Failed { .. } => tokio::time::sleep(Duration::from_millis(500)).await,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    let location = location.expect("a savepoint succeeded");
    let summary = FlinkCluster::checkpoints(&client, &job).await.expect("checkpoints");
    FlinkClient::cancel(&client, &job).await.expect("cancel");

    let path = std::path::Path::new(location.trim_start_matches("file:"));
    let directory = path.parent().expect("the savepoint's directory");
    // Flink names savepoints `savepoint-<first 6 characters of the job id>-<random>`.
    let prefix = format!("savepoint-{}", &job.0[..6]);
    let of_this_job: Vec<_> = savepoints_in(directory).into_iter().filter(|name| name.starts_with(&prefix)).collect();
    assert_eq!(of_this_job.len(), 1, "one savepoint for two requests in {}: {of_this_job:?}", directory.display());
    assert_eq!(summary.latest_savepoint.map(|s| s.external_path), Some(location));
}

/// Polls an operation until it is no longer in progress.
async fn wait_for_operation(client: &FlinkClient, job: &JobId, trigger: &TriggerId) -> Operation {
    for _ in 0..300 {
        match FlinkCluster::savepoint_operation(client, job, trigger).await.expect("poll") {
            Operation::InProgress => tokio::time::sleep(Duration::from_millis(200)).await,
            done => return done,
        }
    }
    panic!("operation {trigger} of {job} took more than a minute");
}

#[tokio::test]
async fn a_stop_of_a_job_flink_does_not_know_is_accepted_and_then_fails() {
    let client = cluster();
    let unknown = JobId::random();
    let request =
        SavepointRequest { target_directory: None, trigger_id: Some(TriggerId::random()), drain: false, native: false };
    let trigger = FlinkCluster::stop_with_savepoint(&client, &unknown, &request).await.expect("Flink answers 202");
    let Operation::Failed { cause } = wait_for_operation(&client, &unknown, &trigger).await else {
        panic!("a stop of an unknown job cannot succeed");
    };
    assert!(cause.contains("FlinkJobNotFoundException"), "{cause}");

    let never = FlinkCluster::savepoint_operation(&client, &unknown, &TriggerId::random())
        .await
        .expect_err("a trigger id Flink never saw");
    assert!(matches!(never, FlinkError::Rejected { status: 404, .. }), "{never}");
}

#[tokio::test]
async fn a_submission_refused_after_the_job_was_created_leaves_a_failed_job_under_the_chosen_id() {
    let client = cluster();
    let chosen = JobId::random();
    let missing = Submission {
        job_id: Some(chosen.clone()),
        restore_from: Some("file:///nowhere/savepoint-missing".into()),
        ..counter(&["--rate", "20"])
    };
    let refused = client.submit(&missing).await.expect_err("no such savepoint");
    assert!(matches!(refused, FlinkError::Rejected { status: 400, .. }), "{refused}");
    assert!(!refused.is_duplicate_job(), "{refused}");
    assert_eq!(FlinkCluster::job_state(&client, &chosen).await.expect("answers"), Some(JobState::Failed));
    // So a retry with the same id (say, after a crash before the refusal was recorded) is a
    // duplicate, and only the job's state tells that it never ran.
    let retried = client.submit(&Submission { restore_from: None, ..missing }).await.expect_err("the id is taken");
    assert!(retried.is_duplicate_job(), "{retried}");
}

fn epoch_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
    i64::try_from(since.as_millis()).expect("in range")
}

/// Decides on `history` as of its newest sample.
fn decide_on(policy: &autopilot::AutopilotPolicy, history: &[autopilot::JobMetricsSample]) -> autopilot::Decision {
    let now_ms = history.iter().map(|s| s.taken_at_ms).max().unwrap_or_default();
    let state = autopilot::AutopilotState::default();
    autopilot::decide(&autopilot::DecisionInput { policy, history, state: &state, resources: None, now_ms })
}

#[tokio::test]
async fn a_back_pressured_job_with_a_backlog_gets_a_scale_up_recommendation_from_either_sample_depth() {
    use autopilot::{Action, AutopilotPolicy, Direction, Mode, NoChangeReason, NotAppliedReason, Tuning};
    use flink::{SampleDepth, SourceMetricNames};

    let client = cluster();
    // 2 ms of work per record caps the counter near 500 records/s, far below the 2000/s asked; the
    // source reports what it falls behind as `pendingRecords`.
    let args = ["--rate", "2000", "--keys", "100", "--work", "2000", "--lag-metric"];
    let job = client.submit(&counter(&args)).await.expect("submitted");
    wait_for_state(&client, &job, JobState::Running, Duration::from_secs(60)).await;
    let mut names = SourceMetricNames::default();
    // The source fills the network buffers at full speed first (tens of thousands of small
    // records); once they are full it waits on the counter, and its back-pressure climbs.
    let mut first = None;
    for _ in 0..90 {
        let gathered =
            client.job_metrics_sample(&job, epoch_ms(), SampleDepth::PerVertex, &mut names).await.expect("a sample");
        let source_back_pressure =
            gathered.sample.vertices.iter().find(|v| v.is_source).and_then(|v| v.back_pressured_time_ms_per_second_avg);
        if source_back_pressure.is_some_and(|ms| ms > 300.0) {
            first = Some(gathered);
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let first = first.expect("with 2 ms of work per record the source is back-pressured within 90 s");
    // Flink refreshes its metric store lazily (a request triggers the next fetch and is answered
    // from the last one), so sample at a steady cadence, as the engine will: each sample is then
    // at most one period old. A back-pressured source emits a network buffer's worth (thousands
    // of records) at a time: only a window of tens of seconds sees its rate.
    let mut per_vertex = vec![first.sample];
    let mut job_details = Vec::new();
    let mut last = None;
    for _ in 0..15 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let gathered =
            client.job_metrics_sample(&job, epoch_ms(), SampleDepth::PerVertex, &mut names).await.expect("a sample");
        per_vertex.push(gathered.sample.clone());
        last = Some(gathered);
        let cheap =
            client.job_metrics_sample(&job, epoch_ms(), SampleDepth::JobDetails, &mut names).await.expect("a sample");
        assert_eq!(cheap.requests, 1, "job details alone");
        job_details.push(cheap.sample);
    }
    let last = last.expect("samples");
    FlinkClient::cancel(&client, &job).await.expect("cancel");

    let vertices = last.sample.vertices.len() as u32;
    assert_eq!(vertices, 2, "source, then counter chained with the sink: {:?}", last.sample.vertices);
    assert_eq!(last.requests, 1 + vertices, "job details and one call per vertex once the source's names are known");
    assert!(
        last.sample.edges.iter().any(|e| e.ship_strategy == autopilot::ShipStrategy::Hash),
        "{:?}",
        last.sample.edges
    );

    let defaults = AutopilotPolicy {
        mode: Mode::Monitoring,
        tuning: Tuning { stabilization_seconds: 0, metrics_window_seconds: 25, ..Tuning::default() },
        ..AutopilotPolicy::default()
    };
    let narrow =
        AutopilotPolicy { tuning: Tuning { utilization_boundary: 0.1, ..defaults.tuning.clone() }, ..defaults.clone() };
    let recommended_up = Action::NotApplied { direction: Direction::Up, why: NotAppliedReason::Monitoring };

    // Per vertex, with the backlog: the operator's defaults scale the saturated counter up.
    let decision = decide_on(&defaults, &per_vertex);
    assert_eq!(decision.action, recommended_up, "{decision:#?}");
    for vertex in &decision.vertices {
        assert!((0.0..=100.0).contains(&vertex.busy_percent), "{vertex:#?}");
        assert!(vertex.input_rate > 0.0, "{vertex:#?}");
        assert!(vertex.target_rate > vertex.input_rate, "the backlog grows: {vertex:#?}");
        assert!(vertex.true_processing_rate.is_none_or(|rate| rate >= vertex.input_rate), "{vertex:#?}");
        assert_eq!(vertex.current_parallelism, 1);
    }
    let (source, counter) = (&decision.vertices[0], &decision.vertices[1]);
    assert!(source.name.starts_with("Source"), "sources first: {decision:#?}");
    assert!(source.pending_records.is_some_and(|lag| lag > 0.0), "{decision:#?}");
    assert!(source.back_pressured_percent.is_some_and(|p| p > 30.0), "the source waits on the counter: {decision:#?}");
    assert_eq!(source.recommended_parallelism, 1, "the source is not the bottleneck: {decision:#?}");
    assert!(counter.busy_percent > 80.0, "the counter is saturated: {decision:#?}");
    assert!(counter.recommended_parallelism >= 2, "{decision:#?}");

    // From job details alone (one call, no backlog seen): the defaults see nothing to do, since the
    // counter manages what the source sends; a narrower boundary (up above 80 % busy) scales it up.
    let decision = decide_on(&defaults, &job_details);
    assert_eq!(decision.action, Action::NoChange { reason: NoChangeReason::WithinBounds }, "{decision:#?}");
    let decision = decide_on(&narrow, &job_details);
    assert_eq!(decision.action, recommended_up, "{decision:#?}");
    let (source, counter) = (&decision.vertices[0], &decision.vertices[1]);
    assert!(source.back_pressured_percent.is_some_and(|p| p > 30.0), "{decision:#?}");
    assert!(source.input_rate > 0.0 && counter.input_rate > 0.0, "{decision:#?}");
    assert!((80.0..=100.0).contains(&counter.busy_percent), "{decision:#?}");
    assert!(counter.recommended_parallelism >= 2, "{decision:#?}");
    assert_eq!(source.recommended_parallelism, 1, "{decision:#?}");
}

#[tokio::test]
async fn the_default_scheduler_refuses_an_in_place_rescale_for_good() {
    use std::collections::BTreeMap;

    use flink::ParallelismBounds;

    let client = cluster();
    let job = client.submit(&counter(&["--rate", "20"])).await.expect("submitted");
    wait_for_state(&client, &job, JobState::Running, Duration::from_secs(60)).await;
    let vertices = client.vertices(&job).await.expect("the graph");
    let one = ParallelismBounds { lower_bound: 1, upper_bound: 1 };
    let two = ParallelismBounds { lower_bound: 1, upper_bound: 2 };

    let partial: BTreeMap<String, ParallelismBounds> = vertices.iter().skip(1).map(|v| (v.id.clone(), two)).collect();
    let incomplete = client.set_resource_requirements(&job, &partial).await.expect_err("every vertex must be named");
    assert!(incomplete.user_message().contains("missing job vertex"), "{}", incomplete.user_message());
    assert_eq!(incomplete.class(), ErrorClass::Permanent);

    let all: BTreeMap<String, ParallelismBounds> =
        vertices.iter().enumerate().map(|(i, v)| (v.id.clone(), if i == 0 { one } else { two })).collect();
    let refused = client.set_resource_requirements(&job, &all).await.expect_err("only the adaptive scheduler rescales");
    let read = client.resource_requirements(&job).await.expect_err("nor reports requirements");
    FlinkClient::cancel(&client, &job).await.expect("cancel");
    for err in [refused, read] {
        assert!(err.user_message().contains("does not support changing the parallelism"), "{}", err.user_message());
        assert_eq!(err.class(), ErrorClass::Permanent, "{err}");
    }
}
