//! What a list of deployments asks for beyond paging: a name to search for, a label selector, an
//! execution mode, a status and an order (`?q=&labels=&mode=&state=&sort=` on the Deployments page,
//! `name`, `labelSelector` and `sort` on the REST list). Parsing only; the store runs it as SQL.

use crate::{DeploymentState, ExecutionMode, LabelSelector};

/// The longest name search accepted (a deployment name is at most 63 characters; this is generous).
pub const MAX_NAME_SEARCH: usize = 253;

/// What a deployment list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    /// `metadata.name`, byte by byte.
    #[default]
    Name,
    /// `status.state`, by its wire name (CANCELLED, FAILED, FINISHED, RUNNING, …).
    State,
    /// `metadata.createdAt`.
    Created,
    /// `metadata.modifiedAt` (the last change of metadata or spec).
    Modified,
}

impl SortKey {
    /// Every key, in the order a page offers them.
    pub const ALL: [SortKey; 4] = [SortKey::Name, SortKey::State, SortKey::Created, SortKey::Modified];

    /// The key as a `sort` parameter writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::State => "state",
            SortKey::Created => "created",
            SortKey::Modified => "modified",
        }
    }
}

/// The order of a deployment list: a key, ascending or descending. Rows with the same key are
/// ordered by name in the same direction, so the order is total and pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DeploymentSort {
    /// What is compared.
    pub key: SortKey,
    /// Largest first.
    pub descending: bool,
}

impl DeploymentSort {
    /// Reads a `sort` parameter: `name`, `state`, `created` or `modified`, with a leading `-` for
    /// descending (`-modified`: the most recently changed first). Empty is by name.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(Self::default());
        }
        let (descending, name) = match raw.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, raw.strip_prefix('+').unwrap_or(raw)),
        };
        let key = SortKey::ALL.into_iter().find(|key| key.as_str().eq_ignore_ascii_case(name)).ok_or_else(|| {
            format!("sort: {raw:?} is not one of name, state, created, modified (a leading '-' sorts descending)")
        })?;
        Ok(Self { key, descending })
    }

    /// The order as a `sort` parameter (`parse` reads it back).
    pub fn as_param(self) -> String {
        format!("{}{}", if self.descending { "-" } else { "" }, self.key.as_str())
    }

    /// Whether this is the default order (by name, ascending).
    pub fn is_default(self) -> bool {
        self == Self::default()
    }
}

/// Which deployments of a namespace a list holds, and in which order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeploymentQuery {
    /// Only streaming or only batch deployments.
    pub mode: Option<ExecutionMode>,
    /// Only deployments in this state.
    pub state: Option<DeploymentState>,
    /// Only deployments whose name contains this (lowercase; names are lowercase DNS labels).
    pub name_contains: Option<String>,
    /// Only deployments whose labels match (an empty selector matches all).
    pub labels: LabelSelector,
    /// The order.
    pub sort: DeploymentSort,
}

impl DeploymentQuery {
    /// A name search as typed: trimmed and lowercased (names are lowercase, so the search is
    /// case-insensitive); nothing, or only spaces, is no search. Too long a search is refused.
    pub fn name_search(raw: Option<&str>) -> Result<Option<String>, String> {
        let Some(text) = raw.map(str::trim).filter(|text| !text.is_empty()) else {
            return Ok(None);
        };
        if text.len() > MAX_NAME_SEARCH {
            return Err(format!("name: a search of {} characters; at most {MAX_NAME_SEARCH}", text.len()));
        }
        if text.chars().any(char::is_control) {
            return Err(format!("name: {text:?} holds control characters"));
        }
        Ok(Some(text.to_lowercase()))
    }

    /// A state filter as a query parameter writes it (any case); empty is none.
    pub fn state_filter(raw: Option<&str>) -> Result<Option<DeploymentState>, String> {
        let Some(text) = raw.map(str::trim).filter(|text| !text.is_empty()) else {
            return Ok(None);
        };
        DeploymentState::parse(text).map(Some).ok_or_else(|| {
            let states: Vec<&str> = DeploymentState::ALL.iter().map(|state| state.as_str()).collect();
            format!("state: {text:?} is not one of {}", states.join(", "))
        })
    }

    /// Whether the query narrows the list beyond its mode (a search or a state).
    pub fn is_search(&self) -> bool {
        self.state.is_some() || self.name_contains.is_some() || !self.labels.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sort_parameter_reads_back_as_written() {
        for raw in ["name", "-name", "state", "-state", "created", "-created", "modified", "-modified"] {
            let sort = DeploymentSort::parse(raw).expect(raw);
            assert_eq!(sort.as_param(), raw);
        }
        assert_eq!(DeploymentSort::parse(" ").expect("empty"), DeploymentSort::default());
        assert_eq!(
            DeploymentSort::parse("+Modified").expect("any case"),
            DeploymentSort { key: SortKey::Modified, descending: false }
        );
        let err = DeploymentSort::parse("-size").expect_err("unknown");
        assert!(err.starts_with("sort: \"-size\" is not one of name, state, created, modified"), "{err}");
        assert!(DeploymentSort::parse("--name").is_err());
    }

    #[test]
    fn a_name_search_is_trimmed_lowercased_and_bounded() {
        assert_eq!(DeploymentQuery::name_search(Some("  Orders ")), Ok(Some("orders".into())));
        assert_eq!(DeploymentQuery::name_search(Some("   ")), Ok(None));
        assert_eq!(DeploymentQuery::name_search(None), Ok(None));
        assert!(DeploymentQuery::name_search(Some(&"a".repeat(254))).expect_err("long").starts_with("name: "));
        assert!(DeploymentQuery::name_search(Some("a\u{0}b")).is_err());
    }

    #[test]
    fn a_state_filter_names_the_states_it_accepts() {
        assert_eq!(DeploymentQuery::state_filter(Some("failed")), Ok(Some(DeploymentState::Failed)));
        assert_eq!(DeploymentQuery::state_filter(Some("")), Ok(None));
        let err = DeploymentQuery::state_filter(Some("BROKEN")).expect_err("unknown");
        assert!(err.starts_with("state: \"BROKEN\" is not one of RUNNING, CANCELLED"), "{err}");
    }
}
