//! The authorisation matrix: every REST operation and every server function, called by every kind
//! of caller. Exactly the calls the roles allow succeed; every other call gets its own status (401
//! nobody signed in, 404 a namespace the caller does not belong to, 403 a forbidden action) and
//! writes nothing. The expectations are written out here (`refusal`), not derived from
//! `domain::permits`, so a wrong row in the roles table fails this test.

use std::collections::{BTreeSet, HashMap};

use axum::body::Body;
use domain::{DefaultsScope, DeploymentState, DeploymentStatus, JobState, NamespaceName, Role, RunningStatus, User};
use serde_json::{json, Value};
use services::auth::{hash_password, secret_hash};
use services::Caller;
use storage::{now_rfc3339, Store};

use crate::jobs::job;
use crate::support::{console, Console};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    /// No session, no token.
    Anonymous,
    /// Viewer, editor and owner of `default`.
    Viewer,
    Editor,
    Owner,
    /// The system admin, a member of nothing.
    Admin,
    /// Owner of namespace `elsewhere`, not a member of `default`.
    Outsider,
    /// An EDITOR token of `default` that has been revoked.
    RevokedToken,
    /// An EDITOR token of `default`.
    EditorToken,
}

const CALLERS: [Who; 8] = [
    Who::Anonymous,
    Who::Viewer,
    Who::Editor,
    Who::Owner,
    Who::Admin,
    Who::Outsider,
    Who::RevokedToken,
    Who::EditorToken,
];

/// What a call needs of its caller (the calls are all about namespace `default`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    /// Nothing: health, the API's description, signing in and out, who is signed in.
    Nothing,
    /// A person signed in with a password (not a token): changing that password.
    Person,
    /// Anyone signed in, or a valid token: the console's status, global defaults.
    SignedIn,
    /// Reading the namespace (viewers up).
    View,
    /// Changing and running its deployments (editors up).
    Edit,
    /// Its members, tokens, targets, defaults and audit log (owners).
    Manage,
    /// Users, namespaces, global defaults, the console-wide audit log (system admins).
    System,
}

/// The status `who` gets for a call that needs `needs`, or `None` if the call is allowed.
fn refusal(who: Who, needs: Needs) -> Option<u16> {
    use Needs::*;
    match (needs, who) {
        (Nothing, _) => None,
        (_, Who::Anonymous | Who::RevokedToken) => Some(401),
        (Person, Who::EditorToken) => Some(401),
        (Person | SignedIn, _) => None,
        (System, Who::Admin) => None,
        (System, _) => Some(403),
        (View | Edit | Manage, Who::Admin) => None,
        (View | Edit | Manage, Who::Outsider) => Some(404),
        (View, Who::Viewer | Who::Editor | Who::Owner | Who::EditorToken) => None,
        (Edit, Who::Editor | Who::Owner | Who::EditorToken) => None,
        (Manage, Who::Owner) => None,
        (Edit | Manage, Who::Viewer | Who::Editor | Who::EditorToken) => Some(403),
    }
}

/// One call: a REST operation (`template` as the OpenAPI document names it) or a server function
/// (`template` is its path), with what it needs and whether it writes when allowed.
struct Call {
    template: &'static str,
    method: &'static str,
    uri: String,
    body: Payload,
    needs: Needs,
    writes: bool,
}

enum Payload {
    None,
    Json(Value),
    /// A server function's form fields.
    Form(Vec<(&'static str, String)>),
    /// An upload: a file's name and bytes as `multipart/form-data` field `file`.
    File(&'static str, Vec<u8>),
}

/// What the calls refer to, made in each fixture.
struct Fixture {
    console: Console,
    /// The header that identifies each caller (`None`: anonymous).
    credentials: HashMap<Who, (&'static str, String)>,
    /// `stateful-counter` (CANCELLED), `orders-sql` (RUNNING, per its status).
    stopped: String,
    running: String,
    savepoint: String,
    job: String,
    /// A token of `default` for the revoke call.
    spare_token: String,
    /// The `jarUri` of `stopped`.
    jar: String,
    /// A tuning plan of `stopped`, not applied; one of `running`, applied.
    idle_plan: String,
    applied_plan: String,
    /// The job `running` runs (STARTED).
    active_job: String,
    /// The SQL helper's stand-in (a script answering every request as a successful DDL statement).
    _sql: tempfile::TempDir,
}

fn namespace(name: &str) -> NamespaceName {
    NamespaceName::parse(name).expect("a namespace name")
}

/// Everybody's password in the fixture.
const PASSWORD: &str = "fixture-password";

/// A user with `PASSWORD` (as `hash`), signed in by a session made here.
pub(crate) async fn person(store: &Store, hash: &str, name: &str, membership: Option<(&str, Role)>) -> String {
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.into(),
        admin: false,
        created_at: now_rfc3339(),
        must_change_password: false,
    };
    store.create_user(&user, hash).await.expect("a user");
    if let Some((ns, role)) = membership {
        store.set_member(&namespace(ns), &user.id, role).await.expect("a membership");
    }
    let secret = uuid::Uuid::new_v4().simple().to_string();
    store
        .create_session(&secret_hash(&secret), &user.id, &now_rfc3339(), "9999-12-31T00:00:00Z")
        .await
        .expect("a session");
    secret
}

async fn fixture() -> Fixture {
    let mut console = console().await;
    let sql = tempfile::tempdir().expect("a directory");
    let answer = r#"{"ok":true,"validationResult":"VALIDATION_RESULT_VALID_DDL_STATEMENT","result":"RESULT_SUCCESS","resultTable":{"headers":[{"name":"result"}],"rows":[{"cells":[{"value":"OK"}]}]},"catalog":["CREATE TABLE `default_catalog`.`default_database`.`t` (\n  `k` INT\n)"],"completions":[]}"#;
    let insert = r#"{"ok":true,"validationResult":"VALIDATION_RESULT_VALID_INSERT_QUERY"}"#;
    let helper =
        flinksql::testing::scripted_by_op(sql.path(), &[("validate", insert)], answer).expect("a scripted SQL helper");
    console.state.services = console.state.services.clone().with_sql_helper(helper);
    let services = console.state.services.clone();
    let store = &console.store;
    let default = namespace("default");
    store.ensure_namespace(&namespace("elsewhere")).await.expect("namespace elsewhere");

    let hash = hash_password(PASSWORD).expect("a hash");
    let (admin, _) = store.user_by_name("admin").await.expect("read").expect("the admin");
    let admin_session = secret_hash(&console.admin_session);
    store.set_password_hash(&admin.id, &hash, Some(&admin_session)).await.expect("the admin's password");
    let mut credentials = HashMap::new();
    let cookie = |secret: String| ("cookie", format!("console_session={secret}"));
    let bearer = |secret: &str| ("authorization", format!("Bearer {secret}"));
    credentials.insert(Who::Anonymous, ("cookie", "unrelated=1".to_owned()));
    credentials.insert(Who::Admin, cookie(console.admin_session.clone()));
    for (who, name, membership) in [
        (Who::Viewer, "vera", ("default", Role::Viewer)),
        (Who::Editor, "ed", ("default", Role::Editor)),
        (Who::Owner, "olga", ("default", Role::Owner)),
        (Who::Outsider, "otto", ("elsewhere", Role::Owner)),
    ] {
        credentials.insert(who, cookie(person(store, &hash, name, Some(membership)).await));
    }
    let admin = Caller::User(admin);
    let token = |name: &'static str, role| {
        let services = services.clone();
        let (admin, default) = (admin.clone(), default.clone());
        async move { services.create_api_token(&admin, &default, name, role, None).await.expect("a token") }
    };
    let (_, editor_secret) = token("pipeline", Role::Editor).await;
    credentials.insert(Who::EditorToken, bearer(editor_secret.expose()));
    let (revoked, revoked_secret) = token("retired", Role::Editor).await;
    services.revoke_api_token(&admin, &default, &revoked.id).await.expect("revoked");
    credentials.insert(Who::RevokedToken, bearer(revoked_secret.expose()));
    let (spare, _) = token("spare", Role::Viewer).await;

    let deployments =
        store.list_deployments(&default, None, &storage::Page::first(100_000)).await.expect("deployments").items;
    let id_of = |name: &str| {
        deployments
            .iter()
            .find(|d| d.metadata.name == name)
            .map(|d| d.metadata.id.clone())
            .expect("a seeded deployment")
    };
    let (stopped, running) = (id_of("stateful-counter"), id_of("orders-sql"));
    let jar = deployments
        .iter()
        .find(|d| d.metadata.id == stopped)
        .and_then(|d| d.spec.template.spec.artifact.as_ref())
        .and_then(|a| a.jar_uri.clone())
        .expect("the counter's jar");
    let row = store.engine_row(&default, &running).await.expect("read").expect("seeded");
    let mut active = job(&running, &now_rfc3339(), JobState::Started);
    active.metadata.id = uuid::Uuid::new_v4().to_string();
    store.insert_job(&active).await.expect("the running job");
    let status = DeploymentStatus {
        state: DeploymentState::Running,
        running: Some(RunningStatus { job_id: active.metadata.id.clone(), transition_time: now_rfc3339() }),
        failure: None,
    };
    store.save_engine_state(&default, &running, &status, "{}", row.status_version).await.expect("running");
    let past = job(&stopped, "2026-01-01T00:00:00.000000Z", JobState::Finished);
    store.insert_job(&past).await.expect("a job");
    let reply = console
        .send_json(
            "POST",
            "/api/v1/namespaces/default/savepoints",
            &json!({"metadata": {"deploymentId": stopped}, "spec": {"savepointLocation": "file:///savepoints/one"}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let savepoint = reply.json()["metadata"]["id"].as_str().expect("an id").to_owned();
    // The session clusters registered here listen on loopback (port 9: nobody).
    console.allow_hosts(&["127.0.0.0/8"]).await;
    let reply = console
        .send_json(
            "POST",
            "/api/v1/namespaces/default/deployment-targets",
            &json!({"metadata": {"name": "spare"}, "spec": {"flinkSession": {"url": "http://127.0.0.1:9"}}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reply = console.upload("default", "spare.jar", b"PK\x03\x04 spare").await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let plan = |deployment: &str| {
        let uri = format!("/api/v1/namespaces/default/deployments/{deployment}/tuning-plans");
        let console = &console;
        async move {
            let reply = console.send_json("POST", &uri, &tuning_plan("fixture")).await;
            assert_eq!(reply.status, 201, "{}", reply.body);
            reply.json()["metadata"]["id"].as_str().expect("an id").to_owned()
        }
    };
    let idle_plan = plan(&stopped).await;
    let applied_plan = plan(&running).await;
    let reply = console
        .send_json("POST", &format!("/api/v1/namespaces/default/tuning-plans/{applied_plan}:apply"), &json!({}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    Fixture {
        console,
        credentials,
        stopped,
        running,
        savepoint,
        job: past.metadata.id,
        spare_token: spare.id,
        jar,
        idle_plan,
        applied_plan,
        active_job: active.metadata.id,
        _sql: sql,
    }
}

/// A tuning plan called `name` with one daily time point.
fn tuning_plan(name: &str) -> Value {
    json!({"metadata": {"name": name}, "spec": {"timePoints": [
        {"trigger": {"kind": "DAILY", "time": "08:00", "timeZone": "Europe/Berlin"}, "setting": {"parallelism": 2}}
    ]}})
}

fn rest(template: &'static str, method: &'static str, uri: String, body: Option<Value>, needs: Needs) -> Call {
    let writes = method != "GET";
    Call { template, method, uri, body: body.map_or(Payload::None, Payload::Json), needs, writes }
}

fn server_fn(path: &'static str, fields: &[(&'static str, &str)], needs: Needs, writes: bool) -> Call {
    let fields = fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    Call { template: path, method: "POST", uri: path.to_owned(), body: Payload::Form(fields), needs, writes }
}

/// Every call, about the fixture's resources in namespace `default`.
fn calls(f: &Fixture) -> Vec<Call> {
    use Needs::*;
    const NS: &str = "/api/v1/namespaces/default";
    const V2: &str = "/api/v2/namespaces/default";
    const SQL: &str = "/sql/v1beta1/namespaces/default/sqlscripts";
    let deployment = format!("{NS}/deployments/{}", f.stopped);
    let new_deployment = json!({"metadata": {"name": "matrix"},
        "spec": {"template": {"spec": {"artifact": {"kind": "JAR", "jarUri": "https://artifacts.example/x.jar"}}}}});
    let new_target = json!({"metadata": {"name": "matrix"}, "spec": {"flinkSession": {"url": "http://127.0.0.1:9"}}});
    let defaults_patch = json!({"spec": {"template": {"spec": {"parallelism": 3}}}});
    let copied =
        json!({"metadata": {"deploymentId": f.stopped}, "spec": {"savepointLocation": "file:///savepoints/two"}});
    vec![
        rest("/healthz", "GET", "/healthz".into(), None, Nothing),
        rest("/readyz", "GET", "/readyz".into(), None, Nothing),
        rest("/api/v1/openapi.json", "GET", "/api/v1/openapi.json".into(), None, Nothing),
        rest("/api/v1/status", "GET", "/api/v1/status".into(), None, SignedIn),
        rest("/api/v1/status/system-info", "GET", "/api/v1/status/system-info".into(), None, SignedIn),
        // The scrape token (not one of the callers here) is `metrics.rs`'s.
        rest("/metrics", "GET", "/metrics".into(), None, System),
        rest("/api/v1/namespaces", "GET", "/api/v1/namespaces".into(), None, SignedIn),
        rest(
            "/api/v1/namespaces",
            "POST",
            "/api/v1/namespaces".into(),
            Some(json!({"metadata": {"name": "matrix"}})),
            System,
        ),
        rest("/api/v1/users", "GET", "/api/v1/users".into(), None, System),
        rest(
            "/api/v1/users",
            "POST",
            "/api/v1/users".into(),
            Some(json!({"name": "newcomer", "password": "long enough"})),
            System,
        ),
        rest("/api/v1/users/{name}", "DELETE", "/api/v1/users/vera".into(), None, System),
        rest(
            "/api/v1/users/{name}/password",
            "PUT",
            "/api/v1/users/vera/password".into(),
            Some(json!({"password": "a new password"})),
            System,
        ),
        rest("/api/v1/settings/network", "GET", "/api/v1/settings/network".into(), None, System),
        rest(
            "/api/v1/settings/network",
            "PUT",
            "/api/v1/settings/network".into(),
            Some(json!({"allowedSessionClusterHosts": ["127.0.0.0/8", "10.0.0.0/8"]})),
            System,
        ),
        rest("/api/v1/deployment-defaults", "GET", "/api/v1/deployment-defaults".into(), None, SignedIn),
        rest(
            "/api/v1/deployment-defaults",
            "PATCH",
            "/api/v1/deployment-defaults".into(),
            Some(defaults_patch.clone()),
            System,
        ),
        rest("/api/v1/namespaces/{namespace}", "GET", NS.into(), None, View),
        rest("/namespaces/v1/namespaces", "GET", "/namespaces/v1/namespaces".into(), None, SignedIn),
        rest("/namespaces/v1/namespaces/{namespace}", "GET", "/namespaces/v1/namespaces/default".into(), None, View),
        rest("/api/v1/namespaces/{namespace}/members", "GET", format!("{NS}/members"), None, Manage),
        rest(
            "/api/v1/namespaces/{namespace}/members/{user}",
            "PUT",
            format!("{NS}/members/otto"),
            Some(json!({"role": "VIEWER"})),
            Manage,
        ),
        rest("/api/v1/namespaces/{namespace}/members/{user}", "DELETE", format!("{NS}/members/vera"), None, Manage),
        rest("/api/v1/namespaces/{namespace}/api-tokens", "GET", format!("{NS}/api-tokens"), None, Manage),
        rest(
            "/api/v1/namespaces/{namespace}/api-tokens",
            "POST",
            format!("{NS}/api-tokens"),
            Some(json!({"name": "new", "role": "VIEWER"})),
            Manage,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/api-tokens/{id}",
            "DELETE",
            format!("{NS}/api-tokens/{}", f.spare_token),
            None,
            Manage,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/api-tokens/{id}/access-key",
            "POST",
            format!("{NS}/api-tokens/{}/access-key", f.spare_token),
            None,
            Manage,
        ),
        rest("/api/v1/namespaces/{namespace}/audit-log", "GET", format!("{NS}/audit-log"), None, Manage),
        rest(
            "/api/v1/namespaces/{namespace}/deployment-defaults",
            "GET",
            format!("{NS}/deployment-defaults"),
            None,
            View,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/deployment-defaults",
            "PATCH",
            format!("{NS}/deployment-defaults"),
            Some(defaults_patch),
            Manage,
        ),
        rest("/api/v1/namespaces/{namespace}/deployments", "GET", format!("{NS}/deployments"), None, View),
        rest(
            "/api/v1/namespaces/{namespace}/deployments",
            "POST",
            format!("{NS}/deployments"),
            Some(new_deployment),
            Edit,
        ),
        // Ends after catching up (`timeoutSeconds=0`), so the call returns.
        rest(
            "/api/v1/namespaces/{namespace}/deployments:watch",
            "GET",
            format!("{NS}/deployments:watch?timeoutSeconds=0"),
            None,
            View,
        ),
        rest("/api/v1/namespaces/{namespace}/deployments/{deploymentId}", "GET", deployment.clone(), None, View),
        rest(
            "/api/v1/namespaces/{namespace}/deployments/{deploymentId}",
            "PATCH",
            deployment.clone(),
            Some(json!({"spec": {"state": "RUNNING"}})),
            Edit,
        ),
        rest("/api/v1/namespaces/{namespace}/deployments/{deploymentId}", "DELETE", deployment.clone(), None, Edit),
        rest(
            "/api/v1/namespaces/{namespace}/deployments/{deploymentId}:start",
            "POST",
            format!("{deployment}:start"),
            Some(json!({"mode": "INITIAL"})),
            Edit,
        ),
        Call {
            writes: false,
            ..rest(
                "/api/v1/namespaces/{namespace}/deployments/{deploymentId}:check-compatibility",
                "POST",
                format!("{deployment}:check-compatibility"),
                Some(json!({"mode": "RESUME", "restore": {"kind": "SAVEPOINT", "savepointId": f.savepoint}})),
                Edit,
            )
        },
        rest(
            "/api/v1/namespaces/{namespace}/deployments/{deploymentId}/autopilot-policy",
            "GET",
            format!("{deployment}/autopilot-policy"),
            None,
            View,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/deployments/{deploymentId}/autopilot-policy",
            "PUT",
            format!("{deployment}/autopilot-policy"),
            Some(json!({"mode": "MONITORING"})),
            Edit,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/deployments/{deploymentId}/autopilot",
            "GET",
            format!("{deployment}/autopilot"),
            None,
            View,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/deployments/{deploymentId}/tuning-plans",
            "GET",
            format!("{deployment}/tuning-plans"),
            None,
            View,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/deployments/{deploymentId}/tuning-plans",
            "POST",
            format!("{deployment}/tuning-plans"),
            Some(tuning_plan("matrix")),
            Edit,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/deployments/{deploymentId}/tuning-plan-executions",
            "GET",
            format!("{deployment}/tuning-plan-executions"),
            None,
            View,
        ),
        rest("/api/v1/namespaces/{namespace}/tuning-plans/{planId}", "GET", format!("{NS}/tuning-plans/{}", f.idle_plan), None, View),
        rest(
            "/api/v1/namespaces/{namespace}/tuning-plans/{planId}",
            "PUT",
            format!("{NS}/tuning-plans/{}", f.idle_plan),
            Some(tuning_plan("renamed")),
            Edit,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/tuning-plans/{planId}",
            "DELETE",
            format!("{NS}/tuning-plans/{}", f.idle_plan),
            None,
            Edit,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/tuning-plans/{planId}:apply",
            "POST",
            format!("{NS}/tuning-plans/{}:apply", f.idle_plan),
            Some(json!({})),
            Edit,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/tuning-plans/{planId}:stop",
            "POST",
            format!("{NS}/tuning-plans/{}:stop", f.applied_plan),
            Some(json!({})),
            Edit,
        ),
        Call {
            writes: false,
            ..rest(
                "/sql/v1beta1/namespaces/{namespace}/sqlscripts:validate",
                "POST",
                format!("{SQL}:validate"),
                Some(json!({"statement": "CREATE TABLE t (k INT)"})),
                View,
            )
        },
        rest(
            "/sql/v1beta1/namespaces/{namespace}/sqlscripts:execute",
            "POST",
            format!("{SQL}%3Aexecute"),
            Some(json!({"statement": "CREATE TABLE t (k INT)"})),
            Edit,
        ),
        Call {
            writes: false,
            ..rest(
                "/sql/v1beta1/namespaces/{namespace}/sqlscripts:suggest",
                "POST",
                format!("{SQL}:suggest"),
                Some(json!({"sqlScript": "SELECT * FROM ", "position": 14})),
                View,
            )
        },
        rest(
            "/api/v1/namespaces/{namespace}/deployment-targets",
            "GET",
            format!("{NS}/deployment-targets"),
            None,
            View,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/deployment-targets",
            "POST",
            format!("{NS}/deployment-targets"),
            Some(new_target),
            Manage,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/deployment-targets/{name}",
            "GET",
            format!("{NS}/deployment-targets/spare"),
            None,
            View,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/deployment-targets/{name}",
            "PUT",
            format!("{NS}/deployment-targets/spare"),
            Some(json!({
                "metadata": {"name": "spare", "displayName": "The spare cluster"},
                "spec": {"flinkSession": {"url": "http://127.0.0.1:9"}}
            })),
            Manage,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/deployment-targets/{name}",
            "DELETE",
            format!("{NS}/deployment-targets/spare"),
            None,
            Manage,
        ),
        rest("/api/v1/namespaces/{namespace}/artifacts", "GET", format!("{NS}/artifacts"), None, View),
        Call {
            body: Payload::File("matrix.jar", b"PK\x03\x04 matrix".to_vec()),
            ..rest("/api/v1/namespaces/{namespace}/artifacts", "POST", format!("{NS}/artifacts"), None, Edit)
        },
        rest("/api/v1/namespaces/{namespace}/artifacts/{name}", "GET", format!("{NS}/artifacts/spare.jar"), None, View),
        rest(
            "/api/v1/namespaces/{namespace}/artifacts/{name}/content",
            "GET",
            format!("{NS}/artifacts/spare.jar/content"),
            None,
            View,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/artifacts/{name}",
            "DELETE",
            format!("{NS}/artifacts/spare.jar"),
            None,
            Edit,
        ),
        rest("/api/v1/namespaces/{namespace}/jobs", "GET", format!("{NS}/jobs"), None, View),
        rest("/api/v1/namespaces/{namespace}/jobs/{jobId}", "GET", format!("{NS}/jobs/{}", f.job), None, View),
        rest("/api/v1/namespaces/{namespace}/savepoints", "GET", format!("{NS}/savepoints"), None, View),
        rest("/api/v1/namespaces/{namespace}/savepoints", "POST", format!("{NS}/savepoints"), Some(copied), Edit),
        rest(
            "/api/v1/namespaces/{namespace}/savepoints/{savepointId}",
            "GET",
            format!("{NS}/savepoints/{}", f.savepoint),
            None,
            View,
        ),
        rest(
            "/api/v1/namespaces/{namespace}/savepoints/{savepointId}:copy",
            "POST",
            format!("{NS}/savepoints/{}:copy", f.savepoint),
            Some(json!({"deploymentId": f.running})),
            Edit,
        ),
        rest("/api/v1/namespaces/{namespace}/events", "GET", format!("{NS}/events"), None, View),
        // Alibaba's OpenAPI (2022-07-18), as its SDK sends it (the `:` of custom methods encoded).
        rest("/api/v2/namespaces/{namespace}/deployments", "GET", format!("{V2}/deployments"), None, View),
        rest(
            "/api/v2/namespaces/{namespace}/deployments",
            "POST",
            format!("{V2}/deployments"),
            Some(json!({"name": "matrix", "artifact": {"kind": "JAR", "jarArtifact": {"jarUri": "https://artifacts.example/x.jar"}},
                "deploymentTarget": {"name": "local"}, "localVariables": []})),
            Edit,
        ),
        rest("/api/v2/namespaces/{namespace}/deployments/{deploymentId}", "GET", format!("{V2}/deployments/{}", f.stopped), None, View),
        rest(
            "/api/v2/namespaces/{namespace}/deployments/{deploymentId}",
            "PUT",
            format!("{V2}/deployments/{}", f.stopped),
            Some(json!({"description": "changed"})),
            Edit,
        ),
        rest("/api/v2/namespaces/{namespace}/deployments/{deploymentId}", "DELETE", format!("{V2}/deployments/{}", f.stopped), None, Edit),
        rest(
            "/api/v2/namespaces/{namespace}/deployments/name/{deploymentName}",
            "GET",
            format!("{V2}/deployments/name/stateful-counter"),
            None,
            View,
        ),
        rest(
            "/api/v2/namespaces/{namespace}/deployments/updateDeployment/byName",
            "PUT",
            format!("{V2}/deployments/updateDeployment/byName?deploymentName=stateful-counter"),
            Some(json!({"description": "changed"})),
            Edit,
        ),
        rest(
            "/api/v2/namespaces/{namespace}/deployments/deleteDeployment/byName",
            "DELETE",
            format!("{V2}/deployments/deleteDeployment/byName?deploymentName=stateful-counter"),
            None,
            Edit,
        ),
        rest(
            "/api/v2/namespaces/{namespace}/deployments/getDeployments/byLabel",
            "GET",
            format!("{V2}/deployments/getDeployments/byLabel?labelKey=team&labelValue=a"),
            None,
            View,
        ),
        rest("/api/v2/namespaces/{namespace}/jobs", "GET", format!("{V2}/jobs"), None, View),
        rest("/api/v2/namespaces/{namespace}/jobs/{jobId}", "GET", format!("{V2}/jobs/{}", f.job), None, View),
        rest("/api/v2/namespaces/{namespace}/jobs/{jobId}", "DELETE", format!("{V2}/jobs/{}", f.job), None, Edit),
        rest(
            "/api/v2/namespaces/{namespace}/jobs:start",
            "POST",
            format!("{V2}/jobs%3Astart"),
            Some(json!({"deploymentId": f.stopped, "restoreStrategy": {"kind": "NONE"}})),
            Edit,
        ),
        rest(
            "/api/v2/namespaces/{namespace}/jobs",
            "POST",
            format!("{V2}/jobs"),
            Some(json!({"deploymentId": f.stopped, "restoreStrategy": {"kind": "NONE"}})),
            Edit,
        ),
        rest(
            "/api/v2/namespaces/{namespace}/jobs/{jobId}:stop",
            "POST",
            format!("{V2}/jobs/{}%3Astop", f.active_job),
            Some(json!({"stopStrategy": "STOP_WITH_SAVEPOINT"})),
            Edit,
        ),
        rest("/api/v2/namespaces/{namespace}/savepoints", "GET", format!("{V2}/savepoints"), None, View),
        rest(
            "/api/v2/namespaces/{namespace}/savepoints",
            "POST",
            format!("{V2}/savepoints"),
            Some(json!({"deploymentId": f.running, "nativeFormat": false})),
            Edit,
        ),
        rest("/api/v2/namespaces/{namespace}/savepoints/{savepointId}", "GET", format!("{V2}/savepoints/{}", f.savepoint), None, View),
        rest(
            "/api/v2/namespaces/{namespace}/savepoints/{savepointId}",
            "DELETE",
            format!("{V2}/savepoints/{}", f.savepoint),
            None,
            Edit,
        ),
        rest("/api/v2/namespaces/{namespace}/deployment-targets", "GET", format!("{V2}/deployment-targets"), None, View),
        rest("/api/v2/namespaces/{namespace}/events", "GET", format!("{V2}/events?deploymentId={}", f.stopped), None, View),
        rest(
            "/autopilot/v2/namespaces/{namespace}/deployments/{deploymentId}/autopilotpolicy-describe",
            "GET",
            format!("/autopilot/v2/namespaces/default/deployments/{}/autopilotpolicy-describe", f.stopped),
            None,
            View,
        ),
        rest(
            "/autopilot/v2/namespaces/{namespace}/deployments/{deploymentId}/autopilotpolicy-update",
            "PUT",
            format!("/autopilot/v2/namespaces/default/deployments/{}/autopilotpolicy-update", f.stopped),
            Some(json!({"policyConfig": {"limits": {"jobMaxParallelism": 4}}})),
            Edit,
        ),
        rest("/api/v2/namespaces/{namespace}/scheduled-plans", "GET", format!("{V2}/scheduled-plans?deploymentId={}", f.stopped), None, View),
        rest(
            "/api/v2/namespaces/{namespace}/scheduled-plans",
            "POST",
            format!("{V2}/scheduled-plans"),
            Some(json!({"name": "matrix-sdk", "deploymentId": f.stopped, "periodicSchedulingPolicies": [
                {"periodicSchedulingLevel": "DAY", "periodicTriggerTime": 28_800_000,
                 "resourceSetting": {"streamingResourceSetting": {"basicResourceSetting": {"parallelism": 2}}}}]})),
            Edit,
        ),
        rest(
            "/api/v2/namespaces/{namespace}/scheduled-plans/{scheduledPlanId}",
            "PUT",
            format!("{V2}/scheduled-plans/{}", f.idle_plan),
            Some(json!({"name": "renamed-sdk", "periodicSchedulingPolicies": [
                {"onlyOnceTriggerTime": 1_893_456_000_000_i64,
                 "resourceSetting": {"streamingResourceSetting": {"basicResourceSetting": {"parallelism": 2}}}}]})),
            Edit,
        ),
        rest("/api/v2/namespaces/{namespace}/scheduled-plans/{scheduledPlanId}", "DELETE", format!("{V2}/scheduled-plans/{}", f.idle_plan), None, Edit),
        rest(
            "/api/v2/namespaces/{namespace}/scheduled-plans/{scheduledPlanId}:apply",
            "POST",
            format!("{V2}/scheduled-plans/{}%3Aapply", f.idle_plan),
            None,
            Edit,
        ),
        rest(
            "/api/v2/namespaces/{namespace}/scheduled-plans/{scheduledPlanId}:stop",
            "PATCH",
            format!("{V2}/scheduled-plans/{}%3Astop", f.applied_plan),
            None,
            Edit,
        ),
        rest(
            "/api/v2/namespaces/{namespace}/scheduled-plans:getExecutedScheduledPlan",
            "GET",
            format!("{V2}/scheduled-plans%3AgetExecutedScheduledPlan?deploymentId={}", f.running),
            None,
            View,
        ),
        rest(
            "/api/v2/namespaces/{namespace}/job-resource-upgradings",
            "GET",
            format!("{V2}/job-resource-upgradings?deploymentId={}", f.stopped),
            None,
            View,
        ),
        // Server functions: what the console's pages call.
        server_fn("/api/login", &[("name", "admin"), ("password", PASSWORD)], Nothing, false),
        server_fn("/api/logout", &[], Nothing, false),
        server_fn("/api/current_session", &[], Nothing, false),
        server_fn("/api/list_deployments", &[("namespace", "default"), ("mode", "STREAMING")], View, false),
        server_fn("/api/get_deployment", &[("namespace", "default"), ("deployment_id", &f.stopped)], View, false),
        server_fn(
            "/api/set_desired_state",
            &[("namespace", "default"), ("deployment_id", &f.stopped), ("state", "RUNNING")],
            Edit,
            true,
        ),
        server_fn("/api/take_savepoint", &[("namespace", "default"), ("deployment_id", &f.running)], Edit, true),
        server_fn("/api/delete_deployment", &[("namespace", "default"), ("deployment_id", &f.stopped)], Edit, true),
        server_fn(
            "/api/save_autopilot_policy",
            &[
                ("namespace", "default"),
                ("deployment_id", &f.stopped),
                ("mode", "MONITORING"),
                ("strategy", "ADAPTIVE"),
                ("target_utilization", "0.7"),
                ("metrics_window_seconds", "600"),
                ("stabilization_seconds", "300"),
                ("cool_down_minutes", "10"),
                ("min_parallelism", "1"),
                ("max_parallelism", ""),
            ],
            Edit,
            true,
        ),
        server_fn(
            "/api/create_tuning_plan",
            &[
                ("namespace", "default"),
                ("deployment_id", &f.stopped),
                ("name", "matrix form"),
                ("kind_1", "DAILY"),
                ("at_1", "08:00"),
                ("zone_1", "Europe/Berlin"),
                ("parallelism_1", "2"),
            ],
            Edit,
            true,
        ),
        server_fn(
            "/api/change_tuning_plan",
            &[("namespace", "default"), ("deployment_id", &f.stopped), ("plan_id", &f.idle_plan), ("action", "Apply")],
            Edit,
            true,
        ),
        server_fn(
            "/api/register_savepoint",
            &[("namespace", "default"), ("deployment_id", &f.stopped), ("location", "s3://bucket/matrix")],
            Edit,
            true,
        ),
        server_fn(
            "/api/copy_savepoint",
            &[
                ("namespace", "default"),
                ("deployment_id", &f.stopped),
                ("savepoint_id", &f.savepoint),
                ("target_deployment_id", &f.running),
            ],
            Edit,
            true,
        ),
        server_fn(
            "/api/create_deployment_from_yaml",
            &[
                ("namespace", "default"),
                (
                    "yaml",
                    "kind: Deployment\nmetadata:\n  name: matrix-yaml\nspec:\n  template:\n    spec:\n      artifact:\n        \
                     kind: JAR\n        jarUri: https://artifacts.example/x.jar\n",
                ),
            ],
            Edit,
            true,
        ),
        server_fn("/api/get_deployment_form", &[("namespace", "default"), ("deployment_id", &f.stopped)], Edit, false),
        server_fn(
            "/api/save_deployment",
            &[
                ("namespace", "default"),
                ("deployment_id", &f.stopped),
                ("name", "renamed-by-form"),
                ("jar_uri", &f.jar),
                ("resource_version", "1"),
            ],
            Edit,
            true,
        ),
        server_fn("/api/start_dialog", &[("namespace", "default"), ("deployment_id", &f.stopped)], Edit, false),
        server_fn(
            "/api/check_start_compatibility",
            &[
                ("namespace", "default"),
                ("deployment_id", &f.stopped),
                ("mode", "RESUME"),
                ("strategy", "SPECIFIC"),
                ("savepoint_id", &f.savepoint),
            ],
            Edit,
            false,
        ),
        server_fn(
            "/api/start_deployment",
            &[("namespace", "default"), ("deployment_id", &f.stopped), ("mode", "INITIAL")],
            Edit,
            true,
        ),
        server_fn("/api/list_deployment_targets", &[("namespace", "default")], View, false),
        server_fn("/api/list_artifacts", &[("namespace", "default")], View, false),
        server_fn("/api/delete_artifact", &[("namespace", "default"), ("name", "spare.jar")], Edit, true),
        server_fn(
            "/api/register_session_target",
            &[("namespace", "default"), ("name", "matrix"), ("url", "http://127.0.0.1:9")],
            Manage,
            true,
        ),
        server_fn(
            "/api/update_session_target",
            &[
                ("namespace", "default"),
                ("name", "spare"),
                ("url", "http://127.0.0.1:9"),
                ("display_name", "The spare cluster"),
                ("resource_version", "1"),
            ],
            Manage,
            true,
        ),
        server_fn("/api/delete_session_target", &[("namespace", "default"), ("name", "spare")], Manage, true),
        server_fn("/api/get_namespace_settings", &[("namespace", "default")], View, false),
        server_fn(
            "/api/save_namespace_defaults",
            &[
                ("namespace", "default"),
                ("yaml", "deploymentTargetName: local\ntemplate:\n  spec:\n    parallelism: 3\n"),
                ("resource_version", "1"),
            ],
            Manage,
            true,
        ),
        server_fn(
            "/api/preview_namespace_defaults",
            &[
                ("namespace", "default"),
                ("defaults_yaml", "template:\n  spec:\n    parallelism: 3\n"),
                ("deployment_yaml", "state: RUNNING\n"),
            ],
            View,
            false,
        ),
        server_fn("/api/get_network_settings", &[], System, false),
        server_fn("/api/set_network_settings", &[("hosts", "127.0.0.0/8\n10.0.0.0/8")], System, true),
        server_fn("/api/list_users", &[], System, false),
        server_fn("/api/create_user", &[("name", "newcomer"), ("password", "long enough")], System, true),
        server_fn("/api/delete_user", &[("name", "vera")], System, true),
        server_fn("/api/reset_password", &[("name", "vera"), ("password", "a new password")], System, true),
        server_fn(
            "/api/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a new password"),
                ("repeat_password", "a new password"),
            ],
            Person,
            true,
        ),
        server_fn("/api/list_namespaces", &[], System, false),
        server_fn("/api/create_namespace", &[("name", "matrix"), ("owner", "otto")], System, true),
        server_fn("/api/list_members", &[("namespace", "default")], Manage, false),
        server_fn("/api/set_member", &[("namespace", "default"), ("user", "otto"), ("role", "VIEWER")], Manage, true),
        server_fn("/api/remove_member", &[("namespace", "default"), ("user", "vera")], Manage, true),
        server_fn("/api/list_api_tokens", &[("namespace", "default")], Manage, false),
        server_fn(
            "/api/create_api_token",
            &[("namespace", "default"), ("name", "new"), ("role", "VIEWER")],
            Manage,
            true,
        ),
        server_fn("/api/revoke_api_token", &[("namespace", "default"), ("id", &f.spare_token)], Manage, true),
        server_fn("/api/create_access_key", &[("namespace", "default"), ("id", &f.spare_token)], Manage, true),
        server_fn("/api/list_audit", &[("namespace", "default")], Manage, false),
        server_fn("/api/list_audit", &[], System, false),
        server_fn("/api/list_audit_page", &[("namespace", "default")], Manage, false),
        server_fn("/api/get_sql_catalog", &[("namespace", "default")], View, false),
        server_fn("/api/check_sql", &[("namespace", "default"), ("statement", "SHOW TABLES")], View, false),
        server_fn("/api/run_sql", &[("namespace", "default"), ("statement", "CREATE TABLE t (k INT)")], Edit, true),
        server_fn(
            "/api/create_sql_deployment",
            &[("namespace", "default"), ("name", "from-sql"), ("statement", "INSERT INTO snk SELECT * FROM src")],
            Edit,
            true,
        ),
    ]
}

/// Everything a call could write, read straight from the store.
async fn fingerprint(store: &Store) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut add = |part: Result<String, serde_json::Error>| parts.push(part.expect("serialisable"));
    for user in store.list_users(&storage::Page::first(100_000)).await.expect("users").items {
        add(serde_json::to_string(&user));
        add(serde_json::to_string(&store.memberships(&user.id).await.expect("memberships")));
    }
    add(serde_json::to_string(&store.get_deployment_defaults(&DefaultsScope::Global).await.expect("defaults")));
    add(serde_json::to_string(&store.setting(domain::network::NETWORK_SETTING).await.expect("settings")));
    add(serde_json::to_string(&store.list_audit(None, &storage::Page::first(100_000)).await.expect("audit").items));
    for ns in store.list_namespaces(&storage::Page::first(100_000)).await.expect("namespaces").items {
        let ns = namespace(&ns.metadata.name);
        add(Ok(ns.as_str().to_owned()));
        add(serde_json::to_string(
            &store.list_deployments(&ns, None, &storage::Page::first(100_000)).await.expect("deployments").items,
        ));
        add(serde_json::to_string(
            &store.list_deployment_targets(&ns, &storage::Page::first(100_000)).await.expect("targets").items,
        ));
        add(serde_json::to_string(
            &store.list_jobs(&ns, None, &storage::Page::first(100_000)).await.expect("jobs").items,
        ));
        add(serde_json::to_string(
            &store.list_savepoints(&ns, None, None, &storage::Page::first(100_000)).await.expect("savepoints").items,
        ));
        add(serde_json::to_string(
            &store.list_events(&ns, None, None, &storage::Page::first(100_000)).await.expect("events").items,
        ));
        add(serde_json::to_string(&store.members(&ns, &storage::Page::first(100_000)).await.expect("members").items));
        add(serde_json::to_string(
            &store.list_artifacts(&ns, &storage::Page::first(100_000)).await.expect("artifacts").items,
        ));
        add(serde_json::to_string(
            &store.list_api_tokens(&ns, &storage::Page::first(100_000)).await.expect("tokens").items,
        ));
        let scope = DefaultsScope::Namespace(ns.clone());
        add(serde_json::to_string(&store.get_deployment_defaults(&scope).await.expect("defaults")));
        add(serde_json::to_string(&store.sql_catalog(&ns).await.expect("the SQL catalog")));
    }
    parts.join("\n")
}

/// Makes `call` as `who`: the status and body.
async fn make(f: &Fixture, call: &Call, who: Who) -> (u16, String) {
    let (name, value) = &f.credentials[&who];
    let (content_type, body) = match &call.body {
        Payload::None => (None, Body::empty()),
        Payload::Json(value) => (Some("application/json".to_owned()), Body::from(value.to_string())),
        Payload::File(name, bytes) => {
            let (content_type, body) = crate::support::multipart(&[("file", Some(name), bytes)]);
            (Some(content_type), Body::from(body))
        }
        Payload::Form(fields) => {
            let encoded: Vec<String> = fields
                .iter()
                .map(|(k, v)| {
                    format!("{k}={}", v.replace(' ', "+").replace(':', "%3A").replace('/', "%2F").replace('\n', "%0A"))
                })
                .collect();
            (Some("application/x-www-form-urlencoded".to_owned()), Body::from(encoded.join("&")))
        }
    };
    let mut headers = vec![(*name, value.as_str()), ("accept", "application/json")];
    if let Some(content_type) = &content_type {
        headers.push(("content-type", content_type));
    }
    let reply = f.console.send(call.method, &call.uri, &headers, body).await;
    (reply.status.as_u16(), reply.body)
}

/// Makes `call` as `who`: the status, the body, and whether the store changed.
async fn attempt(f: &Fixture, call: &Call, who: Who) -> (u16, String, bool) {
    let store = &f.console.store;
    let before = fingerprint(store).await;
    let (status, body) = make(f, call, who).await;
    (status, body, fingerprint(store).await != before)
}

/// Runs the matrix for the calls whose template starts with one of `prefixes`.
async fn check(prefixes: &[&str]) {
    check_matching(&format!("{prefixes:?}"), |t| prefixes.iter().any(|p| t.starts_with(p))).await;
}

/// Runs the matrix for the calls whose template `selects`: per call, every refused caller on one
/// fixture (each refusal must leave the store as it was), and each allowed caller on a fixture of
/// its own.
async fn check_matching(selection: &str, selects: impl Fn(&str) -> bool) {
    let refusals_fixture = fixture().await;
    let count = calls(&refusals_fixture).len();
    let mut failures = Vec::new();
    let mut cells = 0;
    for index in 0..count {
        let call = &calls(&refusals_fixture)[index];
        if !selects(call.template) {
            continue;
        }
        for who in CALLERS {
            cells += 1;
            let cell = format!("{} {} as {who:?}", call.method, call.template);
            match refusal(who, call.needs) {
                Some(expected) => {
                    let (status, body, wrote) = attempt(&refusals_fixture, call, who).await;
                    if status != expected {
                        failures.push(format!("{cell}: {status}, expected {expected}: {body}"));
                    } else if wrote {
                        failures.push(format!("{cell}: refused with {status} but the store changed"));
                    }
                }
                None => {
                    let own = fixture().await;
                    let call = &calls(&own)[index];
                    let (status, body, wrote) = attempt(&own, call, who).await;
                    if !(200..400).contains(&status) {
                        failures.push(format!("{cell}: {status}, expected success: {body}"));
                    } else if call.writes && !wrote {
                        failures.push(format!("{cell}: succeeded with {status} but wrote nothing"));
                    }
                }
            }
        }
    }
    assert!(cells > 0, "no call matches {selection}");
    assert!(failures.is_empty(), "{} of {cells} cells are wrong:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn namespace_resources_answer_exactly_their_roles() {
    check(&[
        "/api/v1/namespaces/{namespace}/deployments",
        "/api/v1/namespaces/{namespace}/jobs",
        "/api/v1/namespaces/{namespace}/savepoints",
        "/api/v1/namespaces/{namespace}/events",
        "/api/v1/namespaces/{namespace}/artifacts",
        "/api/v1/namespaces/{namespace}/tuning-plans",
        "/sql/v1beta1/namespaces/{namespace}/sqlscripts",
    ])
    .await;
}

#[tokio::test]
async fn namespace_settings_answer_exactly_their_roles() {
    check(&[
        "/api/v1/namespaces/{namespace}/members",
        "/api/v1/namespaces/{namespace}/api-tokens",
        "/api/v1/namespaces/{namespace}/audit-log",
        "/api/v1/namespaces/{namespace}/deployment-targets",
        "/api/v1/namespaces/{namespace}/deployment-defaults",
    ])
    .await;
}

#[tokio::test]
async fn console_wide_operations_answer_exactly_their_roles() {
    check(&[
        "/healthz",
        "/readyz",
        "/api/v1/openapi.json",
        "/api/v1/status",
        "/api/v1/users",
        "/api/v1/settings",
        "/api/v1/deployment-defaults",
        "/metrics",
    ])
    .await;
    // `/api/v1/namespaces` is a prefix of every namespace path: these two are matched exactly.
    let namespaces = ["/api/v1/namespaces", "/api/v1/namespaces/{namespace}"];
    check_matching("the namespaces themselves", |t| namespaces.contains(&t)).await;
    check(&["/namespaces/v1/"]).await;
}

#[tokio::test]
async fn alibaba_operations_answer_exactly_their_roles() {
    check(&["/api/v2/", "/autopilot/v2/"]).await;
}

#[tokio::test]
async fn server_functions_answer_exactly_their_roles() {
    check(&["/api/login", "/api/logout", "/api/current_session", "/api/list_", "/api/get_", "/api/set_", "/api/take_"])
        .await;
    check(&["/api/start_", "/api/check_", "/api/save_", "/api/copy_", "/api/run_"]).await;
    check(&[
        "/api/register_",
        "/api/create_",
        "/api/delete_",
        "/api/remove_",
        "/api/revoke_",
        "/api/reset_",
        "/api/change_",
    ])
    .await;
}

/// Every operation of the OpenAPI document, and every registered server function, is in the matrix.
#[tokio::test]
async fn the_matrix_covers_every_operation_and_server_function() {
    let f = fixture().await;
    let covered: BTreeSet<(String, String)> =
        calls(&f).iter().map(|c| (c.template.to_owned(), c.method.to_lowercase())).collect();
    let (_, document) = f.console.get("/api/v1/openapi.json").await;
    let mut missing = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() && !covered.contains(&(path.clone(), method.to_owned())) {
                missing.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        if !covered.contains(&(path.to_owned(), method.as_str().to_lowercase())) {
            missing.push(format!("server function {method} {path}"));
        }
    }
    assert!(missing.is_empty(), "not in the matrix: {missing:#?}");
}
