//! Rate limits and daily run quotas (seed 000), and `GET /api/v1/usage`.
//!
//! * `rate_limit_per_min` (Spin variable, default 1000; 0 = off): requests per minute of
//!   one API key, or of one user's sessions. Over it: 429 `RATE_LIMITED` with
//!   `Retry-After` (seconds to the next minute).
//! * `runs_per_day` (default 0 = unlimited): tool runs (a single call, a batch or a
//!   pipeline is one run) per user per UTC day. Over it: 429 `QUOTA_EXCEEDED` with
//!   `Retry-After` (seconds to midnight UTC).
//!
//! Several router instances serve requests at once (every request is its own instance
//! under Spin), so counters are never read-modified-written: each window is one key
//! (`rate/<who>/<minute>`, `runs/<user>/<day>`) bumped with the store's atomic increment
//! (`wasi:keyvalue/atomics`; Redis `INCRBY` under Spin with a Redis store, one SQLite
//! transaction in Lathe's host). Old windows are removed by the native worker's sweeper.

use serde_json::{json, Value};

use crate::auth::Principal;
use crate::ids::now_ms;
use crate::layout::keys;
use crate::{config, ApiError, ApiResult};

/// Requests per minute allowed (0 = off).
pub fn rate_limit_per_min() -> u64 {
    config::get_u64("rate_limit_per_min", 1000)
}

/// Runs per day allowed (0 = unlimited).
pub fn runs_per_day() -> u64 {
    config::get_u64("runs_per_day", 0)
}

/// The plan name `GET /api/v1/usage` reports (`plan` variable, default `self-hosted`).
pub fn plan() -> String {
    config::get("plan", "self-hosted")
}

/// Adds `delta` to the counter at `key` atomically and returns the new value.
pub(crate) fn bump(key: &str, delta: i64) -> ApiResult<i64> {
    use spin_sdk::wit::wasi::keyvalue::{atomics, store};
    let bucket = store::open("default")
        .map_err(|e| ApiError::internal(format!("wasi:keyvalue open: {e:?}")))?;
    atomics::increment(&bucket, key, delta)
        .map_err(|e| ApiError::internal(format!("wasi:keyvalue increment: {e:?}")))
}

fn who(principal: &Principal) -> String {
    match &principal.api_key_id {
        Some(key) => format!("key-{key}"),
        None => format!("user-{}", principal.user.id),
    }
}

thread_local! {
    /// Whether this request was counted already (a route may authenticate twice).
    static COUNTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Counts one request of `principal` (once per request); 429 `RATE_LIMITED` once over the
/// minute's limit.
pub fn check_rate(principal: &Principal) -> ApiResult<()> {
    let limit = rate_limit_per_min();
    if limit == 0 || COUNTED.with(|c| c.replace(true)) {
        return Ok(());
    }
    let now_s = now_ms() / 1000;
    let count = bump(&keys::rate(&who(principal), now_s / 60), 1)?;
    if count as u64 > limit {
        return Err(ApiError::too_many(
            "RATE_LIMITED",
            format!("Rate limit exceeded ({limit} requests per minute)"),
            60 - now_s % 60,
        ));
    }
    Ok(())
}

fn today() -> (u64, u64) {
    let now_s = now_ms() / 1000;
    (now_s / 86_400, 86_400 - now_s % 86_400)
}

/// Counts one run of `principal`'s user; 429 `QUOTA_EXCEEDED` when the day's runs are used
/// up (the refused run is not counted).
pub fn count_run(principal: &Principal) -> ApiResult<()> {
    let (day, left_s) = today();
    let key = keys::runs(&principal.user.id, day);
    let count = bump(&key, 1)?;
    let quota = runs_per_day();
    if quota > 0 && count as u64 > quota {
        bump(&key, -1)?;
        return Err(ApiError::too_many(
            "QUOTA_EXCEEDED",
            format!("Daily run quota of {quota} runs used up"),
            left_s,
        ));
    }
    Ok(())
}

/// `GET /api/v1/usage`: seed 000's fields (`runs_per_day` and `api_rate_limit` are 0 when
/// unlimited).
pub fn usage(principal: &Principal) -> ApiResult<Value> {
    let (day, _) = today();
    let runs_today = bump(&keys::runs(&principal.user.id, day), 0)?.max(0);
    Ok(json!({
        "plan": plan(),
        "runs_today": runs_today,
        "runs_per_day": runs_per_day(),
        "api_rate_limit": rate_limit_per_min(),
    }))
}
