//! One description of the platform routes, from which both the `api` component's
//! dispatcher and the OpenAPI document are built (`crate::openapi`).
//!
//! [`routes!`](crate::routes) takes one line per route — method, path pattern, access,
//! tag, summary, request body, success status and handler — and expands to a dispatcher
//! (`dispatch`) and the list of [`RouteDoc`]s (`route_docs`). The path in the spec is
//! made from the very pattern the dispatcher matches (`["api", "v1", "roles", id]` is
//! `/api/v1/roles/{id}`), so the two cannot disagree; the access a route declares is
//! enforced before its handler runs.

use spin_sdk::http::Request;
use spin_sdk::key_value::Store;

use crate::auth::{authenticate, Principal};
use crate::permissions::Permission;
use crate::{ApiError, ApiResult};

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// Anyone.
    Public,
    /// Any authenticated caller.
    Auth,
    /// Callers holding this permission.
    Perm(Permission),
    /// Callers holding one of these.
    Any(&'static [Permission]),
    /// Callers holding this permission, checked by the flow the handler calls (tool calls,
    /// pipelines), together with their other checks.
    Inside(Permission),
}

/// What a route's request body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// None.
    Empty,
    /// A JSON object.
    Json,
    /// `multipart/form-data` with `file`/`files` parts and a `settings` field.
    Multipart,
    /// Raw bytes (a presigned upload).
    Raw,
}

/// One route as the spec shows it.
#[derive(Debug, Clone)]
pub struct RouteDoc {
    /// `GET`, `POST`, ...
    pub method: String,
    /// OpenAPI path template, e.g. `/api/v1/roles/{id}`.
    pub path: String,
    /// Who may call it.
    pub access: Access,
    /// Group in the docs.
    pub tag: &'static str,
    /// One line.
    pub summary: &'static str,
    /// Request body.
    pub body: Body,
    /// Status of success.
    pub status: u16,
}

/// The spec path of a slice pattern's stringified segments: string literals stay,
/// bindings become `{name}`.
pub fn path_of(segments: &[&str]) -> String {
    segments
        .iter()
        .map(
            |s| match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Some(literal) => format!("/{literal}"),
                None => format!("/{{{s}}}"),
            },
        )
        .collect()
}

/// Whether a spec path template (`/api/v1/roles/{id}`) matches request path segments.
pub fn template_matches(template: &str, segments: &[&str]) -> bool {
    let parts: Vec<&str> = template.split('/').filter(|p| !p.is_empty()).collect();
    parts.len() == segments.len()
        && parts
            .iter()
            .zip(segments)
            .all(|(p, s)| (p.starts_with('{') && p.ends_with('}')) || p == s)
}

/// What a handler gets: the store, the request and the caller.
pub struct Ctx<'a> {
    /// The store.
    pub store: &'a Store,
    /// The request.
    pub req: &'a Request,
    principal: Option<Principal>,
}

impl<'a> Ctx<'a> {
    /// A context before access is checked.
    pub fn new(store: &'a Store, req: &'a Request) -> Self {
        Ctx {
            store,
            req,
            principal: None,
        }
    }

    /// Checks `access`, authenticating when it asks for a caller.
    pub fn admit(&mut self, access: Access) -> ApiResult<()> {
        let principal = match access {
            Access::Public | Access::Inside(_) => return Ok(()),
            Access::Auth => authenticate(self.store, self.req)?,
            Access::Perm(p) => {
                let principal = authenticate(self.store, self.req)?;
                principal.require(p)?;
                principal
            }
            Access::Any(list) => {
                let principal = authenticate(self.store, self.req)?;
                principal.require_any(list)?;
                principal
            }
        };
        self.principal = Some(principal);
        Ok(())
    }

    /// The caller (for routes whose access names one).
    pub fn who(&self) -> ApiResult<&Principal> {
        self.principal
            .as_ref()
            .ok_or_else(|| ApiError::internal("route has no caller"))
    }

    /// The body as JSON (≤ 64 KB): 413 when larger, 400 when not JSON.
    pub fn json<T: for<'de> serde::Deserialize<'de>>(&self) -> ApiResult<T> {
        if self.req.body().len() > 64 * 1024 {
            return Err(ApiError::new(
                413,
                "PAYLOAD_TOO_LARGE",
                "Request body too large",
            ));
        }
        let value: serde_json::Value = serde_json::from_slice(self.req.body())
            .map_err(|e| ApiError::bad_request(format!("Malformed JSON in request body: {e}")))?;
        // Structs would also read from arrays (by position); every body here is an object.
        if !value.is_object() {
            return Err(ApiError::bad_request("The body must be a JSON object"));
        }
        serde_json::from_value(value)
            .map_err(|e| ApiError::bad_request(format!("Invalid request body: {e}")))
    }

    /// The body as JSON, or `{}` when empty.
    pub fn json_or_empty(&self) -> ApiResult<serde_json::Value> {
        if self.req.body().is_empty() {
            Ok(serde_json::json!({}))
        } else {
            self.json()
        }
    }
}

/// Runs a route handler (a closure, so that `?` inside it ends the handler, not the
/// dispatcher).
pub fn run(
    handler: impl FnOnce() -> ApiResult<spin_sdk::http::Response>,
) -> ApiResult<spin_sdk::http::Response> {
    handler()
}

/// Builds `dispatch(ctx, method, segments)` and `route_docs()` from one table; see the
/// module documentation.
#[macro_export]
macro_rules! routes {
    ($(
        $method:ident [$($seg:tt),*] $access:expr, $tag:literal, $summary:literal,
        $body:ident, $status:literal => |$c:ident| $handler:expr;
    )*) => {
        /// Every route of this table, as the spec shows it.
        pub fn route_docs() -> Vec<$crate::route_table::RouteDoc> {
            vec![$(
                $crate::route_table::RouteDoc {
                    method: stringify!($method).to_ascii_uppercase(),
                    path: $crate::route_table::path_of(&[$(stringify!($seg)),*]),
                    access: $access,
                    tag: $tag,
                    summary: $summary,
                    body: $crate::route_table::Body::$body,
                    status: $status,
                }
            ),*]
        }

        /// Runs the route matching `method` and `segments`, after checking its access;
        /// `None` when no route matches.
        fn dispatch(
            ctx: &mut $crate::route_table::Ctx,
            method: &::spin_sdk::http::Method,
            segments: &[&str],
        ) -> Option<$crate::ApiResult<::spin_sdk::http::Response>> {
            $(
                #[allow(irrefutable_let_patterns)]
                if let (::spin_sdk::http::Method::$method, [$($seg),*]) = (method, segments) {
                    if let Err(e) = ctx.admit($access) {
                        return Some(Err(e));
                    }
                    #[allow(unused_variables)]
                    let $c = &*ctx;
                    return Some($crate::route_table::run(|| $handler));
                }
            )*
            None
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_become_spec_paths() {
        assert_eq!(
            path_of(&["\"api\"", "\"v1\"", "\"roles\"", "id"]),
            "/api/v1/roles/{id}"
        );
    }
}
