//! Roles: the built-in `admin` and `user` (immutable) and custom roles
//! (`/api/v1/roles`), each a name, a description and a set of permissions.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use spin_sdk::key_value::Store;

use crate::auth::{list_users, save_user, Principal};
use crate::ids::{iso8601, now_ms, uuid};
use crate::layout::keys;
use crate::permissions::{user_role_permissions, Permissions, ADMIN_ROLE, USER_ROLE};
use crate::store::{get_json, keys_with_prefix, set_json};
use crate::{audit, ApiError, ApiResult};

/// A custom role as stored (`role/<id>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredRole {
    id: String,
    name: String,
    description: String,
    permissions: Vec<String>,
    created_at: u64,
}

/// A role, built in or custom.
#[derive(Debug, Clone)]
pub struct Role {
    /// Id (`admin`, `user` or a UUID).
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Description.
    pub description: String,
    /// What it grants.
    pub permissions: Permissions,
    /// Built in (cannot be changed or deleted).
    pub builtin: bool,
    /// Creation time (ms; 0 for built-in roles).
    pub created_at: u64,
}

impl Role {
    fn public(&self, users: usize) -> Value {
        json!({
            "id": self.id, "name": self.name, "description": self.description,
            "permissions": self.permissions.to_json(), "builtin": self.builtin,
            "isBuiltin": self.builtin, "userCount": users,
            "createdAt": (self.created_at > 0).then(|| iso8601(self.created_at)),
        })
    }
}

fn builtin(id: &str) -> Option<Role> {
    let (name, description, permissions) = match id {
        ADMIN_ROLE => ("admin", "Every permission", Permissions::all()),
        USER_ROLE => (
            "user",
            "Use tools; own files, pipelines and API keys; read settings",
            user_role_permissions(),
        ),
        _ => return None,
    };
    Some(Role {
        id: id.to_string(),
        name: name.to_string(),
        description: description.to_string(),
        permissions,
        builtin: true,
        created_at: 0,
    })
}

fn from_stored(r: StoredRole) -> Role {
    let list: Vec<_> = r
        .permissions
        .iter()
        .filter_map(|n| crate::permissions::Permission::parse(n))
        .collect();
    Role {
        id: r.id,
        name: r.name,
        description: r.description,
        permissions: Permissions::of(&list),
        builtin: false,
        created_at: r.created_at,
    }
}

/// The role `id`, if it exists.
pub fn get(store: &Store, id: &str) -> ApiResult<Option<Role>> {
    if let Some(role) = builtin(id) {
        return Ok(Some(role));
    }
    if !crate::ids::is_uuid(id) {
        return Ok(None);
    }
    Ok(get_json::<StoredRole>(store, &keys::role(id))?.map(from_stored))
}

/// What a user of role `id` may do; a role that no longer exists grants what `user` does.
pub fn permissions_of(store: &Store, id: &str) -> ApiResult<Permissions> {
    Ok(get(store, id)?.map_or_else(user_role_permissions, |r| r.permissions))
}

/// Every role, built-in first, then custom by creation.
pub fn all(store: &Store) -> ApiResult<Vec<Role>> {
    let mut roles: Vec<Role> = [ADMIN_ROLE, USER_ROLE]
        .iter()
        .filter_map(|id| builtin(id))
        .collect();
    let mut custom = Vec::new();
    for key in keys_with_prefix(store, keys::ROLE_PREFIX)? {
        if let Some(r) = get_json::<StoredRole>(store, &key)? {
            custom.push(from_stored(r));
        }
    }
    custom.sort_by_key(|r| r.created_at);
    roles.extend(custom);
    Ok(roles)
}

/// `GET /api/v1/roles`: every role with its user count.
pub fn list(store: &Store) -> ApiResult<Value> {
    let users = list_users(store)?;
    let roles: Vec<Value> = all(store)?
        .iter()
        .map(|r| r.public(users.iter().filter(|u| u.role == r.id).count()))
        .collect();
    Ok(json!({"roles": roles}))
}

struct RoleInput {
    name: Option<String>,
    description: Option<String>,
    permissions: Option<Permissions>,
}

fn input(body: &Value) -> ApiResult<RoleInput> {
    let obj = body
        .as_object()
        .ok_or_else(|| ApiError::bad_request("Body must be a JSON object"))?;
    let name = match obj.get("name") {
        None => None,
        Some(v) => {
            let n = v.as_str().map(str::trim).unwrap_or_default();
            let valid = (1..=50).contains(&n.chars().count())
                && n.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.'));
            if !valid {
                return Err(ApiError::bad_request(
                    "name must be 1-50 letters, digits, spaces, '_', '-' or '.'",
                ));
            }
            Some(n.to_string())
        }
    };
    let description = match obj.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(d)) if d.chars().count() <= 500 => Some(d.clone()),
        Some(_) => {
            return Err(ApiError::bad_request(
                "description must be text of at most 500 characters",
            ))
        }
    };
    let permissions = match obj.get("permissions") {
        None => None,
        Some(v) => Some(Permissions::parse_list(v).map_err(ApiError::bad_request)?),
    };
    Ok(RoleInput {
        name,
        description,
        permissions,
    })
}

fn check_name_free(store: &Store, name: &str, except: Option<&str>) -> ApiResult<()> {
    let taken = all(store)?
        .iter()
        .any(|r| r.name.eq_ignore_ascii_case(name) && Some(r.id.as_str()) != except);
    if taken {
        return Err(ApiError::new(
            409,
            "CONFLICT",
            "A role with that name already exists",
        ));
    }
    Ok(())
}

/// A principal may hand out only permissions it holds itself (403 ESCALATION_DENIED).
pub fn check_escalation(principal: &Principal, granted: Permissions) -> ApiResult<()> {
    if granted.is_subset_of(principal.permissions) {
        Ok(())
    } else {
        Err(ApiError::new(
            403,
            "ESCALATION_DENIED",
            "You cannot grant permissions you do not hold",
        ))
    }
}

fn store_role(store: &Store, role: &Role) -> ApiResult<()> {
    set_json(
        store,
        &keys::role(&role.id),
        &StoredRole {
            id: role.id.clone(),
            name: role.name.clone(),
            description: role.description.clone(),
            permissions: role
                .permissions
                .names()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            created_at: role.created_at,
        },
    )
}

/// `POST /api/v1/roles` `{name, description?, permissions}` → 201.
pub fn create(store: &Store, principal: &Principal, body: &Value) -> ApiResult<Value> {
    let input = input(body)?;
    let name = input
        .name
        .ok_or_else(|| ApiError::bad_request("name is required"))?;
    let permissions = input
        .permissions
        .ok_or_else(|| ApiError::bad_request("permissions is required (an array)"))?;
    check_name_free(store, &name, None)?;
    check_escalation(principal, permissions)?;
    let role = Role {
        id: uuid(),
        name,
        description: input.description.unwrap_or_default(),
        permissions,
        builtin: false,
        created_at: now_ms(),
    };
    store_role(store, &role)?;
    audit::record(
        store,
        Some(principal),
        "ROLE_CREATED",
        Some(("role", &role.id)),
        json!({"name": role.name, "permissions": role.permissions.to_json()}),
    )?;
    Ok(json!({"role": role.public(0)}))
}

fn custom(store: &Store, id: &str) -> ApiResult<Role> {
    let role = get(store, id)?.ok_or_else(|| ApiError::not_found("Role not found"))?;
    if role.builtin {
        return Err(ApiError::new(
            403,
            "BUILTIN_ROLE",
            "Built-in roles cannot be changed or deleted",
        ));
    }
    Ok(role)
}

/// `PUT /api/v1/roles/<id>` `{name?, description?, permissions?}`.
pub fn update(store: &Store, principal: &Principal, id: &str, body: &Value) -> ApiResult<Value> {
    let mut role = custom(store, id)?;
    let input = input(body)?;
    if let Some(name) = input.name {
        check_name_free(store, &name, Some(id))?;
        role.name = name;
    }
    if let Some(d) = input.description {
        role.description = d;
    }
    if let Some(p) = input.permissions {
        check_escalation(principal, p)?;
        role.permissions = p;
    }
    store_role(store, &role)?;
    audit::record(
        store,
        Some(principal),
        "ROLE_UPDATED",
        Some(("role", &role.id)),
        json!({"name": role.name, "permissions": role.permissions.to_json()}),
    )?;
    let users = list_users(store)?
        .iter()
        .filter(|u| u.role == role.id)
        .count();
    Ok(json!({"role": role.public(users)}))
}

/// `DELETE /api/v1/roles/<id>`: its users move to `user`.
pub fn delete(store: &Store, principal: &Principal, id: &str) -> ApiResult<Value> {
    let role = custom(store, id)?;
    let mut moved = 0;
    for mut user in list_users(store)?.into_iter().filter(|u| u.role == role.id) {
        user.role = USER_ROLE.to_string();
        save_user(store, &user)?;
        moved += 1;
    }
    store.delete(&keys::role(&role.id))?;
    audit::record(
        store,
        Some(principal),
        "ROLE_DELETED",
        Some(("role", &role.id)),
        json!({"name": role.name, "usersMovedToUser": moved}),
    )?;
    Ok(json!({"success": true, "usersMoved": moved}))
}
