//! How a tool call can fail: one [`ErrorKind`] per outcome with its HTTP status, seed 001
//! code and message, so a pure tool (answered by its gateway), a native tool (answered
//! through the worker's result record) and a trapped call (answered by the host) say the
//! same thing for the same failure.

use serde::{Deserialize, Serialize};

/// The kinds of failure of a tool call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Malformed or out-of-range settings (the tool's `invalid-settings`).
    InvalidSettings,
    /// An input the tool cannot read (the tool's `unsupported-input`).
    UnsupportedInput,
    /// An input over a limit, or the call over the memory limit (`too-large`).
    TooLarge,
    /// The tool failed on this input (`failed`, or a trap).
    ProcessingFailed,
    /// The call ran past the time limit and was stopped.
    Timeout,
    /// No worker serves this native tool.
    ToolNotFound,
    /// Something broke on the server's side; details go to the log only.
    Internal,
}

impl ErrorKind {
    /// Every kind, for tables and tests.
    pub const ALL: [ErrorKind; 7] = [
        ErrorKind::InvalidSettings,
        ErrorKind::UnsupportedInput,
        ErrorKind::TooLarge,
        ErrorKind::ProcessingFailed,
        ErrorKind::Timeout,
        ErrorKind::ToolNotFound,
        ErrorKind::Internal,
    ];

    /// The HTTP status answered for this kind.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::InvalidSettings | ErrorKind::UnsupportedInput => 400,
            ErrorKind::ToolNotFound => 404,
            ErrorKind::TooLarge => 413,
            ErrorKind::ProcessingFailed | ErrorKind::Timeout => 422,
            ErrorKind::Internal => 500,
        }
    }

    /// The machine-readable `code` of the error body.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidSettings => "INVALID_SETTINGS",
            ErrorKind::UnsupportedInput => "UNSUPPORTED_INPUT",
            ErrorKind::TooLarge => "TOO_LARGE",
            ErrorKind::ProcessingFailed => "PROCESSING_FAILED",
            ErrorKind::Timeout => "TIMEOUT",
            ErrorKind::ToolNotFound => "NOT_FOUND",
            ErrorKind::Internal => "INTERNAL",
        }
    }

    /// The kind of a stored `code`; an unknown code reads as [`ErrorKind::Internal`].
    pub fn from_code(code: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .unwrap_or(ErrorKind::Internal)
    }

    /// The client's message for a tool's own `detail`: the tool error kinds say what went
    /// wrong first (`Invalid settings: quality must be 1-100`).
    pub fn message(self, detail: &str) -> String {
        match self {
            ErrorKind::InvalidSettings => format!("Invalid settings: {detail}"),
            ErrorKind::UnsupportedInput => format!("Invalid input: {detail}"),
            ErrorKind::ProcessingFailed => format!("Processing failed: {detail}"),
            _ => detail.to_string(),
        }
    }
}

/// A failed tool call as the client sees it: the kind and the full message. Stored in
/// [`crate::JobResult::error`] as `{"status","code","message"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "StoredFailure", from = "StoredFailure")]
pub struct Failure {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// The message answered as `error`.
    pub message: String,
}

impl Failure {
    /// A failure the tool reported with `detail` (the message gets the kind's prefix).
    pub fn tool(kind: ErrorKind, detail: &str) -> Self {
        Self {
            kind,
            message: kind.message(detail),
        }
    }

    /// The call ran past `limit_secs` and was stopped.
    pub fn timeout(limit_secs: u64) -> Self {
        Self {
            kind: ErrorKind::Timeout,
            message: format!(
                "Processing took longer than the {limit_secs} s limit and was stopped"
            ),
        }
    }

    /// The call hit the memory limit.
    pub fn out_of_memory() -> Self {
        Self {
            kind: ErrorKind::TooLarge,
            message: "Processing this input needs more memory than the limit allows".into(),
        }
    }

    /// The tool trapped (crashed) on this input.
    pub fn crashed() -> Self {
        Self {
            kind: ErrorKind::ProcessingFailed,
            message: "The tool failed on this input".into(),
        }
    }

    /// No worker serves the job's tool.
    pub fn tool_not_found() -> Self {
        Self {
            kind: ErrorKind::ToolNotFound,
            message: "This tool is not available on this worker".into(),
        }
    }

    /// A server-side failure (the detail belongs in the log, not here).
    pub fn internal(message: &str) -> Self {
        Self {
            kind: ErrorKind::Internal,
            message: message.into(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// The error body `{"error","code"}` of seed 001.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.message, "code": self.kind.code() })
    }
}

/// The stored shape of a [`Failure`]; `status` is written for readers of the raw store and
/// recomputed from `code` on reading.
#[derive(Serialize, Deserialize)]
struct StoredFailure {
    status: u16,
    code: String,
    message: String,
}

impl From<Failure> for StoredFailure {
    fn from(f: Failure) -> Self {
        Self {
            status: f.kind.status(),
            code: f.kind.code().to_string(),
            message: f.message,
        }
    }
}

impl From<StoredFailure> for Failure {
    fn from(s: StoredFailure) -> Self {
        Self {
            kind: ErrorKind::from_code(&s.code),
            message: s.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(kind.code()), kind);
            assert!((400..600).contains(&kind.status()));
        }
        assert_eq!(ErrorKind::from_code("SOMETHING_NEW"), ErrorKind::Internal);
    }

    #[test]
    fn stored_shape() {
        let f = Failure::tool(ErrorKind::InvalidSettings, "quality must be 1-100");
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["status"], 400);
        assert_eq!(v["code"], "INVALID_SETTINGS");
        assert_eq!(v["message"], "Invalid settings: quality must be 1-100");
        assert_eq!(serde_json::from_value::<Failure>(v).unwrap(), f);
        assert_eq!(Failure::timeout(5).status(), 422);
        assert_eq!(Failure::out_of_memory().kind.code(), "TOO_LARGE");
    }
}
