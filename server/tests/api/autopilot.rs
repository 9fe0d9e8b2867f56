//! `…/deployments/{id}/autopilot-policy` and `…/autopilot`: the policy is `spec.autopilot`, checked
//! field by field on every write, and never restarts the job.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::console;

const DEPLOYMENTS: &str = "/api/v1/namespaces/default/deployments";

#[tokio::test]
async fn an_autopilot_policy_is_read_replaced_and_kept_in_the_spec() {
    let console = console().await;
    let (_, list) = console.get(DEPLOYMENTS).await;
    let deployment = &list["items"][0];
    let id = deployment["metadata"]["id"].as_str().expect("an id");
    let version = deployment["metadata"]["resourceVersion"].as_i64().expect("a version");
    let uri = format!("{DEPLOYMENTS}/{id}/autopilot-policy");

    let (status, policy) = console.get(&uri).await;
    assert_eq!(status, StatusCode::OK, "{policy}");
    assert_eq!(policy["mode"], "DISABLED", "no policy: DISABLED with the defaults");
    assert_eq!(policy["tuning"]["metricsWindowSeconds"], 900);
    assert_eq!(policy["limits"]["coolDownMinutes"], 10);

    let wanted = json!({"mode": "MONITORING", "strategy": "STABLE", "tuning": {"metricsWindowSeconds": 120}});
    let reply = console.send_json("PUT", &uri, &wanted).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let stored = reply.json();
    assert_eq!(stored["mode"], "MONITORING");
    assert_eq!(stored["strategy"], "STABLE");
    assert_eq!(stored["tuning"]["metricsWindowSeconds"], 120);
    assert_eq!(stored["tuning"]["targetUtilization"], 0.7, "what is left out takes its default");

    let (_, changed) = console.get(&format!("{DEPLOYMENTS}/{id}")).await;
    assert_eq!(changed["spec"]["autopilot"]["mode"], "MONITORING", "the policy is the spec's");
    assert_eq!(changed["metadata"]["resourceVersion"], version + 1);
    let (_, again) = console.get(&uri).await;
    assert_eq!(again, stored);

    let (status, now) = console.get(&format!("{DEPLOYMENTS}/{id}/autopilot")).await;
    assert_eq!(status, StatusCode::OK, "{now}");
    assert_eq!(now["mode"], "MONITORING");
    assert_eq!(now["sampleIntervalSeconds"], 15);
    assert!(now["waitingFor"].is_string(), "{now}");
    assert_eq!(now["samples"], json!([]));
}

#[tokio::test]
async fn an_impossible_autopilot_policy_is_refused_naming_each_field_and_changes_nothing() {
    let console = console().await;
    let (_, list) = console.get(DEPLOYMENTS).await;
    let deployment = &list["items"][0];
    let id = deployment["metadata"]["id"].as_str().expect("an id");
    let uri = format!("{DEPLOYMENTS}/{id}/autopilot-policy");

    let bad = json!({"mode": "ACTIVE", "tuning": {"targetUtilization": 1.5}, "limits": {"jobMinParallelism": 0}});
    let reply = console.send_json("PUT", &uri, &bad).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let message = reply.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("spec.autopilot.tuning.targetUtilization: must be in (0, 1]"), "{message}");
    assert!(message.contains("spec.autopilot.limits.jobMinParallelism: must be at least 1"), "{message}");

    let reply = console.send_json("PUT", &uri, &json!({"mode": "SOMETIMES"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("spec.autopilot.mode"), "{}", reply.body);

    let reply = console.send_json("PUT", &uri, &json!([1])).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);

    // ACTIVE rescales by a stateful upgrade: a STATELESS deployment cannot have it, through any write.
    let patch = json!({"spec": {"upgradeStrategy": {"kind": "STATELESS"}, "autopilot": {"mode": "ACTIVE"}}});
    let reply = console.send_json("PATCH", &format!("{DEPLOYMENTS}/{id}"), &patch).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(
        reply.body.contains("spec.autopilot.mode: ACTIVE rescales the job by a stateful upgrade"),
        "{}",
        reply.body
    );

    let (_, after) = console.get(&format!("{DEPLOYMENTS}/{id}")).await;
    assert_eq!(&after, deployment, "nothing changed");
}
