//! Seed 001's 17 permissions and the two built-in roles.
//!
//! Every route asks for a permission, never for a role name: a custom role grants exactly
//! the permissions it lists. A request's effective permissions are its user's role,
//! narrowed by the API key's scope when it came with a key that has one.

use serde_json::{json, Value};

/// One permission, named as seed 001 names it (`tools:use`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Permission {
    /// Run tools, batches and pipelines; see one's own jobs.
    ToolsUse,
    /// Own library files.
    FilesOwn,
    /// Every user's library files and jobs.
    FilesAll,
    /// Own API keys.
    ApikeysOwn,
    /// Every user's API keys.
    ApikeysAll,
    /// Own saved pipelines.
    PipelinesOwn,
    /// Every user's saved pipelines.
    PipelinesAll,
    /// Read the runtime settings.
    SettingsRead,
    /// Change the runtime settings.
    SettingsWrite,
    /// Users and roles.
    UsersManage,
    /// Teams.
    TeamsManage,
    /// Feature bundles.
    FeaturesManage,
    /// Detailed health diagnostics.
    SystemHealth,
    /// The audit log and the role list.
    AuditRead,
    /// Export a user's data.
    ComplianceManage,
    /// Every user's webhooks.
    WebhooksManage,
    /// Security settings (login lockout) and unlocking accounts.
    SecurityManage,
}

/// Every permission, in seed 001's order.
pub const ALL: [Permission; 17] = [
    Permission::ToolsUse,
    Permission::FilesOwn,
    Permission::FilesAll,
    Permission::ApikeysOwn,
    Permission::ApikeysAll,
    Permission::PipelinesOwn,
    Permission::PipelinesAll,
    Permission::SettingsRead,
    Permission::SettingsWrite,
    Permission::UsersManage,
    Permission::TeamsManage,
    Permission::FeaturesManage,
    Permission::SystemHealth,
    Permission::AuditRead,
    Permission::ComplianceManage,
    Permission::WebhooksManage,
    Permission::SecurityManage,
];

impl Permission {
    /// Seed 001's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ToolsUse => "tools:use",
            Permission::FilesOwn => "files:own",
            Permission::FilesAll => "files:all",
            Permission::ApikeysOwn => "apikeys:own",
            Permission::ApikeysAll => "apikeys:all",
            Permission::PipelinesOwn => "pipelines:own",
            Permission::PipelinesAll => "pipelines:all",
            Permission::SettingsRead => "settings:read",
            Permission::SettingsWrite => "settings:write",
            Permission::UsersManage => "users:manage",
            Permission::TeamsManage => "teams:manage",
            Permission::FeaturesManage => "features:manage",
            Permission::SystemHealth => "system:health",
            Permission::AuditRead => "audit:read",
            Permission::ComplianceManage => "compliance:manage",
            Permission::WebhooksManage => "webhooks:manage",
            Permission::SecurityManage => "security:manage",
        }
    }

    /// The permission named `name`, if there is one.
    pub fn parse(name: &str) -> Option<Permission> {
        ALL.into_iter().find(|p| p.as_str() == name)
    }
}

/// A set of permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permissions(u32);

impl Permissions {
    /// No permission at all.
    pub const NONE: Permissions = Permissions(0);

    /// All 17.
    pub fn all() -> Permissions {
        Self::of(&ALL)
    }

    /// The set of `list`.
    pub fn of(list: &[Permission]) -> Permissions {
        Permissions(list.iter().fold(0, |bits, p| bits | 1 << *p as u8))
    }

    /// Whether `p` is in the set.
    pub fn has(self, p: Permission) -> bool {
        self.0 & (1 << p as u8) != 0
    }

    /// The permissions in both sets.
    pub fn intersect(self, other: Permissions) -> Permissions {
        Permissions(self.0 & other.0)
    }

    /// Whether every permission of `self` is in `other`.
    pub fn is_subset_of(self, other: Permissions) -> bool {
        self.0 & !other.0 == 0
    }

    /// The names, in seed 001's order.
    pub fn names(self) -> Vec<&'static str> {
        ALL.into_iter()
            .filter(|p| self.has(*p))
            .map(Permission::as_str)
            .collect()
    }

    /// Parses a list of names; 400 VALIDATION_ERROR naming the first unknown one.
    pub fn parse_list(value: &Value) -> Result<Permissions, String> {
        let list = value
            .as_array()
            .ok_or_else(|| "permissions must be an array of permission names".to_string())?;
        let mut found = Vec::new();
        for item in list {
            let name = item.as_str().unwrap_or_default();
            found.push(Permission::parse(name).ok_or_else(|| {
                format!(
                    "Unknown permission '{}' (known: {})",
                    item.as_str().unwrap_or("?"),
                    ALL.map(Permission::as_str).join(", ")
                )
            })?);
        }
        Ok(Permissions::of(&found))
    }

    /// The names as a JSON array.
    pub fn to_json(self) -> Value {
        json!(self.names())
    }
}

/// Id of the built-in `admin` role: all 17 permissions.
pub const ADMIN_ROLE: &str = "admin";
/// Id of the built-in `user` role.
pub const USER_ROLE: &str = "user";

/// What the built-in `user` role may do (seed 001's "User" column).
pub fn user_role_permissions() -> Permissions {
    Permissions::of(&[
        Permission::ToolsUse,
        Permission::FilesOwn,
        Permission::ApikeysOwn,
        Permission::PipelinesOwn,
        Permission::SettingsRead,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sets_work() {
        assert_eq!(ALL.len(), 17);
        for p in ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
        let user = user_role_permissions();
        assert!(user.has(Permission::ToolsUse));
        assert!(!user.has(Permission::FilesAll));
        assert!(user.is_subset_of(Permissions::all()));
        assert!(!Permissions::all().is_subset_of(user));
        assert_eq!(Permissions::all().names().len(), 17);
        assert!(Permissions::parse_list(&json!(["tools:use", "nope"])).is_err());
        assert_eq!(
            Permissions::parse_list(&json!(["audit:read"])).unwrap(),
            Permissions::of(&[Permission::AuditRead])
        );
    }
}
