//! Alibaba Cloud's Realtime Compute OpenAPI (2022-07-18) under `/api/v2`: the envelope, the exact
//! field names of the SDK's models, status codes, paging from 1, the percent-encoded `:` of custom
//! methods, and refusals that name the field and change nothing. Called as Alibaba's SDK calls it:
//! `x-acs-bearer-token: <API token>`, JSON bodies.

use axum::body::Body;
use axum::http::StatusCode;
use domain::{JobState, Role};
use serde_json::{json, Value};
use services::Caller;

use crate::jobs::{default_namespace, job};
use crate::support::{console, Console, Reply};

const V2: &str = "/api/v2/namespaces/default";

/// A console with an EDITOR token of `default`, whose secret every call here sends.
struct Alibaba {
    console: Console,
    token: String,
}

async fn alibaba() -> Alibaba {
    let console = console().await;
    let (admin, _) = console.store.user_by_name("admin").await.expect("read").expect("the admin");
    let (_, secret) = console
        .state
        .services
        .create_api_token(&Caller::User(admin), &default_namespace(), "sdk", Role::Editor, None)
        .await
        .expect("a token");
    Alibaba { console, token: secret.expose().to_owned() }
}

impl Alibaba {
    async fn call(&self, method: &str, uri: &str, body: Option<Value>) -> Reply {
        let headers = [
            ("x-acs-bearer-token", self.token.as_str()),
            ("content-type", "application/json; charset=utf-8"),
            ("workspace", "ignored-workspace"),
        ];
        let body = body.map_or(Body::empty(), |b| Body::from(b.to_string()));
        self.console.send(method, uri, &headers, body).await
    }

    /// A call that must succeed: its `data`.
    async fn ok(&self, method: &str, uri: &str, body: Option<Value>) -> Value {
        let reply = self.call(method, uri, body).await;
        assert_eq!(reply.status, StatusCode::OK, "{method} {uri}: {}", reply.body);
        let envelope = reply.json();
        assert_eq!(envelope["success"], true, "{}", reply.body);
        assert_eq!(envelope["httpCode"], 200);
        envelope["data"].clone()
    }

    /// A call that must fail with `status`: its envelope, checked for the SDK's fields.
    async fn refused(&self, method: &str, uri: &str, body: Option<Value>, status: u16) -> Value {
        let reply = self.call(method, uri, body).await;
        assert_eq!(reply.status.as_u16(), status, "{method} {uri}: {}", reply.body);
        assert!(reply.content_type.starts_with("application/json"), "{}", reply.content_type);
        let envelope = reply.json();
        assert_eq!(envelope["success"], false);
        assert_eq!(envelope["httpCode"], status);
        assert_eq!(envelope["code"], envelope["errorCode"]);
        assert_eq!(envelope["message"], envelope["errorMessage"]);
        assert!(envelope["requestId"].as_str().is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()));
        assert!(envelope.get("data").is_none());
        envelope
    }

    /// Creates a JAR deployment called `name`; its Alibaba shape.
    async fn deployment(&self, name: &str) -> Value {
        let jar = self.console.jar("counter.jar");
        self.ok("POST", &format!("{V2}/deployments"), Some(jar_deployment(name, &jar))).await
    }

    /// Deployments, jobs and savepoints of `default`, for "nothing changed".
    async fn snapshot(&self) -> String {
        let ns = default_namespace();
        let page = storage::Page::first(100_000);
        let store = &self.console.store;
        let deployments = store.list_deployments(&ns, None, &page).await.expect("deployments").items;
        let jobs = store.list_jobs(&ns, None, &page).await.expect("jobs").items;
        let savepoints = store.list_savepoints(&ns, None, None, &page).await.expect("savepoints").items;
        serde_json::to_string(&(deployments, jobs, savepoints)).expect("json")
    }
}

/// A JAR deployment as Alibaba's SDK sends it (`localVariables` is always there, empty).
fn jar_deployment(name: &str, jar: &str) -> Value {
    json!({
        "name": name,
        "description": "counts per key",
        "engineVersion": "vvr-8.0.5-flink-1.17",
        "executionMode": "STREAMING",
        "artifact": {"kind": "JAR", "jarArtifact": {
            "jarUri": jar, "entryClass": "console.examples.StatefulCounter", "mainArgs": "--rate 10"}},
        "streamingResourceSetting": {"resourceSettingMode": "BASIC", "basicResourceSetting": {
            "parallelism": 2,
            "jobmanagerResourceSettingSpec": {"cpu": 1.0, "memory": "1Gi"},
            "taskmanagerResourceSettingSpec": {"cpu": 2.0, "memory": "4Gi"}}},
        "flinkConf": {"execution.checkpointing.interval": "10s", "pipeline.max-parallelism": 128},
        "deploymentTarget": {"mode": "PER_JOB", "name": "local"},
        "labels": {"team": "search"},
        "localVariables": []
    })
}

#[tokio::test]
async fn a_deployment_is_created_read_changed_and_deleted_in_alibabas_shape() {
    let api = alibaba().await;
    let created = api.deployment("counter").await;
    let id = created["deploymentId"].as_str().expect("an id").to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert_eq!(created["name"], "counter");
    assert_eq!(created["namespace"], "default");
    assert_eq!(created["description"], "counts per key");
    assert_eq!(created["engineVersion"], "vvr-8.0.5-flink-1.17");
    assert_eq!(created["executionMode"], "STREAMING");
    assert_eq!(created["artifact"]["kind"], "JAR");
    assert_eq!(created["artifact"]["jarArtifact"]["entryClass"], "console.examples.StatefulCounter");
    assert_eq!(created["artifact"]["jarArtifact"]["mainArgs"], "--rate 10");
    let basic = &created["streamingResourceSetting"]["basicResourceSetting"];
    assert_eq!(created["streamingResourceSetting"]["resourceSettingMode"], "BASIC");
    assert_eq!(basic["parallelism"], 2);
    assert_eq!(basic["taskmanagerResourceSettingSpec"], json!({"cpu": 2.0, "memory": "4Gi"}));
    assert_eq!(created["flinkConf"]["pipeline.max-parallelism"], "128", "configuration values are strings");
    assert_eq!(created["deploymentTarget"], json!({"mode": "SESSION", "name": "local"}));
    assert_eq!(created["labels"], json!({"team": "search"}));
    assert_eq!(
        created["jobSummary"],
        json!({"starting": 0, "running": 0, "cancelling": 0, "cancelled": 0, "finished": 0, "failed": 0})
    );
    assert!(created.get("batchResourceSetting").is_none());
    assert!(created.get("status").is_none(), "an Alibaba deployment has no state: its jobs do");

    // The same deployment, as /api/v1 sees it: one model.
    let (_, v1) = api.console.get(&format!("/api/v1/namespaces/default/deployments/{id}")).await;
    assert_eq!(v1["spec"]["template"]["spec"]["parallelism"], 2);
    assert_eq!(v1["spec"]["template"]["spec"]["resources"]["jobmanager"]["memory"], "1Gi");
    assert_eq!(v1["metadata"]["annotations"]["alibaba.com/description"], "counts per key");

    let got = api.ok("GET", &format!("{V2}/deployments/{id}"), None).await;
    assert_eq!(got["deploymentId"], id.as_str());
    assert_eq!(got["modifier"], "token:sdk", "the last change's author, by the audit log");
    let by_name = api.ok("GET", &format!("{V2}/deployments/name/counter"), None).await;
    assert_eq!(by_name.as_array().map(Vec::len), Some(1));
    assert_eq!(by_name[0]["deploymentId"], id.as_str());
    assert_eq!(api.ok("GET", &format!("{V2}/deployments/name/nobody"), None).await, json!([]));

    // An update changes what it names; labels and flinkConf, when given, replace the whole map.
    let change = json!({"streamingResourceSetting": {"basicResourceSetting": {"parallelism": 4}},
        "flinkConf": {"execution.checkpointing.interval": "30s"}, "labels": {"tier": "gold"}});
    let updated = api.ok("PUT", &format!("{V2}/deployments/{id}"), Some(change)).await;
    assert_eq!(updated["streamingResourceSetting"]["basicResourceSetting"]["parallelism"], 4);
    assert_eq!(updated["flinkConf"], json!({"execution.checkpointing.interval": "30s"}));
    assert_eq!(updated["labels"], json!({"tier": "gold"}));
    assert_eq!(updated["artifact"]["jarArtifact"]["entryClass"], "console.examples.StatefulCounter", "untouched");
    let renamed = api
        .ok(
            "PUT",
            &format!("{V2}/deployments/updateDeployment/byName?deploymentName=counter"),
            Some(json!({"description": "v2"})),
        )
        .await;
    assert_eq!(renamed["description"], "v2");
    let by_label =
        api.ok("GET", &format!("{V2}/deployments/getDeployments/byLabel?labelKey=tier&labelValue=gold"), None).await;
    assert_eq!(by_label.as_array().map(Vec::len), Some(1));

    let reply = api.call("DELETE", &format!("{V2}/deployments/{id}"), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let envelope = reply.json();
    assert_eq!(envelope["success"], true);
    assert!(envelope.get("data").is_none(), "Alibaba's delete answers no data: {envelope}");
    let refused = api.refused("GET", &format!("{V2}/deployments/{id}"), None, 404).await;
    assert_eq!(refused["code"], "NotFound");
    assert_eq!(refused["message"], format!("deployment {id} was not found"));
    api.deployment("second").await;
    api.ok("DELETE", &format!("{V2}/deployments/deleteDeployment/byName?deploymentName=second"), None).await;
    api.refused("DELETE", &format!("{V2}/deployments/deleteDeployment/byName?deploymentName=second"), None, 404).await;
}

#[tokio::test]
async fn a_sql_script_and_a_batch_deployment_keep_their_own_settings() {
    let api = alibaba().await;
    let script = "CREATE TEMPORARY TABLE s (id BIGINT) WITH ('connector' = 'datagen');\nSELECT 1;";
    let sql = json!({"name": "orders-v2", "artifact": {"kind": "SQLSCRIPT", "sqlArtifact": {"sqlScript": script}},
        "streamingResourceSetting": {"basicResourceSetting": {"parallelism": 1}}, "localVariables": []});
    let created = api.ok("POST", &format!("{V2}/deployments"), Some(sql)).await;
    assert_eq!(created["artifact"], json!({"kind": "SQLSCRIPT", "sqlArtifact": {"sqlScript": script}}));
    assert_eq!(created["deploymentTarget"]["name"], "local", "the namespace's default target");
    let jar = api.console.jar("batch.jar");
    let mut batch = jar_deployment("nightly", &jar);
    batch["executionMode"] = json!("BATCH");
    let refused = api.refused("POST", &format!("{V2}/deployments"), Some(batch.clone()), 400).await;
    assert!(refused["message"].as_str().is_some_and(|m| m.starts_with("streamingResourceSetting: ")), "{refused}");
    batch["batchResourceSetting"] = batch["streamingResourceSetting"].take();
    batch["batchResourceSetting"]["maxSlot"] = json!(4);
    let created = api.ok("POST", &format!("{V2}/deployments"), Some(batch)).await;
    assert_eq!(created["executionMode"], "BATCH");
    assert_eq!(created["batchResourceSetting"]["basicResourceSetting"]["parallelism"], 2);
    assert!(created.get("streamingResourceSetting").is_none());
}

#[tokio::test]
async fn every_answer_has_a_fresh_request_id_also_as_a_header() {
    let api = alibaba().await;
    let first = api.call("GET", &format!("{V2}/deployments"), None).await;
    let second = api.call("GET", &format!("{V2}/deployments"), None).await;
    let id = |reply: &Reply| reply.json()["requestId"].as_str().map(str::to_owned).expect("a request id");
    assert_ne!(id(&first), id(&second));
    let header = first.headers.get("x-acs-request-id").and_then(|v| v.to_str().ok()).expect("the header");
    assert_eq!(header, id(&first));
    assert!(first.json().get("errorCode").is_some_and(Value::is_null), "errorCode is null on success");
}

#[tokio::test]
async fn lists_page_from_one_with_the_total() {
    let api = alibaba().await;
    for name in ["page-a", "page-b", "page-c"] {
        api.deployment(name).await;
    }
    let reply = api.call("GET", &format!("{V2}/deployments?name=page-&pageIndex=2&pageSize=2"), None).await;
    let envelope = reply.json();
    assert_eq!(envelope["pageIndex"], 2);
    assert_eq!(envelope["pageSize"], 2);
    assert_eq!(envelope["totalSize"], 3);
    let names: Vec<&str> =
        envelope["data"].as_array().expect("data").iter().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names, ["page-c"]);
    let defaults = api.call("GET", &format!("{V2}/deployments"), None).await.json();
    assert_eq!((defaults["pageIndex"].clone(), defaults["pageSize"].clone()), (json!(1), json!(10)));
    let labelled = api.ok("GET", &format!("{V2}/deployments?labelKey=team&labelValueArray=search,ads"), None).await;
    assert_eq!(labelled.as_array().map(Vec::len), Some(3));
    let none = api.ok("GET", &format!("{V2}/deployments?labelKey=team&labelValueArray=ads"), None).await;
    assert_eq!(none, json!([]));
    for (query, field) in [
        ("pageSize=0", "pageSize"),
        ("pageSize=101", "pageSize"),
        ("pageIndex=0", "pageIndex"),
        ("pageIndex=x", "pageIndex"),
        ("pageIndex=200&pageSize=100", "pageIndex"),
        ("executionMode=LATER", "executionMode"),
        ("creator=ann", "creator"),
    ] {
        let refused = api.refused("GET", &format!("{V2}/deployments?{query}"), None, 400).await;
        assert!(
            refused["message"].as_str().is_some_and(|m| m.starts_with(&format!("{field}: "))),
            "{query}: {refused}"
        );
    }
}

#[tokio::test]
async fn a_wrong_deployment_is_refused_naming_the_field_and_nothing_changes() {
    let api = alibaba().await;
    let jar = api.console.jar("counter.jar");
    let before = api.snapshot().await;
    let with = |change: &dyn Fn(&mut Value)| {
        let mut body = jar_deployment("wrong", &jar);
        change(&mut body);
        body
    };
    let cases: Vec<(Value, &str)> = vec![
        (with(&|b| b["artifact"] = Value::Null), "artifact: "),
        (with(&|b| b["name"] = Value::Null), "name: "),
        (with(&|b| b["name"] = json!("bell\u{7}")), "name: "),
        (with(&|b| b["artifact"]["kind"] = json!("PYTHON")), "artifact.kind: "),
        (with(&|b| b["artifact"]["kind"] = json!("BINARY")), "artifact.kind: "),
        (
            with(&|b| b["artifact"]["jarArtifact"]["jarUri"] = json!("file:///etc/passwd.jar")),
            "artifact.jarArtifact.jarUri: ",
        ),
        (
            with(&|b| b["streamingResourceSetting"]["basicResourceSetting"]["parallelism"] = json!("two")),
            "streamingResourceSetting.basicResourceSetting.parallelism: ",
        ),
        (
            with(&|b| b["streamingResourceSetting"]["resourceSettingMode"] = json!("EXPERT")),
            "streamingResourceSetting.resourceSettingMode: ",
        ),
        (with(&|b| b["executionMode"] = json!("SOMETIMES")), "executionMode: "),
        (with(&|b| b["localVariables"] = json!([{"name": "a", "value": "b"}])), "localVariables: "),
        (with(&|b| b["flinkConf"] = json!({"a": {"nested": 1}})), "flinkConf.a: "),
        (with(&|b| b["deploymentTarget"]["name"] = json!("nowhere")), "deploymentTarget.name: "),
    ];
    for (body, field) in cases {
        let refused = api.refused("POST", &format!("{V2}/deployments"), Some(body.clone()), 400).await;
        let message = refused["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(field), "{field}: {message}");
    }
    api.deployment("taken").await;
    let before_duplicate = api.snapshot().await;
    api.refused("POST", &format!("{V2}/deployments"), Some(jar_deployment("taken", &jar)), 409).await;
    assert_eq!(api.snapshot().await, before_duplicate, "a refusal writes nothing");
    assert_ne!(before, before_duplicate);
}

#[tokio::test]
async fn jobs_start_is_the_start_choice_and_stop_is_the_desired_state() {
    let api = alibaba().await;
    let deployment = api.deployment("runner").await;
    let id = deployment["deploymentId"].as_str().expect("an id").to_owned();
    let start = json!({"deploymentId": id, "restoreStrategy": {"kind": "NONE", "jobStartTimeInMs": 1_767_225_600_000_i64},
        "localVariables": []});
    // The SDK sends the `:` percent-encoded.
    let started = api.ok("POST", &format!("{V2}/jobs%3Astart"), Some(start.clone())).await;
    let job_id = started["jobId"].as_str().expect("the job's id").to_owned();
    assert!(uuid::Uuid::parse_str(&job_id).is_ok());
    assert_eq!(started["deploymentId"], id.as_str());
    assert_eq!(started["deploymentName"], "runner");
    assert_eq!(started["status"]["currentJobStatus"], "STARTING");
    assert_eq!(started["restoreStrategy"], json!({"kind": "NONE", "jobStartTimeInMs": 1_767_225_600_000_i64}));
    assert_eq!(started["executionMode"], "STREAMING");
    assert_eq!(started["streamingResourceSetting"]["basicResourceSetting"]["parallelism"], 2);
    let (_, v1) = api.console.get(&format!("/api/v1/namespaces/default/deployments/{id}")).await;
    assert_eq!(v1["spec"]["state"], "RUNNING", "the start is the console's Start");
    let again = api.refused("POST", &format!("{V2}/jobs:start"), Some(start), 409).await;
    assert_eq!(again["code"], "Conflict");

    // The engine writes the job under the id the start answered (here: as the engine would).
    let mut running = job(&id, "2026-12-01T10:00:00Z", JobState::Started);
    running.metadata.id = job_id.clone();
    running.metadata.deployment_name = Some("runner".into());
    running.status.started = Some(domain::JobStarted {
        flink_job_id: "0123456789abcdef0123456789abcdef".into(),
        started_at: "2026-12-01T10:00:01Z".into(),
        last_update_time: None,
        observed_flink_job_status: Some("RUNNING".into()),
        observed_flink_job_restarts: Some(0),
    });
    api.console.store.insert_job(&running).await.expect("the job");
    let listed = api.call("GET", &format!("{V2}/jobs?deploymentId={id}&pageIndex=1&pageSize=10"), None).await.json();
    assert_eq!(listed["totalSize"], 1);
    let listed = &listed["data"][0];
    assert_eq!(listed["jobId"], job_id.as_str());
    assert_eq!(listed["status"]["currentJobStatus"], "RUNNING");
    assert_eq!(
        listed["status"]["running"],
        json!({"observedFlinkJobStatus": "RUNNING", "observedFlinkJobRestarts": 0})
    );
    assert_eq!(listed["startTime"], 1_796_119_201_000_i64);
    assert!(listed.get("endTime").is_none());
    assert_eq!(listed["sessionClusterName"], "local");
    let got = api.ok("GET", &format!("{V2}/jobs/{job_id}"), None).await;
    assert_eq!(got["jobId"], job_id.as_str());
    let summary = api.ok("GET", &format!("{V2}/deployments/{id}"), None).await["jobSummary"].clone();
    assert_eq!(summary["running"], 1);

    api.refused("DELETE", &format!("{V2}/jobs/{job_id}"), None, 409).await;
    let wrong = api
        .refused("POST", &format!("{V2}/jobs/{job_id}%3Astop"), Some(json!({"stopStrategy": "STOP_WITH_FLAIR"})), 400)
        .await;
    assert!(wrong["message"].as_str().is_some_and(|m| m.starts_with("stopStrategy: ")));
    let drained =
        api.ok("POST", &format!("{V2}/jobs/{job_id}%3Astop"), Some(json!({"stopStrategy": "STOP_WITH_DRAIN"}))).await;
    assert_eq!(drained["status"]["currentJobStatus"], "CANCELLING");
    let (_, v1) = api.console.get(&format!("/api/v1/namespaces/default/deployments/{id}")).await;
    assert_eq!(v1["spec"]["state"], "SUSPENDED", "STOP_WITH_DRAIN suspends");
    let row = api.console.store.engine_row(&default_namespace(), &id).await.expect("read").expect("the deployment");
    let record = engine::EngineRecord::read(row.engine.as_deref()).expect("the engine's record");
    assert_eq!(record.drain_at_version, v1["metadata"]["resourceVersion"].as_i64(), "this version's suspension drains");
    api.refused("POST", &format!("{V2}/jobs/{job_id}:stop"), Some(json!({"stopStrategy": "STOP_WITH_DRAIN"})), 409)
        .await;
    let stopped = api
        .ok("POST", &format!("{V2}/jobs/{job_id}%3Astop"), Some(json!({"stopStrategy": "STOP_WITH_SAVEPOINT"})))
        .await;
    assert_eq!(stopped["status"]["currentJobStatus"], "CANCELLING");
    let (_, v1) = api.console.get(&format!("/api/v1/namespaces/default/deployments/{id}")).await;
    assert_eq!(v1["spec"]["state"], "SUSPENDED", "STOP_WITH_SAVEPOINT suspends");
    api.ok("POST", &format!("{V2}/jobs/{job_id}:stop"), Some(json!({"stopStrategy": "NONE"}))).await;
    let (_, v1) = api.console.get(&format!("/api/v1/namespaces/default/deployments/{id}")).await;
    assert_eq!(v1["spec"]["state"], "CANCELLED", "NONE cancels");

    // Once the job has ended it cannot be stopped, and it can be deleted.
    let mut ended = api.console.store.get_job(&default_namespace(), &job_id).await.expect("read").expect("the job");
    ended.status.state = JobState::Finished;
    ended.metadata.terminated_at = Some("2026-12-01T11:00:00Z".into());
    ended.metadata.resource_version += 1;
    api.console.store.update_job(&ended, 1).await.expect("ended");
    let got = api.ok("GET", &format!("{V2}/jobs/{job_id}"), None).await;
    assert_eq!(
        (got["status"]["currentJobStatus"].clone(), got["endTime"].clone()),
        (json!("FINISHED"), json!(1_796_122_800_000_i64))
    );
    api.refused("POST", &format!("{V2}/jobs/{job_id}%3Astop"), Some(json!({})), 409).await;
    api.ok("DELETE", &format!("{V2}/jobs/{job_id}"), None).await;
    api.refused("GET", &format!("{V2}/jobs/{job_id}"), None, 404).await;
    api.refused("POST", &format!("{V2}/jobs/{job_id}%3Apause"), Some(json!({})), 404).await;
}

#[tokio::test]
async fn a_start_restores_what_its_restore_strategy_names() {
    let api = alibaba().await;
    let source = api.deployment("source").await["deploymentId"].as_str().expect("id").to_owned();
    let target = api.deployment("target").await["deploymentId"].as_str().expect("id").to_owned();
    let reply = api
        .console
        .send_json(
            "POST",
            "/api/v1/namespaces/default/savepoints",
            &json!({"metadata": {"deploymentId": source}, "spec": {"savepointLocation": "file:///savepoints/source-1"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let savepoint = reply.json()["metadata"]["id"].as_str().expect("an id").to_owned();
    let start = |restore: Value| json!({"deploymentId": target, "restoreStrategy": restore});
    let before = api.snapshot().await;
    for (restore, field) in [
        (json!({"kind": "LATEST_SAVEPOINT"}), "restoreStrategy.kind: "),
        (json!({"kind": "LATEST_STATE"}), "restoreStrategy.kind: "),
        (json!({"kind": "FROM_SAVEPOINT"}), "restoreStrategy.savepointId: "),
        (json!({"kind": "FROM_SAVEPOINT", "savepointId": "not-a-uuid"}), "restoreStrategy.savepointId: "),
        (
            json!({"kind": "FROM_SAVEPOINT", "savepointId": uuid::Uuid::new_v4().to_string()}),
            "restoreStrategy.savepointId: ",
        ),
        (json!({"kind": "SOMETIME"}), "restoreStrategy.kind: "),
        (json!({"kind": "NONE", "savepointId": savepoint}), "restoreStrategy.savepointId: "),
        (json!({"kind": "NONE", "allowNonRestoredState": true}), "restoreStrategy.allowNonRestoredState: "),
    ] {
        let refused = api.refused("POST", &format!("{V2}/jobs:start"), Some(start(restore.clone())), 400).await;
        let message = refused["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(field), "{restore}: {message}");
    }
    api.refused("POST", &format!("{V2}/jobs:start"), Some(json!({"restoreStrategy": {"kind": "NONE"}})), 400).await;
    let deprecated = json!({"deploymentId": target, "resourceSettingSpec": {"flinkConf": {}}});
    let refused = api.refused("POST", &format!("{V2}/jobs"), Some(deprecated), 400).await;
    assert!(refused["message"].as_str().is_some_and(|m| m.starts_with("resourceSettingSpec: ")), "{refused}");
    assert_eq!(api.snapshot().await, before, "refused starts write nothing");

    let restore = json!({"kind": "FROM_SAVEPOINT", "savepointId": savepoint, "allowNonRestoredState": true});
    // StartJob, Alibaba's older form of the same start.
    let started = api.ok("POST", &format!("{V2}/jobs"), Some(start(restore))).await;
    assert_eq!(
        started["restoreStrategy"],
        json!({"kind": "FROM_SAVEPOINT", "savepointId": savepoint, "allowNonRestoredState": true}),
        "another deployment's savepoint"
    );
}

#[tokio::test]
async fn savepoints_are_listed_read_and_deleted() {
    let api = alibaba().await;
    let id = api.deployment("saver").await["deploymentId"].as_str().expect("id").to_owned();
    let before = api.snapshot().await;
    let refused = api
        .refused("POST", &format!("{V2}/savepoints"), Some(json!({"deploymentId": id, "nativeFormat": "yes"})), 400)
        .await;
    assert!(refused["message"].as_str().is_some_and(|m| m.contains("nativeFormat")), "{refused}");
    let refused = api
        .refused("POST", &format!("{V2}/savepoints"), Some(json!({"deploymentId": id, "nativeFormat": true})), 409)
        .await;
    assert!(refused["message"].as_str().is_some_and(|m| m.contains("not running")), "{refused}");
    let refused = api
        .refused(
            "POST",
            &format!("{V2}/savepoints"),
            Some(json!({"deploymentId": id, "description": "now", "nativeFormat": false})),
            409,
        )
        .await;
    assert!(refused["message"].as_str().is_some_and(|m| m.contains("not running")), "{refused}");
    assert_eq!(api.snapshot().await, before);

    let reply = api
        .console
        .send_json(
            "POST",
            "/api/v1/namespaces/default/savepoints",
            &json!({"metadata": {"deploymentId": id}, "spec": {"savepointLocation": "file:///savepoints/saver-1"}}),
        )
        .await;
    let savepoint = reply.json()["metadata"]["id"].as_str().expect("an id").to_owned();
    let listed = api.call("GET", &format!("{V2}/savepoints?deploymentId={id}&pageSize=5"), None).await.json();
    assert_eq!((listed["totalSize"].clone(), listed["pageSize"].clone()), (json!(1), json!(5)));
    let got = api.ok("GET", &format!("{V2}/savepoints/{savepoint}"), None).await;
    assert_eq!(got, listed["data"][0]);
    assert_eq!(got["savepointId"], savepoint.as_str());
    assert_eq!(got["deploymentId"], id.as_str());
    assert_eq!(got["savepointLocation"], "file:///savepoints/saver-1");
    assert_eq!(got["savepointOrigin"], "COPIED");
    assert_eq!(got["status"]["state"], "COMPLETED");
    assert_eq!(got["nativeFormat"], false);
    assert!(got["createdAt"].as_i64().is_some_and(|ms| ms > 1_700_000_000_000), "ms since the epoch: {got}");
    api.ok("DELETE", &format!("{V2}/savepoints/{savepoint}"), None).await;
    api.refused("GET", &format!("{V2}/savepoints/{savepoint}"), None, 404).await;
    api.refused("GET", &format!("{V2}/savepoints?jobId=nope"), None, 400).await;
}

#[tokio::test]
async fn targets_and_events_are_listed() {
    let api = alibaba().await;
    let targets = api.call("GET", &format!("{V2}/deployment-targets"), None).await.json();
    assert_eq!(targets["data"], json!([{"name": "local", "namespace": "default"}]));
    assert_eq!(targets["totalSize"], 1);
    let id = api.deployment("eventful").await["deploymentId"].as_str().expect("id").to_owned();
    api.ok("POST", &format!("{V2}/jobs:start"), Some(json!({"deploymentId": id}))).await;
    let events = api.ok("GET", &format!("{V2}/events?deploymentId={id}"), None).await;
    let first = &events[0];
    assert_eq!(first["deploymentId"], id.as_str());
    assert_eq!(first["namespace"], "default");
    assert!(first["eventId"].as_str().is_some() && first["eventName"].as_str().is_some());
    assert!(first["message"].as_str().is_some_and(|m| m.contains("Start requested by token:sdk")), "{first}");
    let by_name = api.ok("GET", &format!("{V2}/events?deploymentName=eventful"), None).await;
    assert_eq!(by_name, events);
    api.refused("GET", &format!("{V2}/events"), None, 400).await;
}

#[tokio::test]
async fn unknown_operations_methods_and_callers_get_the_envelope() {
    let api = alibaba().await;
    let refused = api.refused("GET", "/api/v2/namespaces/default/sessionclusters", None, 404).await;
    assert_eq!(refused["code"], "NotFound");
    api.refused("GET", "/api/v2/anything/else", None, 404).await;
    api.refused("POST", &format!("{V2}/jobs%3Apause"), Some(json!({})), 404).await;
    let refused = api.refused("PATCH", &format!("{V2}/deployments"), None, 405).await;
    assert_eq!(refused["code"], "MethodNotAllowed");
    let refused = api.refused("POST", &format!("{V2}/deployments"), None, 400).await;
    assert!(refused["message"].as_str().is_some_and(|m| m.contains("empty")));
    let reply =
        api.console.send("GET", &format!("{V2}/deployments"), &[("x-acs-bearer-token", "wrong")], Body::empty()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["code"], "Unauthorized");
    let reply = api
        .console
        .send("GET", "/api/v2/namespaces/elsewhere/deployments", &[("x-acs-bearer-token", &api.token)], Body::empty())
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "a namespace the token does not belong to: {}", reply.body);
}

#[tokio::test]
async fn the_autopilot_policy_and_scheduled_plans_map_onto_the_consoles() {
    let api = alibaba().await;
    let id = api.deployment("tuned").await["deploymentId"].as_str().expect("id").to_owned();
    let uri = format!("/autopilot/v2/namespaces/default/deployments/{id}");
    let policy = api.ok("GET", &format!("{uri}/autopilotpolicy-describe"), None).await;
    assert_eq!(policy["enabled"], false);
    assert_eq!(policy["policyConfig"]["limits"], json!({"coolDownMinutes": 10, "jobMinParallelism": 1}));
    let update = json!({"enabled": false, "policyConfig": {"limits": {"jobMaxParallelism": 8, "jobMaxMemory": "16g"}}});
    let updated = api.ok("PUT", &format!("{uri}/autopilotpolicy-update"), Some(update)).await;
    assert_eq!(updated["policyConfig"]["limits"]["jobMaxParallelism"], 8);
    assert_eq!(updated["policyConfig"]["limits"]["jobMaxMemory"], "16384m");
    let (_, v1) = api.console.get(&format!("/api/v1/namespaces/default/deployments/{id}/autopilot-policy")).await;
    assert_eq!(v1["limits"]["jobMaxParallelism"], 8);
    let refused = api
        .refused(
            "PUT",
            &format!("{uri}/autopilotpolicy-update"),
            Some(json!({"policyConfig": {"scaleUpRules": {"delayRule": {}}}})),
            400,
        )
        .await;
    assert!(refused["message"].as_str().is_some_and(|m| m.starts_with("policyConfig.scaleUpRules: ")));

    let plan = json!({"name": "evening", "deploymentId": id, "periodicSchedulingPolicies": [
        {"periodicSchedulingLevel": "DAY", "periodicTriggerTime": 72_000_000,
         "resourceSetting": {"streamingResourceSetting": {"basicResourceSetting": {"parallelism": 3}}}},
        {"onlyOnceTriggerTime": 1_893_456_000_000_i64,
         "resourceSetting": {"flinkConf": {"taskmanager.numberOfTaskSlots": 2}}}]});
    let created = api.ok("POST", &format!("{V2}/scheduled-plans"), Some(plan)).await;
    let plan_id = created["scheduledPlanId"].as_str().expect("an id").to_owned();
    assert_eq!(created["status"], "NOT_APPLIED");
    let points = &created["periodicSchedulingPolicies"];
    assert_eq!(points[0]["periodicSchedulingLevel"], "DAY");
    assert_eq!(points[0]["periodicTriggerTime"], 72_000_000);
    assert_eq!(points[0]["resourceSetting"]["streamingResourceSetting"]["basicResourceSetting"]["parallelism"], 3);
    assert_eq!(points[1]["onlyOnceTriggerTime"], 1_893_456_000_000_i64);
    let (_, v1) = api.console.get(&format!("/api/v1/namespaces/default/tuning-plans/{plan_id}")).await;
    assert_eq!(v1["spec"]["timePoints"][0]["trigger"], json!({"kind": "DAILY", "time": "20:00", "timeZone": "UTC"}));
    let listed = api.call("GET", &format!("{V2}/scheduled-plans?deploymentId={id}"), None).await.json();
    assert_eq!(listed["totalSize"], 1);
    let weekly = json!({"name": "weekly", "deploymentId": id, "periodicSchedulingPolicies": [
        {"periodicSchedulingLevel": "WEEK", "periodicTriggerTime": 0}]});
    let refused = api.refused("POST", &format!("{V2}/scheduled-plans"), Some(weekly), 400).await;
    assert!(refused["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("periodicSchedulingPolicies[0].periodicSchedulingLevel: ")));

    let applied = api.ok("POST", &format!("{V2}/scheduled-plans/{plan_id}%3Aapply"), None).await;
    assert_eq!(applied["statusState"], "APPLIED");
    assert_eq!(applied["scheduledPlanName"], "evening");
    let current =
        api.ok("GET", &format!("{V2}/scheduled-plans%3AgetExecutedScheduledPlan?deploymentId={id}"), None).await;
    assert_eq!(current["scheduledPlanId"], plan_id.as_str());
    let stopped = api.ok("PATCH", &format!("{V2}/scheduled-plans/{plan_id}%3Astop"), None).await;
    assert_eq!(stopped["statusState"], "STOPPED");
    let none = api.call("GET", &format!("{V2}/scheduled-plans:getExecutedScheduledPlan?deploymentId={id}"), None).await;
    assert!(none.json().get("data").is_none(), "{}", none.body);
    let history = api.ok("GET", &format!("{V2}/job-resource-upgradings?deploymentId={id}"), None).await;
    assert_eq!(history, json!([]));
    let renamed = api.ok("PUT", &format!("{V2}/scheduled-plans/{plan_id}"), Some(json!({"name": "night", "periodicSchedulingPolicies": [
        {"onlyOnceTriggerTime": 1_893_456_000_000_i64, "resourceSetting": {"streamingResourceSetting": {"basicResourceSetting": {"parallelism": 1}}}}]}))).await;
    assert_eq!(renamed["name"], "night");
    api.ok("DELETE", &format!("{V2}/scheduled-plans/{plan_id}"), None).await;
}
