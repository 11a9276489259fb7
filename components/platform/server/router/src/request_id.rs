//! The request id (seed 003): every response carries it in `X-Request-Id`, every error body
//! as `requestId`, and the audit log records it. A client's own `X-Request-Id` is kept when
//! it is short and plain; otherwise the router makes one (`req_` + 24 hex digits).
//!
//! A Spin component instance serves one request, so the id lives in a thread-local set by
//! [`begin`] at the top of each component's handler (and made on first use otherwise).

use std::cell::RefCell;

use spin_sdk::http::Request;

thread_local! {
    static CURRENT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Whether a client-sent id is kept: 1–64 characters of `[A-Za-z0-9._-]`.
fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Starts a request: takes the client's `X-Request-Id` when acceptable, else makes one.
pub fn begin(req: &Request) {
    let sent = req
        .header("x-request-id")
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|s| acceptable(s))
        .map(str::to_string);
    CURRENT.with(|c| *c.borrow_mut() = Some(sent.unwrap_or_else(fresh)));
}

fn fresh() -> String {
    format!("req_{}", hex::encode(crate::ids::random_bytes(12)))
}

/// The current request's id (made now if [`begin`] was not called).
pub fn current() -> String {
    CURRENT.with(|c| c.borrow_mut().get_or_insert_with(fresh).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_client_ids_are_kept() {
        assert!(acceptable("req_01J0ABC"));
        assert!(!acceptable(""));
        assert!(!acceptable("a b"));
        assert!(!acceptable(&"x".repeat(65)));
        assert_eq!(current(), current(), "stable within a request");
    }
}
