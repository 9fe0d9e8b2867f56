//! The SQL family: validate, execute and suggest SQL against a namespace's catalog, through Flink's
//! own parser and planner (`flinksql::SqlHelper`), and the catalog itself, which `:execute` changes
//! and SQLSCRIPT deployments run with.
//!
//! Permissions: validating, suggesting and reading the catalog need the namespace's read permission
//! (`ViewDeployments`, viewers up) — they change nothing. Executing needs `EditDeployments` (editors
//! up), whatever the statement: DDL changes what every SQL deployment of the namespace runs with, as
//! editing a deployment does; commands (SHOW, DESCRIBE) go the same way so one endpoint has one rule.
//!
//! Limits: a statement or script is at most `MAX_STATEMENT_BYTES`; the catalog at most
//! `MAX_CATALOG_STATEMENTS` objects; the helper answers within its timeout or is stopped. Nothing a
//! statement names is read by the console: the helper runs DDL and commands only, never a job or a
//! read of a table's data, and gets no console secret.

use domain::sql::{Execution, SqlCatalog, Suggestions, Validation, ValidationResult, MAX_STATEMENT_BYTES};
use domain::{NamespaceName, Permission};
use flinksql::{Executed, SqlError, SqlHelper};
use serde_json::json;

use crate::access::{audit_entry, commit_audited};
use crate::{Caller, ServiceError, Services};

/// The most objects (databases, functions, tables, views) a namespace's catalog may hold.
pub const MAX_CATALOG_STATEMENTS: usize = 1000;

impl Services {
    /// The same services, answering SQL with `helper` (without it the SQL endpoints answer 503).
    pub fn with_sql_helper(mut self, helper: SqlHelper) -> Self {
        self.sql = Some(helper);
        self
    }

    /// What Flink makes of `statement` against the namespace's catalog (nothing is stored).
    pub async fn validate_sql(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        statement: &str,
    ) -> Result<Validation, ServiceError> {
        self.require(caller, Permission::ViewDeployments, namespace).await?;
        within_limit("statement", statement)?;
        let helper = self.sql_helper()?;
        let catalog = self.store.sql_catalog(namespace).await?;
        helper.validate(&catalog.statements, statement).await.map_err(unavailable)
    }

    /// Runs a DDL statement or a command. DDL changes the namespace's catalog: the catalog as Flink
    /// has it after the statement is stored over the version the statement ran against, with its
    /// audit line, in one transaction. Any other statement is refused (400) with Flink's reason; an
    /// INSERT is told to run as a deployment.
    pub async fn execute_sql(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        statement: &str,
    ) -> Result<Execution, ServiceError> {
        self.require(caller, Permission::EditDeployments, namespace).await?;
        within_limit("statement", statement)?;
        let helper = self.sql_helper()?;
        let before = self.store.sql_catalog(namespace).await?;
        let (execution, after) = match helper.execute(&before.statements, statement).await.map_err(unavailable)? {
            Executed::Command(execution) => return Ok(execution),
            Executed::Refused(validation) => return Err(refusal(namespace, &validation)),
            Executed::Ddl { execution, catalog } => (execution, catalog),
        };
        if after == before.statements {
            return Ok(execution);
        }
        if after.len() > MAX_CATALOG_STATEMENTS {
            return Err(ServiceError::Conflict(format!(
                "the SQL catalog of namespace {namespace} would hold {} objects, more than the {MAX_CATALOG_STATEMENTS} it may: drop some first",
                after.len()
            )));
        }
        let mut tx = self.store.begin().await?;
        if !tx.lock_namespace(namespace).await? {
            return Err(ServiceError::NotFound(format!("namespace {namespace}")));
        }
        match tx.replace_sql_catalog(namespace, &after, before.version).await {
            Ok(_) => {}
            Err(storage::StorageError::Conflict { .. }) => {
                return Err(ServiceError::Conflict(format!(
                    "the SQL catalog of namespace {namespace} changed while the statement ran: run it again"
                )))
            }
            Err(err) => return Err(err.into()),
        }
        let entry = audit_entry(
            caller,
            Some(namespace),
            "execute",
            ("SqlCatalog", namespace.as_str()),
            Some(json!({"objects": before.statements.len()})),
            Some(json!({"statement": statement, "objects": after.len()})),
        );
        commit_audited(tx, entry).await?;
        tracing::info!(%namespace, objects = after.len(), "SQL catalog changed");
        Ok(execution)
    }

    /// Flink's completion hints for `script` at character `position`, against the catalog.
    pub async fn suggest_sql(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        script: &str,
        position: u32,
    ) -> Result<Suggestions, ServiceError> {
        self.require(caller, Permission::ViewDeployments, namespace).await?;
        within_limit("sqlScript", script)?;
        let helper = self.sql_helper()?;
        let catalog = self.store.sql_catalog(namespace).await?;
        helper.suggest(&catalog.statements, script, position).await.map_err(unavailable)
    }

    /// Deploys an INSERT as Ververica Platform's SQL editor and jupyter-vvp do: a new SQLSCRIPT
    /// deployment called `name`, desired RUNNING, whose script is the INSERT alone (its tables come
    /// from the namespace's catalog), with the namespace's defaults (its target among them). Refused
    /// (400) unless Flink validates the statement as an INSERT.
    pub async fn deploy_sql_insert(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        name: &str,
        statement: &str,
    ) -> Result<domain::Deployment, ServiceError> {
        self.require(caller, Permission::EditDeployments, namespace).await?;
        let validation = self.validate_sql(caller, namespace, statement).await?;
        if validation.validation_result != ValidationResult::ValidInsertQuery {
            let why = match &validation.error_details {
                Some(details) => details.message.clone(),
                None => "only an INSERT runs as a deployment".to_owned(),
            };
            return Err(refusal(
                namespace,
                &Validation {
                    validation_result: validation.validation_result,
                    error_details: Some(domain::sql::ErrorDetails {
                        message: why,
                        ..validation.error_details.unwrap_or_default()
                    }),
                },
            ));
        }
        let document = json!({
            "metadata": {"name": name.trim()},
            "spec": {"state": "RUNNING", "template": {"spec": {"artifact": {"kind": "SQLSCRIPT", "sqlScript": statement}}}},
        });
        self.create_deployment(caller, namespace, &document).await
    }

    /// The namespace's catalog: the DDL statements that rebuild it.
    pub async fn sql_catalog(&self, caller: &Caller, namespace: &NamespaceName) -> Result<SqlCatalog, ServiceError> {
        self.require(caller, Permission::ViewDeployments, namespace).await?;
        Ok(self.store.sql_catalog(namespace).await?)
    }

    fn sql_helper(&self) -> Result<&SqlHelper, ServiceError> {
        self.sql.as_ref().ok_or_else(|| {
            ServiceError::Unavailable(
                "Flink SQL is not available on this console (it needs Java and a Flink distribution, FLINK_HOME)"
                    .into(),
            )
        })
    }
}

/// Refuses a statement or script longer than the console reads.
fn within_limit(field: &str, text: &str) -> Result<(), ServiceError> {
    if text.len() > MAX_STATEMENT_BYTES {
        return Err(ServiceError::PayloadTooLarge(format!(
            "{field}: is {} bytes, more than the {MAX_STATEMENT_BYTES} the console reads",
            text.len()
        )));
    }
    Ok(())
}

fn unavailable(err: SqlError) -> ServiceError {
    tracing::warn!(error = %err, "the SQL helper gave no answer");
    ServiceError::Unavailable(err.to_string())
}

/// Why `:execute` did not run a statement, as a 400 naming it.
fn refusal(namespace: &NamespaceName, validation: &Validation) -> ServiceError {
    let reason = validation.error_details.as_ref().map(|d| d.message.as_str()).unwrap_or("it was not run");
    let at = validation
        .error_details
        .as_ref()
        .filter(|d| d.line_number > 0)
        .map(|d| format!(" (line {}, column {})", d.line_number, d.column_number))
        .unwrap_or_default();
    let hint = match validation.validation_result {
        ValidationResult::ValidInsertQuery => {
            format!(" (POST /api/v1/namespaces/{namespace}/deployments with it as the sqlScript)")
        }
        _ => String::new(),
    };
    ServiceError::BadRequest(format!("statement: {reason}{at}{hint}"))
}

#[cfg(test)]
mod tests {
    use domain::sql::ErrorDetails;

    use super::*;

    #[test]
    fn a_refusal_names_the_statement_and_where_flink_stopped() {
        let ns = NamespaceName::parse("default").expect("name");
        let invalid = Validation {
            validation_result: ValidationResult::InvalidQuery,
            error_details: Some(ErrorDetails {
                message: "SQL parse failed. Encountered \"FRM\"".into(),
                line_number: 2,
                column_number: 3,
                ..Default::default()
            }),
        };
        assert_eq!(
            refusal(&ns, &invalid),
            ServiceError::BadRequest("statement: SQL parse failed. Encountered \"FRM\" (line 2, column 3)".into())
        );
        let insert = Validation {
            validation_result: ValidationResult::ValidInsertQuery,
            error_details: Some(ErrorDetails {
                message: "an INSERT runs as a deployment".into(),
                ..Default::default()
            }),
        };
        let ServiceError::BadRequest(message) = refusal(&ns, &insert) else { panic!("not a 400") };
        assert!(message.contains("/api/v1/namespaces/default/deployments"), "{message}");
    }

    #[test]
    fn a_statement_over_the_limit_is_refused_by_size() {
        let long = "x".repeat(MAX_STATEMENT_BYTES + 1);
        assert!(
            matches!(within_limit("statement", &long), Err(ServiceError::PayloadTooLarge(m)) if m.starts_with("statement: "))
        );
        assert!(within_limit("statement", "SHOW TABLES").is_ok());
    }
}
