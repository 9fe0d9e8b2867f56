//! Lists are handed out one page at a time: a request names how many items it wants and where the
//! page before ended (an opaque `continue` token, in the Kubernetes manner); the answer carries the
//! token for the next page while more items follow. Pure data: tokens are made and read by the
//! services.

use serde::{Deserialize, Serialize};

/// A request for one page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// At most this many items (the services refuse 0 and more than their maximum).
    pub limit: u32,
    /// Where the page before ended, as its `continue_token` said; `None` for the first page.
    pub continue_token: Option<String>,
}

impl PageRequest {
    /// The first `limit` items.
    pub fn first(limit: u32) -> Self {
        Self { limit, continue_token: None }
    }

    /// The `limit` items after `continue_token` (the first ones without a token).
    pub fn after(limit: u32, continue_token: Option<String>) -> Self {
        Self { limit, continue_token }
    }
}

/// One page of a list, in the list's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListPage<T> {
    /// At most the requested number of items (fewer, even none, does not mean the list ended).
    pub items: Vec<T>,
    /// Asks for the next page; `None` when no more items follow.
    pub continue_token: Option<String>,
}

impl<T> ListPage<T> {
    /// The page's items, changed one by one.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> ListPage<U> {
        ListPage { items: self.items.into_iter().map(f).collect(), continue_token: self.continue_token }
    }
}
