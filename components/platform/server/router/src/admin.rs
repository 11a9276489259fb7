//! Admin diagnostics, analytics configuration and feature bundles.
//!
//! * `GET /api/v1/admin/health` (`system:health`): store, queue depth, the native workers
//!   seen in the last 30 s (their heartbeats, `worker/<id>`), uptime and GPU presence.
//! * `GET /api/v1/config/analytics`: Lathe sends no analytics, so every value is empty.
//! * `PUT /api/v1/user/analytics`: a user's consent (`enabled`) or `remindLater`, kept
//!   with the user (and changing nothing, as nothing is sent).
//! * `/api/v1/features`: seed 001's AI bundles. Lathe ships no model bundle in this build,
//!   so each is listed as not available; installing one answers 409
//!   `FEATURE_NOT_AVAILABLE` (models come from packages at build time, never a download at
//!   run time); an unknown bundle is 404.

use lathe_store_layout::{keys, WorkerBeat};
use serde_json::{json, Value};
use spin_sdk::key_value::Store;

use crate::auth::{save_user, Principal};
use crate::ids::{iso8601, now_ms};
use crate::store::{get_json, keys_with_prefix};
use crate::{audit, ApiError, ApiResult};

/// A worker whose last heartbeat is older than this is not listed.
const WORKER_STALE_MS: u64 = 30_000;

/// `GET /api/v1/admin/health`.
pub fn health(store: &Store) -> ApiResult<Value> {
    let store_ok = store.exists(keys::BOOTSTRAPPED).is_ok();
    let queued = keys_with_prefix(store, keys::QUEUE_PREFIX)?.len();
    let now = now_ms();
    let mut workers = Vec::new();
    for key in keys_with_prefix(store, keys::WORKER_PREFIX)? {
        if let Some(w) = get_json::<WorkerBeat>(store, &key)? {
            if now.saturating_sub(w.last_seen_at) <= WORKER_STALE_MS {
                workers.push(w);
            }
        }
    }
    let started = workers.iter().map(|w| w.started_at).min();
    let gpu = workers.iter().any(|w| w.gpu);
    let listed: Vec<Value> = workers
        .iter()
        .map(|w| {
            json!({
                "id": w.id, "threads": w.threads, "gpu": w.gpu, "version": w.version,
                "startedAt": iso8601(w.started_at), "lastSeenAt": iso8601(w.last_seen_at),
            })
        })
        .collect();
    Ok(json!({
        "status": if store_ok { "healthy" } else { "unhealthy" },
        "version": crate::api::VERSION,
        "uptimeSeconds": started.map(|s| now.saturating_sub(s) / 1000),
        "storage": {"mode": "key-value", "status": if store_ok { "ok" } else { "error" }},
        "database": {"status": if store_ok { "ok" } else { "error" }},
        "queue": {"depth": queued},
        "workers": listed,
        "gpu": {"available": gpu},
    }))
}

/// `GET /api/v1/config/analytics`.
pub fn analytics_config() -> Value {
    json!({
        "enabled": false, "posthogKey": "", "posthogHost": "", "sentryDsn": "",
        "sampleRate": 0,
    })
}

/// `PUT /api/v1/user/analytics` `{enabled: bool}` or `{remindLater: true}`.
pub fn analytics_consent(store: &Store, principal: &Principal, body: &Value) -> ApiResult<Value> {
    let bad = || ApiError::bad_request("Send {\"enabled\": true|false} or {\"remindLater\": true}");
    let remind = match body.get("remindLater") {
        None => false,
        Some(Value::Bool(true)) => true,
        Some(_) => return Err(bad()),
    };
    let consent = match body.get("enabled") {
        Some(Value::Bool(e)) => json!({"enabled": e, "decidedAt": iso8601(now_ms())}),
        None if remind => json!({"enabled": null, "remindLater": true}),
        _ => return Err(bad()),
    };
    let mut user = principal.user.clone();
    user.analytics = Some(consent.clone());
    save_user(store, &user)?;
    Ok(json!({"success": true, "analytics": consent}))
}

/// Seed 001's bundles: id, name, the tools they would serve.
const BUNDLES: [(&str, &str); 7] = [
    ("background-removal", "Background removal"),
    ("face-detection", "Face detection"),
    ("object-eraser-colorize", "Object eraser and colorize"),
    ("upscale-enhance", "Upscale and enhance"),
    ("photo-restoration", "Photo restoration"),
    ("ocr", "OCR"),
    ("transcription", "Transcription"),
];

fn bundle(id: &str) -> ApiResult<(&'static str, &'static str)> {
    BUNDLES
        .into_iter()
        .find(|(b, _)| *b == id)
        .ok_or_else(|| ApiError::not_found(format!("Unknown feature bundle '{id}'")))
}

/// `GET /api/v1/features`.
pub fn features(_store: &Store) -> ApiResult<Value> {
    let list: Vec<Value> = BUNDLES
        .iter()
        .map(|(id, name)| {
            json!({
                "id": id, "name": name, "installed": false, "available": false,
                "status": "not-available", "sizeBytes": 0,
            })
        })
        .collect();
    Ok(json!({"features": list}))
}

/// `GET /api/v1/admin/features/disk-usage`.
pub fn features_disk_usage(_store: &Store) -> ApiResult<Value> {
    Ok(json!({"totalBytes": 0, "bundles": []}))
}

/// `POST /api/v1/admin/features/<bundle>/install|uninstall`.
pub fn feature_action(
    store: &Store,
    principal: &Principal,
    id: &str,
    action: &str,
) -> ApiResult<Value> {
    let (id, name) = bundle(id)?;
    match action {
        "install" => {
            audit::record(
                store,
                Some(principal),
                "FEATURE_INSTALL_REFUSED",
                Some(("feature", id)),
                json!({}),
            )?;
            Err(ApiError::new(
                409,
                "FEATURE_NOT_AVAILABLE",
                format!("'{name}' is not part of this Lathe build"),
            ))
        }
        // Nothing is installed, so uninstalling is done already.
        "uninstall" => Ok(json!({"success": true, "id": id, "installed": false})),
        _ => Err(ApiError::not_found("Not found")),
    }
}
