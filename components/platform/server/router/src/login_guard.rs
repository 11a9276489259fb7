//! Login lockout: after `loginAttemptLimit` failed logins of one name (the setting,
//! default 10; 0 = off) within one 15-minute window (`login-failures/<name>/<window>`, an
//! atomic counter, so concurrent guesses all count) the name is locked for
//! [`LOCKOUT_SECONDS`]: logins answer 429
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

/// The lockout of one name.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Guard {
    locked_until: u64,
}

/// The name as it is keyed (at most 64 characters).
fn short(name: &str) -> String {
    name.chars().take(64).collect()
}

fn key_of(name: &str) -> String {
    keys::login_guard(&short(name))
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

/// Counts a failed login of `name`; locks it when the limit is reached within one
/// 15-minute window. Each failure adds one to the window's counter with the store's atomic
/// increment, so parallel guesses cannot overwrite each other's counts; the failure that
/// reaches the limit locks the name and is audited.
pub fn failed(store: &Store, name: &str) -> ApiResult<()> {
    let limit = login_attempt_limit(store)?;
    if limit == 0 {
        return Ok(());
    }
    let now = now_ms();
    let window = now / keys::LOGIN_FAILURES_WINDOW_MS;
    let count = crate::limits::bump(&keys::login_failures(&short(name), window), 1)?;
    if u64::try_from(count).unwrap_or(0) < limit {
        return Ok(());
    }
    // At or past the limit: lock, unless a failure running beside this one already did
    // (several crossing at once, or a limit lowered within the window).
    if get_json::<Guard>(store, &key_of(name))?.is_some_and(|g| g.locked_until > now) {
        return Ok(());
    }
    let guard = Guard {
        locked_until: now + LOCKOUT_SECONDS * 1000,
    };
    set_json(store, &key_of(name), &guard)?;
    audit::record_as(
        store,
        Some(("", name)),
        "ACCOUNT_LOCKED",
        Some(("username", name)),
        json!({"failedAttempts": limit, "lockedForSeconds": LOCKOUT_SECONDS}),
    )
}

/// Clears the failures and any lock of `name`.
pub fn clear(store: &Store, name: &str) -> ApiResult<()> {
    let window = now_ms() / keys::LOGIN_FAILURES_WINDOW_MS;
    for w in [window.saturating_sub(1), window] {
        store.delete(&keys::login_failures(&short(name), w))?;
    }
    Ok(store.delete(&key_of(name))?)
}
