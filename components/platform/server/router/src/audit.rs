//! The audit log: every security-relevant action, append-only.
//!
//! An entry is written once under a key of its own (`audit/<time>-<id>`, see
//! `lathe_store_layout::keys::audit`) and no route rewrites or deletes one, so concurrent
//! writers never lose each other's entries. `GET /api/v1/audit-log` (`audit:read`) pages
//! through them newest first, filtered by `action`, `from` and `to`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use spin_sdk::key_value::Store;

use crate::auth::Principal;
use crate::ids::{iso8601, now_ms, uuid};
use crate::layout::keys;
use crate::store::{get_json, keys_with_prefix, set_json};
use crate::{ApiError, ApiResult};

/// One entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Entry id.
    pub id: String,
    /// What happened, e.g. `LOGIN_FAILED`, `ROLE_CREATED`.
    pub action: String,
    /// Who did it (user id), when known.
    pub actor_id: Option<String>,
    /// Their user name, when known (a failed login records the name tried).
    pub actor_name: Option<String>,
    /// What it was done to: `user`, `role`, `team`, `apiKey`, `settings`, `webhook`, ...
    pub target_type: Option<String>,
    /// Its id.
    pub target_id: Option<String>,
    /// Details (never a secret).
    pub details: Value,
    /// The request's id (`X-Request-Id`).
    pub request_id: String,
    /// When (ms).
    pub created_at: u64,
}

impl Entry {
    fn public(&self) -> Value {
        json!({
            "id": self.id, "action": self.action, "actorId": self.actor_id,
            "actorName": self.actor_name, "targetType": self.target_type,
            "targetId": self.target_id, "details": self.details,
            "requestId": self.request_id, "createdAt": iso8601(self.created_at),
        })
    }
}

/// Records `action` by `actor` on `target` (`(type, id)`).
pub fn record(
    store: &Store,
    actor: Option<&Principal>,
    action: &str,
    target: Option<(&str, &str)>,
    details: Value,
) -> ApiResult<()> {
    record_as(
        store,
        actor.map(|p| (p.user.id.as_str(), p.user.username.as_str())),
        action,
        target,
        details,
    )
}

/// Like [`record`], with the actor given as `(id, name)` (a login names the user before a
/// principal exists; a failed one has only the name tried, with an empty id).
pub fn record_as(
    store: &Store,
    actor: Option<(&str, &str)>,
    action: &str,
    target: Option<(&str, &str)>,
    details: Value,
) -> ApiResult<()> {
    let entry = Entry {
        id: uuid(),
        action: action.to_string(),
        actor_id: actor.map(|a| a.0.to_string()).filter(|s| !s.is_empty()),
        actor_name: actor.map(|a| a.1.chars().take(100).collect()),
        target_type: target.map(|t| t.0.to_string()),
        target_id: target.map(|t| t.1.to_string()),
        details,
        request_id: crate::request_id::current(),
        created_at: now_ms(),
    };
    set_json(store, &keys::audit(entry.created_at, &entry.id), &entry)
}

/// `GET /api/v1/audit-log?page&limit&action&from&to`: newest first; `limit` 1–100
/// (default 50); `from`/`to` are ISO 8601 dates or times (UTC).
pub fn list(store: &Store, query: &str) -> ApiResult<Value> {
    let mut page = 1u64;
    let mut limit = 50u64;
    let (mut action, mut from, mut to) = (None, None, None);
    for (k, v) in crate::query_pairs(query) {
        match k.as_str() {
            "page" => {
                page = v
                    .parse()
                    .ok()
                    .filter(|p| *p >= 1)
                    .ok_or_else(|| ApiError::bad_request("page must be a whole number ≥ 1"))?
            }
            "limit" => {
                limit = v
                    .parse()
                    .ok()
                    .filter(|l| (1..=100).contains(l))
                    .ok_or_else(|| ApiError::bad_request("limit must be 1 to 100"))?
            }
            "action" if !v.is_empty() => action = Some(v),
            "from" => from = Some(parse_time(&v)?),
            "to" => to = Some(parse_time(&v)?),
            _ => {}
        }
    }
    let mut keys = keys_with_prefix(store, keys::AUDIT_PREFIX)?;
    keys.reverse();
    let in_range = |key: &str| {
        let at: u64 = key[keys::AUDIT_PREFIX.len()..]
            .get(..20)
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        from.is_none_or(|f| at >= f) && to.is_none_or(|t| at <= t)
    };
    let mut matching = Vec::new();
    for key in keys.iter().filter(|k| in_range(k)) {
        if let Some(entry) = get_json::<Entry>(store, key)? {
            if action.as_ref().is_none_or(|a| entry.action == *a) {
                matching.push(entry);
            }
        }
    }
    let total = matching.len() as u64;
    let entries: Vec<Value> = matching
        .iter()
        .skip(((page - 1) * limit) as usize)
        .take(limit as usize)
        .map(Entry::public)
        .collect();
    Ok(json!({
        "entries": entries, "total": total, "page": page, "limit": limit,
        "totalPages": total.div_ceil(limit),
    }))
}

/// Milliseconds since the epoch of an ISO 8601 date (`2026-12-07`) or UTC time
/// (`2026-12-07T10:00:00Z`, fractions allowed); 400 otherwise.
pub fn parse_time(text: &str) -> ApiResult<u64> {
    lathe_store_layout::parse_iso8601(text.trim()).ok_or_else(|| {
        ApiError::bad_request(format!(
            "'{text}' is not an ISO 8601 date or UTC time (e.g. 2026-12-07T10:00:00Z)"
        ))
    })
}
