//! Webhooks (seed 000's `run.completed` / `run.failed`, signed as seed 003 promises).
//!
//! A user's webhooks are one record, `webhooks/<userId>` ([`Webhooks`]), so that finishing a
//! job costs one read to learn whether anyone listens. Whoever writes a top-level job's
//! result (the gateways and `api` through [`crate::jobs`], the host's worker) then writes
//! the marker `webhook-due/<jobId>` ([`WebhookDue`]); the host's deliverer signs and POSTs
//! each delivery, retrying with backoff (see `host/src/webhooks.rs`).
//!
//! Target URLs are checked here on their literal host (no `localhost`, no loopback, private,
//! link-local, CGNAT, multicast or metadata address) unless the variable
//! `webhook_allow_private_targets` is true; the deliverer checks every resolved address
//! again, so a public name that points inside is refused too. Metadata addresses are
//! refused whatever the variable says.
//!
//! Create and delete read, change and write the user's record: two concurrent changes of one
//! user's webhooks can lose one (the Spin key-value interface has no atomic update); a user
//! changing their own webhooks at once is the only way to get there.

use lathe_store_layout::keys;
use lathe_store_layout::webhook::{
    parse_target, TargetError, Webhook, WebhookDue, Webhooks, EVENTS, MAX_PER_USER, SECRET_PREFIX,
};
use serde_json::{json, Value};
use spin_sdk::key_value::Store;

use crate::auth::Principal;
use crate::ids::{is_uuid, now_ms, random_bytes, uuid};
use crate::permissions::Permission;
use crate::store::{get_json, keys_with_prefix, set_json, update_json};
use crate::{ApiError, ApiResult};

/// Prefix of every user's webhook record (`webhooks/<userId>`).
fn records_prefix() -> String {
    keys::webhooks("")
}

/// Whether the variable `webhook_allow_private_targets` is on (for local receivers in
/// development and tests).
pub fn allow_private_targets() -> bool {
    matches!(
        crate::config::get("webhook_allow_private_targets", "false")
            .trim()
            .to_ascii_lowercase()
            .as_str(),
        "true" | "1" | "yes" | "on"
    )
}

fn record_of(store: &Store, user_id: &str) -> ApiResult<Webhooks> {
    Ok(get_json(store, &keys::webhooks(user_id))?.unwrap_or_default())
}

/// The subscribed events of a create body: `events` (default both), each known, no
/// duplicates kept.
fn events_of(body: &Value) -> ApiResult<Vec<String>> {
    let list = match body.get("events") {
        None | Some(Value::Null) => return Ok(EVENTS.iter().map(|e| e.to_string()).collect()),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(ApiError::bad_request(
                "events must be an array of event names",
            ))
        }
    };
    if list.is_empty() {
        return Err(ApiError::bad_request(format!(
            "events must name at least one event ({})",
            EVENTS.join(", ")
        )));
    }
    let mut events: Vec<String> = Vec::new();
    for item in list {
        match item.as_str().filter(|e| EVENTS.contains(e)) {
            Some(e) if !events.iter().any(|x| x == e) => events.push(e.to_string()),
            Some(_) => {}
            None => {
                return Err(ApiError::bad_request(format!(
                    "Unknown event {item} (known: {})",
                    EVENTS.join(", ")
                )))
            }
        }
    }
    Ok(events)
}

/// `POST /api/v1/webhooks` `{url, events?}`: registers a webhook of the caller and answers
/// `{id, url, events, createdAt, secret}`; the secret is shown only here.
pub fn create(store: &Store, principal: &Principal, body: &Value) -> ApiResult<Value> {
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "The body must be a JSON object {\"url\", \"events\"}",
        ));
    }
    let url = match body.get("url") {
        None | Some(Value::Null) => return Err(ApiError::bad_request("url is required")),
        Some(Value::String(url)) => url.trim(),
        Some(_) => return Err(ApiError::bad_request("url must be a string")),
    };
    let target = parse_target(url).map_err(|e| match e {
        TargetError::Invalid(m) => ApiError::bad_request(m),
        TargetError::Forbidden(m) => ApiError::new(400, "WEBHOOK_TARGET_FORBIDDEN", m),
    })?;
    target
        .check(allow_private_targets())
        .map_err(|e| ApiError::new(400, "WEBHOOK_TARGET_FORBIDDEN", e.to_string()))?;
    let events = events_of(body)?;
    let hook = Webhook {
        id: uuid(),
        url: url.to_string(),
        events,
        created_at: now_ms(),
        secret: format!("{SECRET_PREFIX}{}", hex::encode(random_bytes(32))),
    };
    // Compare-and-swap: two creates at once both land, and the limit holds for both.
    update_json(
        &keys::webhooks(&principal.user.id),
        |hooks: &mut Webhooks| {
            if hooks.webhooks.len() >= MAX_PER_USER {
                return Err(ApiError::new(
                    409,
                    "WEBHOOK_LIMIT",
                    format!("A user may have at most {MAX_PER_USER} webhooks; delete one first"),
                ));
            }
            hooks.webhooks.push(hook.clone());
            Ok(())
        },
    )?;
    crate::audit::record(
        store,
        Some(principal),
        "WEBHOOK_CREATED",
        Some(("webhook", &hook.id)),
        json!({"url": hook.url, "events": hook.events}),
    )?;
    let mut answer = hook.public();
    answer["secret"] = json!(hook.secret);
    Ok(answer)
}

/// `GET /api/v1/webhooks[?all=true]`: the caller's webhooks (never their secrets); with
/// `all=true` every user's, each with its `userId` (`webhooks:manage`, else 403).
pub fn list(store: &Store, principal: &Principal, query: &str) -> ApiResult<Value> {
    let all = crate::query_pairs(query)
        .iter()
        .any(|(k, v)| k == "all" && matches!(v.as_str(), "true" | "1"));
    let mut listed = Vec::new();
    if all {
        principal.require(Permission::WebhooksManage)?;
        let prefix = records_prefix();
        for key in keys_with_prefix(store, &prefix)? {
            let user_id = &key[prefix.len()..];
            let hooks: Webhooks = get_json(store, &key)?.unwrap_or_default();
            for hook in &hooks.webhooks {
                let mut item = hook.public();
                item["userId"] = json!(user_id);
                listed.push(item);
            }
        }
    } else {
        let hooks = record_of(store, &principal.user.id)?;
        listed.extend(hooks.webhooks.iter().map(Webhook::public));
    }
    Ok(json!({"total": listed.len(), "webhooks": listed}))
}

/// `DELETE /api/v1/webhooks/<id>`: deletes one of the caller's webhooks, or anyone's with
/// `webhooks:manage`; 404 otherwise (another user's webhook is not confirmed). Deliveries
/// still pending for it are dropped at their next attempt.
pub fn delete(store: &Store, principal: &Principal, id: &str) -> ApiResult<Value> {
    let not_found = || ApiError::not_found("Webhook not found");
    if !is_uuid(id) {
        return Err(not_found());
    }
    let mut owner = principal.user.id.clone();
    if !record_of(store, &owner)?
        .webhooks
        .iter()
        .any(|h| h.id == id)
    {
        if !principal.can(Permission::WebhooksManage) {
            return Err(not_found());
        }
        let prefix = records_prefix();
        let mut found = None;
        for key in keys_with_prefix(store, &prefix)? {
            let theirs: Webhooks = get_json(store, &key)?.unwrap_or_default();
            if theirs.webhooks.iter().any(|h| h.id == id) {
                found = Some(key[prefix.len()..].to_string());
                break;
            }
        }
        owner = found.ok_or_else(not_found)?;
    }
    let removed = update_json(&keys::webhooks(&owner), |hooks: &mut Webhooks| {
        let position = hooks
            .webhooks
            .iter()
            .position(|h| h.id == id)
            .ok_or_else(not_found)?;
        Ok(hooks.webhooks.remove(position))
    })?;
    crate::audit::record(
        store,
        Some(principal),
        "WEBHOOK_DELETED",
        Some(("webhook", &removed.id)),
        json!({"url": removed.url, "userId": owner}),
    )?;
    Ok(json!({"success": true, "id": removed.id}))
}

/// Deletes every webhook of `user_id` (a deleted account).
pub fn delete_all_of(store: &Store, user_id: &str) -> ApiResult<()> {
    Ok(store.delete(&keys::webhooks(user_id))?)
}

/// The webhooks of `user_id` without their secrets (a data export).
pub fn public_of(store: &Store, user_id: &str) -> ApiResult<Value> {
    let hooks = record_of(store, user_id)?;
    Ok(Value::Array(
        hooks.webhooks.iter().map(Webhook::public).collect(),
    ))
}

/// After `job`'s result was written: queues its webhook deliveries (`webhook-due/<jobId>`)
/// when it is a top-level job whose owner has a webhook subscribed to the outcome's event.
/// One read when nobody listens. A failure here is logged, never the job's: its result is
/// already stored.
pub fn queue_deliveries(
    store: &Store,
    job: &lathe_store_layout::Job,
    result: &lathe_store_layout::JobResult,
) {
    if job.parent.is_some() {
        return;
    }
    let queued = (|| -> ApiResult<()> {
        let hooks: Webhooks = get_json(store, &keys::webhooks(&job.user_id))?.unwrap_or_default();
        if let Some(due) = WebhookDue::new(job, result, &hooks, now_ms(), uuid) {
            set_json(store, &keys::webhook_due(&job.id), &due)?;
        }
        Ok(())
    })();
    if let Err(e) = queued {
        eprintln!(
            "lathe-router: job {}: queueing webhook deliveries failed: {}",
            job.id, e.message
        );
    }
}
