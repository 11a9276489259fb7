//! The HTTP router shared by Lathe's Spin components.
//!
//! Three thin components build on it: `api` (auth, users, keys, catalog, downloads),
//! `gateway` (the router composed with one pure tool) and `native-gateway` (queues work for
//! the native worker). All state lives in the Spin key-value store, in the format of
//! `lathe-store-layout` (re-exported as [`layout`]); file bytes go through [`blobs`].

pub mod admin;
pub mod api;
pub mod app_settings;
pub mod audit;
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
pub mod limits;
pub mod login_guard;
pub mod multipart;
pub mod openapi;
pub mod outparam;
pub mod permissions;
pub mod pipeline;
pub mod pipeline_types;
pub mod presign;
pub mod previews;
pub mod progress_stream;
pub mod request_id;
pub mod roles;
pub mod route_table;
pub mod settings_check;
pub mod store;
pub mod teams;
pub mod tool_route;
pub mod upload;
pub mod users;
pub mod webhooks;

pub use error::{ApiError, ApiResult};
/// The store format shared with the host (keys, records, error kinds).
pub use lathe_store_layout as layout;

use spin_sdk::http::{Request, Response};

/// Builds a JSON response (with the request's `X-Request-Id`).
pub fn json_response(status: u16, value: &serde_json::Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-request-id", request_id::current())
        .body(value.to_string())
        .build()
}

/// Turns a handler result into a response, errors as `{"error","code","requestId"}`; every
/// response carries `X-Request-Id`.
pub fn respond(result: ApiResult<Response>) -> Response {
    let mut response = result.unwrap_or_else(|e| e.into_response());
    if response.header("x-request-id").is_none() {
        response.set_header("x-request-id", request_id::current());
    }
    response
}

/// Splits a request path into non-empty segments.
pub fn segments(req: &Request) -> Vec<&str> {
    req.path().split('/').filter(|s| !s.is_empty()).collect()
}

/// The percent-decoded `key=value` pairs of a query string (`+` is a space).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .to_string()
            };
            (decode(k), decode(v))
        })
        .collect()
}
