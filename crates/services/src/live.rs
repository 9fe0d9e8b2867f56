//! The live change feed, for callers allowed to view a namespace's deployments: a subscription
//! starts only after `ViewDeployments` was checked, and whoever serves it asks `still_allowed` again
//! while it runs (a session can end, a membership or token be revoked). Filtering by namespace is
//! the server's job: a subscription sees every change of the console.

use domain::NamespaceName;
pub use storage::changes::{Next, Position, Sequenced, Start, Subscription};

use crate::{Caller, Permission, ServiceError, Services};

impl Services {
    /// Subscribes to the changes of the console for `caller`, who must be allowed to view the
    /// deployments of `namespace`; resumes after `since` (a position this console gave out) if
    /// given.
    pub async fn watch_changes(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        since: Option<&str>,
    ) -> Result<Subscription, ServiceError> {
        self.require(caller, Permission::ViewDeployments, namespace).await?;
        Ok(self.store.changes().subscribe(since))
    }

    /// Whether whoever holds `session` or `bearer` (as the request that opened a stream carried
    /// them) may still view the deployments of `namespace`: the error says why not.
    pub async fn still_allowed(
        &self,
        session: Option<&str>,
        bearer: Option<&str>,
        namespace: &NamespaceName,
    ) -> Result<(), ServiceError> {
        let caller = self.identify(session, bearer).await?;
        self.require(&caller, Permission::ViewDeployments, namespace).await
    }

    /// The feed's position now: a page rendered from the store passes it to its stream, which
    /// then replays whatever changed between the render and the connection.
    pub fn live_position(&self) -> String {
        self.store.changes().position().to_string()
    }
}
