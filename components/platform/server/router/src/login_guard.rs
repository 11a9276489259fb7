//! Login lockout: after `loginAttemptLimit` failed logins of one name (the setting,
//! default 10; 0 = off) the name is locked for [`LOCKOUT_SECONDS`]: logins answer 429
//! `ACCOUNT_LOCKED` with `Retry-After`, even with the right password. Unknown names are
//! tracked the same way, so the answer never tells which names exist. A success clears
//! the count; `POST /api/auth/users/<id>/unlock` (`security:manage`) lifts a lock.

use serde::{Deserialize, Serialize};
use serde_json::json;
use spin_sdk::key_value::Store;

use crate::app_settings::{login_attempt_limit, LOCKOUT_SECONDS};
use crate::ids::now_ms;
use crate::layout::keys;
use crate::store::{get_json, set_json};
use crate::{audit, ApiError, ApiResult};

/// The failures of one name.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Guard {
    failures: u64,
    last_failure_at: u64,
    locked_until: u64,
}

fn key_of(name: &str) -> String {
    keys::login_guard(&name.chars().take(64).collect::<String>())
}

/// 429 `ACCOUNT_LOCKED` while `name` is locked.
pub fn check(store: &Store, name: &str) -> ApiResult<()> {
    let Some(guard) = get_json::<Guard>(store, &key_of(name))? else {
        return Ok(());
    };
    let now = now_ms();
    if guard.locked_until > now {
        return Err(ApiError::too_many(
            "ACCOUNT_LOCKED",
            "Too many failed logins; try again later",
            (guard.locked_until - now).div_ceil(1000),
        ));
    }
    Ok(())
}

/// Counts a failed login of `name`; locks it when the limit is reached.
pub fn failed(store: &Store, name: &str) -> ApiResult<()> {
    let limit = login_attempt_limit(store)?;
    if limit == 0 {
        return Ok(());
    }
    let key = key_of(name);
    let now = now_ms();
    let mut guard: Guard = get_json(store, &key)?.unwrap_or_default();
    // Failures older than one lockout period are forgotten.
    if now.saturating_sub(guard.last_failure_at) > LOCKOUT_SECONDS * 1000 {
        guard.failures = 0;
    }
    guard.failures += 1;
    guard.last_failure_at = now;
    if guard.failures >= limit {
        guard.failures = 0;
        guard.locked_until = now + LOCKOUT_SECONDS * 1000;
        audit::record_as(
            store,
            Some(("", name)),
            "ACCOUNT_LOCKED",
            Some(("username", name)),
            json!({"failedAttempts": limit, "lockedForSeconds": LOCKOUT_SECONDS}),
        )?;
    }
    set_json(store, &key, &guard)
}

/// Clears the failures and any lock of `name`.
pub fn clear(store: &Store, name: &str) -> ApiResult<()> {
    Ok(store.delete(&key_of(name))?)
}
