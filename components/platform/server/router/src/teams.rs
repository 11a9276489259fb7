//! Teams (`/api/v1/teams`, `teams:manage`): named groups of users. The default team always
//! exists (every user without a team is in it); it can be renamed but not deleted; neither can a team
//! with members.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use spin_sdk::key_value::Store;

use crate::auth::{list_users, Principal};
use crate::ids::{is_uuid, iso8601, now_ms, uuid};
use crate::layout::keys;
use crate::store::{get_json, keys_with_prefix, set_json};
use crate::{audit, ApiError, ApiResult};

/// Id of the default team.
pub const DEFAULT_TEAM: &str = "default";

/// A team.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    /// Id (`default` or a UUID).
    pub id: String,
    /// Unique name (case-insensitive).
    pub name: String,
    /// Creation time (ms; 0 for the default team).
    pub created_at: u64,
}

impl Team {
    fn public(&self, members: usize) -> Value {
        json!({
            "id": self.id, "name": self.name, "isDefault": self.id == DEFAULT_TEAM,
            "memberCount": members,
            "createdAt": (self.created_at > 0).then(|| iso8601(self.created_at)),
        })
    }
}

fn default_team() -> Team {
    Team {
        id: DEFAULT_TEAM.into(),
        name: "Default".into(),
        created_at: 0,
    }
}

/// Team `id`, if it exists.
pub fn get(store: &Store, id: &str) -> ApiResult<Option<Team>> {
    if id == DEFAULT_TEAM {
        // Stored only once renamed.
        return Ok(Some(
            get_json(store, &keys::team(id))?.unwrap_or_else(default_team),
        ));
    }
    if !is_uuid(id) {
        return Ok(None);
    }
    get_json(store, &keys::team(id))
}

fn all(store: &Store) -> ApiResult<Vec<Team>> {
    let mut teams = Vec::new();
    for key in keys_with_prefix(store, keys::TEAM_PREFIX)? {
        if key != keys::team(DEFAULT_TEAM) {
            if let Some(t) = get_json::<Team>(store, &key)? {
                teams.push(t);
            }
        }
    }
    teams.sort_by_key(|t| t.created_at);
    teams.insert(0, get(store, DEFAULT_TEAM)?.unwrap_or_else(default_team));
    Ok(teams)
}

fn members(store: &Store, id: &str) -> ApiResult<usize> {
    Ok(list_users(store)?.iter().filter(|u| u.team() == id).count())
}

/// `GET /api/v1/teams`.
pub fn list(store: &Store) -> ApiResult<Value> {
    let users = list_users(store)?;
    let teams: Vec<Value> = all(store)?
        .iter()
        .map(|t| t.public(users.iter().filter(|u| u.team() == t.id).count()))
        .collect();
    Ok(json!({"teams": teams}))
}

fn name_of(body: &Value) -> ApiResult<String> {
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default();
    let valid = (1..=50).contains(&name.chars().count()) && name.chars().all(|c| !c.is_control());
    if !valid {
        return Err(ApiError::bad_request("name must be 1-50 characters"));
    }
    Ok(name.to_string())
}

fn check_name_free(store: &Store, name: &str, except: Option<&str>) -> ApiResult<()> {
    if all(store)?
        .iter()
        .any(|t| t.name.eq_ignore_ascii_case(name) && Some(t.id.as_str()) != except)
    {
        return Err(ApiError::new(
            409,
            "CONFLICT",
            "A team with that name already exists",
        ));
    }
    Ok(())
}

/// `POST /api/v1/teams` `{name}` → 201.
pub fn create(store: &Store, principal: &Principal, body: &Value) -> ApiResult<Value> {
    let name = name_of(body)?;
    check_name_free(store, &name, None)?;
    let team = Team {
        id: uuid(),
        name,
        created_at: now_ms(),
    };
    set_json(store, &keys::team(&team.id), &team)?;
    audit::record(
        store,
        Some(principal),
        "TEAM_CREATED",
        Some(("team", &team.id)),
        json!({"name": team.name}),
    )?;
    Ok(json!({"team": team.public(0)}))
}

/// `PUT /api/v1/teams/<id>` `{name}`: renames a team (the default team too).
pub fn rename(store: &Store, principal: &Principal, id: &str, body: &Value) -> ApiResult<Value> {
    let mut team = get(store, id)?.ok_or_else(|| ApiError::not_found("Team not found"))?;
    let name = name_of(body)?;
    check_name_free(store, &name, Some(id))?;
    let old = std::mem::replace(&mut team.name, name);
    set_json(store, &keys::team(&team.id), &team)?;
    audit::record(
        store,
        Some(principal),
        "TEAM_UPDATED",
        Some(("team", &team.id)),
        json!({"from": old, "to": team.name}),
    )?;
    Ok(json!({"team": team.public(members(store, &team.id)?)}))
}

/// `DELETE /api/v1/teams/<id>`: 409 for the default team or a team with members.
pub fn delete(store: &Store, principal: &Principal, id: &str) -> ApiResult<Value> {
    let team = get(store, id)?.ok_or_else(|| ApiError::not_found("Team not found"))?;
    if team.id == DEFAULT_TEAM {
        return Err(ApiError::new(
            409,
            "DEFAULT_TEAM",
            "The default team cannot be deleted",
        ));
    }
    let count = members(store, &team.id)?;
    if count > 0 {
        return Err(ApiError::new(
            409,
            "TEAM_HAS_MEMBERS",
            format!("The team still has {count} member(s); move them first"),
        ));
    }
    store.delete(&keys::team(&team.id))?;
    audit::record(
        store,
        Some(principal),
        "TEAM_DELETED",
        Some(("team", &team.id)),
        json!({"name": team.name}),
    )?;
    Ok(json!({"success": true}))
}
