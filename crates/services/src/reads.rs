//! What callers may read, after they were authorised: the REST API and the pages read through
//! these, never through the store.

use domain::{
    ApiToken, Deployment, DeploymentTarget, Event, ExecutionMode, Job, Member, Namespace, NamespaceName, Role,
    Savepoint, User,
};

use crate::{ServiceError, Services};

impl Services {
    /// Whether the database answers (for `/readyz` and the status resource).
    pub async fn database_ready(&self) -> bool {
        self.store.ping().await.is_ok()
    }

    /// The deployments of a namespace, by name; of one execution mode if given.
    pub async fn deployments(
        &self,
        namespace: &NamespaceName,
        mode: Option<ExecutionMode>,
    ) -> Result<Vec<Deployment>, ServiceError> {
        Ok(self.store.list_deployments(namespace, mode).await?)
    }

    /// One deployment of the namespace, or NotFound.
    pub async fn deployment(&self, namespace: &NamespaceName, id: &str) -> Result<Deployment, ServiceError> {
        self.store
            .get_deployment(namespace, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("deployment {id}")))
    }

    /// The jobs of a namespace (of one deployment if given), newest first.
    pub async fn jobs(&self, namespace: &NamespaceName, deployment: Option<&str>) -> Result<Vec<Job>, ServiceError> {
        Ok(self.store.list_jobs(namespace, deployment).await?)
    }

    /// One job of the namespace, or NotFound.
    pub async fn job(&self, namespace: &NamespaceName, id: &str) -> Result<Job, ServiceError> {
        self.store.get_job(namespace, id).await?.ok_or_else(|| ServiceError::NotFound(format!("job {id}")))
    }

    /// The savepoints of a namespace (of one deployment or job if given), newest first.
    pub async fn savepoints(
        &self,
        namespace: &NamespaceName,
        deployment: Option<&str>,
        job: Option<&str>,
    ) -> Result<Vec<Savepoint>, ServiceError> {
        Ok(self.store.list_savepoints(namespace, deployment, job).await?)
    }

    /// One savepoint of the namespace, or NotFound.
    pub async fn savepoint(&self, namespace: &NamespaceName, id: &str) -> Result<Savepoint, ServiceError> {
        self.store.get_savepoint(namespace, id).await?.ok_or_else(|| ServiceError::NotFound(format!("savepoint {id}")))
    }

    /// The events of a namespace (of one deployment or job if given), newest first, at most `limit`.
    pub async fn events(
        &self,
        namespace: &NamespaceName,
        deployment: Option<&str>,
        job: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Vec<Event>, ServiceError> {
        Ok(self.store.list_events(namespace, deployment, job, limit).await?)
    }

    /// Every namespace of the console.
    pub async fn namespaces(&self) -> Result<Vec<Namespace>, ServiceError> {
        Ok(self.store.list_namespaces().await?)
    }

    /// Every user of the console.
    pub async fn users(&self) -> Result<Vec<User>, ServiceError> {
        Ok(self.store.list_users().await?)
    }

    /// The namespaces a user belongs to with their role there, by namespace.
    pub async fn memberships(&self, user: &User) -> Result<Vec<(String, Role)>, ServiceError> {
        Ok(self.store.memberships(&user.id).await?)
    }

    /// The members of a namespace and their roles, by name.
    pub async fn members(&self, namespace: &NamespaceName) -> Result<Vec<Member>, ServiceError> {
        let members = self.store.members(namespace).await?;
        let mut members: Vec<Member> =
            members.into_iter().map(|(user, role)| Member { user: user.name, role }).collect();
        members.sort_by(|a, b| a.user.cmp(&b.user));
        Ok(members)
    }

    /// The API tokens of a namespace, revoked ones included, never their secrets.
    pub async fn api_tokens(&self, namespace: &NamespaceName) -> Result<Vec<ApiToken>, ServiceError> {
        Ok(self.store.list_api_tokens(namespace).await?)
    }

    /// The token whose secret this is, if it exists and is not revoked.
    pub async fn live_api_token(&self, secret: &str) -> Result<Option<ApiToken>, ServiceError> {
        let token = self.store.api_token_by_hash(&crate::auth::secret_hash(secret)).await?;
        Ok(token.filter(|t| t.revoked_at.is_none()))
    }

    /// The deployment targets of a namespace with their observed health.
    pub async fn deployment_targets(&self, namespace: &NamespaceName) -> Result<Vec<DeploymentTarget>, ServiceError> {
        let targets = self.store.list_deployment_targets(namespace).await?;
        Ok(targets.into_iter().map(|t| self.health.with_status(t)).collect())
    }
}
