//! The inspector's requests and answers, and its helper as it is started (a shell script stands in
//! for `java`). Hangs, deaths, idling and over-long answers are `jvm`'s, tested there.

use std::path::Path;
use std::time::Duration;

use super::*;

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
