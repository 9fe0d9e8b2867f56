//! A scheduled tuning plan on real Flink (`make test` sets FLINK_REST_URL, CONSOLE_JOBS_DIR and
//! FLINK_HOME): a real console process with the plan scheduler looking every second and its plans
//! following a test clock (`--test-clock-file`), the stateful counter running at parallelism 1,
//! and a plan of two daily time points (08:00 UTC parallelism 2, 20:00 UTC parallelism 1). The test
//! moves the clock past each; each point is a stateful upgrade: the job restarts from a savepoint
//! and its count goes on.

mod real_console;

use std::time::Duration;

use real_console::{free_port, get, max_count, signed_in, status, until, Console};
use serde_json::{json, Value};

/// The newest job of the deployment: its Flink job id and parallelism, once it runs in Flink.
async fn newest_job(http: &reqwest::Client, base: &str, id: &str) -> Option<(String, u64)> {
    let jobs = get(http, &format!("{base}/jobs?deploymentId={id}")).await?;
    let newest = &jobs["items"][0];
    let flink_job = newest["status"]["started"]["flinkJobId"].as_str()?.to_owned();
    (newest["status"]["state"] == "STARTED").then_some(())?;
    Some((flink_job, newest["spec"]["parallelism"].as_u64()?))
}

#[tokio::test]
async fn a_plan_of_two_time_points_rescales_the_running_job_twice_and_its_count_goes_on() {
    let dir = tempfile::tempdir().expect("a data directory");
    let port = free_port();
    let clock = dir.path().join("clock");
    let set_clock = |at: &str| std::fs::write(&clock, at).expect("the test clock");
    set_clock("2026-12-01T07:59:30Z");
    let clock_env = clock.display().to_string();
    let console = Console::start_with(
        dir.path(),
        port,
        &[("CONSOLE_PLAN_CHECK_SECONDS", "1"), ("CONSOLE_TEST_CLOCK_FILE", clock_env.as_str())],
    );
    let http = signed_in(port).await;
    let base = console.base.clone();

    // A copy of the stateful counter at parallelism 1, running.
    let list = get(&http, &format!("{base}/deployments")).await.expect("the list");
    let mut spec = list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|d| d["metadata"]["name"] == "stateful-counter"))
        .map(|d| d["spec"].clone())
        .expect("the seeded counter");
    spec["state"] = json!("RUNNING");
    spec["template"]["spec"]["parallelism"] = json!(1);
    spec["upgradeStrategy"] = json!({"kind": "STATEFUL"});
    // Fast enough that a restored count is far above what a fresh job reaches in its first seconds.
    spec["template"]["spec"]["artifact"]["mainArgs"] = json!("--rate 2000 --keys 10");
    let created: Value = http
        .post(format!("{base}/deployments"))
        .json(&json!({"metadata": {"name": "planned-counter"}, "spec": spec}))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON");
    let id = created["metadata"]["id"].as_str().unwrap_or_else(|| panic!("created: {created}")).to_owned();
    let (first_job, parallelism) =
        until("the counter to run", Duration::from_secs(120), async || newest_job(&http, &base, &id).await).await;
    assert_eq!(parallelism, 1);
    let counted = until("the counter to count", Duration::from_secs(60), async || {
        max_count(&http, &first_job).await.filter(|count| *count > 0.0)
    })
    .await;

    // The plan: parallelism 2 at 08:00 UTC, 1 again at 20:00 UTC; applied at 07:59:30 by the test clock.
    let plan = json!({"metadata": {"name": "day and night"}, "spec": {"timePoints": [
        {"trigger": {"kind": "DAILY", "time": "08:00", "timeZone": "UTC"}, "setting": {"parallelism": 2}},
        {"trigger": {"kind": "DAILY", "time": "20:00", "timeZone": "UTC"}, "setting": {"parallelism": 1}},
    ]}});
    let created: Value = http
        .post(format!("{base}/deployments/{id}/tuning-plans"))
        .json(&plan)
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON");
    let plan_id = created["metadata"]["id"].as_str().unwrap_or_else(|| panic!("plan: {created}")).to_owned();
    let applied = http.post(format!("{base}/tuning-plans/{plan_id}:apply")).send().await.expect("POST");
    assert_eq!(applied.status(), 200);
    // A while of counting at parallelism 1 (nothing is due yet), then 08:00 passes.
    tokio::time::sleep(Duration::from_secs(15)).await;
    assert_eq!(
        newest_job(&http, &base, &id).await.map(|(job, _)| job),
        Some(first_job.clone()),
        "nothing due before 08:00"
    );
    set_clock("2026-12-01T08:00:05Z");

    // First time point: a new job at parallelism 2, restored from the upgrade's savepoint: its
    // first reported count is at least the last the old job reported (a fresh job starts at 0).
    let mut last_old = counted;
    let (second_job, _) = until("the job at parallelism 2", Duration::from_secs(150), async || {
        if let Some(count) = max_count(&http, &first_job).await {
            last_old = last_old.max(count);
        }
        newest_job(&http, &base, &id).await.filter(|(job, p)| *p == 2 && *job != first_job)
    })
    .await;
    let jobs = get(&http, &format!("{base}/jobs?deploymentId={id}")).await.expect("jobs");
    assert!(jobs["items"][0]["spec"]["savepointLocation"].is_string(), "restored from a savepoint: {jobs}");
    // (Its gauge reads 0 until it has processed a record since the restore.)
    let continued = until("the new job's count", Duration::from_secs(60), async || {
        max_count(&http, &second_job).await.filter(|count| *count > 0.0)
    })
    .await;
    assert!(
        continued >= last_old,
        "the count went on: the old job reported {last_old}, the new one starts at {continued}"
    );
    assert!(last_old > 1000.0, "the old job counted long enough to tell: {last_old}");

    // Second time point: 20:00 passes; parallelism 1 again, the count still going on.
    tokio::time::sleep(Duration::from_secs(15)).await;
    set_clock("2026-12-01T20:00:05Z");
    let mut last_second = continued;
    let (third_job, _) = until("the job at parallelism 1 again", Duration::from_secs(180), async || {
        if let Some(count) = max_count(&http, &second_job).await {
            last_second = last_second.max(count);
        }
        newest_job(&http, &base, &id).await.filter(|(job, p)| *p == 1 && *job != second_job)
    })
    .await;
    let again = until("the third job's count", Duration::from_secs(60), async || {
        max_count(&http, &third_job).await.filter(|count| *count > 0.0)
    })
    .await;
    assert!(again >= last_second, "the count went on: {last_second} before, {again} after");
    assert_eq!(status(&http, &base, &id).await.as_deref(), Some("RUNNING"));

    let history = get(&http, &format!("{base}/deployments/{id}/tuning-plan-executions")).await.expect("history");
    let rows = history["items"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{history}");
    assert!(rows.iter().all(|row| row["outcome"] == "APPLIED"), "{history}");
    assert_eq!(rows[0]["scheduledFor"], "2026-12-01T20:00:00Z", "{history}");
    assert_eq!(rows[1]["scheduledFor"], "2026-12-01T08:00:00Z", "{history}");
    let events = get(&http, &format!("{base}/events?deploymentId={id}")).await.expect("events");
    let applied = events["items"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["metadata"]["name"] == "TUNING_PLAN_APPLIED")
        .count();
    assert_eq!(applied, 2, "{events}");
    println!(
        "tuning plan on real Flink: maxCount {last_old} → {continued} (p 1 → 2), {last_second} → {again} (p 2 → 1)"
    );

    let _ = http.patch(format!("{base}/deployments/{id}")).json(&json!({"spec": {"state": "CANCELLED"}})).send().await;
    until("the counter to be cancelled", Duration::from_secs(90), async || {
        (status(&http, &base, &id).await.as_deref() == Some("CANCELLED")).then_some(())
    })
    .await;
    drop(console);
}
