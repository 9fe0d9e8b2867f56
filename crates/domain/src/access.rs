//! Who may do what: users, their role in each namespace, API tokens, and the one rule table that
//! decides whether a role permits an action. Pure, so the browser can use the same table to hide
//! buttons (a convenience only: the server decides every request with it).

use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;

wire_enum!(
    /// A person's (or token's) role in one namespace.
    Role {
        /// Reads everything in the namespace.
        Viewer = "VIEWER",
        /// Viewer + creates, changes, deletes, starts, suspends and cancels deployments; savepoints.
        Editor = "EDITOR",
        /// Editor + members, API tokens, deployment defaults and targets, the audit log.
        Owner = "OWNER",
    }
);

/// What a caller wants to do; `permits` decides whether a role may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// Read deployments, jobs, savepoints, events, targets and defaults (viewer).
    ViewDeployments,
    /// Create, change, delete, start, suspend and cancel deployments; take savepoints (editor).
    EditDeployments,
    /// Change the namespace's members, tokens, deployment defaults and targets; read its audit log (owner).
    ManageNamespace,
    /// See the console's status and global settings (anyone signed in).
    ViewSystem,
    /// Users, namespaces and what holds for every namespace, e.g. the global defaults (admin).
    ManageSystem,
}

impl Permission {
    /// The permission in words, for refusals ("you may not {describe} here").
    pub fn describe(self) -> &'static str {
        match self {
            Self::ViewDeployments => "view deployments",
            Self::EditDeployments => "edit deployments",
            Self::ManageNamespace => "manage the namespace",
            Self::ViewSystem => "view the console's status",
            Self::ManageSystem => "manage the console",
        }
    }
}

/// Whether `role` in a namespace permits `permission` there. System permissions are not a
/// namespace role's: `ViewSystem` needs any sign-in, `ManageSystem` the system admin.
pub fn permits(role: Role, permission: Permission) -> bool {
    match permission {
        Permission::ViewDeployments | Permission::ViewSystem => true,
        Permission::EditDeployments => matches!(role, Role::Editor | Role::Owner),
        Permission::ManageNamespace => role == Role::Owner,
        Permission::ManageSystem => false,
    }
}

/// A member of a namespace and their role there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// The user's name.
    pub user: String,
    /// What the member may do in this namespace.
    pub role: Role,
}

/// A person who can sign in (never with their password: that stays in the store, hashed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The user's id (a UUID), stable across renames.
    pub id: String,
    /// The name the user signs in with.
    pub name: String,
    /// The system admin: manages users and namespaces, and may do anything anywhere.
    pub admin: bool,
    /// When the user was created (RFC 3339).
    pub created_at: String,
    /// Signs in with a password the console generated: may do nothing but choose their own.
    #[serde(default)]
    pub must_change_password: bool,
}

/// An API token of a namespace (never with its secret: only a hash is stored, the secret is shown
/// once when it is created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiToken {
    /// The token's id (a UUID); the secret is not derived from it.
    pub id: String,
    /// The namespace the token acts in; it can do nothing elsewhere.
    pub namespace: String,
    /// A name its owners gave it, unique in the namespace (e.g. `ci-deployer`).
    pub name: String,
    /// What the token may do in its namespace.
    pub role: Role,
    /// When the token was created (RFC 3339).
    pub created_at: String,
    /// The user who created it.
    pub created_by: String,
    /// When it was revoked (RFC 3339); a revoked token is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// When it stops working by itself (RFC 3339); never if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The person it belongs to: it dies with their access to the namespace. Not on the wire.
    #[serde(skip)]
    pub owner_user_id: Option<String>,
    /// The AccessKey ID of the token's access-key pair, for requests signed the way Alibaba
    /// Cloud's SDKs sign them (ACS3-HMAC-SHA256); absent if it has none. The secret is never here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
}

/// One line of the audit log: who did what to which resource, when, and the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// The entry's id (a UUID).
    pub id: String,
    /// When it happened (RFC 3339).
    pub at: String,
    /// `user:<name>` or `token:<name>`.
    pub actor: String,
    /// Absent for system-wide changes (users, namespaces, global defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// e.g. `create`, `update`, `delete`, `start`.
    pub action: String,
    /// e.g. `Deployment`, `DeploymentTarget`, `ApiToken`, `Member`.
    pub resource_kind: String,
    /// The name of the resource acted on (for a member, the user's name).
    pub resource_name: String,
    /// The resource before the change, as served; absent for a creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
    /// The resource after the change, as served; absent for a deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_permits_exactly_its_column_of_the_table() {
        use Permission::*;
        let table = [
            (Role::Viewer, [true, false, false, true, false]),
            (Role::Editor, [true, true, false, true, false]),
            (Role::Owner, [true, true, true, true, false]),
        ];
        for (role, expected) in table {
            let got: Vec<bool> = [ViewDeployments, EditDeployments, ManageNamespace, ViewSystem, ManageSystem]
                .into_iter()
                .map(|p| permits(role, p))
                .collect();
            assert_eq!(got, expected, "{role}");
        }
    }

    #[test]
    fn roles_read_in_any_case() {
        assert_eq!(Role::parse("owner"), Some(Role::Owner));
        assert_eq!(serde_json::to_string(&Role::Editor).expect("serialises"), "\"EDITOR\"");
        assert!(serde_json::from_str::<Role>("\"ROOT\"").is_err());
    }
}
