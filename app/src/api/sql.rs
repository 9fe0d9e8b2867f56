//! Server functions of the SQL page: the namespace's catalog, validating and executing a statement
//! and deploying an INSERT, through the same services as `/sql/v1beta1`. A plain form post (no
//! JavaScript) is sent back to the page with what happened in its address.

use domain::sql::{CatalogObject, Execution, Validation};
use leptos::prelude::*;

use crate::error::AppError;

/// The namespace's catalog: its tables, views, functions and databases (viewers).
#[server(endpoint = "get_sql_catalog")]
pub async fn get_sql_catalog(namespace: String) -> Result<Vec<CatalogObject>, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services};

    answer(async {
        let catalog = services()?.sql_catalog(&caller(), &parse_namespace(&namespace)?).await?;
        Ok(domain::sql::catalog_objects(&catalog.statements))
    })
    .await
}

/// What Flink makes of `statement` against the namespace's catalog (viewers; nothing is stored).
#[server(endpoint = "check_sql")]
pub async fn check_sql(namespace: String, statement: String) -> Result<Validation, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services};

    answer(async { Ok(services()?.validate_sql(&caller(), &parse_namespace(&namespace)?, &statement).await?) }).await
}

/// Runs a DDL statement or a command (editors): DDL changes the namespace's catalog.
#[server(endpoint = "run_sql")]
pub async fn run_sql(namespace: String, statement: String) -> Result<Execution, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services};

    let result =
        answer(async { Ok(services()?.execute_sql(&caller(), &parse_namespace(&namespace)?, &statement).await?) })
            .await;
    if plain_form_post() {
        let outcome = match &result {
            Ok(execution) => {
                // The rows go to the page in a cookie; what does not fit is said.
                let cut = parse_namespace(&namespace)
                    .and_then(|ns| crate::ssr::hand_over_sql_result(&ns, execution))
                    .unwrap_or_default();
                let more = if cut > 0 {
                    format!(" ({cut} more rows than shown; the REST API answers them all)")
                } else {
                    String::new()
                };
                ("notice", format!("Executed: {}{more}", execution.result))
            }
            Err(err) => ("error", err.to_string()),
        };
        leptos_axum::redirect(&back_to_page(&namespace, &statement, outcome));
    }
    result
}

/// Deploys an INSERT as a new SQLSCRIPT deployment called `name`, desired RUNNING (editors);
/// answers its id.
#[server(endpoint = "create_sql_deployment")]
pub async fn create_sql_deployment(namespace: String, name: String, statement: String) -> Result<String, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services};
    use crate::view_model::start::encode;

    let result = answer(async {
        let deployment =
            services()?.deploy_sql_insert(&caller(), &parse_namespace(&namespace)?, &name, &statement).await?;
        Ok(deployment.metadata.id)
    })
    .await;
    if plain_form_post() {
        match &result {
            // Back to the statement, with a link to the new deployment (`done` names this function).
            Ok(id) => leptos_axum::redirect(&format!(
                "/namespaces/{}/sql?statement={}&done={}&subject={}",
                encode(&namespace),
                encode(&statement),
                encode(<CreateSqlDeployment as leptos::server_fn::ServerFn>::PATH),
                encode(id)
            )),
            Err(err) => leptos_axum::redirect(&back_to_page(&namespace, &statement, ("error", err.to_string()))),
        }
    }
    result
}

/// The SQL page with `statement` in its editor and `outcome` (`notice` or `error`, and its text).
#[cfg(feature = "ssr")]
fn back_to_page(namespace: &str, statement: &str, (key, text): (&str, String)) -> String {
    use crate::view_model::start::encode;
    format!("/namespaces/{}/sql?statement={}&{key}={}", encode(namespace), encode(statement), encode(&text))
}
