//! The check's predictions against what a real Flink 2.3 cluster does with the same restore:
//! savepoints of the example jobs, the inspector and `judge` on a changed job, then the changed job
//! really submitted with the savepoint. Needs FLINK_HOME, CONSOLE_JOBS_DIR (with
//! `state-inspector.jar`) and FLINK_REST_URL, which the test command (`make test`) sets; these
//! tests fail, rather than skip, without them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine as _;
use compat::{judge, Inspector, InspectorConfig, InspectorError, JudgeInput, Judgement, Program};
use domain::{ArtifactKind, Compatibility};
use flink::{FlinkClient, FlinkCluster, JobId, JobState, Operation, SavepointRequest, Submission};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run the real-Flink tests through `make test`"))
}

fn cluster() -> FlinkClient {
    FlinkClient::new(&env("FLINK_REST_URL")).expect("a client")
}

fn jobs_dir() -> PathBuf {
    PathBuf::from(env("CONSOLE_JOBS_DIR"))
}

fn inspector(work_dir: &std::path::Path) -> Inspector {
    Inspector::new(InspectorConfig::new(env("FLINK_HOME"), jobs_dir().join("state-inspector.jar"), work_dir))
}

fn counter(args: &[&str], parallelism: u32, configuration: &[(&str, &str)]) -> Submission {
    Submission {
        jar: jobs_dir().join("stateful-job.jar"),
        entry_class: Some("console.examples.StatefulCounter".into()),
        args: args.iter().map(|a| a.to_string()).collect(),
        parallelism: Some(parallelism),
        flink_configuration: configuration.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Submission::default()
    }
}

/// A datagen → GROUP BY k → blackhole job whose aggregate computes `aggregate`.
fn group_by(aggregate: &str) -> Submission {
    let script = format!(
        "CREATE TEMPORARY TABLE src (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '20', \
         'fields.k.min' = '0', 'fields.k.max' = '9');\n\
         CREATE TEMPORARY TABLE snk (k INT, cnt BIGINT) WITH ('connector' = 'blackhole');\n\
         INSERT INTO snk SELECT k, {aggregate} AS cnt FROM src GROUP BY k;"
    );
    Submission {
        jar: jobs_dir().join("sql-runner.jar"),
        entry_class: Some("console.examples.SqlRunner".into()),
        args: vec!["--script-base64".into(), base64::engine::general_purpose::STANDARD.encode(script)],
        parallelism: Some(1),
        ..Submission::default()
    }
}

async fn wait_for_state(client: &FlinkClient, job: &JobId, wanted: JobState, within: Duration) -> Result<(), String> {
    let deadline = Instant::now() + within;
    let mut last = None;
    while Instant::now() < deadline {
        match FlinkClient::job_state(client, job).await {
            Ok(state) if state == wanted => return Ok(()),
            Ok(state) if state.is_terminal() => return Err(format!("{state:?}")),
            Ok(state) => last = Some(state),
            Err(err) => return Err(format!("asking for the state of {job}: {err}")),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!("not {wanted:?} within {within:?}; last seen {last:?}"))
}

/// Runs `submission` for a few seconds, takes a savepoint and cancels the job.
async fn savepoint_of(client: &FlinkClient, submission: &Submission) -> String {
    let job = client.submit(submission).await.expect("the job is submitted");
    wait_for_state(client, &job, JobState::Running, Duration::from_secs(90)).await.expect("the job runs");
    // Let records reach the stateful operators before the savepoint.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let target = std::env::temp_dir().join("console-compat-savepoints");
    let request = SavepointRequest {
        target_directory: Some(format!("file://{}", target.display())),
        trigger_id: None,
        drain: false,
        native: false,
    };
    for _ in 0..50 {
        let trigger = FlinkClient::trigger_savepoint(client, &job, &request).await.expect("trigger");
        loop {
            match FlinkClient::savepoint_operation(client, &job, &trigger).await.expect("poll") {
                Operation::InProgress => tokio::time::sleep(Duration::from_millis(200)).await,
                Operation::Completed { location: Some(location) } => {
                    FlinkClient::cancel(client, &job).await.expect("cancel");
                    return location;
                }
                Operation::Completed { location: None } => panic!("a savepoint without location"),
                Operation::Failed { .. } => break,
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("no savepoint of {job} succeeded");
}

/// What Flink did with a restore.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// The job runs, restored from the savepoint.
    Runs,
    /// The submission was refused, with Flink's message.
    Refused(String),
    /// The job was accepted but did not keep running.
    Failed(String),
}

impl Outcome {
    fn short(&self) -> String {
        match self {
            Self::Runs => "RUNNING (restored)".into(),
            Self::Refused(message) => format!("refused: {}", first_words(message, 70)),
            Self::Failed(why) => format!("failed: {}", first_words(why, 70)),
        }
    }
}

fn first_words(text: &str, chars: usize) -> String {
    let line = text.lines().find(|l| l.contains("Cannot") || l.contains("parallelism")).unwrap_or(text);
    let start = ["Cannot map", "Max parallelism", "The maximum parallelism"]
        .iter()
        .find_map(|needle| line.find(needle))
        .unwrap_or(0);
    line[start..].chars().take(chars).collect()
}

/// Submits `submission` restoring `location` and watches it; the job is cancelled afterwards.
async fn restore(client: &FlinkClient, submission: &Submission, location: &str, allow: bool) -> Outcome {
    let restoring =
        Submission { restore_from: Some(location.to_owned()), allow_non_restored_state: allow, ..submission.clone() };
    let job = match client.submit(&restoring).await {
        Ok(job) => job,
        Err(err) => return Outcome::Refused(err.user_message()),
    };
    let outcome = observe(client, &job, location).await;
    let _ = FlinkClient::cancel(client, &job).await;
    outcome
}

async fn observe(client: &FlinkClient, job: &JobId, location: &str) -> Outcome {
    if let Err(why) = wait_for_state(client, job, JobState::Running, Duration::from_secs(90)).await {
        return Outcome::Failed(why);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let restored = client.checkpoints(job).await.ok().and_then(|summary| summary.restored_from);
        if restored.as_deref() == Some(location) {
            break;
        }
        if Instant::now() > deadline {
            return Outcome::Failed(format!("running, but restored from {restored:?}, not {location}"));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // A restore that fails in the tasks makes the job restart; watch it for a while.
    tokio::time::sleep(Duration::from_secs(5)).await;
    match FlinkClient::job_state(client, job).await {
        Ok(JobState::Running) => Outcome::Runs,
        Ok(state) => Outcome::Failed(format!("{state:?} after the restore")),
        Err(err) => Outcome::Failed(err.to_string()),
    }
}

struct Scenario {
    name: &'static str,
    kind: ArtifactKind,
    submission: Submission,
    allow_non_restored_state: bool,
    expected: Compatibility,
    /// Flink restores it, though the check calls it incompatible: the state's meaning changed.
    stricter_than_flink: bool,
}

impl Scenario {
    fn new(name: &'static str, kind: ArtifactKind, submission: Submission, expected: Compatibility) -> Self {
        Self { name, kind, submission, allow_non_restored_state: false, expected, stricter_than_flink: false }
    }
}

/// The check as the console runs it: the savepoint's facts, the new graph, the graph of the job
/// that took the savepoint (`old`), then `judge`.
async fn check(
    inspector: &Inspector,
    location: &str,
    old: &Submission,
    scenario: &Scenario,
) -> Result<Judgement, InspectorError> {
    let savepoint = inspector.savepoint(location).await?;
    let graph = inspector.graph(&Program::from(&scenario.submission)).await?;
    let old_graph = inspector.graph(&Program::from(old)).await?;
    Ok(judge(&JudgeInput {
        savepoint: &savepoint,
        graph: &graph,
        old_graph: Some(&old_graph),
        kind: scenario.kind,
        allow_non_restored_state: scenario.allow_non_restored_state,
        savepoint_flink_version: Some("2.3.0"),
        flink_version: None,
        parallelism: scenario.submission.parallelism,
    }))
}

fn agrees(predicted: Compatibility, outcome: &Outcome) -> bool {
    match predicted {
        Compatibility::FullyCompatible | Compatibility::PartiallyCompatible => *outcome == Outcome::Runs,
        Compatibility::Incompatible => matches!(outcome, Outcome::Refused(_)),
        Compatibility::Unknown => false,
    }
}

#[tokio::test]
async fn the_check_predicts_what_flink_does_with_each_restore() {
    let client = cluster();
    let work = tempfile::tempdir().expect("a work directory");
    let inspector = inspector(work.path());

    let jar_base = counter(&["--rate", "50", "--keys", "20"], 1, &[]);
    let sql_base = group_by("COUNT(*)");
    let jar_savepoint = savepoint_of(&client, &jar_base).await;
    let sql_savepoint = savepoint_of(&client, &sql_base).await;

    use ArtifactKind::{Jar, Sqlscript};
    use Compatibility::{FullyCompatible, Incompatible, PartiallyCompatible};
    let scenarios = vec![
        Scenario::new("JAR unchanged", Jar, jar_base.clone(), FullyCompatible),
        Scenario::new(
            "JAR --uid-suffix _v2",
            Jar,
            counter(&["--rate", "50", "--keys", "20", "--uid-suffix", "_v2"], 1, &[]),
            Incompatible,
        ),
        Scenario {
            allow_non_restored_state: true,
            ..Scenario::new(
                "JAR --uid-suffix _v2, allowNonRestoredState",
                Jar,
                counter(&["--rate", "50", "--keys", "20", "--uid-suffix", "_v2"], 1, &[]),
                PartiallyCompatible,
            )
        },
        Scenario::new("JAR parallelism 200", Jar, counter(&["--rate", "50", "--keys", "20"], 200, &[]), Incompatible),
        Scenario::new(
            "JAR pipeline.max-parallelism=256",
            Jar,
            counter(&["--rate", "50", "--keys", "20"], 1, &[("pipeline.max-parallelism", "256")]),
            Incompatible,
        ),
        Scenario::new("SQL unchanged", Sqlscript, sql_base.clone(), FullyCompatible),
        Scenario::new("SQL COUNT(*) → SUM(v)", Sqlscript, group_by("SUM(v)"), Incompatible),
        Scenario {
            stricter_than_flink: true,
            ..Scenario::new(
                "SQL COUNT(*) → MIN(CAST(k AS BIGINT))",
                Sqlscript,
                group_by("MIN(CAST(k AS BIGINT))"),
                Incompatible,
            )
        },
    ];

    let mut rows = Vec::new();
    let mut details = Vec::new();
    let mut failures = Vec::new();
    for scenario in &scenarios {
        let (location, old) = match scenario.kind {
            Jar => (&jar_savepoint, &jar_base),
            Sqlscript => (&sql_savepoint, &sql_base),
        };
        let judgement = match check(&inspector, location, old, scenario).await {
            Ok(judgement) => judgement,
            Err(err) => {
                failures.push(format!("{}: the check failed: {err}", scenario.name));
                continue;
            }
        };
        let outcome = restore(&client, &scenario.submission, location, scenario.allow_non_restored_state).await;
        let agreement = match (agrees(judgement.compatibility, &outcome), scenario.stricter_than_flink) {
            (true, false) => "same",
            (false, true) if outcome == Outcome::Runs => "stricter: Flink restores state of another computation",
            _ => "MISMATCH",
        };
        if judgement.compatibility != scenario.expected || agreement == "MISMATCH" {
            failures.push(format!(
                "{}: predicted {} (expected {}), Flink: {outcome:?}\n  reasons: {:#?}",
                scenario.name,
                judgement.compatibility.as_str(),
                scenario.expected.as_str(),
                judgement.reasons
            ));
        }
        details.push(format!("{}: {:?}", scenario.name, judgement.suggested_actions));
        for reason in &judgement.reasons {
            details.push(format!("  [{}] {}", reason.compatibility.as_str(), reason.message));
        }
        let first_reason = judgement.reasons.first().map(|r| first_words(&r.message, 90)).unwrap_or_default();
        rows.push(format!(
            "| {} | {} | {} | {} | {} |",
            scenario.name,
            judgement.compatibility.as_str(),
            outcome.short(),
            agreement,
            first_reason
        ));
    }
    println!("| Scenario | Predicted | Flink | Agreement | First reason |\n|---|---|---|---|---|");
    for row in &rows {
        println!("{row}");
    }
    println!("\n{}", details.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn p50(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::test]
async fn the_check_answers_within_seconds_cold_and_milliseconds_warm() {
    let client = cluster();
    let work = tempfile::tempdir().expect("a work directory");
    let inspector = inspector(work.path());
    let cases = [
        ("JAR (StatefulCounter)", ArtifactKind::Jar, counter(&["--rate", "50"], 1, &[])),
        ("SQL (GROUP BY)", ArtifactKind::Sqlscript, group_by("COUNT(*)")),
    ];
    let mut lines = Vec::new();
    for (name, kind, submission) in cases {
        let location = savepoint_of(&client, &submission).await;
        let scenario = Scenario::new(name, kind, submission.clone(), Compatibility::FullyCompatible);
        inspector.shutdown().await;
        let started = Instant::now();
        let judgement = check(&inspector, &location, &submission, &scenario).await.expect("checked");
        let first = started.elapsed();
        assert_eq!(judgement.compatibility, Compatibility::FullyCompatible, "{:#?}", judgement.reasons);
        let started = Instant::now();
        check(&inspector, &location, &submission, &scenario).await.expect("checked");
        let second = started.elapsed();
        let mut warm = Vec::new();
        for _ in 0..7 {
            let started = Instant::now();
            check(&inspector, &location, &submission, &scenario).await.expect("checked");
            warm.push(started.elapsed());
        }
        let warm = p50(warm);
        lines.push(format!(
            "| {name} | {} ms | {} ms | {} ms |",
            first.as_millis(),
            second.as_millis(),
            warm.as_millis()
        ));
        assert!(warm < Duration::from_secs(5), "{name}: a warm check took {warm:?}");
    }
    inspector.shutdown().await;
    println!(
        "| Check (savepoint + new graph + old graph + judge) | First, JVM start included | Second | p50 of 7 more |\n|---|---|---|---|"
    );
    for line in lines {
        println!("{line}");
    }
}

#[tokio::test]
async fn bad_requests_are_refused_with_flinks_message_and_the_helper_stays_up() {
    let work = tempfile::tempdir().expect("a work directory");
    let inspector = inspector(work.path());
    for (location, says) in [
        ("relative/savepoint-1", "relative"),
        ("s3://bucket/savepoint-1", "only local savepoints"),
        ("file:/nowhere/savepoint-1", "Cannot find checkpoint or savepoint"),
    ] {
        match inspector.savepoint(location).await {
            Err(InspectorError::Refused(message)) => {
                assert!(message.contains(says), "{location}: {message}");
                assert!(!message.contains("\tat "), "no stack frames: {message}");
            }
            other => panic!("{location}: {other:?}"),
        }
    }
    let missing_factory = Submission {
        args: vec![
            "--script-base64".into(),
            base64::engine::general_purpose::STANDARD.encode(
                "CREATE TEMPORARY TABLE k (n INT) WITH ('connector' = 'kafka');\n\
                 CREATE TEMPORARY TABLE s (n INT) WITH ('connector' = 'blackhole');\n\
                 INSERT INTO s SELECT n FROM k;",
            ),
        ],
        ..group_by("COUNT(*)")
    };
    match inspector.graph(&Program::from(&missing_factory)).await {
        Err(InspectorError::Refused(message)) => assert!(message.contains("'kafka'"), "{message}"),
        other => panic!("a missing connector: {other:?}"),
    }
    let graph =
        inspector
            .graph(&Program::from(&counter(&["--rate", "5"], 2, &[])).over_cluster_configuration(&BTreeMap::from([(
                "pipeline.max-parallelism".to_owned(),
                "64".to_owned(),
            )])))
            .await
            .expect("the helper still answers");
    let counter_vertex = graph.vertices.iter().find(|v| v.name.starts_with("counter")).expect("the counter's vertex");
    assert_eq!((counter_vertex.parallelism, counter_vertex.max_parallelism), (2, 64));
    let chained: Vec<_> = counter_vertex.operators.iter().map(|o| o.uid.as_deref()).collect();
    assert_eq!(chained, [Some("counter"), Some("discard")], "chained operators are listed, the head first");
}
