//! The Deployments page's view as its URL holds it (`?mode=&q=&labels=&state=&sort=&after=`), so
//! a reload or a shared link shows the same list: read from the query, written back into every
//! link the page offers (tabs, state counts, column headers, pages, "clear"). Pure; the server
//! parses and checks the values (a bad selector or order is its specific error).

use domain::{DeploymentSort, DeploymentState, ExecutionMode, ListPage, SortKey};
use serde::{Deserialize, Serialize};

use super::{link_with_query, mode_from_query, page_token_from_query, DeploymentRow};

/// What the Deployments page lists: its URL's query, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentsView {
    /// Streaming or batch (the tab).
    pub mode: ExecutionMode,
    /// The name search, as typed.
    pub q: String,
    /// The label selector, as typed.
    pub labels: String,
    /// The state filter (`RUNNING`, …) as written; empty for all.
    pub state: String,
    /// The order (`name`, `-modified`, …) as written; empty for by name.
    pub sort: String,
    /// The page: the continue token of the page before.
    pub after: Option<String>,
}

impl DeploymentsView {
    /// The view a URL's query names (`query` reads one parameter).
    pub fn from_query(query: impl Fn(&str) -> Option<String>) -> Self {
        let text = |name: &str| query(name).map(|value| value.trim().to_owned()).unwrap_or_default();
        Self {
            mode: mode_from_query(query("mode").as_deref()),
            q: text("q"),
            labels: text("labels"),
            state: text("state").to_ascii_uppercase(),
            sort: text("sort"),
            after: page_token_from_query(query("after").as_deref()),
        }
    }

    /// The link to this view of the Deployments page at `path` (empty parameters left out).
    pub fn href(&self, path: &str) -> String {
        let mode = self.mode.as_str().to_ascii_lowercase();
        let given = |value: &str| (!value.is_empty()).then(|| value.to_owned());
        let (q, labels, state, sort) = (given(&self.q), given(&self.labels), given(&self.state), given(&self.sort));
        link_with_query(
            path,
            &[
                ("mode", Some(&mode)),
                ("q", q.as_deref()),
                ("labels", labels.as_deref()),
                ("state", state.as_deref()),
                ("sort", sort.as_deref()),
                ("after", self.after.as_deref()),
            ],
        )
    }

    /// The first page of this view (every change of filter or order starts there).
    pub fn first_page(&self) -> Self {
        Self { after: None, ..self.clone() }
    }

    /// The first page of another tab, with the same search and order.
    pub fn with_mode(&self, mode: ExecutionMode) -> Self {
        Self { mode, state: String::new(), ..self.first_page() }
    }

    /// The first page showing only `state` (all states for `None`).
    pub fn with_state(&self, state: Option<DeploymentState>) -> Self {
        Self { state: state.map(|s| s.as_str().to_owned()).unwrap_or_default(), ..self.first_page() }
    }

    /// The first page after clicking a column header: ascending by `key`, or descending when it
    /// is the current ascending order.
    pub fn sorted_by(&self, key: SortKey) -> Self {
        let current = DeploymentSort::parse(&self.sort).unwrap_or_default();
        let descending = current.key == key && !current.descending;
        let sort = DeploymentSort { key, descending };
        Self { sort: if sort.is_default() { String::new() } else { sort.as_param() }, ..self.first_page() }
    }

    /// How the list is ordered by `key` now: `Some(descending)` when it is, `None` otherwise.
    pub fn sorted_on(&self, key: SortKey) -> Option<bool> {
        let current = DeploymentSort::parse(&self.sort).ok()?;
        (current.key == key).then_some(current.descending)
    }

    /// The same tab and order without search or state filter.
    pub fn cleared(&self) -> Self {
        Self { mode: self.mode, sort: self.sort.clone(), ..Self::default() }
    }

    /// Whether a search or state filter narrows the list.
    pub fn is_search(&self) -> bool {
        !self.q.is_empty() || !self.labels.is_empty() || !self.state.is_empty()
    }

    /// The search in words, for "No deployments match …".
    pub fn describe_search(&self) -> String {
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("names containing “{}”", self.q));
        }
        if !self.labels.is_empty() {
            parts.push(format!("labels {}", self.labels));
        }
        if !self.state.is_empty() {
            parts.push(format!("state {}", self.state));
        }
        parts.join(", ")
    }
}

/// One page of the Deployments page: its rows, the counts by state above them, and where the live
/// stream should resume from so nothing that changed after the read is missed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentsPageData {
    /// The rows of this page.
    pub page: ListPage<DeploymentRow>,
    /// How many deployments the search (without its state filter) selects in each state, every
    /// state listed, in `DeploymentState::ALL` order.
    pub counts: Vec<(DeploymentState, u64)>,
    /// The live stream's position before the page was read.
    pub live_from: String,
}

impl DeploymentsPageData {
    /// All the counts together.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|(_, count)| count).sum()
    }

    /// Whether a row with this id is on the page.
    pub fn shows(&self, id: &str) -> bool {
        self.page.items.iter().any(|row| row.id == id)
    }
}

/// Every state with its count (0 where `counts` has none), in `DeploymentState::ALL` order.
pub fn every_state(counts: &[(DeploymentState, u64)]) -> Vec<(DeploymentState, u64)> {
    DeploymentState::ALL
        .iter()
        .map(|state| (*state, counts.iter().find(|(s, _)| s == state).map_or(0, |(_, count)| *count)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(pairs: &[(&str, &str)]) -> DeploymentsView {
        DeploymentsView::from_query(|name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
    }

    const PATH: &str = "/namespaces/default/deployments";

    #[test]
    fn a_view_survives_its_link() {
        let shared = view(&[
            ("mode", "batch"),
            ("q", " orders "),
            ("labels", "env=prod,tier!=db"),
            ("state", "failed"),
            ("sort", "-modified"),
            ("after", "s.2d.61"),
        ]);
        let href = shared.href(PATH);
        assert_eq!(
            href,
            "/namespaces/default/deployments?mode=batch&q=orders&labels=env%3Dprod%2Ctier%21%3Ddb&state=FAILED&sort=-modified&after=s.2d.61"
        );
        assert_eq!(view(&[]).href(PATH), "/namespaces/default/deployments?mode=streaming");
    }

    #[test]
    fn changing_the_filter_or_order_starts_at_the_first_page_and_keeps_the_rest() {
        let current = view(&[("q", "ord"), ("state", "RUNNING"), ("sort", "state"), ("after", "tok")]);
        let failed = current.with_state(Some(DeploymentState::Failed));
        assert_eq!((failed.state.as_str(), failed.after.as_deref(), failed.q.as_str()), ("FAILED", None, "ord"));
        assert_eq!(current.with_state(None).state, "");
        let batch = current.with_mode(ExecutionMode::Batch);
        assert_eq!((batch.mode, batch.state.as_str(), batch.sort.as_str()), (ExecutionMode::Batch, "", "state"));
        let cleared = current.cleared();
        assert!(!cleared.is_search());
        assert_eq!((cleared.sort.as_str(), cleared.after), ("state", None));
    }

    #[test]
    fn a_column_header_sorts_ascending_then_descending() {
        let by_name = view(&[]);
        assert_eq!(by_name.sorted_on(SortKey::Name), Some(false));
        assert_eq!(by_name.sorted_by(SortKey::Name).sort, "-name");
        assert_eq!(by_name.sorted_by(SortKey::Modified).sort, "modified");
        let modified = view(&[("sort", "modified")]);
        assert_eq!(modified.sorted_by(SortKey::Modified).sort, "-modified");
        assert_eq!(view(&[("sort", "-modified")]).sorted_by(SortKey::Modified).sort, "modified");
        assert_eq!(view(&[("sort", "-name")]).sorted_by(SortKey::Name).sort, "", "back to the default");
        assert_eq!(modified.sorted_on(SortKey::Name), None);
        assert_eq!(view(&[("sort", "bogus")]).sorted_on(SortKey::Name), None);
    }

    #[test]
    fn a_search_is_described_in_words() {
        let search = view(&[("q", "ord"), ("labels", "env=prod"), ("state", "FAILED")]);
        assert_eq!(search.describe_search(), "names containing “ord”, labels env=prod, state FAILED");
        assert!(search.is_search());
        assert!(!view(&[("sort", "-name")]).is_search());
    }

    #[test]
    fn every_state_is_counted_even_without_deployments() {
        let counts = every_state(&[(DeploymentState::Failed, 3), (DeploymentState::Running, 7)]);
        assert_eq!(counts.len(), DeploymentState::ALL.len());
        assert_eq!(counts[0], (DeploymentState::Running, 7));
        assert!(counts.contains(&(DeploymentState::Failed, 3)));
        assert!(counts.contains(&(DeploymentState::Suspended, 0)));
    }
}
