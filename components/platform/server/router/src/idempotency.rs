//! `Idempotency-Key` on the POSTs that create jobs (a tool run, a batch, a retry).
//!
//! The first request with a key runs and its answer (status, headers, body) is stored under
//! `idem/<userId>/<sha256 of the key>` for 24 hours. The same key from the same user again
//! gets that answer back (`Idempotent-Replayed: true`) and creates nothing; with a different
//! request (another fingerprint) it is 422 `IDEMPOTENCY_MISMATCH`; while the first is still
//! running, 409 `IDEMPOTENCY_IN_PROGRESS`. Keys are per user: two users never share one.
//!
//! The fingerprint covers what the request means, not its bytes: path, query, settings and
//! each file's name and SHA-256, so a client resending the same files under a new multipart
//! boundary is recognised.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use spin_sdk::http::Response;
use spin_sdk::key_value::Store;

use crate::auth::Principal;
use crate::blobs::{put_file, read_file, Blobs};
use crate::ids::now_ms;
use crate::layout::FileRef;
use crate::multipart::ToolRequest;
use crate::store::{get_json, set_json};
use crate::{ApiError, ApiResult};

/// How long a key's first answer is kept.
pub const KEY_LIFETIME_MS: u64 = 24 * 3600 * 1000;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    fingerprint: String,
    /// 0 while the first request runs.
    status: u16,
    headers: Vec<(String, String)>,
    body: Option<FileRef>,
    created_at: u64,
}

/// A request's meaning as hex SHA-256: method and path, then each part as given.
pub fn fingerprint(method_and_path: &str, parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    h.update(method_and_path.as_bytes());
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    hex::encode(h.finalize())
}

/// The fingerprint of a parsed tool upload at `path` (query included).
pub fn tool_fingerprint(path_and_query: &str, request: &ToolRequest) -> String {
    let digests: Vec<[u8; 32]> = request
        .files
        .iter()
        .map(|f| Sha256::digest(&f.data).into())
        .collect();
    let mut parts: Vec<&[u8]> = vec![request.settings.as_bytes()];
    for (file, digest) in request.files.iter().zip(&digests) {
        parts.push(file.name.as_bytes());
        parts.push(digest);
    }
    fingerprint(&format!("POST {path_and_query}"), &parts)
}

/// The `Idempotency-Key` header, checked: 1–255 visible ASCII characters.
pub fn key_of(req: &spin_sdk::http::Request) -> ApiResult<Option<String>> {
    let Some(value) = req.header("idempotency-key") else {
        return Ok(None);
    };
    let key = value.as_str().unwrap_or("").trim().to_string();
    if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::new(
            400,
            "INVALID_IDEMPOTENCY_KEY",
            "Idempotency-Key must be 1-255 visible ASCII characters",
        ));
    }
    Ok(Some(key))
}

/// Runs `run` at most once per (user, key): see the module docs. Without a key it just runs.
pub fn once(
    store: &Store,
    blobs: &dyn Blobs,
    principal: &Principal,
    key: Option<String>,
    fingerprint: String,
    run: impl FnOnce() -> ApiResult<Response>,
) -> ApiResult<Response> {
    let Some(key) = key else {
        return run();
    };
    let store_key = lathe_store_layout::keys::idempotency(
        &principal.user.id,
        &hex::encode(Sha256::digest(key.as_bytes())),
    );
    if let Some(record) = get_json::<Record>(store, &store_key)? {
        if now_ms().saturating_sub(record.created_at) < KEY_LIFETIME_MS {
            return replay(blobs, &store_key, record, &fingerprint);
        }
    }
    let mut record = Record {
        fingerprint,
        status: 0,
        headers: Vec::new(),
        body: None,
        created_at: now_ms(),
    };
    set_json(store, &store_key, &record)?;
    let response = match run() {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    if *response.status() >= 500 {
        // A server-side failure is not an answer worth replaying: the client may try again.
        store.delete(&store_key)?;
        return Ok(response);
    }
    let body = response.body().to_vec();
    let prefix = format!("{store_key}/body");
    let chunks = put_file(blobs, &prefix, &body)?;
    record.status = *response.status();
    record.headers = response
        .headers()
        .filter(|(k, _)| {
            matches!(
                k.to_ascii_lowercase().as_str(),
                "content-type" | "content-disposition" | "x-job-id" | "location"
            )
        })
        .map(|(k, v)| (k.to_string(), v.as_str().unwrap_or("").to_string()))
        .collect();
    record.body = Some(FileRef {
        name: "body".into(),
        media_type: String::new(),
        size: body.len() as u64,
        chunks,
    });
    set_json(store, &store_key, &record)?;
    Ok(response)
}

fn replay(
    blobs: &dyn Blobs,
    store_key: &str,
    record: Record,
    fingerprint: &str,
) -> ApiResult<Response> {
    if record.fingerprint != fingerprint {
        return Err(ApiError::new(
            422,
            "IDEMPOTENCY_MISMATCH",
            "This Idempotency-Key was already used with a different request",
        ));
    }
    if record.status == 0 {
        return Err(ApiError::new(
            409,
            "IDEMPOTENCY_IN_PROGRESS",
            "A request with this Idempotency-Key is still being processed",
        ));
    }
    let body = match &record.body {
        Some(file) => read_file(blobs, &format!("{store_key}/body"), file)?,
        None => Vec::new(),
    };
    let mut builder = Response::builder();
    builder.status(record.status);
    for (k, v) in &record.headers {
        builder.header(k.as_str(), v.as_str());
    }
    builder.header("idempotent-replayed", "true");
    Ok(builder.body(body).build())
}
