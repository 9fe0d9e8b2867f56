//! What callers may read, after they were authorised: the REST API and the pages read through
//! these, never through the store. Every list is read one page at a time, at most
//! `MAX_PAGE_SIZE` items: a request for more is refused, so no caller makes the console read a
//! whole table at once.

use domain::{
    ApiToken, AuditEntry, Deployment, DeploymentQuery, DeploymentTarget, Event, EventLevel, Job, ListPage, Member,
    Namespace, NamespaceName, PageRequest, Savepoint, User,
};
use storage::{Cursor, Page, Paged, StateCounts};

use crate::{ServiceError, Services};

impl Services {
    /// The most items one page of a list may have (and the REST API's default).
    pub const MAX_PAGE_SIZE: u32 = 1000;

    /// A page request from a client's `limit` and `continue` as written: no limit asks for
    /// `MAX_PAGE_SIZE` items. A limit that is not a whole number is refused here; its range and the
    /// token are checked by the read the request is for.
    pub fn page_request(limit: Option<&str>, continue_token: Option<&str>) -> Result<PageRequest, ServiceError> {
        let limit = match limit {
            None => Self::MAX_PAGE_SIZE,
            Some(raw) => raw.trim().parse().map_err(|_| {
                ServiceError::BadRequest(format!(
                    "limit: {raw:?} is not a whole number from 1 to {}",
                    Self::MAX_PAGE_SIZE
                ))
            })?,
        };
        Ok(PageRequest::after(limit, continue_token.map(str::to_owned)))
    }

    /// Whether the database answers (for `/readyz` and the status resource).
    pub async fn database_ready(&self) -> bool {
        self.store.ping().await.is_ok()
    }

    /// A page of the deployments of a namespace that `query` selects (a mode, a state, a name
    /// search, a label selector), in its order. The filters run in the database: every page but
    /// the last is full.
    pub async fn deployments(
        &self,
        namespace: &NamespaceName,
        query: &DeploymentQuery,
        request: &PageRequest,
    ) -> Result<ListPage<Deployment>, ServiceError> {
        Ok(list_page(self.store.search_deployments(namespace, query, &store_page(request)?).await?))
    }

    /// How many deployments `query` selects in each state (its state filter left out).
    pub async fn deployment_counts(
        &self,
        namespace: &NamespaceName,
        query: &DeploymentQuery,
    ) -> Result<StateCounts, ServiceError> {
        Ok(self.store.count_deployments_by_state(namespace, query).await?)
    }

    /// One deployment of the namespace, or NotFound.
    pub async fn deployment(&self, namespace: &NamespaceName, id: &str) -> Result<Deployment, ServiceError> {
        self.store
            .get_deployment(namespace, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("deployment {id}")))
    }

    /// A page of the jobs of a namespace (of one deployment if given), newest first.
    pub async fn jobs(
        &self,
        namespace: &NamespaceName,
        deployment: Option<&str>,
        request: &PageRequest,
    ) -> Result<ListPage<Job>, ServiceError> {
        Ok(list_page(self.store.list_jobs(namespace, deployment, &store_page(request)?).await?))
    }

    /// One job of the namespace, or NotFound.
    pub async fn job(&self, namespace: &NamespaceName, id: &str) -> Result<Job, ServiceError> {
        self.store.get_job(namespace, id).await?.ok_or_else(|| ServiceError::NotFound(format!("job {id}")))
    }

    /// A page of the savepoints of a namespace (of one deployment or job if given), newest first.
    pub async fn savepoints(
        &self,
        namespace: &NamespaceName,
        deployment: Option<&str>,
        job: Option<&str>,
        request: &PageRequest,
    ) -> Result<ListPage<Savepoint>, ServiceError> {
        Ok(list_page(self.store.list_savepoints(namespace, deployment, job, &store_page(request)?).await?))
    }

    /// One savepoint of the namespace, or NotFound.
    pub async fn savepoint(&self, namespace: &NamespaceName, id: &str) -> Result<Savepoint, ServiceError> {
        self.store.get_savepoint(namespace, id).await?.ok_or_else(|| ServiceError::NotFound(format!("savepoint {id}")))
    }

    /// A page of the events of a namespace (of one deployment or job, and of one level, if given),
    /// newest first.
    pub async fn events(
        &self,
        namespace: &NamespaceName,
        deployment: Option<&str>,
        job: Option<&str>,
        level: Option<EventLevel>,
        request: &PageRequest,
    ) -> Result<ListPage<Event>, ServiceError> {
        let names: Option<Vec<&str>> = level.map(|level| level.names().iter().map(|n| n.as_str()).collect());
        let page = store_page(request)?;
        Ok(list_page(self.store.list_events_named(namespace, deployment, job, names.as_deref(), &page).await?))
    }

    /// A page of the namespaces of the console, by name.
    pub async fn namespaces(&self, request: &PageRequest) -> Result<ListPage<Namespace>, ServiceError> {
        Ok(list_page(self.store.list_namespaces(&store_page(request)?).await?))
    }

    /// One namespace, or NotFound.
    pub async fn namespace(&self, name: &NamespaceName) -> Result<Namespace, ServiceError> {
        self.store.namespace(name).await?.ok_or_else(|| ServiceError::NotFound(format!("namespace {name}")))
    }

    /// A page of the users of the console, by name.
    pub async fn users(&self, request: &PageRequest) -> Result<ListPage<User>, ServiceError> {
        Ok(list_page(self.store.list_users(&store_page(request)?).await?))
    }

    /// The namespaces a user belongs to with their role there, by namespace.
    pub async fn memberships(&self, user: &User) -> Result<Vec<(String, domain::Role)>, ServiceError> {
        Ok(self.store.memberships(&user.id).await?)
    }

    /// A page of the members of a namespace and their roles, by name.
    pub async fn members(
        &self,
        namespace: &NamespaceName,
        request: &PageRequest,
    ) -> Result<ListPage<Member>, ServiceError> {
        let members = self.store.members(namespace, &store_page(request)?).await?;
        Ok(list_page(members.map(|(user, role)| Member { user: user.name, role })))
    }

    /// A page of the API tokens of a namespace, newest first, revoked ones included, never their
    /// secrets.
    pub async fn api_tokens(
        &self,
        namespace: &NamespaceName,
        request: &PageRequest,
    ) -> Result<ListPage<ApiToken>, ServiceError> {
        Ok(list_page(self.store.list_api_tokens(namespace, &store_page(request)?).await?))
    }

    /// A page of the audit log, newest first: of one namespace, or of the whole console.
    pub async fn audit(
        &self,
        namespace: Option<&NamespaceName>,
        request: &PageRequest,
    ) -> Result<ListPage<AuditEntry>, ServiceError> {
        Ok(list_page(self.store.list_audit(namespace, &store_page(request)?).await?))
    }

    /// The token whose secret this is, if it exists and is not revoked.
    pub async fn live_api_token(&self, secret: &str) -> Result<Option<ApiToken>, ServiceError> {
        let token = self.store.api_token_by_hash(&crate::auth::secret_hash(secret)).await?;
        Ok(token.filter(|t| t.revoked_at.is_none()))
    }

    /// A page of the deployment targets of a namespace, by name, with their observed health.
    pub async fn deployment_targets(
        &self,
        namespace: &NamespaceName,
        request: &PageRequest,
    ) -> Result<ListPage<DeploymentTarget>, ServiceError> {
        let targets = self.store.list_deployment_targets(namespace, &store_page(request)?).await?;
        Ok(list_page(targets.map(|t| self.health.with_status(t))))
    }
}

/// The store's page for a request: a limit from 1 to `MAX_PAGE_SIZE` and a token one of our lists
/// gave out, or BadRequest naming the parameter.
pub(crate) fn store_page(request: &PageRequest) -> Result<Page, ServiceError> {
    let max = Services::MAX_PAGE_SIZE;
    match request.limit {
        0 => return Err(ServiceError::BadRequest(format!("limit: must be at least 1 (and at most {max})"))),
        limit if limit > max => return Err(ServiceError::BadRequest(format!("limit: at most {max}, not {limit}"))),
        _ => {}
    }
    let after = match request.continue_token.as_deref() {
        None => None,
        Some(token) => Some(Cursor::from_token(token).ok_or_else(bad_token)?),
    };
    Ok(Page { limit: request.limit, after })
}

pub(crate) fn bad_token() -> ServiceError {
    ServiceError::BadRequest("continue: not a token this list gave out; start again without it".into())
}

/// A page of the store as the services hand it out, its cursor as a token.
pub(crate) fn list_page<T>(paged: Paged<T>) -> ListPage<T> {
    ListPage { items: paged.items, continue_token: paged.next.map(|cursor| cursor.token()) }
}

#[cfg(test)]
mod tests {
    use domain::PageRequest;

    use super::{store_page, Services};
    use crate::ServiceError;

    fn refused(request: PageRequest) -> String {
        match store_page(&request) {
            Err(ServiceError::BadRequest(message)) => message,
            other => panic!("{request:?} should be refused, got {other:?}"),
        }
    }

    #[test]
    fn a_page_has_from_one_to_the_maximum_items_and_a_token_we_gave_out() {
        assert!(store_page(&PageRequest::first(1)).is_ok());
        assert!(store_page(&PageRequest::first(Services::MAX_PAGE_SIZE)).is_ok());
        assert!(refused(PageRequest::first(0)).starts_with("limit: "));
        assert_eq!(refused(PageRequest::first(5000)), "limit: at most 1000, not 5000");
        assert!(refused(PageRequest::after(10, Some("forged".into()))).starts_with("continue: "));
        let token = storage::Cursor::Name("orders".into()).token();
        assert_eq!(store_page(&PageRequest::after(10, Some(token))).map(|page| page.limit), Ok(10));
    }

    #[test]
    fn a_limit_is_read_as_written_and_defaults_to_the_maximum() {
        assert_eq!(Services::page_request(None, None), Ok(PageRequest::first(Services::MAX_PAGE_SIZE)));
        assert_eq!(Services::page_request(Some("20"), Some("t")), Ok(PageRequest::after(20, Some("t".into()))));
        for bad in ["x", "-1", "1.5", ""] {
            let err = Services::page_request(Some(bad), None);
            assert!(matches!(&err, Err(ServiceError::BadRequest(m)) if m.starts_with("limit: ")), "{bad:?}: {err:?}");
        }
    }
}
