//! The helper's process management, with a shell script standing in for `java`: answers, refusals,
//! hangs, deaths, idling, over-long answers and the environment it gets.

use std::path::Path;
use std::time::Duration;

use tokio::io::BufReader;

use super::*;

#[tokio::test]
async fn an_answer_longer_than_the_cap_is_an_error_not_an_allocation() {
    let long = vec![b'x'; 5000];
    let mut reader = BufReader::with_capacity(1024, &long[..]);
    let err = read_line_capped(&mut reader, 4096).await.expect_err("too long");
    assert!(matches!(err, InspectorError::Protocol(_)), "{err}");

    let mut reader = BufReader::with_capacity(16, &b"{\"ok\":true}\nnext\n"[..]);
    assert_eq!(read_line_capped(&mut reader, 4096).await.expect("a line"), b"{\"ok\":true}");
    assert_eq!(read_line_capped(&mut reader, 4096).await.expect("the next"), b"next");
    assert!(matches!(read_line_capped(&mut reader, 4096).await, Err(InspectorError::Exited(_))));
}

#[test]
fn answers_are_facts_or_flinks_refusal() {
    let refused = decode::<SavepointFacts>(br#"{"ok":false,"error":"Cannot find checkpoint or savepoint"}"#);
    assert!(matches!(refused, Err(InspectorError::Refused(ref m)) if m == "Cannot find checkpoint or savepoint"));
    let facts: SavepointFacts = decode(
        br#"{"ok":true,"checkpointId":5,"location":"file:/s","operators":[{"id":"ab","uid":null,"name":"x",
        "parallelism":1,"maxParallelism":128,"hasState":true,"hasCoordinatorState":false,"stateSize":9}]}"#,
    )
    .expect("facts");
    assert_eq!(facts.operators[0].max_parallelism, 128);
    assert!(matches!(decode::<SavepointFacts>(b"[1]"), Err(InspectorError::Protocol(_))));
    assert!(matches!(decode::<SavepointFacts>(b"oops"), Err(InspectorError::Protocol(_))));
}

#[test]
fn requests_are_the_helpers_json() {
    let configuration = [("pipeline.max-parallelism".to_owned(), "256".to_owned())].into();
    let args = vec!["--rate".to_owned(), "20".to_owned()];
    let graph = Request::Graph {
        jar: "/jobs/x.jar".into(),
        entry_class: None,
        args: &args,
        parallelism: Some(2),
        configuration: &configuration,
    };
    assert_eq!(
        serde_json::to_string(&graph).expect("json"),
        r#"{"op":"graph","jar":"/jobs/x.jar","entryClass":null,"args":["--rate","20"],"parallelism":2,"configuration":{"pipeline.max-parallelism":"256"}}"#
    );
    assert_eq!(
        serde_json::to_string(&Request::Savepoint { location: "file:/s" }).expect("json"),
        r#"{"op":"savepoint","location":"file:/s"}"#
    );
}

#[tokio::test]
async fn a_missing_helper_jar_or_flink_is_unavailable_not_a_crash() {
    let dir = tempfile::tempdir().expect("a directory");
    let inspector = Inspector::new(InspectorConfig::new(dir.path(), dir.path().join("none.jar"), dir.path()));
    let err = inspector.savepoint("file:/nowhere").await.expect_err("no Flink here");
    assert!(matches!(err, InspectorError::Unavailable(_)), "{err}");

    let fake = Fake::new("true");
    let config = InspectorConfig { java: fake.dir.path().join("no-such-java"), ..fake.config() };
    let err = Inspector::new(config).savepoint("file:/s").await.expect_err("no java");
    assert!(matches!(err, InspectorError::Unavailable(ref m) if m.contains("was not found")), "{err}");
}

const SAVEPOINT_ANSWER: &str = r#"{"ok":true,"checkpointId":1,"operators":[]}"#;

/// A Flink distribution and helper JAR in name only, and a script in place of `java`: it appends
/// its pid to `starts`, its environment to `env`, its arguments to `args`, then runs `body` (which reads requests on stdin).
struct Fake {
    dir: tempfile::TempDir,
}

impl Fake {
    fn new(body: &str) -> Self {
        let dir = tempfile::tempdir().expect("a directory");
        std::fs::create_dir_all(dir.path().join("flink/lib")).expect("lib");
        std::fs::write(dir.path().join("flink/lib/flink-dist-2.3.0.jar"), b"").expect("dist");
        std::fs::write(dir.path().join("state-inspector.jar"), b"").expect("jar");
        let script = format!(
            "#!/bin/sh\necho $$ >> '{dir}/starts'\nenv > '{dir}/env'\necho \"$@\" > '{dir}/args'\n{body}\n",
            dir = dir.path().display()
        );
        let java = dir.path().join("java");
        std::fs::write(&java, script).expect("script");
        std::fs::set_permissions(&java, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
        Self { dir }
    }

    fn config(&self) -> InspectorConfig {
        let root = self.dir.path();
        InspectorConfig {
            java: root.join("java"),
            request_timeout: Duration::from_secs(5),
            ..InspectorConfig::new(root.join("flink"), root.join("state-inspector.jar"), root.join("work"))
        }
    }

    fn starts(&self) -> Vec<u32> {
        std::fs::read_to_string(self.dir.path().join("starts"))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.trim().parse().ok())
            .collect()
    }
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| stat.contains(") Z "))
}

#[tokio::test]
async fn one_warm_helper_answers_request_after_request() {
    let fake = Fake::new(&format!("while read -r line; do echo '{SAVEPOINT_ANSWER}'; done"));
    let inspector = Inspector::new(fake.config());
    for _ in 0..3 {
        let facts = inspector.savepoint("file:/s").await.expect("facts");
        assert_eq!(facts.checkpoint_id, 1);
    }
    assert_eq!(fake.starts().len(), 1, "started once, kept warm");
    inspector.shutdown().await;
    assert!(!alive(fake.starts()[0]), "shut down");
}

#[tokio::test]
async fn a_hanging_helper_is_killed_and_the_next_request_gets_a_new_one() {
    let fake = Fake::new(&format!(
        "read -r line; case \"$line\" in *hang*) exec sleep 600;; esac; echo '{SAVEPOINT_ANSWER}'; \
         while read -r line; do echo '{SAVEPOINT_ANSWER}'; done"
    ));
    let inspector = Inspector::new(InspectorConfig { request_timeout: Duration::from_millis(500), ..fake.config() });
    let err = inspector.savepoint("file:/hang").await.expect_err("it hangs");
    assert!(matches!(err, InspectorError::Timeout(_)), "{err}");
    let first = fake.starts()[0];
    assert!(!alive(first), "the hanging helper was killed");
    inspector.savepoint("file:/s").await.expect("a new helper answers");
    assert_eq!(fake.starts().len(), 2);
}

#[tokio::test]
async fn a_helper_that_dies_is_reported_with_its_last_words_and_replaced() {
    let fake = Fake::new(&format!(
        "read -r line; case \"$line\" in *die*) echo 'Exception in thread main: boom' >&2; exit 3;; esac; \
         echo '{SAVEPOINT_ANSWER}'"
    ));
    let inspector = Inspector::new(fake.config());
    let err = inspector.savepoint("file:/die").await.expect_err("it dies");
    assert!(matches!(err, InspectorError::Exited(ref m) if m.contains("boom")), "{err}");
    inspector.savepoint("file:/s").await.expect("a new helper answers");
    assert_eq!(fake.starts().len(), 2);
}

#[tokio::test]
async fn an_overlong_answer_is_refused_and_the_helper_replaced() {
    let fake = Fake::new(&format!(
        "read -r line; head -c {} /dev/zero | tr '\\0' x; echo; while read -r line; do echo '{SAVEPOINT_ANSWER}'; done",
        MAX_ANSWER_BYTES + 10
    ));
    let inspector = Inspector::new(fake.config());
    let err = inspector.savepoint("file:/s").await.expect_err("too long");
    assert!(matches!(err, InspectorError::Protocol(ref m) if m.contains("MiB")), "{err}");
    assert!(!alive(fake.starts()[0]));
}

#[tokio::test]
async fn an_idle_helper_is_stopped_and_started_again_when_needed() {
    let fake = Fake::new(&format!("while read -r line; do echo '{SAVEPOINT_ANSWER}'; done"));
    let inspector = Inspector::new(InspectorConfig { idle_timeout: Duration::from_millis(300), ..fake.config() });
    inspector.savepoint("file:/s").await.expect("facts");
    let first = fake.starts()[0];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while alive(first) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!alive(first), "stopped after idling");
    inspector.savepoint("file:/s").await.expect("started again");
    assert_eq!(fake.starts().len(), 2);
}

#[tokio::test]
async fn the_helper_gets_no_console_secret_and_its_own_temporary_directory() {
    let fake = Fake::new(&format!("while read -r line; do echo '{SAVEPOINT_ANSWER}'; done"));
    let inspector = Inspector::new(fake.config());
    inspector.savepoint("file:/s").await.expect("facts");
    let env = std::fs::read_to_string(fake.dir.path().join("env")).expect("the environment it saw");
    let allowed = ["PATH", "JAVA_HOME", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "PWD", "SHLVL", "_", "OLDPWD"];
    for line in env.lines() {
        let name = line.split('=').next().unwrap_or_default();
        assert!(allowed.contains(&name) || name.starts_with("LC_"), "{name} reached the helper");
    }
    let args = std::fs::read_to_string(fake.dir.path().join("args")).expect("its arguments");
    let work = fake.dir.path().join("work");
    assert!(args.contains(&format!("-Djava.io.tmpdir={}", work.display())), "{args}");
    assert!(args.contains("-Xmx512m") && args.ends_with("console.tools.StateInspector\n"), "{args}");
}

#[tokio::test]
async fn a_request_given_up_on_leaves_no_stale_answer_for_the_next() {
    let fake = Fake::new(&format!(
        "while read -r line; do case \"$line\" in \
         *old*) sleep 1; echo '{{\"ok\":true,\"checkpointId\":99,\"operators\":[]}}';; \
         *) echo '{SAVEPOINT_ANSWER}';; esac; done"
    ));
    let inspector = Inspector::new(fake.config());
    let abandoned = tokio::time::timeout(Duration::from_millis(200), inspector.savepoint("file:/old")).await;
    assert!(abandoned.is_err(), "the caller stopped waiting");
    let facts = inspector.savepoint("file:/s").await.expect("facts");
    assert_eq!(facts.checkpoint_id, 1, "not the abandoned request's answer");
    assert_eq!(fake.starts().len(), 2);
}
