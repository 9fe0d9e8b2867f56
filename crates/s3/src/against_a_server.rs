//! Tests of the client against a real S3-compatible server (moto, started by `scripts/test.sh` with
//! authentication on, so every signature is checked by the server): objects go in and come back
//! byte for byte, a wrong key or a missing bucket is a clear error naming the object. (moto does not
//! compare a body with its `x-amz-content-sha256`; S3 does, and the console checks what it reads.)

use crate::testing::server;
use crate::{Credentials, Reason, SecretAccessKey};
use sha2::{Digest, Sha256};

#[tokio::test]
async fn an_object_is_put_read_back_looked_at_and_deleted() {
    let Some(server) = server() else { return };
    let bucket = server.fresh_bucket().await;
    let dir = tempfile::tempdir().expect("a directory");
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let source = dir.path().join("job.jar");
    std::fs::write(&source, &bytes).expect("a file");
    // A key with characters that must be encoded, signed as the server encodes them.
    let key = "console/default/my job+1 (ü).jar";
    bucket.put_file(key, &source, bytes.len() as u64, &sha256).await.expect("put");
    assert_eq!(bucket.head(key).await.expect("head"), Some(bytes.len() as u64));
    let copy = dir.path().join("copy.jar");
    let received = bucket.get_to_file(key, &copy, 1 << 20).await.expect("get");
    assert_eq!((received.size_bytes, received.sha256.as_str()), (bytes.len() as u64, sha256.as_str()));
    assert_eq!(std::fs::read(&copy).expect("the copy"), bytes);
    let too_small = bucket.get_to_file(key, &copy, 1000).await.expect_err("over the limit");
    assert!(matches!(too_small.reason, Reason::TooLarge(1000)), "{too_small}");

    bucket.delete(key).await.expect("delete");
    assert_eq!(bucket.head(key).await.expect("head"), None);
    bucket.delete(key).await.expect("deleting a missing object is done");
    let missing = bucket.get_to_file(key, &copy, 1 << 20).await.expect_err("gone");
    assert_eq!(missing.reason.code(), Some("NoSuchKey"), "{missing}");
}

#[tokio::test]
async fn a_wrong_key_and_a_missing_bucket_are_refused_by_the_server() {
    let Some(server) = server() else { return };
    let bucket = server.fresh_bucket().await;
    let dir = tempfile::tempdir().expect("a directory");
    let source = dir.path().join("job.jar");
    std::fs::write(&source, b"PK\x03\x04 job").expect("a file");
    let wrong_secret = Credentials {
        access_key_id: server.credentials.access_key_id.clone(),
        secret_access_key: SecretAccessKey::new("not-the-secret-key"),
    };
    let impostor = server.bucket(bucket.name(), wrong_secret);
    let refused = impostor.put_file("b.jar", &source, 8, &hex::encode(Sha256::digest(b"PK\x03\x04 job"))).await;
    let refused = refused.expect_err("a wrong secret");
    assert_eq!(refused.reason.code(), Some("SignatureDoesNotMatch"), "{refused}");
    assert!(!refused.to_string().contains("not-the-secret-key"), "{refused}");
    let unknown = Credentials {
        access_key_id: "AKIANOBODYKNOWS00000".into(),
        secret_access_key: SecretAccessKey::new("whatever"),
    };
    let stranger = server.bucket(bucket.name(), unknown).head("a.jar").await.expect_err("an unknown key id");
    assert!(stranger.to_string().contains("HTTP 403"), "{stranger}");

    let nowhere = server.bucket("no-such-bucket-here", server.credentials.clone());
    let missing = nowhere.head("a.jar").await.expect_err("no bucket");
    assert_eq!(missing.reason.code(), Some("NoSuchBucket"), "{missing}");
    let missing = nowhere.put_file("a.jar", &source, 8, &hex::encode(Sha256::digest(b"PK\x03\x04 job"))).await;
    assert_eq!(missing.expect_err("no bucket").reason.code(), Some("NoSuchBucket"));
}
