//! Receiving an upload as a stream: each file goes into the blob store chunk by chunk while
//! it arrives (at `lathe_store_layout::keys::input`), so a large upload is never held in
//! memory. Used by
//! the stream gateway; the same fields and errors as [`crate::multipart::parse`].

use futures::StreamExt;
use lathe_store_layout::{keys, FileRef};
use spin_sdk::http::{IncomingRequest, Request};

use crate::blobs::{Blobs, ChunkWriter};
use crate::multipart::{sanitize_file_name, MAX_SETTINGS_BYTES};
use crate::{ApiError, ApiResult};

/// An upload whose files are in the store.
pub struct StoredRequest {
    /// The files, in order (`chunks` under `keys::input(job, n)`).
    pub files: Vec<FileRef>,
    /// The settings JSON text (`{}` when absent).
    pub settings: String,
}

/// The request's method, URI and headers without its body (for authentication and routing
/// while the body is still streaming).
pub fn head_of(req: &IncomingRequest) -> Request {
    Request::builder()
        .method(req.method())
        .uri(req.uri())
        .headers(req.headers())
        .body(Vec::new())
        .build()
}

fn multipart_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("Failed to parse multipart request: {e}"))
}

/// Reads the body of `req` (multipart or JSON), storing files under job `job_id` as they
/// arrive; refuses more than `limit` bytes in all (413) as soon as it is passed.
pub async fn receive(
    blobs: &dyn Blobs,
    req: IncomingRequest,
    job_id: &str,
    limit: Option<u64>,
) -> ApiResult<StoredRequest> {
    receive_into(blobs, req, limit, &|n| keys::input(job_id, n)).await
}

/// Like [`receive`], storing file `n` under the blob prefix `prefix_of(n)`.
pub async fn receive_into(
    blobs: &dyn Blobs,
    req: IncomingRequest,
    limit: Option<u64>,
    prefix_of: &dyn Fn(usize) -> String,
) -> ApiResult<StoredRequest> {
    let head = head_of(&req);
    let ct = head
        .header("content-type")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    let body = req.into_body_stream().map(|chunk| {
        chunk
            .map(bytes::Bytes::from)
            .map_err(|e| std::io::Error::other(e.to_debug_string()))
    });
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        // A JSON body (settings only) is small: read it whole, up to the settings limit.
        let mut data = Vec::new();
        futures::pin_mut!(body);
        while let Some(chunk) = body.next().await {
            data.extend_from_slice(&chunk.map_err(multipart_error)?);
            if data.len() > MAX_SETTINGS_BYTES {
                return Err(ApiError::bad_request(
                    "Settings payload too large (max 64KB)",
                ));
            }
        }
        let parsed = crate::multipart::parse(
            &Request::builder()
                .method(head.method().clone())
                .uri(head.uri())
                .header("content-type", ct.as_str())
                .body(data)
                .build(),
        )?;
        return Ok(StoredRequest {
            files: Vec::new(),
            settings: parsed.settings,
        });
    }
    let boundary = multer::parse_boundary(&ct).map_err(multipart_error)?;
    let mut multipart = multer::Multipart::new(body, boundary);
    let mut out = StoredRequest {
        files: Vec::new(),
        settings: "{}".to_string(),
    };
    let mut total = 0u64;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        let media_type = field
            .content_type()
            .map(|m| m.to_string())
            .unwrap_or_else(|| "application/octet-stream".into());
        match field.file_name().map(sanitize_file_name) {
            Some(file_name) => {
                let mut writer = ChunkWriter::new(blobs, prefix_of(out.files.len()));
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    total += chunk.len() as u64;
                    if limit.is_some_and(|l| total > l) {
                        return Err(ApiError::file_too_large(limit.unwrap_or(0)));
                    }
                    writer.write(&chunk)?;
                }
                let (chunks, size) = writer.finish()?;
                out.files.push(FileRef {
                    name: file_name,
                    media_type,
                    size,
                    chunks,
                });
            }
            None => {
                let mut data = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    data.extend_from_slice(&chunk);
                    if data.len() > MAX_SETTINGS_BYTES {
                        return Err(ApiError::bad_request(
                            "Settings payload too large (max 64KB)",
                        ));
                    }
                }
                if name == "settings" {
                    let text = String::from_utf8(data)
                        .map_err(|_| ApiError::bad_request("Settings must be valid JSON"))?;
                    out.settings = if text.trim().is_empty() {
                        "{}".into()
                    } else {
                        text
                    };
                }
            }
        }
    }
    crate::multipart::check_settings(&out.settings)?;
    Ok(out)
}
