//! Tuning plan rows (a deployment's scheduled resource changes) and their executed history. A plan
//! is stored whole as its JSON document; plans and history go with their deployment.

use domain::{NamespaceName, PlanExecution, TuningPlan};

use crate::{is_unique_violation, sortable_time, StorageError, Store, Tx};

fn plan_from_document(document: String) -> Result<TuningPlan, StorageError> {
    Ok(serde_json::from_str(&document)?)
}

fn document_of(plan: &TuningPlan) -> Result<String, StorageError> {
    Ok(serde_json::to_string(plan)?)
}

impl Store {
    /// The plans of a deployment, by name (at most `MAX_PLANS_PER_DEPLOYMENT`, so not paged).
    pub async fn tuning_plans(
        &self,
        namespace: &NamespaceName,
        deployment_id: &str,
    ) -> Result<Vec<TuningPlan>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT document FROM tuning_plans WHERE namespace = $1 AND deployment_id = $2 ORDER BY name",
        )
        .bind(namespace.as_str())
        .bind(deployment_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|(document,)| plan_from_document(document)).collect()
    }

    /// The namespace's plan `id`, if there is one.
    pub async fn tuning_plan(&self, namespace: &NamespaceName, id: &str) -> Result<Option<TuningPlan>, StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT document FROM tuning_plans WHERE namespace = $1 AND id = $2")
                .bind(namespace.as_str())
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(document,)| plan_from_document(document)).transpose()
    }

    /// Every applied plan of every namespace: what the scheduler looks at.
    pub async fn applied_tuning_plans(&self) -> Result<Vec<TuningPlan>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT document FROM tuning_plans WHERE applied = 1 ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(|(document,)| plan_from_document(document)).collect()
    }

    /// The newest `limit` executions of a deployment's plans, newest first.
    pub async fn plan_executions(
        &self,
        namespace: &NamespaceName,
        deployment_id: &str,
        limit: u32,
    ) -> Result<Vec<PlanExecution>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT document FROM tuning_plan_executions WHERE namespace = $1 AND deployment_id = $2
             ORDER BY executed_at DESC, id DESC LIMIT $3",
        )
        .bind(namespace.as_str())
        .bind(deployment_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|(document,)| Ok(serde_json::from_str(&document)?)).collect()
    }
}

impl Tx {
    /// `Store::tuning_plans`, read inside the transaction (lock the namespace first to act on them).
    pub async fn tuning_plans(
        &mut self,
        namespace: &NamespaceName,
        deployment_id: &str,
    ) -> Result<Vec<TuningPlan>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT document FROM tuning_plans WHERE namespace = $1 AND deployment_id = $2 ORDER BY name",
        )
        .bind(namespace.as_str())
        .bind(deployment_id)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.into_iter().map(|(document,)| plan_from_document(document)).collect()
    }

    /// Records a new plan; its id and its name among its deployment's plans must be free.
    pub async fn insert_tuning_plan(&mut self, plan: &TuningPlan) -> Result<(), StorageError> {
        self.require_namespace(&plan.metadata.namespace).await?;
        let inserted = sqlx::query(
            "INSERT INTO tuning_plans (id, namespace, deployment_id, name, applied, resource_version, document)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&plan.metadata.id)
        .bind(&plan.metadata.namespace)
        .bind(&plan.metadata.deployment_id)
        .bind(&plan.metadata.name)
        .bind(i64::from(plan.status.applied))
        .bind(plan.metadata.resource_version)
        .bind(document_of(plan)?)
        .execute(&mut *self.tx)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(err) if is_unique_violation(&err) => Err(StorageError::AlreadyExists {
                kind: "tuning plan",
                namespace: plan.metadata.namespace.clone(),
                name: plan.metadata.name.clone(),
            }),
            Err(err) => Err(err.into()),
        }
    }

    /// Replaces a plan if it is still at `expected_version` (else `Conflict`).
    pub async fn update_tuning_plan(&mut self, plan: &TuningPlan, expected_version: i64) -> Result<(), StorageError> {
        let updated = sqlx::query(
            "UPDATE tuning_plans SET name = $1, applied = $2, resource_version = $3, document = $4
             WHERE namespace = $5 AND id = $6 AND resource_version = $7",
        )
        .bind(&plan.metadata.name)
        .bind(i64::from(plan.status.applied))
        .bind(plan.metadata.resource_version)
        .bind(document_of(plan)?)
        .bind(&plan.metadata.namespace)
        .bind(&plan.metadata.id)
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await;
        match updated {
            Ok(done) if done.rows_affected() == 1 => Ok(()),
            Ok(_) => Err(StorageError::Conflict { kind: "tuning plan", name: plan.metadata.name.clone() }),
            Err(err) if is_unique_violation(&err) => Err(StorageError::AlreadyExists {
                kind: "tuning plan",
                namespace: plan.metadata.namespace.clone(),
                name: plan.metadata.name.clone(),
            }),
            Err(err) => Err(err.into()),
        }
    }

    /// Forgets plan `id` of the namespace; answers whether there was one.
    pub async fn delete_tuning_plan(&mut self, namespace: &NamespaceName, id: &str) -> Result<bool, StorageError> {
        let deleted = sqlx::query("DELETE FROM tuning_plans WHERE namespace = $1 AND id = $2")
            .bind(namespace.as_str())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(deleted.rows_affected() == 1)
    }

    /// Appends a row to the executed history of the deployment's plans.
    pub async fn insert_plan_execution(
        &mut self,
        namespace: &NamespaceName,
        execution: &PlanExecution,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO tuning_plan_executions (id, namespace, deployment_id, plan_id, document, executed_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&execution.id)
        .bind(namespace.as_str())
        .bind(&execution.deployment_id)
        .bind(&execution.plan_id)
        .bind(serde_json::to_string(execution)?)
        .bind(sortable_time(&execution.executed_at))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use domain::tuning_plan::*;
    use domain::{ExecutionMode, NamespaceName};

    use crate::testing::{fresh_store, sample_deployment};
    use crate::StorageError;

    fn plan(id: &str, deployment_id: &str, name: &str, applied: bool) -> TuningPlan {
        TuningPlan {
            api_version: "v1".into(),
            kind: "TuningPlan".into(),
            metadata: TuningPlanMetadata {
                id: id.into(),
                name: name.into(),
                namespace: "default".into(),
                deployment_id: deployment_id.into(),
                created_at: "2026-12-01T10:00:00Z".into(),
                modified_at: "2026-12-01T10:00:00Z".into(),
                resource_version: 1,
            },
            spec: TuningPlanSpec {
                time_points: vec![TimePoint {
                    trigger: Trigger::Daily { time: "08:00".into(), time_zone: "UTC".into() },
                    setting: ResourceSetting { parallelism: Some(2), ..Default::default() },
                }],
            },
            status: TuningPlanStatus { applied, ..Default::default() },
        }
    }

    fn execution(id: &str, deployment_id: &str, at: &str) -> PlanExecution {
        PlanExecution {
            id: id.into(),
            plan_id: "p1".into(),
            plan_name: "peak".into(),
            deployment_id: deployment_id.into(),
            time_point: 0,
            scheduled_for: at.into(),
            executed_at: at.into(),
            outcome: PlanExecutionOutcome::Applied,
            message: "parallelism 2".into(),
        }
    }

    #[tokio::test]
    async fn plans_are_kept_per_deployment_versioned_and_go_with_it() {
        let (store, _db) = fresh_store().await;
        let default = NamespaceName::parse("default").expect("name");
        store.ensure_namespace(&default).await.expect("ns");
        let deployment = sample_deployment("default", "counter", ExecutionMode::Streaming);
        let mut tx = store.begin().await.expect("tx");
        tx.insert_deployment(&deployment).await.expect("deployment");
        tx.commit().await.expect("commit");
        let id = deployment.metadata.id.as_str();

        let mut tx = store.begin().await.expect("tx");
        tx.insert_tuning_plan(&plan("p1", id, "peak", true)).await.expect("insert");
        tx.insert_tuning_plan(&plan("p2", id, "night", false)).await.expect("insert");
        let taken = tx.insert_tuning_plan(&plan("p3", id, "peak", false)).await;
        assert!(matches!(taken, Err(StorageError::AlreadyExists { .. })), "{taken:?}");
        drop(tx); // rolled back

        let mut tx = store.begin().await.expect("tx");
        tx.insert_tuning_plan(&plan("p1", id, "peak", true)).await.expect("insert");
        tx.insert_tuning_plan(&plan("p2", id, "night", false)).await.expect("insert");
        tx.insert_plan_execution(&default, &execution("e1", id, "2026-12-01T08:00:00Z")).await.expect("history");
        tx.insert_plan_execution(&default, &execution("e2", id, "2026-12-02T08:00:00Z")).await.expect("history");
        tx.commit().await.expect("commit");

        let names: Vec<String> =
            store.tuning_plans(&default, id).await.expect("list").into_iter().map(|p| p.metadata.name).collect();
        assert_eq!(names, ["night", "peak"]);
        let applied = store.applied_tuning_plans().await.expect("applied");
        assert_eq!(applied.len(), 1);
        assert_eq!(applied[0].metadata.id, "p1");

        let mut changed = plan("p1", id, "peak", false);
        changed.metadata.resource_version = 2;
        let mut tx = store.begin().await.expect("tx");
        tx.update_tuning_plan(&changed, 1).await.expect("update");
        let stale = tx.update_tuning_plan(&changed, 1).await;
        assert!(matches!(stale, Err(StorageError::Conflict { .. })), "{stale:?}");
        tx.commit().await.expect("commit");
        assert!(store.applied_tuning_plans().await.expect("applied").is_empty());
        assert_eq!(
            store.tuning_plan(&default, "p1").await.expect("read").map(|p| p.metadata.resource_version),
            Some(2)
        );

        let history = store.plan_executions(&default, id, 10).await.expect("history");
        assert_eq!(history.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["e2", "e1"], "newest first");

        let mut tx = store.begin().await.expect("tx");
        assert!(tx.delete_tuning_plan(&default, "p2").await.expect("delete"));
        assert!(!tx.delete_tuning_plan(&default, "p2").await.expect("delete again"));
        tx.commit().await.expect("commit");
        assert_eq!(store.plan_executions(&default, id, 10).await.expect("history").len(), 2, "history stays");

        // The deployment goes: its plans and their history with it.
        let mut tx = store.begin().await.expect("tx");
        tx.delete_deployment(&default, id, deployment.metadata.resource_version).await.expect("delete");
        tx.commit().await.expect("commit");
        assert!(store.tuning_plans(&default, id).await.expect("list").is_empty());
        assert!(store.plan_executions(&default, id, 10).await.expect("history").is_empty());
    }
}
