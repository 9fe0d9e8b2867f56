//! Uploaded artifacts kept in an S3-compatible bucket (moto, started by `make test` with its
//! authentication on): the same upload, list, delete and start flows as with the artifact
//! directory, each upload an object named by its namespace and SHA-256, nothing recorded when the
//! bucket refuses, and a job started from a copy checked against the recorded hash. Skipped when no
//! test server is configured (a plain `cargo test`); `make test` requires one.

use axum::http::StatusCode;
use domain::{ArtifactName, NamespaceName};

use crate::artifacts::{jar_bytes, listed, sha256, with_jar};
use crate::support::{console_on_bucket, Console};

const ARTIFACTS: &str = "/api/v1/namespaces/default/artifacts";
const DEPLOYMENTS: &str = "/api/v1/namespaces/default/deployments";
const PREFIX: &str = "console/";

fn key(name: &str, bytes: &[u8]) -> String {
    let namespace = NamespaceName::parse("default").expect("a namespace");
    let name = ArtifactName::parse(name).expect("a name");
    engine::artifact::object_key(PREFIX, &namespace, &name, &sha256(bytes))
}

/// A console on a fresh bucket of the test server, and a client of that bucket to look into it.
async fn console_and_bucket() -> Option<(Console, s3::Bucket)> {
    let server = s3::testing::server()?;
    let bucket = server.fresh_bucket().await;
    Some((console_on_bucket(bucket.clone(), PREFIX).await, bucket))
}

async fn delete(console: &Console, uri: &str) -> crate::support::Reply {
    console.send("DELETE", uri, &[("accept", "application/json")], "").await
}

/// Where the API hands back the bytes of the artifact `job.jar` of `default`.
const CONTENT: &str = "/api/v1/namespaces/default/artifacts/job.jar/content";

#[tokio::test]
async fn an_upload_becomes_an_object_named_by_its_hash_and_a_job_runs_a_checked_copy_of_it() {
    let Some((console, bucket)) = console_and_bucket().await else { return };
    let bytes = jar_bytes("kept in a bucket");
    let reply = console.upload("default", "job.jar", &bytes).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.json()["sha256"], sha256(&bytes));
    assert_eq!(bucket.head(&key("job.jar", &bytes)).await.expect("head"), Some(bytes.len() as u64));
    let dir = tempfile::tempdir().expect("a directory");
    let copy = dir.path().join("copy.jar");
    let received = bucket.get_to_file(&key("job.jar", &bytes), &copy, 1 << 20).await.expect("the object");
    assert_eq!((received.sha256, std::fs::read(&copy).expect("read")), (sha256(&bytes), bytes.clone()));
    assert_eq!(listed(&console, "default").await, ["job.jar"]);
    let again = console.upload("default", "job.jar", &bytes).await;
    assert_eq!(again.status, StatusCode::OK, "the same bytes change nothing: {}", again.body);

    // What the engine uploads to Flink when a job starts: a local copy, fetched once.
    let default = NamespaceName::parse("default").expect("a namespace");
    let fetched = console.artifacts.fetch(&default, "artifact:///job.jar").await.expect("fetched");
    assert_eq!(std::fs::read(&fetched).expect("the copy"), bytes);
    assert_eq!(fetched.file_name().and_then(|n| n.to_str()), Some("job.jar"), "Flink lists it by this name");
    let refused = console.check_file_uri(&fetched).await;
    assert_eq!(refused, StatusCode::BAD_REQUEST, "no file: URI may name the console's copy");
    let other = NamespaceName::parse("other").expect("a namespace");
    let err = console.artifacts.fetch(&other, "artifact:///job.jar").await.expect_err("not another namespace's");
    assert!(err.contains("namespace other has no artifact job.jar"), "{err}");
    // A download through the API gives back the same bytes.
    let download = console.send("GET", CONTENT, &[], axum::body::Body::empty()).await;
    assert_eq!((download.status, download.body.as_bytes()), (StatusCode::OK, bytes.as_slice()));

    // Bytes changed behind the console's back are not run.
    bucket.delete(&key("job.jar", &bytes)).await.expect("deleted behind its back");
    std::fs::remove_file(&fetched).expect("the cached copy goes too");
    let err = console.artifacts.fetch(&default, "artifact:///job.jar").await.expect_err("the object is gone");
    assert!(err.contains("has no object s3://") && err.contains("upload it again"), "{err}");
    let download = console.send("GET", CONTENT, &[("accept", "application/json")], axum::body::Body::empty()).await;
    assert_eq!(download.status, StatusCode::SERVICE_UNAVAILABLE, "{}", download.body);
    assert!(download.json()["message"].as_str().is_some_and(|m| m.contains("upload it again")), "{}", download.body);
    let tampered = dir.path().join("tampered.jar");
    std::fs::write(&tampered, jar_bytes("tampered!!!!!!!")).expect("other bytes");
    let size = std::fs::metadata(&tampered).expect("size").len();
    let other_sha = sha256(&std::fs::read(&tampered).expect("read"));
    bucket.put_file(&key("job.jar", &bytes), &tampered, size, &other_sha).await.expect("other bytes put");
    let err = console.artifacts.fetch(&default, "artifact:///job.jar").await.expect_err("other bytes");
    assert!(err.contains("does not hold the bytes recorded for the artifact job.jar"), "{err}");
}

#[tokio::test]
async fn an_artifact_in_use_keeps_its_object_and_a_delete_or_replace_removes_the_old_one() {
    let Some((console, bucket)) = console_and_bucket().await else { return };
    let (v1, v2) = (jar_bytes("v1"), jar_bytes("v2"));
    assert_eq!(console.upload("default", "job.jar", &v1).await.status, StatusCode::CREATED);
    let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("runs-it", "artifact:///job.jar")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.json()["metadata"]["id"].as_str().expect("an id").to_owned();

    let refused = delete(&console, &format!("{ARTIFACTS}/job.jar")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("runs-it"), "{}", refused.body);
    let replaced = console.upload_to(&format!("{ARTIFACTS}?overwrite=true"), "job.jar", &v2).await;
    assert_eq!(replaced.status, StatusCode::CONFLICT, "{}", replaced.body);
    assert!(bucket.head(&key("job.jar", &v1)).await.expect("head").is_some(), "kept while used");
    assert_eq!(bucket.head(&key("job.jar", &v2)).await.expect("head"), None, "the refused upload's object went");

    assert_eq!(delete(&console, &format!("{DEPLOYMENTS}/{id}")).await.status, StatusCode::OK);
    let replaced = console.upload_to(&format!("{ARTIFACTS}?overwrite=true"), "job.jar", &v2).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(bucket.head(&key("job.jar", &v1)).await.expect("head"), None, "the old bytes went");
    assert!(bucket.head(&key("job.jar", &v2)).await.expect("head").is_some());

    let deleted = delete(&console, &format!("{ARTIFACTS}/job.jar")).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(bucket.head(&key("job.jar", &v2)).await.expect("head"), None, "the object went with it");
    assert!(listed(&console, "default").await.is_empty());
}

#[tokio::test]
async fn a_bucket_that_refuses_the_console_is_a_clear_503_and_nothing_is_recorded() {
    let Some(server) = s3::testing::server() else { return };
    let bucket = server.fresh_bucket().await;
    let wrong = s3::Credentials {
        access_key_id: server.credentials.access_key_id.clone(),
        secret_access_key: s3::SecretAccessKey::new("not-the-secret-key"),
    };
    let missing = server.bucket("no-such-bucket-for-the-console", server.credentials.clone());
    for (refusing, code) in [(server.bucket(bucket.name(), wrong), "SignatureDoesNotMatch"), (missing, "NoSuchBucket")]
    {
        let name = refusing.name().to_owned();
        let console = console_on_bucket(refusing, PREFIX).await;
        let bytes = jar_bytes("refused");
        let reply = console.upload("default", "job.jar", &bytes).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", reply.body);
        let message = reply.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.starts_with("storing job.jar failed: the artifact bucket at http://"), "{message}");
        assert!(message.contains(&format!("s3://{name}/{}", key("job.jar", &bytes))), "names the object: {message}");
        assert!(message.contains(code) && message.ends_with("nothing was changed"), "{message}");
        assert!(!reply.body.contains("not-the-secret-key"), "{}", reply.body);
        assert!(listed(&console, "default").await.is_empty(), "nothing recorded");
        let (_, audit) = console.get("/api/v1/namespaces/default/audit-log").await;
        let audited = audit["items"].as_array().expect("items").iter().any(|e| e["resourceKind"] == "Artifact");
        assert!(!audited, "no audit line for what did not happen");
    }
}
