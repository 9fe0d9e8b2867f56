//! Who may do what: users (with their password hash), sign-in sessions, namespace memberships, API
//! tokens and the append-only audit log. No secret is stored: the server hashes passwords, session
//! cookies and API tokens, and only those hashes reach this module.
//!
//! Lists by name compare names byte by byte on both backends (see `page`), so that both order
//! them the same whatever PostgreSQL's collation.

use domain::{ApiToken, AuditEntry, NamespaceName, Role, User};

use crate::page::{Listing, Order};
use crate::{is_unique_violation, sortable_time, Cursor, Page, Paged, StorageError, Store, Tx};

/// The columns of a user, in the order `USER_COLUMNS` selects them.
type UserRow = (String, String, i64, String, i64);
/// The columns of an API token, in the order `TOKEN_COLUMNS` selects them.
type TokenRow =
    (String, String, String, String, String, String, Option<String>, Option<String>, Option<String>, Option<String>);

const USER_COLUMNS: &str = "users.id, users.name, users.admin, users.created_at, users.must_change_password";
/// Selected `FROM api_tokens` (not aliased): the token's access key comes from a subquery.
const TOKEN_COLUMNS: &str =
    "id, namespace, name, role, created_at, created_by, revoked_at, expires_at, owner_user_id, \
     (SELECT access_keys.id FROM access_keys WHERE access_keys.token_id = api_tokens.id) AS access_key_id";

fn user_from_row((id, name, admin, created_at, must_change_password): UserRow) -> User {
    User { id, name, admin: admin != 0, created_at, must_change_password: must_change_password != 0 }
}

fn token_from_row(
    (id, namespace, name, role, created_at, created_by, revoked_at, expires_at, owner_user_id, access_key_id): TokenRow,
) -> Result<ApiToken, StorageError> {
    let role = role_from_column(&role)?;
    Ok(ApiToken {
        id,
        namespace,
        name,
        role,
        created_at,
        created_by,
        revoked_at,
        expires_at,
        owner_user_id,
        access_key_id,
    })
}

/// A stored role; anything but a wire name is a corrupt row.
fn role_from_column(role: &str) -> Result<Role, StorageError> {
    Role::parse(role).ok_or_else(|| {
        StorageError::CorruptDocument(<serde_json::Error as serde::de::Error>::custom(format!(
            "unknown role {role:?} in the store"
        )))
    })
}

fn missing_user(id: &str) -> StorageError {
    StorageError::Conflict { kind: "user", name: id.to_owned() }
}

impl Store {
    // Users.

    /// The user with this name (case-sensitive) and their password hash.
    pub async fn user_by_name(&self, name: &str) -> Result<Option<(User, String)>, StorageError> {
        let row: Option<(String, String, i64, String, i64, String)> =
            sqlx::query_as(&format!("SELECT {USER_COLUMNS}, users.password_hash FROM users WHERE users.name = $1"))
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id, name, admin, created_at, must_change, hash)| {
            (user_from_row((id, name, admin, created_at, must_change)), hash)
        }))
    }

    /// The user with this id.
    pub async fn user(&self, id: &str) -> Result<Option<User>, StorageError> {
        let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE users.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(user_from_row))
    }

    /// One page of the users, by name.
    pub async fn list_users(&self, page: &Page) -> Result<Paged<User>, StorageError> {
        let select = format!("SELECT {USER_COLUMNS} FROM users");
        let listing = Listing { select: &select, filters: &[], one_of: None, order: Order::ByName("users.name") };
        self.page_of(listing, page, |row: UserRow| Ok(user_from_row(row)), |user| Cursor::Name(user.name.clone())).await
    }

    /// How many users are system admins.
    pub async fn count_admins(&self) -> Result<i64, StorageError> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM users WHERE admin = 1").fetch_one(&self.pool).await?;
        Ok(count)
    }

    /// Refuses a row for a user that does not exist (SQLite does not always check foreign keys).
    async fn require_user(&self, id: &str) -> Result<(), StorageError> {
        match self.user(id).await? {
            Some(_) => Ok(()),
            None => Err(missing_user(id)),
        }
    }

    // Sessions.

    /// Stores a session by the hash of its cookie's secret (times in RFC 3339). A missing user is a
    /// `Conflict`; a taken hash is `AlreadyExists`.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        created_at: &str,
        expires_at: &str,
    ) -> Result<(), StorageError> {
        self.require_user(user_id).await?;
        let inserted =
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(user_id)
                .bind(created_at)
                .bind(sortable_time(expires_at))
                .execute(&self.pool)
                .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(err) if is_unique_violation(&err) => Err(StorageError::AlreadyExists {
                kind: "session",
                namespace: String::new(),
                name: String::from("(a session with this token)"),
            }),
            Err(err) => Err(err.into()),
        }
    }

    /// The user of the session with this hash and when it expires (RFC 3339, in UTC), unless it
    /// has expired by `now` (RFC 3339).
    pub async fn session_user(&self, token_hash: &str, now: &str) -> Result<Option<(User, String)>, StorageError> {
        let row: Option<(String, String, i64, String, i64, String)> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS}, sessions.expires_at FROM sessions JOIN users ON users.id = sessions.user_id
             WHERE sessions.token_hash = $1 AND sessions.expires_at > $2"
        ))
        .bind(token_hash)
        .bind(sortable_time(now))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id, name, admin, created_at, must_change, expires_at)| {
            (user_from_row((id, name, admin, created_at, must_change)), expires_at)
        }))
    }

    /// Ends the session with this hash (if there is one).
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    /// Deletes the sessions expired by `now` (RFC 3339); returns how many.
    pub async fn delete_expired_sessions(&self, now: &str) -> Result<u64, StorageError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(sortable_time(now))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    // Memberships.

    /// One page of the members of a namespace with their roles, by user name.
    pub async fn members(&self, namespace: &NamespaceName, page: &Page) -> Result<Paged<(User, Role)>, StorageError> {
        let select = format!(
            "SELECT {USER_COLUMNS}, memberships.role FROM memberships JOIN users ON users.id = memberships.user_id"
        );
        let listing = Listing {
            select: &select,
            filters: &[("memberships.namespace", Some(namespace.as_str()))],
            one_of: None,
            order: Order::ByName("users.name"),
        };
        self.page_of(
            listing,
            page,
            |(id, name, admin, created_at, must_change, role): (String, String, i64, String, i64, String)| {
                Ok((user_from_row((id, name, admin, created_at, must_change)), role_from_column(&role)?))
            },
            |(user, _)| Cursor::Name(user.name.clone()),
        )
        .await
    }

    /// In one read, what authorising a request in a namespace needs: whether the namespace exists,
    /// and `user_id`'s role there (`None` without a user, or when they are not a member).
    pub async fn namespace_access(
        &self,
        namespace: &NamespaceName,
        user_id: Option<&str>,
    ) -> Result<(bool, Option<Role>), StorageError> {
        let (exists, role): (i64, Option<String>) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM namespaces WHERE name = $1),
                    (SELECT role FROM memberships WHERE namespace = $1 AND user_id = $2)",
        )
        .bind(namespace.as_str())
        .bind(user_id.unwrap_or_default())
        .fetch_one(&self.pool)
        .await?;
        Ok((exists > 0, role.as_deref().map(role_from_column).transpose()?))
    }

    /// A user's role in a namespace, if they are a member.
    pub async fn role_of(&self, namespace: &NamespaceName, user_id: &str) -> Result<Option<Role>, StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT role FROM memberships WHERE namespace = $1 AND user_id = $2")
                .bind(namespace.as_str())
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(role,)| role_from_column(&role)).transpose()
    }

    /// The namespaces a user is a member of with their role there, by namespace name.
    pub async fn memberships(&self, user_id: &str) -> Result<Vec<(String, Role)>, StorageError> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT namespace, role FROM memberships WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        let mut memberships = rows
            .into_iter()
            .map(|(namespace, role)| Ok((namespace, role_from_column(&role)?)))
            .collect::<Result<Vec<_>, StorageError>>()?;
        memberships.sort_by(|(a, _), (b, _)| a.cmp(b));
        Ok(memberships)
    }

    // API tokens.

    /// The token whose secret hashes to `token_hash`, revoked or not (the caller refuses revoked
    /// ones: `revoked_at` is set).
    pub async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>, StorageError> {
        let row: Option<TokenRow> =
            sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1"))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        row.map(token_from_row).transpose()
    }

    /// The token whose access key has this AccessKey ID, revoked or expired or not (the caller
    /// refuses those).
    pub async fn api_token_by_access_key(&self, access_key_id: &str) -> Result<Option<ApiToken>, StorageError> {
        let row: Option<TokenRow> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens \
             WHERE id = (SELECT access_keys.token_id FROM access_keys WHERE access_keys.id = $1)"
        ))
        .bind(access_key_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(token_from_row).transpose()
    }

    /// One page of the API tokens of a namespace, revoked ones included, newest first.
    pub async fn list_api_tokens(
        &self,
        namespace: &NamespaceName,
        page: &Page,
    ) -> Result<Paged<ApiToken>, StorageError> {
        let select = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens");
        let listing = Listing {
            select: &select,
            filters: &[("namespace", Some(namespace.as_str()))],
            one_of: None,
            order: Order::NewestFirst { time: "created_order", id: "id" },
        };
        self.page_of(listing, page, token_from_row, |token| Cursor::newest(&token.created_at, &token.id)).await
    }

    // The audit log.

    /// One page of the audit log, newest first: of one namespace, or with `None` of all of them and
    /// the system-wide ones.
    pub async fn list_audit(
        &self,
        namespace: Option<&NamespaceName>,
        page: &Page,
    ) -> Result<Paged<AuditEntry>, StorageError> {
        let listing = Listing {
            select: "SELECT document FROM audit_log",
            filters: &[("namespace", namespace.map(NamespaceName::as_str))],
            one_of: None,
            order: Order::NewestFirst { time: "at", id: "id" },
        };
        self.page_of(
            listing,
            page,
            |(document,): (String,)| Ok(serde_json::from_str(&document)?),
            |entry: &AuditEntry| Cursor::newest(&entry.at, &entry.id),
        )
        .await
    }
}

impl Tx {
    /// How many owners a namespace has (lock the namespace first to act on the answer).
    pub async fn count_owners(&mut self, namespace: &NamespaceName) -> Result<i64, StorageError> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM memberships WHERE namespace = $1 AND role = $2")
            .bind(namespace.as_str())
            .bind(Role::Owner.as_str())
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(count)
    }

    /// How many users are system admins (lock the admins first to act on the answer).
    pub async fn count_admins(&mut self) -> Result<i64, StorageError> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM users WHERE admin = 1").fetch_one(&mut *self.tx).await?;
        Ok(count)
    }

    /// A user's role in a namespace, if they are a member.
    pub async fn role_of(&mut self, namespace: &NamespaceName, user_id: &str) -> Result<Option<Role>, StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT role FROM memberships WHERE namespace = $1 AND user_id = $2")
                .bind(namespace.as_str())
                .bind(user_id)
                .fetch_optional(&mut *self.tx)
                .await?;
        row.map(|(role,)| role_from_column(&role)).transpose()
    }

    /// Revokes, at `at`, the live tokens that belong to `user_id`: in one namespace or in all, and
    /// only those whose role is one of `roles` (all roles if empty). Answers the revoked tokens' names.
    pub async fn revoke_tokens_of(
        &mut self,
        user_id: &str,
        namespace: Option<&NamespaceName>,
        roles: &[Role],
        at: &str,
    ) -> Result<Vec<String>, StorageError> {
        let mut sql = String::from("FROM api_tokens WHERE owner_user_id = $1 AND revoked_at IS NULL");
        let mut values: Vec<&str> = vec![user_id];
        if let Some(namespace) = namespace {
            values.push(namespace.as_str());
            sql.push_str(&format!(" AND namespace = ${}", values.len()));
        }
        if !roles.is_empty() {
            let mut placeholders = Vec::new();
            for role in roles {
                values.push(role.as_str());
                placeholders.push(format!("${}", values.len()));
            }
            sql.push_str(&format!(" AND role IN ({})", placeholders.join(", ")));
        }
        let select = format!("SELECT namespace, name {sql}");
        let mut query = sqlx::query_as::<_, (String, String)>(&select);
        for value in &values {
            query = query.bind(*value);
        }
        let mut names: Vec<String> =
            query.fetch_all(&mut *self.tx).await?.into_iter().map(|(ns, name)| format!("{ns}/{name}")).collect();
        names.sort();
        let update = format!("UPDATE api_tokens SET revoked_at = ${} WHERE id IN (SELECT id {sql})", values.len() + 1);
        let mut query = sqlx::query(&update);
        for value in &values {
            query = query.bind(*value);
        }
        query.bind(at).execute(&mut *self.tx).await?;
        Ok(names)
    }

    /// Refuses a row for a user that does not exist (SQLite does not always check foreign keys).
    async fn require_user(&mut self, id: &str) -> Result<(), StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT id FROM users WHERE id = $1").bind(id).fetch_optional(&mut *self.tx).await?;
        match row {
            Some(_) => Ok(()),
            None => Err(missing_user(id)),
        }
    }

    /// Stores a new user with the hash of their password. A taken name (names are case-sensitive)
    /// or id is `AlreadyExists`.
    pub async fn create_user(&mut self, user: &User, password_hash: &str) -> Result<(), StorageError> {
        // Checked first: on PostgreSQL a failed statement ends the transaction's use.
        let taken: Option<(String,)> = sqlx::query_as("SELECT name FROM users WHERE name = $1 OR id = $2")
            .bind(&user.name)
            .bind(&user.id)
            .fetch_optional(&mut *self.tx)
            .await?;
        if let Some((name,)) = taken {
            let name = if name == user.name { name } else { user.id.clone() };
            return Err(StorageError::AlreadyExists { kind: "user", namespace: String::new(), name });
        }
        let inserted = sqlx::query(
            "INSERT INTO users (id, name, admin, password_hash, created_at, must_change_password)
                 VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&user.id)
        .bind(&user.name)
        .bind(i64::from(user.admin))
        .bind(password_hash)
        .bind(&user.created_at)
        .bind(i64::from(user.must_change_password))
        .execute(&mut *self.tx)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(err) if is_unique_violation(&err) => {
                Err(StorageError::AlreadyExists { kind: "user", namespace: String::new(), name: user.name.clone() })
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Replaces a user's password hash (they chose it: no change is due any more) and ends their sessions but the
    /// one with hash `keep_session` (the browser that changed it); a missing user is a `Conflict`.
    pub async fn set_password_hash(
        &mut self,
        user_id: &str,
        hash: &str,
        keep_session: Option<&str>,
    ) -> Result<(), StorageError> {
        let done = sqlx::query("UPDATE users SET password_hash = $1, must_change_password = 0 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(missing_user(user_id));
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep_session.unwrap_or_default())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Deletes a user with their sessions and memberships; returns whether the user existed.
    pub async fn delete_user(&mut self, id: &str) -> Result<bool, StorageError> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *self.tx).await?;
        sqlx::query("DELETE FROM memberships WHERE user_id = $1").bind(id).execute(&mut *self.tx).await?;
        let done = sqlx::query("DELETE FROM users WHERE id = $1").bind(id).execute(&mut *self.tx).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a user a role in a namespace, or changes the role they have there. An unknown
    /// namespace is `NoSuchNamespace`, an unknown user a `Conflict`.
    pub async fn set_member(
        &mut self,
        namespace: &NamespaceName,
        user_id: &str,
        role: Role,
    ) -> Result<(), StorageError> {
        self.require_namespace(namespace.as_str()).await?;
        self.require_user(user_id).await?;
        sqlx::query(
            "INSERT INTO memberships (namespace, user_id, role) VALUES ($1, $2, $3)
             ON CONFLICT (namespace, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(namespace.as_str())
        .bind(user_id)
        .bind(role.as_str())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Takes a user's role in a namespace away; returns whether they had one.
    pub async fn remove_member(&mut self, namespace: &NamespaceName, user_id: &str) -> Result<bool, StorageError> {
        let done = sqlx::query("DELETE FROM memberships WHERE namespace = $1 AND user_id = $2")
            .bind(namespace.as_str())
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores a new API token of its namespace by the hash of its secret. An unknown namespace is
    /// `NoSuchNamespace`; a name taken in the namespace (revoked tokens keep theirs), or a taken id
    /// or hash, is `AlreadyExists`.
    pub async fn create_api_token(&mut self, token: &ApiToken, token_hash: &str) -> Result<(), StorageError> {
        self.require_namespace(&token.namespace).await?;
        // Checked first: on PostgreSQL a failed statement ends the transaction's use.
        let taken: Option<(String,)> = sqlx::query_as("SELECT id FROM api_tokens WHERE namespace = $1 AND name = $2")
            .bind(&token.namespace)
            .bind(&token.name)
            .fetch_optional(&mut *self.tx)
            .await?;
        if taken.is_some() {
            return Err(StorageError::AlreadyExists {
                kind: "API token",
                namespace: token.namespace.clone(),
                name: token.name.clone(),
            });
        }
        let inserted = sqlx::query(
            "INSERT INTO api_tokens (id, namespace, name, role, token_hash, created_at, created_order, created_by,
                 revoked_at, expires_at, owner_user_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&token.id)
        .bind(&token.namespace)
        .bind(&token.name)
        .bind(token.role.as_str())
        .bind(token_hash)
        .bind(&token.created_at)
        .bind(sortable_time(&token.created_at))
        .bind(&token.created_by)
        .bind(token.revoked_at.as_deref())
        .bind(token.expires_at.as_deref())
        .bind(token.owner_user_id.as_deref())
        .execute(&mut *self.tx)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(err) if is_unique_violation(&err) => Err(StorageError::AlreadyExists {
                kind: "API token",
                namespace: token.namespace.clone(),
                name: token.id.clone(),
            }),
            Err(err) => Err(err.into()),
        }
    }

    /// Revokes an API token of a namespace at `at` and returns it; `None` if the namespace has no
    /// token with this id. Revoking a revoked token keeps the time it was first revoked.
    pub async fn revoke_api_token(
        &mut self,
        namespace: &NamespaceName,
        id: &str,
        at: &str,
    ) -> Result<Option<ApiToken>, StorageError> {
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE namespace = $2 AND id = $3 AND revoked_at IS NULL")
            .bind(at)
            .bind(namespace.as_str())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        let row: Option<TokenRow> =
            sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE namespace = $1 AND id = $2"))
                .bind(namespace.as_str())
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?;
        row.map(token_from_row).transpose()
    }

    /// Gives the live token `token_id` of `namespace` the access key `access_key_id`, replacing the
    /// one it had, which stops working at once. Answers the token with its new key, and the id of
    /// the key replaced; `None` if the namespace has no such token or it is revoked (the caller
    /// checks expiry, which depends on the time). A taken key id is `AlreadyExists`.
    pub async fn replace_access_key(
        &mut self,
        namespace: &NamespaceName,
        token_id: &str,
        access_key_id: &str,
        created_at: &str,
        created_by: &str,
    ) -> Result<Option<(ApiToken, Option<String>)>, StorageError> {
        let row: Option<TokenRow> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE namespace = $1 AND id = $2 AND revoked_at IS NULL"
        ))
        .bind(namespace.as_str())
        .bind(token_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some(token) = row.map(token_from_row).transpose()? else {
            return Ok(None);
        };
        // Checked first: on PostgreSQL a failed statement ends the transaction's use.
        let taken: Option<(String,)> = sqlx::query_as("SELECT id FROM access_keys WHERE id = $1")
            .bind(access_key_id)
            .fetch_optional(&mut *self.tx)
            .await?;
        if taken.is_some() {
            return Err(StorageError::AlreadyExists {
                kind: "access key",
                namespace: namespace.as_str().to_owned(),
                name: access_key_id.to_owned(),
            });
        }
        sqlx::query("DELETE FROM access_keys WHERE token_id = $1").bind(token_id).execute(&mut *self.tx).await?;
        sqlx::query("INSERT INTO access_keys (id, token_id, created_at, created_by) VALUES ($1, $2, $3, $4)")
            .bind(access_key_id)
            .bind(token_id)
            .bind(created_at)
            .bind(created_by)
            .execute(&mut *self.tx)
            .await?;
        let replaced = token.access_key_id.clone();
        Ok(Some((ApiToken { access_key_id: Some(access_key_id.to_owned()), ..token }, replaced)))
    }

    /// Appends an entry to the audit log (never changed afterwards); its id must be free.
    pub async fn append_audit(&mut self, entry: &AuditEntry) -> Result<(), StorageError> {
        let document = serde_json::to_string(entry)?;
        let inserted = sqlx::query(
            "INSERT INTO audit_log (id, namespace, actor, action, resource_kind, resource_name, document, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&entry.id)
        .bind(entry.namespace.as_deref())
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.resource_kind)
        .bind(&entry.resource_name)
        .bind(document)
        .bind(sortable_time(&entry.at))
        .execute(&mut *self.tx)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(err) if is_unique_violation(&err) => Err(StorageError::AlreadyExists {
                kind: "audit entry",
                namespace: entry.namespace.clone().unwrap_or_default(),
                name: entry.id.clone(),
            }),
            Err(err) => Err(err.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use domain::{ApiToken, AuditEntry, NamespaceName, Role, User};

    use crate::testing::fresh_store;
    use crate::{StorageError, Store};

    fn namespace(name: &str) -> NamespaceName {
        NamespaceName::parse(name).expect("a namespace name")
    }

    fn user(name: &str, admin: bool) -> User {
        User {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.into(),
            admin,
            created_at: "2024-05-01T10:00:00Z".into(),
            must_change_password: false,
        }
    }

    async fn stored_user(store: &Store, name: &str) -> User {
        let user = user(name, false);
        store.create_user(&user, &format!("hash-of-{name}")).await.expect("create user");
        user
    }

    async fn store_with_namespaces(names: &[&str]) -> (Store, crate::testing::TestDatabase) {
        let (store, db) = fresh_store().await;
        for name in names {
            store.ensure_namespace(&namespace(name)).await.expect("namespace");
        }
        (store, db)
    }

    fn token(namespace: &str, name: &str, role: Role, created_at: &str) -> ApiToken {
        ApiToken {
            id: uuid::Uuid::new_v4().to_string(),
            namespace: namespace.into(),
            name: name.into(),
            role,
            created_at: created_at.into(),
            created_by: "user:alice".into(),
            revoked_at: None,
            expires_at: None,
            owner_user_id: None,
            access_key_id: None,
        }
    }

    fn audit(namespace: Option<&str>, action: &str, at: &str) -> AuditEntry {
        AuditEntry {
            id: uuid::Uuid::new_v4().to_string(),
            at: at.into(),
            actor: "user:alice".into(),
            namespace: namespace.map(Into::into),
            action: action.into(),
            resource_kind: "Deployment".into(),
            resource_name: "orders".into(),
            before: None,
            after: None,
        }
    }

    /// The user of a session, without its expiry.
    async fn session_user(store: &Store, hash: &str, now: &str) -> Result<Option<User>, StorageError> {
        Ok(store.session_user(hash, now).await?.map(|(user, _)| user))
    }

    fn names(users: &[User]) -> Vec<&str> {
        users.iter().map(|user| user.name.as_str()).collect()
    }

    fn actions(entries: &[AuditEntry]) -> Vec<&str> {
        entries.iter().map(|entry| entry.action.as_str()).collect()
    }

    // Users.

    #[tokio::test]
    async fn users_are_found_by_name_and_id_and_listed_by_name() {
        let (store, _db) = fresh_store().await;
        let carol = user("carol", true);
        store.create_user(&carol, "hash-c").await.expect("carol");
        let alice = stored_user(&store, "alice").await;
        let bob = stored_user(&store, "bob").await;

        assert_eq!(store.user_by_name("carol").await.expect("by name"), Some((carol.clone(), "hash-c".into())));
        assert_eq!(store.user_by_name("Carol").await.expect("by name"), None, "names are case-sensitive");
        assert_eq!(store.user(&alice.id).await.expect("by id"), Some(alice.clone()));
        assert_eq!(store.user("no-such-id").await.expect("by id"), None);
        let all = store.list_users(&crate::Page::first(100)).await.expect("list").items;
        assert_eq!(names(&all), ["alice", "bob", "carol"]);
        assert_eq!(all, [alice, bob, carol], "users are stored whole, admin flag included");
    }

    #[tokio::test]
    async fn a_taken_user_name_is_refused() {
        let (store, _db) = fresh_store().await;
        stored_user(&store, "alice").await;
        let err = store.create_user(&user("alice", true), "other-hash").await.expect_err("name taken");
        assert!(
            matches!(&err, StorageError::AlreadyExists { kind: "user", namespace, name } if namespace.is_empty() && name == "alice"),
            "{err}"
        );
        store.create_user(&user("Alice", false), "hash").await.expect("another case is another name");
        let (stored, hash) = store.user_by_name("alice").await.expect("by name").expect("alice");
        assert!(!stored.admin, "the refused user changed nothing");
        assert_eq!(hash, "hash-of-alice");
    }

    #[tokio::test]
    async fn a_password_hash_is_replaced_ending_other_sessions_and_a_missing_user_is_a_conflict() {
        let (store, _db) = fresh_store().await;
        let alice = stored_user(&store, "alice").await;
        let bob = stored_user(&store, "bob").await;
        let (created, expires, now) = ("2024-05-01T10:00:00Z", "2024-05-02T10:00:00Z", "2024-05-01T11:00:00Z");
        for (session, user) in [("here", &alice.id), ("laptop", &alice.id), ("bobs", &bob.id)] {
            store.create_session(session, user, created, expires).await.expect("session");
        }
        store.set_password_hash(&alice.id, "new-hash", Some("here")).await.expect("set");
        let (_, hash) = store.user_by_name("alice").await.expect("by name").expect("alice");
        assert_eq!(hash, "new-hash");
        assert_eq!(
            session_user(&store, "here", now).await.expect("s"),
            Some(alice.clone()),
            "the changing browser stays"
        );
        assert_eq!(session_user(&store, "laptop", now).await.expect("s"), None, "every other session ends");
        assert_eq!(session_user(&store, "bobs", now).await.expect("s"), Some(bob), "other users keep theirs");
        store.set_password_hash(&alice.id, "reset-hash", None).await.expect("reset");
        assert_eq!(session_user(&store, "here", now).await.expect("s"), None, "a reset ends them all");
        let err = store.set_password_hash("no-such-id", "hash", None).await.expect_err("missing user");
        assert!(matches!(&err, StorageError::Conflict { kind: "user", name } if name == "no-such-id"), "{err}");
    }

    #[tokio::test]
    async fn only_admins_are_counted_as_admins() {
        let (store, _db) = fresh_store().await;
        assert_eq!(store.count_admins().await.expect("count"), 0);
        store.create_user(&user("root", true), "h").await.expect("root");
        store.create_user(&user("admin", true), "h").await.expect("admin");
        stored_user(&store, "alice").await;
        assert_eq!(store.count_admins().await.expect("count"), 2);
        let (root, _) = store.user_by_name("root").await.expect("by name").expect("root");
        assert!(store.delete_user(&root.id).await.expect("delete"));
        assert_eq!(store.count_admins().await.expect("count"), 1);
    }

    #[tokio::test]
    async fn deleting_a_user_removes_their_sessions_and_memberships() {
        let (store, _db) = store_with_namespaces(&["default", "other"]).await;
        let alice = stored_user(&store, "alice").await;
        let bob = stored_user(&store, "bob").await;
        store.create_session("s-alice", &alice.id, "2024-05-01T10:00:00Z", "2024-05-02T10:00:00Z").await.expect("s");
        store.create_session("s-bob", &bob.id, "2024-05-01T10:00:00Z", "2024-05-02T10:00:00Z").await.expect("s");
        for ns in ["default", "other"] {
            store.set_member(&namespace(ns), &alice.id, Role::Owner).await.expect("member");
            store.set_member(&namespace(ns), &bob.id, Role::Viewer).await.expect("member");
        }

        assert!(store.delete_user(&alice.id).await.expect("delete"));
        let now = "2024-05-01T12:00:00Z";
        assert_eq!(store.user(&alice.id).await.expect("user"), None);
        assert_eq!(store.user_by_name("alice").await.expect("user"), None);
        assert_eq!(session_user(&store, "s-alice", now).await.expect("session"), None);
        assert_eq!(store.memberships(&alice.id).await.expect("memberships"), []);
        assert_eq!(store.role_of(&namespace("default"), &alice.id).await.expect("role"), None);
        assert_eq!(session_user(&store, "s-bob", now).await.expect("session"), Some(bob.clone()), "others keep theirs");
        assert_eq!(
            store.members(&namespace("default"), &crate::Page::first(100)).await.expect("members").items,
            [(bob, Role::Viewer)]
        );
        assert!(!store.delete_user(&alice.id).await.expect("delete again"), "nothing left to delete");
        store.create_user(&user("alice", false), "h").await.expect("the name is free again");
    }

    #[tokio::test]
    async fn namespace_access_reads_existence_and_role_at_once() {
        let (store, _db) = store_with_namespaces(&["default", "other"]).await;
        let alice = stored_user(&store, "alice").await;
        store.set_member(&namespace("default"), &alice.id, Role::Editor).await.expect("member");
        let access = |ns: &'static str, user: Option<String>| {
            let store = store.clone();
            async move { store.namespace_access(&namespace(ns), user.as_deref()).await.expect("access") }
        };
        assert_eq!(access("default", Some(alice.id.clone())).await, (true, Some(Role::Editor)));
        assert_eq!(access("other", Some(alice.id.clone())).await, (true, None), "not a member there");
        assert_eq!(access("default", None).await, (true, None), "no user asked about");
        assert_eq!(access("nowhere", Some(alice.id.clone())).await, (false, None));
    }

    // Sessions.

    #[tokio::test]
    async fn a_session_yields_its_user_until_it_expires() {
        let (store, _db) = fresh_store().await;
        let alice = stored_user(&store, "alice").await;
        // Ten o'clock UTC, written with an offset: compared as the instant, not as the text.
        store
            .create_session("hash-1", &alice.id, "2024-05-01T10:00:00Z", "2024-05-01T12:00:00+02:00")
            .await
            .expect("session");
        assert_eq!(
            store.session_user("hash-1", "2024-05-01T09:59:59.5Z").await.expect("s"),
            Some((alice.clone(), "2024-05-01T10:00:00.000000000Z".to_owned())),
            "with its expiry, in UTC"
        );
        assert_eq!(session_user(&store, "hash-1", "2024-05-01T10:00:00Z").await.expect("s"), None, "expired at");
        assert_eq!(session_user(&store, "hash-1", "2024-05-01T10:30:00Z").await.expect("s"), None, "expired after");
        assert_eq!(session_user(&store, "other-hash", "2024-05-01T09:00:00Z").await.expect("s"), None, "unknown");
    }

    #[tokio::test]
    async fn a_deleted_session_yields_no_user() {
        let (store, _db) = fresh_store().await;
        let alice = stored_user(&store, "alice").await;
        store.create_session("hash-1", &alice.id, "2024-05-01T10:00:00Z", "2024-05-02T10:00:00Z").await.expect("s");
        store.create_session("hash-2", &alice.id, "2024-05-01T10:00:00Z", "2024-05-02T10:00:00Z").await.expect("s");
        store.delete_session("hash-1").await.expect("delete");
        store.delete_session("hash-1").await.expect("deleting twice is fine");
        let now = "2024-05-01T11:00:00Z";
        assert_eq!(session_user(&store, "hash-1", now).await.expect("s"), None);
        assert_eq!(session_user(&store, "hash-2", now).await.expect("s"), Some(alice), "another browser stays in");
    }

    #[tokio::test]
    async fn a_session_needs_an_existing_user() {
        let (store, _db) = fresh_store().await;
        let err = store
            .create_session("hash-1", "no-such-id", "2024-05-01T10:00:00Z", "2024-05-02T10:00:00Z")
            .await
            .expect_err("missing user");
        assert!(matches!(&err, StorageError::Conflict { kind: "user", .. }), "{err}");
    }

    #[tokio::test]
    async fn only_expired_sessions_are_deleted_and_counted() {
        let (store, _db) = fresh_store().await;
        let alice = stored_user(&store, "alice").await;
        for (hash, expires_at) in
            [("old", "2024-05-01T09:00:00Z"), ("at-now", "2024-05-01T10:00:00Z"), ("new", "2024-05-01T10:00:00.5Z")]
        {
            store.create_session(hash, &alice.id, "2024-05-01T08:00:00Z", expires_at).await.expect("session");
        }
        let now = "2024-05-01T10:00:00Z";
        assert_eq!(store.delete_expired_sessions(now).await.expect("sweep"), 2);
        assert_eq!(store.delete_expired_sessions(now).await.expect("sweep again"), 0);
        assert_eq!(session_user(&store, "new", now).await.expect("s"), Some(alice));
    }

    // Memberships.

    #[tokio::test]
    async fn a_members_role_changes_in_place() {
        let (store, _db) = store_with_namespaces(&["default"]).await;
        let default = namespace("default");
        let alice = stored_user(&store, "alice").await;
        store.set_member(&default, &alice.id, Role::Viewer).await.expect("member");
        assert_eq!(store.role_of(&default, &alice.id).await.expect("role"), Some(Role::Viewer));
        store.set_member(&default, &alice.id, Role::Owner).await.expect("promote");
        assert_eq!(store.role_of(&default, &alice.id).await.expect("role"), Some(Role::Owner));
        assert_eq!(
            store.members(&default, &crate::Page::first(100)).await.expect("members").items,
            [(alice.clone(), Role::Owner)],
            "one row"
        );
        assert_eq!(store.memberships(&alice.id).await.expect("memberships"), [("default".to_owned(), Role::Owner)]);
    }

    #[tokio::test]
    async fn members_are_listed_by_name_and_memberships_by_namespace() {
        let (store, _db) = store_with_namespaces(&["team-b", "team-a", "solo"]).await;
        let zoe = stored_user(&store, "zoe").await;
        let adam = stored_user(&store, "adam").await;
        let mia = stored_user(&store, "mia").await;
        let team_a = namespace("team-a");
        store.set_member(&team_a, &zoe.id, Role::Editor).await.expect("member");
        store.set_member(&team_a, &adam.id, Role::Owner).await.expect("member");
        store.set_member(&team_a, &mia.id, Role::Viewer).await.expect("member");
        store.set_member(&namespace("team-b"), &zoe.id, Role::Viewer).await.expect("member");
        store.set_member(&namespace("solo"), &zoe.id, Role::Owner).await.expect("member");

        let members = store.members(&team_a, &crate::Page::first(100)).await.expect("members").items;
        assert_eq!(members, [(adam, Role::Owner), (mia, Role::Viewer), (zoe.clone(), Role::Editor)]);
        assert_eq!(
            store.memberships(&zoe.id).await.expect("memberships"),
            [
                ("solo".to_owned(), Role::Owner),
                ("team-a".to_owned(), Role::Editor),
                ("team-b".to_owned(), Role::Viewer)
            ]
        );
        assert_eq!(store.members(&namespace("other"), &crate::Page::first(100)).await.expect("members").items, []);
        assert_eq!(store.role_of(&namespace("solo"), "no-such-id").await.expect("role"), None);
    }

    #[tokio::test]
    async fn a_removed_member_has_no_role_there() {
        let (store, _db) = store_with_namespaces(&["default", "other"]).await;
        let alice = stored_user(&store, "alice").await;
        store.set_member(&namespace("default"), &alice.id, Role::Editor).await.expect("member");
        store.set_member(&namespace("other"), &alice.id, Role::Viewer).await.expect("member");
        assert!(store.remove_member(&namespace("default"), &alice.id).await.expect("remove"));
        assert!(!store.remove_member(&namespace("default"), &alice.id).await.expect("remove again"));
        assert_eq!(store.role_of(&namespace("default"), &alice.id).await.expect("role"), None);
        assert_eq!(store.memberships(&alice.id).await.expect("memberships"), [("other".to_owned(), Role::Viewer)]);
    }

    #[tokio::test]
    async fn a_membership_needs_an_existing_namespace_and_user() {
        let (store, _db) = store_with_namespaces(&["default"]).await;
        let alice = stored_user(&store, "alice").await;
        let err = store.set_member(&namespace("nowhere"), &alice.id, Role::Viewer).await.expect_err("no namespace");
        assert!(matches!(&err, StorageError::NoSuchNamespace(name) if name == "nowhere"), "{err}");
        let err = store.set_member(&namespace("default"), "no-such-id", Role::Viewer).await.expect_err("no user");
        assert!(matches!(&err, StorageError::Conflict { kind: "user", .. }), "{err}");
        assert_eq!(store.members(&namespace("default"), &crate::Page::first(100)).await.expect("members").items, []);
    }

    // API tokens.

    #[tokio::test]
    async fn api_tokens_are_found_by_hash_and_listed_newest_first() {
        let (store, _db) = store_with_namespaces(&["default", "other"]).await;
        let oldest = token("default", "ci", Role::Editor, "2024-05-01T10:00:00Z");
        let newest = token("default", "grafana", Role::Viewer, "2024-05-01T12:00:00+01:00");
        let middle = token("default", "deploy-bot", Role::Owner, "2024-05-01T10:00:00.5Z");
        let elsewhere = token("other", "ci", Role::Viewer, "2024-05-01T13:00:00Z");
        for (token, hash) in [(&middle, "h-middle"), (&oldest, "h-oldest"), (&newest, "h-newest"), (&elsewhere, "h-x")]
        {
            store.create_api_token(token, hash).await.expect("create");
        }
        assert_eq!(store.api_token_by_hash("h-oldest").await.expect("by hash"), Some(oldest.clone()));
        assert_eq!(store.api_token_by_hash("h-x").await.expect("by hash"), Some(elsewhere));
        assert_eq!(store.api_token_by_hash("no-such-hash").await.expect("by hash"), None);
        let listed = store.list_api_tokens(&namespace("default"), &crate::Page::first(100)).await.expect("list").items;
        assert_eq!(listed, [newest, middle, oldest], "stored whole, newest first, one namespace only");
        assert_eq!(store.list_api_tokens(&namespace("empty"), &crate::Page::first(100)).await.expect("list").items, []);
    }

    #[tokio::test]
    async fn a_token_has_at_most_one_access_key_and_a_revoked_one_gets_none() {
        let (store, _db) = store_with_namespaces(&["default", "other"]).await;
        let ci = token("default", "ci", Role::Editor, "2024-05-01T10:00:00Z");
        store.create_api_token(&ci, "h-ci").await.expect("create");
        let at = "2024-05-02T10:00:00Z";
        let (with_key, replaced) = store
            .replace_access_key(&namespace("default"), &ci.id, "FCAKfirst", at, "user:alice")
            .await
            .expect("replace")
            .expect("a live token");
        assert_eq!((with_key.access_key_id.as_deref(), replaced), (Some("FCAKfirst"), None));
        assert_eq!(store.api_token_by_access_key("FCAKfirst").await.expect("by key"), Some(with_key.clone()));
        assert_eq!(store.api_token_by_hash("h-ci").await.expect("by hash"), Some(with_key), "the token shows its key");
        let (_, replaced) = store
            .replace_access_key(&namespace("default"), &ci.id, "FCAKsecond", at, "user:alice")
            .await
            .expect("replace")
            .expect("a live token");
        assert_eq!(replaced.as_deref(), Some("FCAKfirst"));
        assert_eq!(store.api_token_by_access_key("FCAKfirst").await.expect("by key"), None, "the old key is gone");
        let listed = store.list_api_tokens(&namespace("default"), &crate::Page::first(10)).await.expect("list").items;
        assert_eq!(listed[0].access_key_id.as_deref(), Some("FCAKsecond"));

        let other = token("default", "other-ci", Role::Viewer, "2024-05-01T11:00:00Z");
        store.create_api_token(&other, "h-other").await.expect("create");
        let err = store
            .replace_access_key(&namespace("default"), &other.id, "FCAKsecond", at, "user:alice")
            .await
            .expect_err("a taken key id");
        assert!(matches!(&err, StorageError::AlreadyExists { kind: "access key", .. }), "{err}");
        let wrong_namespace =
            store.replace_access_key(&namespace("other"), &ci.id, "FCAKthird", at, "user:alice").await.expect("ask");
        assert_eq!(wrong_namespace, None, "a token of another namespace");
        store.revoke_api_token(&namespace("default"), &ci.id, at).await.expect("revoke");
        let revoked =
            store.replace_access_key(&namespace("default"), &ci.id, "FCAKthird", at, "user:alice").await.expect("ask");
        assert_eq!(revoked, None, "a revoked token gets no key");
        let found = store.api_token_by_access_key("FCAKsecond").await.expect("by key").expect("still found");
        assert!(found.revoked_at.is_some(), "found, and the caller sees it is revoked");
    }

    #[tokio::test]
    async fn a_taken_token_name_is_refused_within_its_namespace_only() {
        let (store, _db) = store_with_namespaces(&["default", "other"]).await;
        store.create_api_token(&token("default", "ci", Role::Editor, "2024-05-01T10:00:00Z"), "h1").await.expect("ci");
        let err = store
            .create_api_token(&token("default", "ci", Role::Viewer, "2024-05-01T11:00:00Z"), "h2")
            .await
            .expect_err("name taken");
        assert!(
            matches!(&err, StorageError::AlreadyExists { kind: "API token", namespace, name } if namespace == "default" && name == "ci"),
            "{err}"
        );
        store
            .create_api_token(&token("other", "ci", Role::Viewer, "2024-05-01T11:00:00Z"), "h2")
            .await
            .expect("the same name in another namespace");
        assert_eq!(
            store.list_api_tokens(&namespace("default"), &crate::Page::first(100)).await.expect("list").items.len(),
            1
        );
    }

    #[tokio::test]
    async fn a_token_needs_an_existing_namespace() {
        let (store, _db) = fresh_store().await;
        let err = store
            .create_api_token(&token("nowhere", "ci", Role::Viewer, "2024-05-01T10:00:00Z"), "h1")
            .await
            .expect_err("no namespace");
        assert!(matches!(&err, StorageError::NoSuchNamespace(name) if name == "nowhere"), "{err}");
    }

    #[tokio::test]
    async fn a_revoked_token_is_returned_with_revoked_at() {
        let (store, _db) = store_with_namespaces(&["default", "other"]).await;
        let default = namespace("default");
        let ci = token("default", "ci", Role::Editor, "2024-05-01T10:00:00Z");
        store.create_api_token(&ci, "h-ci").await.expect("create");

        assert_eq!(
            store.revoke_api_token(&namespace("other"), &ci.id, "2024-05-02T10:00:00Z").await.expect("revoke"),
            None,
            "looked up within its namespace"
        );
        assert_eq!(store.revoke_api_token(&default, "no-such-id", "2024-05-02T10:00:00Z").await.expect("revoke"), None);
        let revoked = ApiToken { revoked_at: Some("2024-05-02T10:00:00Z".into()), ..ci.clone() };
        assert_eq!(
            store.revoke_api_token(&default, &ci.id, "2024-05-02T10:00:00Z").await.expect("revoke"),
            Some(revoked.clone())
        );
        assert_eq!(
            store.revoke_api_token(&default, &ci.id, "2024-05-03T10:00:00Z").await.expect("revoke again"),
            Some(revoked.clone()),
            "the first revocation's time stays"
        );
        assert_eq!(store.api_token_by_hash("h-ci").await.expect("by hash"), Some(revoked.clone()));
        assert_eq!(store.list_api_tokens(&default, &crate::Page::first(100)).await.expect("list").items, [revoked]);
    }

    // The audit log.

    #[tokio::test]
    async fn audit_entries_list_newest_first_and_per_namespace() {
        let (store, _db) = store_with_namespaces(&["default", "other"]).await;
        let mut update = audit(Some("default"), "update", "2024-05-01T10:00:00.5Z");
        update.before = Some(serde_json::json!({"spec": {"parallelism": 1}}));
        update.after = Some(serde_json::json!({"spec": {"parallelism": 2}, "labels": ["a", null, 3.5]}));
        let entries = [
            audit(Some("default"), "create", "2024-05-01T10:00:00Z"),
            update.clone(),
            audit(None, "create-user", "2024-05-01T10:00:01Z"),
            audit(Some("other"), "start", "2024-05-01T11:00:02+01:00"),
            audit(Some("default"), "delete", "2024-05-01T12:00:00+01:00"),
        ];
        for entry in &entries {
            store.append_audit(entry).await.expect("append");
        }

        let default =
            store.list_audit(Some(&namespace("default")), &crate::Page::first(100)).await.expect("list").items;
        assert_eq!(actions(&default), ["delete", "update", "create"]);
        assert_eq!(default[1], update, "stored whole, before and after included");
        assert_eq!(
            actions(&store.list_audit(Some(&namespace("default")), &crate::Page::first(2)).await.expect("list").items),
            ["delete", "update"]
        );
        let all = store.list_audit(None, &crate::Page::first(100)).await.expect("list").items;
        assert_eq!(actions(&all), ["delete", "start", "create-user", "update", "create"], "system-wide ones included");
        assert_eq!(all[2].namespace, None);
        assert_eq!(actions(&store.list_audit(None, &crate::Page::first(1)).await.expect("list").items), ["delete"]);
        assert_eq!(
            store.list_audit(Some(&namespace("empty")), &crate::Page::first(100)).await.expect("list").items,
            []
        );

        let err = store.append_audit(&entries[0]).await.expect_err("same id");
        assert!(matches!(&err, StorageError::AlreadyExists { kind: "audit entry", .. }), "{err}");
    }
}
