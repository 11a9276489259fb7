//! Accounts, sessions and API keys.
//!
//! * Passwords: scrypt (N = 2^14, r = 8, p = 1, 32-byte salt), compared in constant time; a
//!   login for an unknown user still pays one scrypt so timing does not reveal usernames.
//! * Session tokens and API keys are random (256 and 384 bits). Only a keyed hash
//!   (HMAC-SHA-256 with a per-installation secret) is stored, and the hash is also the
//!   lookup key, so authenticating a request costs one HMAC and one store read instead of a
//!   slow password hash: a slow hash protects low-entropy secrets, and a 384-bit random key
//!   cannot be guessed whatever the hash. The secret means a leaked store alone does not
//!   even allow checking a candidate key.

use hmac::{Hmac, Mac};
use lathe_store_layout::keys;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use spin_sdk::http::Request;
use spin_sdk::key_value::Store;
use subtle::ConstantTimeEq;

use crate::ids::{now_ms, random_bytes, uuid};
use crate::permissions::{Permission, Permissions};
use crate::store::{get_json, keys_with_prefix, set_json};
use crate::{config, ApiError, ApiResult};

/// A stored user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Id (UUID).
    pub id: String,
    /// Login name.
    pub username: String,
    /// Role id: `admin`, `user` (built in) or a custom role's id.
    pub role: String,
    /// `scrypt$<log_n>$<r>$<p>$<salt hex>$<hash hex>`.
    pub password_hash: String,
    /// Creation time (ms).
    pub created_at: u64,
    /// Team id; `None` is the default team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// Analytics consent (`PUT /api/v1/user/analytics`); Lathe sends no analytics either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics: Option<serde_json::Value>,
}

impl User {
    /// The public view of a user.
    pub fn public(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id, "username": self.username, "role": self.role,
            "team": self.team(), "mustChangePassword": false,
            "createdAt": crate::ids::iso8601(self.created_at),
        })
    }

    /// The user's team id (the default team when none is set).
    pub fn team(&self) -> &str {
        self.team_id
            .as_deref()
            .unwrap_or(crate::teams::DEFAULT_TEAM)
    }
}

/// A stored session, keyed by the hash of its token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Session {
    user_id: String,
    expires_at: u64,
}

/// A stored API key, keyed by the hash of the raw key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// Key id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Label.
    pub name: String,
    /// First characters of the raw key, to recognise it in lists.
    pub prefix: String,
    /// Hash (hex) of the raw key; also its lookup key.
    pub hash: String,
    /// Creation time (ms).
    pub created_at: u64,
    /// Last use (ms), updated at most once a minute.
    pub last_used_at: Option<u64>,
    /// Scope: the permissions the key may use (of its owner's); `None` = all the owner's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
    /// Expiry (ms); `None` = never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
}

impl ApiKey {
    /// The public view (never the key or its hash).
    pub fn public(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id, "name": self.name, "prefix": self.prefix,
            "createdAt": crate::ids::iso8601(self.created_at),
            "lastUsedAt": self.last_used_at.map(crate::ids::iso8601),
            "permissions": self.permissions,
            "expiresAt": self.expires_at.map(crate::ids::iso8601),
        })
    }
}

/// Who is making a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user.
    pub user: User,
    /// Hash of the session token, when authenticated by session.
    pub session_hash: Option<String>,
    /// The API key's id, when authenticated by key.
    pub api_key_id: Option<String>,
    /// What this request may do: the user's role, narrowed by the key's scope.
    pub permissions: Permissions,
}

impl Principal {
    /// Whether the request holds `p`.
    pub fn can(&self, p: Permission) -> bool {
        self.permissions.has(p)
    }

    /// 403 FORBIDDEN unless the request holds `p`.
    pub fn require(&self, p: Permission) -> ApiResult<()> {
        if self.can(p) {
            Ok(())
        } else {
            Err(ApiError::new(
                403,
                "FORBIDDEN",
                format!("Insufficient permissions (needs {})", p.as_str()),
            ))
        }
    }

    /// 403 FORBIDDEN unless the request holds one of `any`.
    pub fn require_any(&self, any: &[Permission]) -> ApiResult<()> {
        match any.iter().find(|p| self.can(**p)) {
            Some(_) => Ok(()),
            None => self.require(any[0]),
        }
    }

    /// Whether the request may see a resource of `owner`: its own, or anyone's with `all`.
    pub fn sees(&self, owner: &str, all: Permission) -> bool {
        owner == self.user.id || self.can(all)
    }
}

const SCRYPT_LOG_N: u8 = 14;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;

fn scrypt_raw(password: &str, salt: &[u8], log_n: u8, r: u32, p: u32) -> Vec<u8> {
    let params = scrypt::Params::new(log_n, r, p, 64).expect("valid scrypt parameters");
    let mut out = vec![0u8; 64];
    scrypt::scrypt(password.as_bytes(), salt, &params, &mut out).expect("output length is valid");
    out
}

/// Hashes a password for storage.
pub fn hash_password(password: &str) -> String {
    let salt = random_bytes(32);
    let hash = scrypt_raw(password, &salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P);
    format!(
        "scrypt${SCRYPT_LOG_N}${SCRYPT_R}${SCRYPT_P}${}${}",
        hex::encode(salt),
        hex::encode(hash)
    )
}

/// Checks a password against a stored hash, in constant time.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let [alg, log_n, r, p, salt, hash] = parts[..] else {
        return false;
    };
    if alg != "scrypt" {
        return false;
    }
    let (Ok(log_n), Ok(r), Ok(p), Ok(salt), Ok(hash)) = (
        log_n.parse::<u8>(),
        r.parse::<u32>(),
        p.parse::<u32>(),
        hex::decode(salt),
        hex::decode(hash),
    ) else {
        return false;
    };
    if log_n > 20 || r > 32 || p > 16 {
        return false;
    }
    let computed = scrypt_raw(password, &salt, log_n, r, p);
    computed.ct_eq(&hash).into()
}

/// The per-installation secret that keys token and API-key hashes (created on first use).
fn secret(store: &Store) -> ApiResult<Vec<u8>> {
    if let Some(s) = store.get(keys::SECRET)? {
        return Ok(s);
    }
    let s = random_bytes(32);
    store.set(keys::SECRET, &s)?;
    Ok(s)
}

/// Keyed hash (hex) of a token, an API key or anything else the server must recognise as
/// its own (list cursors), with the installation secret as the key.
pub fn token_hash(store: &Store, token: &str) -> ApiResult<String> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(&secret(store)?).expect("any key length works");
    mac.update(token.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// Checks a username: 3–50 characters of `[A-Za-z0-9_.-]`.
pub fn valid_username(name: &str) -> bool {
    (3..=50).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Checks a new password: 8–256 characters.
pub fn check_password_policy(password: &str) -> ApiResult<()> {
    if password.chars().count() < 8 {
        return Err(ApiError::bad_request(
            "Password must be at least 8 characters",
        ));
    }
    if password.len() > 256 {
        return Err(ApiError::bad_request(
            "Password must be at most 256 characters",
        ));
    }
    Ok(())
}

/// Looks a user up by name (case-insensitive).
pub fn user_by_name(store: &Store, username: &str) -> ApiResult<Option<User>> {
    let Some(id) = store.get(&keys::username(username))? else {
        return Ok(None);
    };
    get_json(store, &keys::user(&String::from_utf8_lossy(&id)))
}

/// Looks a user up by id.
pub fn user_by_id(store: &Store, id: &str) -> ApiResult<Option<User>> {
    get_json(store, &keys::user(id))
}

/// Creates a user; 409 CONFLICT if the name is taken.
pub fn create_user(store: &Store, username: &str, password: &str, role: &str) -> ApiResult<User> {
    if !valid_username(username) {
        return Err(ApiError::bad_request(
            "Username must be 3-50 characters of letters, digits, '_', '.' or '-'",
        ));
    }
    check_password_policy(password)?;
    let id = uuid();
    // The name is claimed first, with compare-and-swap: of two registrations of one name
    // at once exactly one gets it (the other 409), so no two users share a name.
    if !crate::store::claim(&keys::username(username), id.as_bytes())? {
        return Err(ApiError::new(409, "CONFLICT", "Username already exists"));
    }
    let user = User {
        id,
        username: username.to_string(),
        role: role.to_string(),
        password_hash: hash_password(password),
        created_at: now_ms(),
        team_id: None,
        analytics: None,
    };
    if let Err(e) = set_json(store, &keys::user(&user.id), &user) {
        // Release the name: it must not point at a user that was never written.
        store.delete(&keys::username(username)).ok();
        return Err(e);
    }
    Ok(user)
}

/// Replaces a user's record.
pub fn save_user(store: &Store, user: &User) -> ApiResult<()> {
    set_json(store, &keys::user(&user.id), user)
}

/// All users.
pub fn list_users(store: &Store) -> ApiResult<Vec<User>> {
    let mut users = Vec::new();
    for key in keys_with_prefix(store, keys::USER_PREFIX)? {
        if let Some(user) = get_json::<User>(store, &key)? {
            users.push(user);
        }
    }
    users.sort_by_key(|u| u.created_at);
    Ok(users)
}

/// Creates the first admin if no admin exists yet. The password comes from the
/// `admin_password` variable, or is random and printed once to the log.
pub fn ensure_admin(store: &Store) -> ApiResult<()> {
    if store.exists(keys::BOOTSTRAPPED)? {
        return Ok(());
    }
    let username = config::get("admin_username", "admin");
    if user_by_name(store, &username)?.is_none() {
        let configured = config::get("admin_password", "");
        let (password, generated) = if configured.is_empty() {
            (hex::encode(random_bytes(12)), true)
        } else {
            (configured, false)
        };
        create_user(store, &username, &password, crate::permissions::ADMIN_ROLE)?;
        if generated {
            println!(
                "Lathe: created admin user '{username}' with the generated password: {password}\n\
                 Lathe: it is shown only this once; change it with POST /api/auth/change-password, \
                 or set SPIN_VARIABLE_ADMIN_PASSWORD before the first start."
            );
        } else {
            println!("Lathe: created admin user '{username}' with the password from the admin_password variable.");
        }
    }
    store.set(keys::BOOTSTRAPPED, b"1")?;
    Ok(())
}

/// Starts a session for `user`; returns the raw token and its expiry (ms).
pub fn create_session(store: &Store, user: &User) -> ApiResult<(String, u64)> {
    let token = hex::encode(random_bytes(32));
    let hash = token_hash(store, &token)?;
    let expires_at = now_ms() + config::session_hours() * 3_600_000;
    set_json(
        store,
        &keys::session(&hash),
        &Session {
            user_id: user.id.clone(),
            expires_at,
        },
    )?;
    store.set(&keys::session_of(&user.id, &hash), b"")?;
    Ok((token, expires_at))
}

/// Ends a session.
pub fn delete_session(store: &Store, user_id: &str, hash: &str) -> ApiResult<()> {
    store.delete(&keys::session(hash))?;
    store.delete(&keys::session_of(user_id, hash))?;
    Ok(())
}

/// Ends every session of a user except `keep` and deletes all the user's API keys.
pub fn revoke_credentials(store: &Store, user_id: &str, keep: Option<&str>) -> ApiResult<()> {
    for key in keys_with_prefix(store, &keys::sessions_of(user_id))? {
        let hash = key.rsplit('/').next().unwrap_or_default().to_string();
        if Some(hash.as_str()) != keep {
            delete_session(store, user_id, &hash)?;
        }
    }
    for key in list_api_keys(store, user_id)? {
        delete_api_key(store, &key)?;
    }
    Ok(())
}

/// Creates an API key; returns the record and the raw key (shown once).
pub fn create_api_key(
    store: &Store,
    user: &User,
    name: &str,
    permissions: Option<Vec<String>>,
    expires_at: Option<u64>,
) -> ApiResult<(ApiKey, String)> {
    let raw = format!("si_{}", hex::encode(random_bytes(48)));
    let key = ApiKey {
        id: uuid(),
        user_id: user.id.clone(),
        name: name.to_string(),
        prefix: raw[..11].to_string(),
        hash: token_hash(store, &raw)?,
        created_at: now_ms(),
        last_used_at: None,
        permissions,
        expires_at,
    };
    set_json(store, &keys::api_key(&key.hash), &key)?;
    set_json(store, &keys::api_key_of(&user.id, &key.id), &key)?;
    Ok((key, raw))
}

/// Gives `key` a new secret (same id, name, scope, expiry); the old one stops working.
pub fn rotate_api_key(store: &Store, key: &ApiKey) -> ApiResult<(ApiKey, String)> {
    let raw = format!("si_{}", hex::encode(random_bytes(48)));
    let rotated = ApiKey {
        prefix: raw[..11].to_string(),
        hash: token_hash(store, &raw)?,
        last_used_at: None,
        ..key.clone()
    };
    set_json(store, &keys::api_key(&rotated.hash), &rotated)?;
    set_json(
        store,
        &keys::api_key_of(&rotated.user_id, &rotated.id),
        &rotated,
    )?;
    store.delete(&keys::api_key(&key.hash))?;
    Ok((rotated, raw))
}

/// A user's API keys.
pub fn list_api_keys(store: &Store, user_id: &str) -> ApiResult<Vec<ApiKey>> {
    let mut keys = Vec::new();
    for k in keys_with_prefix(store, &keys::api_keys_of(user_id))? {
        if let Some(key) = get_json::<ApiKey>(store, &k)? {
            keys.push(key);
        }
    }
    keys.sort_by_key(|k| k.created_at);
    Ok(keys)
}

/// A user's API key by id.
pub fn api_key_of(store: &Store, user_id: &str, key_id: &str) -> ApiResult<Option<ApiKey>> {
    get_json(store, &keys::api_key_of(user_id, key_id))
}

/// Deletes an API key.
pub fn delete_api_key(store: &Store, key: &ApiKey) -> ApiResult<()> {
    store.delete(&keys::api_key(&key.hash))?;
    store.delete(&keys::api_key_of(&key.user_id, &key.id))?;
    Ok(())
}

/// The bearer credential of a request: `Authorization: Bearer …`, or `x-api-key`.
fn credential(req: &Request) -> Option<String> {
    if let Some(value) = req.header("authorization").and_then(|v| v.as_str()) {
        let value = value.trim();
        if value.len() > 7 && value[..7].eq_ignore_ascii_case("bearer ") {
            return Some(value[7..].trim().to_string());
        }
    }
    req.header("x-api-key")
        .and_then(|v| v.as_str())
        .map(|s| s.trim().to_string())
}

/// Authenticates a request by session token or API key; 401 if neither is valid, 429 when
/// its key or user is over the rate limit ([`crate::limits`]). With authentication disabled
/// (`auth_enabled = false`) every request acts as the first admin.
pub fn authenticate(store: &Store, req: &Request) -> ApiResult<Principal> {
    let principal = identify(store, req)?;
    crate::limits::check_rate(&principal)?;
    Ok(principal)
}

/// Who sent the request (session or key), without counting it against rate limits.
fn identify(store: &Store, req: &Request) -> ApiResult<Principal> {
    if !config::auth_enabled() {
        ensure_admin(store)?;
        let admin = user_by_name(store, &config::get("admin_username", "admin"))?
            .ok_or_else(|| ApiError::internal("admin user missing"))?;
        return Ok(Principal {
            user: admin,
            session_hash: None,
            api_key_id: None,
            permissions: Permissions::all(),
        });
    }
    let token = credential(req).ok_or_else(|| ApiError::unauthorized("Authentication required"))?;
    if token.is_empty() || token.len() > 512 {
        return Err(ApiError::unauthorized("Authentication required"));
    }
    let hash = token_hash(store, &token)?;
    if token.starts_with("si_") {
        let key: ApiKey = get_json(store, &keys::api_key(&hash))?
            .ok_or_else(|| ApiError::unauthorized("Invalid API key"))?;
        if !bool::from(key.hash.as_bytes().ct_eq(hash.as_bytes())) {
            return Err(ApiError::unauthorized("Invalid API key"));
        }
        let user = user_by_id(store, &key.user_id)?
            .ok_or_else(|| ApiError::unauthorized("Invalid API key"))?;
        let now = now_ms();
        if key.expires_at.is_some_and(|t| t <= now) {
            return Err(ApiError::unauthorized("API key expired"));
        }
        let mut permissions = crate::roles::permissions_of(store, &user.role)?;
        if let Some(scope) = &key.permissions {
            let scope: Vec<Permission> =
                scope.iter().filter_map(|n| Permission::parse(n)).collect();
            permissions = permissions.intersect(Permissions::of(&scope));
        }
        let key_id = key.id.clone();
        if key
            .last_used_at
            .is_none_or(|t| now.saturating_sub(t) > 60_000)
        {
            let updated = ApiKey {
                last_used_at: Some(now),
                ..key
            };
            set_json(store, &keys::api_key(&hash), &updated)?;
            set_json(
                store,
                &keys::api_key_of(&updated.user_id, &updated.id),
                &updated,
            )?;
        }
        return Ok(Principal {
            user,
            session_hash: None,
            api_key_id: Some(key_id),
            permissions,
        });
    }
    let session: Session = get_json(store, &keys::session(&hash))?
        .ok_or_else(|| ApiError::unauthorized("Session expired or invalid"))?;
    if session.expires_at <= now_ms() {
        delete_session(store, &session.user_id, &hash)?;
        return Err(ApiError::unauthorized("Session expired or invalid"));
    }
    let user = user_by_id(store, &session.user_id)?
        .ok_or_else(|| ApiError::unauthorized("Session expired or invalid"))?;
    let permissions = crate::roles::permissions_of(store, &user.role)?;
    Ok(Principal {
        user,
        session_hash: Some(hash),
        api_key_id: None,
        permissions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hashes_verify_only_the_right_password() {
        let stored = hash_password("correct horse");
        assert!(verify_password("correct horse", &stored));
        assert!(!verify_password("correct hors", &stored));
        assert!(!verify_password("correct horse", "scrypt$14$8$1$zz$zz"));
        assert_ne!(stored, hash_password("correct horse"), "salted");
    }
}
