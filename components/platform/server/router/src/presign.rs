//! Presigned transfers (seed 003): upload a library file, or share one, through a URL that
//! needs no `Authorization` header because it carries its own signature.
//!
//! * `POST /api/v1/files/presign` `{name, mime_type, size_bytes, expires_in?}` answers
//!   `{file_id, upload_url, expires_at, method: "PUT", headers}`. The `PUT` to `upload_url`
//!   streams the body into the library as version 1 of a new chain named `file_id`, refusing
//!   (413) a body over `size_bytes`; the URL works once and until it expires.
//! * `POST /api/v1/files/<id>/share` `{expires_in?}` answers a signed `download_url` for one
//!   version that anyone holding it may `GET` until it expires.
//!
//! A signature is the installation secret's HMAC-SHA-256 of the method, the file id, the
//! declared size and the expiry, compared in constant time: changing any part of the URL
//! (another file, a longer life, more bytes) makes it invalid (403 `INVALID_SIGNATURE`);
//! an expired one is 403 `URL_EXPIRED`. `expires_in` is in seconds (default 900, at most
//! 7 days).

use futures::StreamExt;
use lathe_store_layout::{keys, LibraryFile};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use spin_sdk::http::IncomingRequest;
use spin_sdk::key_value::Store;
use subtle::ConstantTimeEq;

use crate::auth::{token_hash, Principal};
use crate::blobs::{Blobs, ChunkWriter};
use crate::ids::{iso8601, now_ms, uuid};
use crate::library::{public, record, visible};
use crate::multipart::sanitize_file_name;
use crate::store::{get_json, set_json};
use crate::{config, ApiError, ApiResult};

/// Longest life of a signed URL.
const MAX_LIFETIME_SECS: u64 = 7 * 24 * 3600;

/// A pending presigned upload (`presign/<fileId>`), deleted when used.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pending {
    user_id: String,
    name: String,
    media_type: String,
    size: u64,
    expires_at: u64,
}

fn pending_key(file_id: &str) -> String {
    format!("presign/{file_id}")
}

fn signature(store: &Store, method: &str, id: &str, size: u64, expires: u64) -> ApiResult<String> {
    token_hash(
        store,
        &format!("presigned\n{method}\n{id}\n{size}\n{expires}"),
    )
}

fn lifetime(body: &Value) -> ApiResult<u64> {
    match body.get("expires_in") {
        None | Some(Value::Null) => Ok(900),
        Some(v) => v
            .as_u64()
            .filter(|s| (1..=MAX_LIFETIME_SECS).contains(s))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "expires_in must be 1 to {MAX_LIFETIME_SECS} seconds"
                ))
            }),
    }
}

/// `POST /api/v1/files/presign`.
pub fn create(store: &Store, principal: &Principal, body: &Value) -> ApiResult<Value> {
    use crate::permissions::Permission::{FilesAll, FilesOwn};
    principal.require_any(&[FilesOwn, FilesAll])?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("name is required"))?;
    let media_type = match body.get("mime_type") {
        None | Some(Value::Null) => "application/octet-stream",
        Some(Value::String(t)) => t.as_str(),
        Some(_) => return Err(ApiError::bad_request("mime_type must be text")),
    };
    let size = body
        .get("size_bytes")
        .and_then(Value::as_u64)
        .filter(|s| *s > 0)
        .ok_or_else(|| ApiError::bad_request("size_bytes must be a positive number"))?;
    if let Some(limit) = config::max_upload_bytes() {
        if size > limit {
            return Err(ApiError::file_too_large(limit));
        }
    }
    let expires_at = now_ms() + lifetime(body)? * 1000;
    let file_id = uuid();
    let pending = Pending {
        user_id: principal.user.id.clone(),
        name: sanitize_file_name(name),
        media_type: media_type.to_string(),
        size,
        expires_at,
    };
    set_json(store, &pending_key(&file_id), &pending)?;
    let sig = signature(store, "PUT", &file_id, size, expires_at)?;
    Ok(json!({
        "file_id": file_id,
        "upload_url": format!("/api/v1/files/presigned/{file_id}?size={size}&expires={expires_at}&sig={sig}"),
        "expires_at": iso8601(expires_at),
        "method": "PUT",
        "headers": {"Content-Type": media_type},
    }))
}

/// The `size`, `expires` and `sig` of a signed URL's query.
fn signed_query(query: &str) -> ApiResult<(u64, u64, String)> {
    let (mut size, mut expires, mut sig) = (None, None, None);
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("size", v)) => size = v.parse().ok(),
            Some(("expires", v)) => expires = v.parse().ok(),
            Some(("sig", v)) => sig = Some(v.to_string()),
            _ => {}
        }
    }
    match (size, expires, sig) {
        (Some(size), Some(expires), Some(sig)) => Ok((size, expires, sig)),
        _ => Err(invalid()),
    }
}

fn invalid() -> ApiError {
    ApiError::new(
        403,
        "INVALID_SIGNATURE",
        "This URL's signature is not valid",
    )
}

fn verify(store: &Store, method: &str, id: &str, query: &str) -> ApiResult<u64> {
    let (size, expires, sig) = signed_query(query)?;
    let expected = signature(store, method, id, size, expires)?;
    if !bool::from(expected.as_bytes().ct_eq(sig.as_bytes())) {
        return Err(invalid());
    }
    if now_ms() > expires {
        return Err(ApiError::new(403, "URL_EXPIRED", "This URL has expired"));
    }
    Ok(size)
}

/// `PUT /api/v1/files/presigned/<fileId>?size&expires&sig`: streams the body into the
/// library; 201 `{file}`.
pub async fn receive(req: IncomingRequest, file_id: &str, query: &str) -> ApiResult<Value> {
    let store = crate::store::open()?;
    let declared = verify(&store, "PUT", file_id, query)?;
    let pending: Pending = get_json(&store, &pending_key(file_id))?.ok_or_else(|| {
        ApiError::new(409, "ALREADY_UPLOADED", "This upload URL was already used")
    })?;
    if pending.size != declared {
        return Err(invalid());
    }
    // One use: the pending record goes first, so a second PUT is refused even while this
    // one streams.
    store.delete(&pending_key(file_id))?;
    let blobs = crate::blobs::open()?;
    let stored = stream_into(blobs.as_ref(), req, file_id, declared).await;
    let (chunks, size) = match stored {
        Ok(v) => v,
        Err(e) => {
            crate::blobs::delete_file(
                blobs.as_ref(),
                &keys::library_blob(file_id),
                lathe_store_layout::chunk_count(declared) + 1,
            )
            .ok();
            return Err(e);
        }
    };
    let file = LibraryFile {
        id: file_id.to_string(),
        user_id: pending.user_id,
        name: pending.name,
        media_type: pending.media_type,
        size,
        chunks,
        version: 1,
        root_id: file_id.to_string(),
        previous_id: None,
        source_job: None,
        created_at: now_ms(),
    };
    record(&store, &file)?;
    Ok(json!({"file": public(&file)}))
}

async fn stream_into(
    blobs: &dyn Blobs,
    req: IncomingRequest,
    file_id: &str,
    limit: u64,
) -> ApiResult<(u32, u64)> {
    let mut writer = ChunkWriter::new(blobs, keys::library_blob(file_id));
    let mut body = req.into_body_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request(format!(
                "Could not read the upload: {}",
                e.to_debug_string()
            ))
        })?;
        if writer.size() + chunk.len() as u64 > limit {
            return Err(ApiError::new(
                413,
                "UPLOAD_TOO_LARGE",
                format!("The body is larger than the {limit} bytes this URL was signed for"),
            ));
        }
        writer.write(&chunk)?;
    }
    if writer.size() == 0 {
        return Err(ApiError::new(400, "EMPTY_FILE", "The upload is empty"));
    }
    writer.finish()
}

/// `POST /api/v1/files/<id>/share` `{expires_in?}`: a signed download URL for one version.
pub fn share(store: &Store, principal: &Principal, id: &str, body: &Value) -> ApiResult<Value> {
    let file = visible(store, principal, id)?;
    let expires_at = now_ms() + lifetime(body)? * 1000;
    let sig = signature(store, "GET", &file.id, file.size, expires_at)?;
    Ok(json!({
        "download_url": format!(
            "/api/v1/files/{}/download?size={}&expires={expires_at}&sig={sig}",
            file.id, file.size
        ),
        "expires_at": iso8601(expires_at),
    }))
}

/// The file of a signed download URL (`GET /api/v1/files/<id>/download?...&sig=`).
pub fn signed_download(store: &Store, id: &str, query: &str) -> ApiResult<LibraryFile> {
    let size = verify(store, "GET", id, query)?;
    let file: LibraryFile = get_json(store, &keys::library_file(id))?
        .ok_or_else(|| ApiError::new(404, "FILE_NOT_FOUND", "File not found"))?;
    if file.size != size {
        return Err(invalid());
    }
    Ok(file)
}

/// Whether a query carries a signature (then it is checked instead of a credential).
pub fn is_signed(query: &str) -> bool {
    query.split('&').any(|p| p.starts_with("sig="))
}
