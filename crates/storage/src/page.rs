//! Lists are read one page at a time, by keyset: a page asks for at most `limit` rows after a
//! cursor, which is the sort key of the last row of the page before (`name`, or the sortable
//! creation time and id of newest-first lists). Unlike OFFSET, a page costs the same however deep
//! into the list it is, and a row inserted or deleted meanwhile never shifts another off a page.
//! A page never knows its caller's largest allowed `limit`: the services enforce that.
//!
//! Names are compared byte by byte on both backends (PostgreSQL's `COLLATE "C"`, SQLite's default),
//! so that a list by name has the same order, and its cursors the same meaning, on either.

use crate::{sortable_time, StorageError, Store};

/// A request for one page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// At most this many items (0 reads none).
    pub limit: u32,
    /// After this position; the first page without one.
    pub after: Option<Cursor>,
}

impl Page {
    /// The first `limit` items of a list.
    pub fn first(limit: u32) -> Self {
        Self { limit, after: None }
    }
}

/// A position in a list: the sort key of the last item a page returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// In a list by name.
    Name(String),
    /// In a newest-first list: the row's sortable creation time (`sortable_time`) and its id.
    Newest {
        /// The creation time as stored for sorting.
        at: String,
        /// The row's id, which breaks ties between rows created at the same instant.
        id: String,
    },
    /// In a list sorted by something else than the name, with the name breaking ties.
    Sorted {
        /// The order the cursor belongs to (as its `sort` parameter writes it, e.g. `-modified`).
        by: String,
        /// The sort key of the last row (a state, or a time as `sortable_time`).
        key: String,
        /// The last row's name.
        name: String,
    },
}

/// The longest continue token read (a cursor holds a name or a time and a UUID: well under this).
const MAX_TOKEN_CHARS: usize = 1024;

impl Cursor {
    /// The position of an item created at `created_at` (RFC 3339, as written) with `id`, in a
    /// newest-first list.
    pub fn newest(created_at: &str, id: &str) -> Self {
        Self::Newest { at: sortable_time(created_at), id: id.to_owned() }
    }

    /// The cursor as an opaque, URL-safe token (hexadecimal).
    pub fn token(&self) -> String {
        match self {
            Self::Name(name) => format!("n.{}", hex::encode(name)),
            Self::Newest { at, id } => format!("t.{}.{}", hex::encode(at), hex::encode(id)),
            Self::Sorted { by, key, name } => {
                format!("s.{}.{}.{}", hex::encode(by), hex::encode(key), hex::encode(name))
            }
        }
    }

    /// Reads a token `token()` wrote; anything else is `None`.
    pub fn from_token(token: &str) -> Option<Self> {
        if token.len() > MAX_TOKEN_CHARS {
            return None;
        }
        // No control characters: PostgreSQL refuses NUL in text, and no key holds any.
        let text = |hex_text: &str| {
            let text = String::from_utf8(hex::decode(hex_text).ok()?).ok()?;
            (!text.chars().any(char::is_control)).then_some(text)
        };
        let mut parts = token.split('.');
        let cursor = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("n"), Some(name), None, None) => Self::Name(text(name)?),
            (Some("t"), Some(at), Some(id), None) => Self::Newest { at: text(at)?, id: text(id)? },
            (Some("s"), Some(by), Some(key), Some(name)) => {
                Self::Sorted { by: text(by)?, key: text(key)?, name: text(name)? }
            }
            _ => return None,
        };
        parts.next().is_none().then_some(cursor)
    }
}

/// One page of a list, in the list's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    /// At most the page's `limit` items.
    pub items: Vec<T>,
    /// Where the next page starts, if more items follow.
    pub next: Option<Cursor>,
}

impl<T> Paged<T> {
    /// The page's items, changed one by one.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged { items: self.items.into_iter().map(f).collect(), next: self.next }
    }
}

/// The order of a list, by the columns its keyset compares.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Order {
    /// `column` ascending (a name, unique within what the list's filters select).
    ByName(&'static str),
    /// `time DESC, id DESC`, `time` holding `sortable_time`s.
    NewestFirst { time: &'static str, id: &'static str },
}

/// The rows of a list: `select` (`SELECT … FROM … [JOIN …]`, no `WHERE`) narrowed by `filters`
/// (`column = value`; a filter without a value is left out) and by `one_of` (`column` is one of the
/// values; none at all selects nothing), in `order`.
pub(crate) struct Listing<'a> {
    pub select: &'a str,
    pub filters: &'a [(&'static str, Option<&'a str>)],
    pub one_of: Option<(&'static str, &'a [&'a str])>,
    pub order: Order,
}

impl Store {
    /// One page of `listing`: its rows read as items by `item`, and the cursor after the last one
    /// (by `key`) if more rows follow. A cursor of another order is `WrongCursor`.
    pub(crate) async fn page_of<R, T>(
        &self,
        listing: Listing<'_>,
        page: &Page,
        item: impl Fn(R) -> Result<T, StorageError>,
        key: impl Fn(&T) -> Cursor,
    ) -> Result<Paged<T>, StorageError>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let mut conditions = Vec::new();
        let mut values: Vec<&str> = Vec::new();
        for (column, value) in listing.filters {
            if let Some(value) = value {
                values.push(value);
                conditions.push(format!("{column} = ${}", values.len()));
            }
        }
        if let Some((column, allowed)) = listing.one_of {
            if allowed.is_empty() {
                conditions.push("1 = 0".to_owned());
            } else {
                let mut placeholders = Vec::new();
                for value in allowed {
                    values.push(value);
                    placeholders.push(format!("${}", values.len()));
                }
                conditions.push(format!("{column} IN ({})", placeholders.join(", ")));
            }
        }
        let order = match (listing.order, &page.after) {
            (Order::ByName(column), after) => {
                let column = self.binary(column);
                match after {
                    None => {}
                    Some(Cursor::Name(name)) => {
                        values.push(name);
                        conditions.push(format!("{column} > ${}", values.len()));
                    }
                    Some(Cursor::Newest { .. } | Cursor::Sorted { .. }) => return Err(StorageError::WrongCursor),
                }
                column
            }
            (Order::NewestFirst { time, id }, after) => {
                match after {
                    None => {}
                    Some(Cursor::Newest { at, id: after_id }) => {
                        values.push(at);
                        values.push(after_id);
                        let (at, after_id) = (values.len() - 1, values.len());
                        conditions.push(format!("({time} < ${at} OR ({time} = ${at} AND {id} < ${after_id}))"));
                    }
                    Some(Cursor::Name(_) | Cursor::Sorted { .. }) => return Err(StorageError::WrongCursor),
                }
                format!("{time} DESC, {id} DESC")
            }
        };
        let mut sql = listing.select.to_owned();
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        // One row more than asked for tells whether another page follows.
        let fetch = u64::from(page.limit) + 1;
        sql.push_str(&format!(" ORDER BY {order} LIMIT {fetch}"));
        let mut query = sqlx::query_as::<_, R>(&sql);
        for value in values {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let more = rows.len() as u64 > u64::from(page.limit);
        let items = rows.into_iter().take(page.limit as usize).map(item).collect::<Result<Vec<T>, _>>()?;
        let next = if more { items.last().map(key) } else { None };
        Ok(Paged { items, next })
    }

    /// `column` compared byte by byte on this backend.
    pub(crate) fn binary(&self, column: &str) -> String {
        if self.is_postgres {
            format!("{column} COLLATE \"C\"")
        } else {
            column.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cursor;

    #[test]
    fn a_cursor_survives_its_token_and_a_forged_token_is_not_a_cursor() {
        let sorted =
            Cursor::Sorted { by: "-modified".into(), key: "2024-05-01T10:00:00.000000000Z".into(), name: "a".into() };
        for cursor in [Cursor::Name("orders-eu".into()), Cursor::newest("2024-05-01T10:00:00Z", "a-b"), sorted] {
            assert_eq!(Cursor::from_token(&cursor.token()), Some(cursor));
        }
        for forged in [
            "",
            "n",
            "n.zz",
            "x.00",
            "t.00",
            "t.00.00.00",
            "n.ff",
            "n.00",
            "s.00.00",
            "s.61.62.63.64",
            &"n.".repeat(600),
        ] {
            assert_eq!(Cursor::from_token(forged), None, "{forged:?}");
        }
    }
}
