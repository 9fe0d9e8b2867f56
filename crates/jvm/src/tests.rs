//! The process management, with a shell script standing in for `java`: answers, refusals, hangs,
//! deaths, idling, over-long answers and the environment it gets.

use std::path::Path;
use std::time::Duration;

use tokio::io::BufReader;

use serde::Deserialize;

use super::*;

/// The answer the fake helper gives.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Facts {
    checkpoint_id: i64,
}

/// Asks the helper as a client would.
async fn savepoint(helper: &JvmHelper, location: &str) -> Result<Facts, HelperError> {
    helper.ask(&serde_json::json!({"op": "savepoint", "location": location})).await
}

#[test]
fn answers_are_facts_or_the_helpers_refusal() {
    let refused = decode::<Facts>(br#"{"ok":false,"error":"Cannot find checkpoint or savepoint"}"#);
    assert!(matches!(refused, Err(HelperError::Refused(ref m)) if m == "Cannot find checkpoint or savepoint"));
    let facts: Facts = decode(br#"{"ok":true,"checkpointId":5}"#).expect("facts");
    assert_eq!(facts.checkpoint_id, 5);
    assert!(matches!(decode::<Facts>(b"[1]"), Err(HelperError::Protocol(_))));
    assert!(matches!(decode::<Facts>(b"oops"), Err(HelperError::Protocol(_))));
}

#[tokio::test]
async fn an_answer_longer_than_the_cap_is_an_error_not_an_allocation() {
    let long = vec![b'x'; 5000];
    let mut reader = BufReader::with_capacity(1024, &long[..]);
    let err = read_line_capped(&mut reader, 4096).await.expect_err("too long");
    assert!(matches!(err, HelperError::Protocol(_)), "{err}");

    let mut reader = BufReader::with_capacity(16, &b"{\"ok\":true}\nnext\n"[..]);
    assert_eq!(read_line_capped(&mut reader, 4096).await.expect("a line"), b"{\"ok\":true}");
    assert_eq!(read_line_capped(&mut reader, 4096).await.expect("the next"), b"next");
    assert!(matches!(read_line_capped(&mut reader, 4096).await, Err(HelperError::Exited(_))));
}

#[tokio::test]
async fn a_missing_helper_jar_or_flink_is_unavailable_not_a_crash() {
    let dir = tempfile::tempdir().expect("a directory");
    let helper = JvmHelper::new(HelperConfig::new(dir.path(), dir.path().join("none.jar"), "x.Main", dir.path()));
    let err = savepoint(&helper, "file:/nowhere").await.expect_err("no Flink here");
    assert!(matches!(err, HelperError::Unavailable(_)), "{err}");

    let fake = Fake::new("true");
    let config = HelperConfig { java: fake.dir.path().join("no-such-java"), ..fake.config() };
    let err = savepoint(&JvmHelper::new(config), "file:/s").await.expect_err("no java");
    assert!(matches!(err, HelperError::Unavailable(ref m) if m.contains("was not found")), "{err}");
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
        std::fs::write(dir.path().join("helper.jar"), b"").expect("jar");
        let script = format!(
            "#!/bin/sh\necho $$ >> '{dir}/starts'\nenv > '{dir}/env'\necho \"$@\" > '{dir}/args'\n{body}\n",
            dir = dir.path().display()
        );
        let java = dir.path().join("java");
        std::fs::write(&java, script).expect("script");
        std::fs::set_permissions(&java, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
        Self { dir }
    }

    fn config(&self) -> HelperConfig {
        let root = self.dir.path();
        HelperConfig {
            java: root.join("java"),
            request_timeout: Duration::from_secs(5),
            ..HelperConfig::new(root.join("flink"), root.join("helper.jar"), "console.tools.Helper", root.join("work"))
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
    let helper = JvmHelper::new(fake.config());
    for _ in 0..3 {
        let facts = savepoint(&helper, "file:/s").await.expect("facts");
        assert_eq!(facts.checkpoint_id, 1);
    }
    assert_eq!(fake.starts().len(), 1, "started once, kept warm");
    helper.shutdown().await;
    assert!(!alive(fake.starts()[0]), "shut down");
}

#[tokio::test]
async fn a_hanging_helper_is_killed_and_the_next_request_gets_a_new_one() {
    let fake = Fake::new(&format!(
        "read -r line; case \"$line\" in *hang*) exec sleep 600;; esac; echo '{SAVEPOINT_ANSWER}'; \
         while read -r line; do echo '{SAVEPOINT_ANSWER}'; done"
    ));
    let helper = JvmHelper::new(HelperConfig { request_timeout: Duration::from_millis(500), ..fake.config() });
    let err = savepoint(&helper, "file:/hang").await.expect_err("it hangs");
    assert!(matches!(err, HelperError::Timeout(_)), "{err}");
    let first = fake.starts()[0];
    assert!(!alive(first), "the hanging helper was killed");
    savepoint(&helper, "file:/s").await.expect("a new helper answers");
    assert_eq!(fake.starts().len(), 2);
}

#[tokio::test]
async fn a_helper_that_dies_is_reported_with_its_last_words_and_replaced() {
    let fake = Fake::new(&format!(
        "read -r line; case \"$line\" in *die*) echo 'Exception in thread main: boom' >&2; exit 3;; esac; \
         echo '{SAVEPOINT_ANSWER}'"
    ));
    let helper = JvmHelper::new(fake.config());
    let err = savepoint(&helper, "file:/die").await.expect_err("it dies");
    assert!(matches!(err, HelperError::Exited(ref m) if m.contains("boom")), "{err}");
    savepoint(&helper, "file:/s").await.expect("a new helper answers");
    assert_eq!(fake.starts().len(), 2);
}

#[tokio::test]
async fn an_overlong_answer_is_refused_and_the_helper_replaced() {
    let fake = Fake::new(&format!(
        "read -r line; head -c {} /dev/zero | tr '\\0' x; echo; while read -r line; do echo '{SAVEPOINT_ANSWER}'; done",
        MAX_ANSWER_BYTES + 10
    ));
    let helper = JvmHelper::new(fake.config());
    let err = savepoint(&helper, "file:/s").await.expect_err("too long");
    assert!(matches!(err, HelperError::Protocol(ref m) if m.contains("MiB")), "{err}");
    assert!(!alive(fake.starts()[0]));
}

#[tokio::test]
async fn an_idle_helper_is_stopped_and_started_again_when_needed() {
    let fake = Fake::new(&format!("while read -r line; do echo '{SAVEPOINT_ANSWER}'; done"));
    let helper = JvmHelper::new(HelperConfig { idle_timeout: Duration::from_millis(300), ..fake.config() });
    savepoint(&helper, "file:/s").await.expect("facts");
    let first = fake.starts()[0];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while alive(first) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!alive(first), "stopped after idling");
    savepoint(&helper, "file:/s").await.expect("started again");
    assert_eq!(fake.starts().len(), 2);
}

#[tokio::test]
async fn the_helper_gets_no_console_secret_and_its_own_temporary_directory() {
    let fake = Fake::new(&format!("while read -r line; do echo '{SAVEPOINT_ANSWER}'; done"));
    let helper = JvmHelper::new(fake.config());
    savepoint(&helper, "file:/s").await.expect("facts");
    let env = std::fs::read_to_string(fake.dir.path().join("env")).expect("the environment it saw");
    let allowed = ["PATH", "JAVA_HOME", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "PWD", "SHLVL", "_", "OLDPWD"];
    for line in env.lines() {
        let name = line.split('=').next().unwrap_or_default();
        assert!(allowed.contains(&name) || name.starts_with("LC_"), "{name} reached the helper");
    }
    let args = std::fs::read_to_string(fake.dir.path().join("args")).expect("its arguments");
    let work = fake.dir.path().join("work");
    assert!(args.contains(&format!("-Djava.io.tmpdir={}", work.display())), "{args}");
    assert!(args.contains("-Xmx512m") && args.ends_with("console.tools.Helper\n"), "{args}");
}

#[tokio::test]
async fn a_request_given_up_on_leaves_no_stale_answer_for_the_next() {
    let fake = Fake::new(&format!(
        "while read -r line; do case \"$line\" in \
         *old*) sleep 1; echo '{{\"ok\":true,\"checkpointId\":99,\"operators\":[]}}';; \
         *) echo '{SAVEPOINT_ANSWER}';; esac; done"
    ));
    let helper = JvmHelper::new(fake.config());
    let abandoned = tokio::time::timeout(Duration::from_millis(200), savepoint(&helper, "file:/old")).await;
    assert!(abandoned.is_err(), "the caller stopped waiting");
    let facts = savepoint(&helper, "file:/s").await.expect("facts");
    assert_eq!(facts.checkpoint_id, 1, "not the abandoned request's answer");
    assert_eq!(fake.starts().len(), 2);
}
