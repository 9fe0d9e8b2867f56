//! Scheduled tuning plans: `…/deployments/{id}/tuning-plans`, `…/tuning-plans/{planId}` with
//! `:apply` and `:stop`, and the executed history. Time points are carried out under a hand-moved
//! clock; a missed one is carried out once.

use std::sync::Arc;

use axum::http::StatusCode;
use engine::{Clock, ManualClock};
use serde_json::{json, Value};
use services::Caller;

use crate::support::{console, Console};

const NS: &str = "/api/v1/namespaces/default";

fn plan(name: &str, points: Value) -> Value {
    json!({"metadata": {"name": name}, "spec": {"timePoints": points}})
}

fn daily(time: &str, zone: &str, setting: Value) -> Value {
    json!({"trigger": {"kind": "DAILY", "time": time, "timeZone": zone}, "setting": setting})
}

async fn counter_id(console: &Console) -> String {
    let (_, list) = console.get(&format!("{NS}/deployments")).await;
    list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|d| d["metadata"]["name"] == "stateful-counter"))
        .and_then(|d| d["metadata"]["id"].as_str())
        .expect("the seeded counter")
        .to_owned()
}

async fn create(console: &Console, deployment: &str, body: &Value) -> (StatusCode, Value) {
    let reply = console.send_json("POST", &format!("{NS}/deployments/{deployment}/tuning-plans"), body).await;
    (reply.status, reply.json())
}

fn ms(rfc3339: &str) -> i64 {
    engine::time::parse_ms(rfc3339).expect("a test instant")
}

#[tokio::test]
async fn plans_are_created_listed_changed_and_deleted_and_bad_ones_name_their_field() {
    let console = console().await;
    let id = counter_id(&console).await;
    let peak = plan(
        "peak",
        json!([
            daily("08:00", "Europe/Berlin", json!({"parallelism": 4})),
            daily("20:00", "Europe/Berlin", json!({"parallelism": 1}))
        ]),
    );
    let (status, created) = create(&console, &id, &peak).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["kind"], "TuningPlan");
    assert_eq!(created["status"]["applied"], false);
    let plan_id = created["metadata"]["id"].as_str().expect("an id").to_owned();

    let (status, taken) = create(&console, &id, &peak).await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken}");
    assert!(
        taken["message"].as_str().unwrap_or_default().contains("already has a tuning plan called \"peak\""),
        "{taken}"
    );

    for (body, field) in [
        (plan("x", json!([daily("25:00", "UTC", json!({"parallelism": 2}))])), "spec.timePoints[0].trigger.time"),
        (
            plan("x", json!([daily("08:00", "Atlantis/Capital", json!({"parallelism": 2}))])),
            "spec.timePoints[0].trigger.timeZone",
        ),
        (
            plan("x", json!([daily("08:00", "UTC", json!({"parallelism": 0}))])),
            "spec.timePoints[0].setting.parallelism",
        ),
        (plan("x", json!([daily("08:00", "UTC", json!({"paralelism": 2}))])), "spec.timePoints[0].setting"),
        (plan("x", json!([])), "spec.timePoints"),
        (json!({"spec": {"timePoints": []}}), "metadata.name"),
    ] {
        let (status, refused) = create(&console, &id, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {refused}");
        let message = refused["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(field), "{field}: {message}");
    }

    let (_, list) = console.get(&format!("{NS}/deployments/{id}/tuning-plans")).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "the refused ones were not kept: {list}");

    let mut changed = peak.clone();
    changed["metadata"]["name"] = json!("weekday peak");
    changed["metadata"]["resourceVersion"] = json!(1);
    let reply = console.send_json("PUT", &format!("{NS}/tuning-plans/{plan_id}"), &changed).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["metadata"]["resourceVersion"], 2);
    let stale = console.send_json("PUT", &format!("{NS}/tuning-plans/{plan_id}"), &changed).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.body.contains("reload"), "{}", stale.body);

    // At most 20 per deployment.
    for n in 1..20 {
        let (status, body) =
            create(&console, &id, &plan(&format!("p{n}"), json!([daily("09:00", "UTC", json!({"parallelism": 2}))])))
                .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, full) =
        create(&console, &id, &plan("p21", json!([daily("09:00", "UTC", json!({"parallelism": 2}))]))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{full}");
    assert!(full["message"].as_str().unwrap_or_default().contains("20 tuning plans"), "{full}");

    let reply = console.send_json("DELETE", &format!("{NS}/tuning-plans/{plan_id}"), &json!(null)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (status, _) = console.get(&format!("{NS}/tuning-plans/{plan_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = console.get(&format!("{NS}/tuning-plans/not-a-uuid")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn one_plan_is_applied_at_a_time_and_never_with_the_autopilot() {
    let console = console().await;
    let id = counter_id(&console).await;
    let point = json!([daily("08:00", "UTC", json!({"parallelism": 2}))]);
    let (_, a) = create(&console, &id, &plan("a", point.clone())).await;
    let (_, b) = create(&console, &id, &plan("b", point)).await;
    let (a, b) =
        (a["metadata"]["id"].as_str().expect("id").to_owned(), b["metadata"]["id"].as_str().expect("id").to_owned());

    let reply = console.send_json("POST", &format!("{NS}/tuning-plans/{a}:apply"), &json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["status"]["applied"], true);
    let reply = console.send_json("POST", &format!("{NS}/tuning-plans/{b}:apply"), &json!({})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("tuning plan \\\"a\\\""), "names the applied one: {}", reply.body);

    // The Autopilot cannot be turned on while a plan is applied …
    let policy = format!("{NS}/deployments/{id}/autopilot-policy");
    let reply = console.send_json("PUT", &policy, &json!({"mode": "MONITORING"})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("stop it before turning the Autopilot on"), "{}", reply.body);
    let (_, deployment) = console.get(&format!("{NS}/deployments/{id}")).await;
    assert!(deployment["spec"]["autopilot"].is_null(), "nothing changed: {deployment}");

    // … nor a plan applied while the Autopilot is on.
    let reply = console.send_json("POST", &format!("{NS}/tuning-plans/{a}:stop"), &json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["status"]["applied"], false);
    let reply = console.send_json("PUT", &policy, &json!({"mode": "MONITORING"})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = console.send_json("POST", &format!("{NS}/tuning-plans/{b}:apply"), &json!({})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("Autopilot"), "{}", reply.body);
    let reply = console.send_json("POST", &format!("{NS}/tuning-plans/{b}:launch"), &json!({})).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
}

#[tokio::test]
async fn due_time_points_are_carried_out_once_under_a_test_clock_missed_ones_once() {
    let console = console().await;
    let id = counter_id(&console).await;
    let clock = Arc::new(ManualClock::starting_at(ms("2026-12-01T07:00:00Z")));
    let services = console.state.services.clone().with_clock(clock.clone());
    let (admin, _) = console.store.user_by_name("admin").await.expect("read").expect("the admin");
    let admin = Caller::User(admin);
    let ns = domain::NamespaceName::parse("default").expect("ns");

    let body = plan(
        "day and night",
        json!([
            daily(
                "08:00",
                "UTC",
                json!({"parallelism": 3, "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "4"}})
            ),
            daily("20:00", "UTC", json!({"parallelism": 1, "taskManager": {"cpu": 1.5, "memory": "2g"}})),
        ]),
    );
    let (_, created) = create(&console, &id, &body).await;
    let plan_id = created["metadata"]["id"].as_str().expect("an id").to_owned();
    services.apply_tuning_plan(&admin, &ns, &plan_id).await.expect("applied");
    assert!(services.carry_out_due_plans().await.expect("looked").is_empty(), "nothing due before 08:00");

    clock.advance(std::time::Duration::from_secs(3600 + 20)); // 08:00:20
    let done = services.carry_out_due_plans().await.expect("carried out");
    assert_eq!(done.len(), 1);
    assert_eq!((done[0].time_point, done[0].scheduled_for.as_str()), (0, "2026-12-01T08:00:00Z"));
    let (_, deployment) = console.get(&format!("{NS}/deployments/{id}")).await;
    assert_eq!(deployment["spec"]["template"]["spec"]["parallelism"], 3);
    assert_eq!(deployment["spec"]["template"]["spec"]["flinkConfiguration"]["taskmanager.numberOfTaskSlots"], "4");
    assert!(services.carry_out_due_plans().await.expect("looked").is_empty(), "not twice");

    // The console is "down" from 09:00 until the next day 21:00: 20:00 and 08:00 were missed; the
    // newest (20:00 of the next day) is carried out, once.
    clock.advance(std::time::Duration::from_secs(37 * 3600));
    let done = services.carry_out_due_plans().await.expect("carried out");
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!((done[0].time_point, done[0].scheduled_for.as_str()), (1, "2026-12-02T20:00:00Z"));
    assert!(done[0].message.contains("a session cluster does not apply them"), "{}", done[0].message);
    assert!(services.carry_out_due_plans().await.expect("looked").is_empty());
    let (_, deployment) = console.get(&format!("{NS}/deployments/{id}")).await;
    assert_eq!(deployment["spec"]["template"]["spec"]["parallelism"], 1);
    assert_eq!(deployment["spec"]["template"]["spec"]["resources"]["taskmanager"], json!({"cpu": 1.5, "memory": "2g"}));

    let (_, history) = console.get(&format!("{NS}/deployments/{id}/tuning-plan-executions")).await;
    let rows = history["items"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["scheduledFor"], "2026-12-02T20:00:00Z", "newest first");
    assert_eq!(rows[0]["outcome"], "APPLIED");
    let (_, events) = console.get(&format!("{NS}/events?deploymentId={id}")).await;
    let applied: Vec<&Value> = events["items"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["metadata"]["name"] == "TUNING_PLAN_APPLIED")
        .collect();
    assert_eq!(applied.len(), 2, "{events}");
    assert!(applied[0]["spec"]["message"].as_str().unwrap_or_default().contains("set parallelism 1"), "{events}");
    let (_, audit) = console.get(&format!("{NS}/audit-log")).await;
    assert!(audit.to_string().contains("console:tuning-plan"), "the audit log names the plan: {audit}");

    // Stopped: nothing more, whatever the clock says.
    services.stop_tuning_plan(&admin, &ns, &plan_id).await.expect("stopped");
    clock.advance(std::time::Duration::from_secs(24 * 3600));
    assert!(services.carry_out_due_plans().await.expect("looked").is_empty());
    let _ = clock.now_ms();
}
