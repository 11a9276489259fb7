//! API errors: a status, a machine-readable code and a message, as seed 001 shapes them.

use spin_sdk::http::Response;

/// An error answered to the client as `{"error": message, "code": code}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Machine-readable code, e.g. `AUTH_REQUIRED`.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// The pipeline step (1-based) the error is about, answered as `step`.
    pub step: Option<usize>,
    /// Seconds for the `Retry-After` header (429 answers).
    pub retry_after: Option<u64>,
    /// The `Allow` header (405 answers).
    pub allow: Option<String>,
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// 413 `FILE_TOO_LARGE`: an upload over the configured limit of `limit_bytes`.
    pub fn file_too_large(limit_bytes: u64) -> Self {
        Self::new(
            413,
            "FILE_TOO_LARGE",
            format!(
                "Upload exceeds the maximum allowed size of {} MB",
                limit_bytes / (1024 * 1024)
            ),
        )
    }

    /// A new error.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            step: None,
            retry_after: None,
            allow: None,
        }
    }

    /// The same error, about pipeline step `step` (1-based).
    pub fn at_step(mut self, step: usize) -> Self {
        self.step = Some(step);
        self
    }

    /// 400 VALIDATION_ERROR.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "VALIDATION_ERROR", message)
    }

    /// 401 AUTH_REQUIRED.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "AUTH_REQUIRED", message)
    }

    /// 429 with the seconds to wait, answered in `Retry-After`.
    pub fn too_many(code: &'static str, message: impl Into<String>, retry_after_s: u64) -> Self {
        let mut e = Self::new(429, code, message);
        e.retry_after = Some(retry_after_s.max(1));
        e
    }

    /// 404 NOT_FOUND.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NOT_FOUND", message)
    }

    /// 500 INTERNAL (store failures); the details go to the log, not the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        eprintln!("lathe-router: internal error: {detail}");
        Self::new(500, "INTERNAL", "Internal server error")
    }

    /// The response for this error.
    pub fn into_response(self) -> Response {
        let mut body = serde_json::json!({
            "error": self.message, "code": self.code, "requestId": crate::request_id::current(),
        });
        if let Some(step) = self.step {
            body["step"] = serde_json::json!(step);
        }
        if let Some(s) = self.retry_after {
            body["retryAfter"] = serde_json::json!(s);
        }
        let mut response = crate::json_response(self.status, &body);
        if let Some(s) = self.retry_after {
            response.set_header("retry-after", s.to_string());
        }
        if let Some(allow) = self.allow {
            response.set_header("allow", allow);
        }
        response
    }
}

impl From<lathe_store_layout::Failure> for ApiError {
    fn from(f: lathe_store_layout::Failure) -> Self {
        ApiError::new(f.kind.status(), f.kind.code(), f.message)
    }
}

impl From<spin_sdk::key_value::Error> for ApiError {
    fn from(e: spin_sdk::key_value::Error) -> Self {
        ApiError::internal(format!("key-value: {e:?}"))
    }
}
