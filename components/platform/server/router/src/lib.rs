//! The HTTP router shared by Lathe's Spin components.
//!
//! Three thin components build on it: `api` (auth, users, keys, catalog, downloads),
//! `gateway` (the router composed with one pure tool) and `native-gateway` (queues work for
//! the native worker). All state lives in the Spin key-value store, in the format of
//! `lathe-store-layout` (re-exported as [`layout`]); file bytes go through [`blobs`].

pub mod api;
pub mod auth;
pub mod batch;
pub mod blobs;
pub mod catalog;
pub mod config;
pub mod error;
mod gateway_glue;
pub mod idempotency;
pub mod ids;
pub mod job_control;
pub mod jobs;
pub mod library;
pub mod multipart;
pub mod outparam;
pub mod pipeline;
pub mod pipeline_types;
pub mod presign;
pub mod previews;
pub mod progress_stream;
pub mod settings_check;
pub mod store;
pub mod tool_route;
pub mod upload;

pub use error::{ApiError, ApiResult};
/// The store format shared with the host (keys, records, error kinds).
pub use lathe_store_layout as layout;

use spin_sdk::http::{Request, Response};

/// Builds a JSON response.
pub fn json_response(status: u16, value: &serde_json::Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(value.to_string())
        .build()
}

/// Turns a handler result into a response, errors as `{"error","code"}`.
pub fn respond(result: ApiResult<Response>) -> Response {
    result.unwrap_or_else(|e| e.into_response())
}

/// Splits a request path into non-empty segments.
pub fn segments(req: &Request) -> Vec<&str> {
    req.path().split('/').filter(|s| !s.is_empty()).collect()
}
