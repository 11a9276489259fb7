//! Runtime settings (`/api/v1/settings`): a string key-value map that admins change while
//! Lathe runs, kept in one record (`config/settings`) so a tool call reads it with one get.
//!
//! Known keys (seed 001), checked on write and stored as seed 001's strings:
//! * `disabledTools`: a JSON array of tool ids (`resize` or `image/resize`); those tools'
//!   routes answer 403 `TOOL_DISABLED` and the catalog marks them `disabled`.
//! * `enableExperimentalTools`: `"true"`/`"false"` (no Lathe tool is experimental today,
//!   so it changes nothing yet; it is kept for clients that set it).
//! * `loginAttemptLimit`: failed logins of one name before it is locked for
//!   [`LOCKOUT_SECONDS`] (`0` = never); changing it needs `security:manage` as well.
//!
//! Other keys are kept as given (names of `[A-Za-z][A-Za-z0-9_.-]`, ≤ 64 characters;
//! values ≤ 8 KB of text, numbers or booleans).

use serde_json::{json, Map, Value};
use spin_sdk::key_value::Store;

use crate::auth::Principal;
use crate::layout::{keys, CatalogEntry};
use crate::permissions::Permission;
use crate::store::{get_json, update_json};
use crate::{audit, ApiError, ApiResult};

/// How long a name stays locked after `loginAttemptLimit` failures.
pub const LOCKOUT_SECONDS: u64 = 15 * 60;

/// The default of `loginAttemptLimit`.
pub const DEFAULT_LOGIN_ATTEMPT_LIMIT: u64 = 10;

const KNOWN: [(&str, &str); 3] = [
    ("disabledTools", "[]"),
    ("enableExperimentalTools", "false"),
    ("loginAttemptLimit", "10"),
];

/// The stored settings (without defaults).
fn stored(store: &Store) -> ApiResult<Map<String, Value>> {
    Ok(get_json::<Map<String, Value>>(store, keys::SETTINGS)?.unwrap_or_default())
}

/// Every setting, known keys with their defaults when unset.
pub fn all(store: &Store) -> ApiResult<Map<String, Value>> {
    let mut map: Map<String, Value> = KNOWN
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    map.extend(stored(store)?);
    Ok(map)
}

/// `GET /api/v1/settings`.
pub fn list(store: &Store) -> ApiResult<Value> {
    Ok(json!({"settings": all(store)?}))
}

/// `GET /api/v1/settings/<key>`: 404 for a key that is neither known nor set.
pub fn get(store: &Store, key: &str) -> ApiResult<Value> {
    let value = all(store)?
        .remove(key)
        .ok_or_else(|| ApiError::not_found(format!("Unknown setting '{key}'")))?;
    Ok(json!({"key": key, "value": value}))
}

fn valid_key(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && k.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// A known key's value in its stored form; 400 when it does not fit.
fn normalise(key: &str, value: &Value) -> ApiResult<Value> {
    let bad = |what: &str| Err(ApiError::bad_request(format!("{key} must be {what}")));
    match key {
        "disabledTools" => {
            let parsed = match value {
                Value::String(s) => serde_json::from_str::<Value>(s).unwrap_or(Value::Null),
                v => v.clone(),
            };
            match parsed.as_array() {
                Some(list)
                    if list
                        .iter()
                        .all(|t| t.as_str().is_some_and(|s| s.len() <= 100)) =>
                {
                    Ok(json!(parsed.to_string()))
                }
                _ => bad("a JSON array of tool ids"),
            }
        }
        "enableExperimentalTools" => match value {
            Value::Bool(b) => Ok(json!(b.to_string())),
            Value::String(s) if s == "true" || s == "false" => Ok(json!(s)),
            _ => bad("true or false"),
        },
        "loginAttemptLimit" => {
            let n = match value {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            };
            match n.filter(|n| *n <= 1000) {
                Some(n) => Ok(json!(n.to_string())),
                None => bad("a whole number from 0 to 1000 (0 = no lockout)"),
            }
        }
        _ => match value {
            Value::String(s) if s.len() <= 8192 => Ok(value.clone()),
            Value::Number(_) | Value::Bool(_) => Ok(value.clone()),
            _ => bad("text of at most 8 KB, a number or a boolean"),
        },
    }
}

/// `PUT /api/v1/settings` with `{key: value, ...}`: checks every pair first, then writes
/// them all. `loginAttemptLimit` needs `security:manage` besides `settings:write`.
pub fn update(store: &Store, principal: &Principal, body: &Value) -> ApiResult<Value> {
    let changes = body
        .as_object()
        .filter(|o| !o.is_empty())
        .ok_or_else(|| ApiError::bad_request("Body must be a JSON object of settings"))?;
    let mut normalised = Map::new();
    for (k, v) in changes {
        if !valid_key(k) {
            return Err(ApiError::bad_request(format!(
                "'{k}' is not a valid setting name"
            )));
        }
        if k == "loginAttemptLimit" {
            principal.require(Permission::SecurityManage)?;
        }
        normalised.insert(k.clone(), normalise(k, v)?);
    }
    // Compare-and-swap: two updates of different keys at once both land.
    update_json(keys::SETTINGS, |settings: &mut Map<String, Value>| {
        settings.extend(normalised.clone());
        if serde_json::to_vec(settings).map_or(0, |b| b.len()) > 64 * 1024 {
            return Err(ApiError::new(
                413,
                "PAYLOAD_TOO_LARGE",
                "Settings exceed 64 KB in all",
            ));
        }
        Ok(())
    })?;
    audit::record(
        store,
        Some(principal),
        "SETTINGS_UPDATED",
        Some(("settings", "settings")),
        Value::Object(normalised),
    )?;
    list(store)
}

/// The tools `disabledTools` names.
pub fn disabled_tools(store: &Store) -> ApiResult<Vec<String>> {
    let raw = stored(store)?
        .get("disabledTools")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_default();
    Ok(serde_json::from_str::<Vec<String>>(&raw).unwrap_or_default())
}

/// Whether `entry` is in `disabled` (by id or `section/id`).
pub fn is_disabled(disabled: &[String], entry: &CatalogEntry) -> bool {
    disabled
        .iter()
        .any(|t| *t == entry.id || *t == entry.tool_key())
}

/// 403 `TOOL_DISABLED` when an admin disabled the tool.
pub fn check_enabled(store: &Store, entry: &CatalogEntry) -> ApiResult<()> {
    if is_disabled(&disabled_tools(store)?, entry) {
        return Err(ApiError::new(
            403,
            "TOOL_DISABLED",
            format!("The tool '{}' is disabled on this server", entry.id),
        ));
    }
    Ok(())
}

/// `loginAttemptLimit` (0 = no lockout).
pub fn login_attempt_limit(store: &Store) -> ApiResult<u64> {
    Ok(stored(store)?
        .get("loginAttemptLimit")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_LOGIN_ATTEMPT_LIMIT))
}
