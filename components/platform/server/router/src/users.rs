//! User management (`users:manage`): change a user's role or team, reset a password,
//! unlock a locked login (`security:manage`), delete a user with everything they own, and
//! export a user's data (`compliance:manage`).

use lathe_store_layout::{keys, Job};
use serde_json::{json, Value};
use spin_sdk::key_value::Store;

use crate::auth::{self, list_users, user_by_id, Principal, User};
use crate::blobs::{delete_file, Blobs};
use crate::permissions::ADMIN_ROLE;
use crate::store::{get_json, keys_with_prefix};
use crate::{audit, roles, teams, ApiError, ApiResult};

/// The user `id`, or 404.
pub fn find(store: &Store, id: &str) -> ApiResult<User> {
    if !crate::ids::is_uuid(id) {
        return Err(ApiError::not_found("User not found"));
    }
    user_by_id(store, id)?.ok_or_else(|| ApiError::not_found("User not found"))
}

fn admins(store: &Store) -> ApiResult<usize> {
    Ok(list_users(store)?
        .iter()
        .filter(|u| u.role == ADMIN_ROLE)
        .count())
}

fn last_admin() -> ApiError {
    ApiError::new(
        409,
        "LAST_ADMIN",
        "This is the last admin; make another user admin first",
    )
}

/// `PUT /api/auth/users/<id>` `{role?, team?}`.
pub fn update(store: &Store, principal: &Principal, id: &str, body: &Value) -> ApiResult<Value> {
    let mut user = find(store, id)?;
    let obj = body
        .as_object()
        .filter(|o| o.contains_key("role") || o.contains_key("team") || o.contains_key("teamId"))
        .ok_or_else(|| ApiError::bad_request("Send {\"role\": ...} and/or {\"team\": ...}"))?;
    let mut changes = serde_json::Map::new();
    if let Some(role) = obj.get("role") {
        let role_id = role
            .as_str()
            .ok_or_else(|| ApiError::bad_request("role must be a role id or name"))?;
        let all = roles::all(store)?;
        let role = all
            .iter()
            .find(|r| r.id == role_id || r.name.eq_ignore_ascii_case(role_id))
            .ok_or_else(|| ApiError::bad_request(format!("Unknown role '{role_id}'")))?;
        roles::check_escalation(principal, role.permissions)?;
        if user.role == ADMIN_ROLE && role.id != ADMIN_ROLE && admins(store)? <= 1 {
            return Err(last_admin());
        }
        changes.insert("role".into(), json!({"from": user.role, "to": role.id}));
        user.role = role.id.clone();
    }
    if let Some(team) = obj.get("team").or_else(|| obj.get("teamId")) {
        let team_id = team
            .as_str()
            .ok_or_else(|| ApiError::bad_request("team must be a team id"))?;
        let team = teams::get(store, team_id)?
            .ok_or_else(|| ApiError::bad_request(format!("Unknown team '{team_id}'")))?;
        changes.insert("team".into(), json!({"from": user.team(), "to": team.id}));
        user.team_id = (team.id != teams::DEFAULT_TEAM).then_some(team.id);
    }
    auth::save_user(store, &user)?;
    audit::record(
        store,
        Some(principal),
        "USER_UPDATED",
        Some(("user", &user.id)),
        Value::Object(changes),
    )?;
    Ok(json!({"user": user.public()}))
}

/// `POST /api/auth/users/<id>/reset-password` `{newPassword?}` (also `password`): sets the
/// password (or a random one, answered once as `temporaryPassword`) and ends the user's
/// sessions and API keys.
pub fn reset_password(
    store: &Store,
    principal: &Principal,
    id: &str,
    body: &Value,
) -> ApiResult<Value> {
    let mut user = find(store, id)?;
    let given = body
        .get("newPassword")
        .or_else(|| body.get("password"))
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| ApiError::bad_request("newPassword must be text"))
        })
        .transpose()?;
    let generated = given.is_none();
    let password = given.unwrap_or_else(|| hex::encode(crate::ids::random_bytes(12)));
    auth::check_password_policy(&password)?;
    user.password_hash = auth::hash_password(&password);
    auth::save_user(store, &user)?;
    auth::revoke_credentials(store, &user.id, None)?;
    crate::login_guard::clear(store, &user.username)?;
    audit::record(
        store,
        Some(principal),
        "PASSWORD_RESET",
        Some(("user", &user.id)),
        json!({"username": user.username}),
    )?;
    let mut out = json!({"success": true});
    if generated {
        out["temporaryPassword"] = json!(password);
    }
    Ok(out)
}

/// `POST /api/auth/users/<id>/unlock`: lifts a login lockout.
pub fn unlock(store: &Store, principal: &Principal, id: &str) -> ApiResult<Value> {
    let user = find(store, id)?;
    crate::login_guard::clear(store, &user.username)?;
    audit::record(
        store,
        Some(principal),
        "ACCOUNT_UNLOCKED",
        Some(("user", &user.id)),
        json!({"username": user.username}),
    )?;
    Ok(json!({"success": true}))
}

/// `DELETE /api/auth/users/<id>`: the user and their sessions, keys, jobs (with files),
/// library files, pipelines, webhooks and idempotency records. Not oneself, not the last
/// admin.
pub fn delete(
    store: &Store,
    blobs: &dyn Blobs,
    principal: &Principal,
    id: &str,
) -> ApiResult<Value> {
    let user = find(store, id)?;
    if user.id == principal.user.id {
        return Err(ApiError::new(
            400,
            "SELF_DELETE",
            "You cannot delete your own account",
        ));
    }
    if user.role == ADMIN_ROLE && admins(store)? <= 1 {
        return Err(last_admin());
    }
    // Credentials first, so nothing new is started while the rest goes.
    auth::revoke_credentials(store, &user.id, None)?;
    let jobs = purge_jobs(store, blobs, &user.id)?;
    let files = crate::library::delete_all_of(store, blobs, &user.id)?;
    for key in keys_with_prefix(store, &keys::pipelines_of(&user.id))? {
        let pipeline_id = key.rsplit('/').next().unwrap_or_default().to_string();
        store.delete(&keys::pipeline(&pipeline_id))?;
        store.delete(&key)?;
    }
    crate::webhooks::delete_all_of(store, &user.id)?;
    for key in keys_with_prefix(store, &format!("idem/{}/", user.id))? {
        store.delete(&key)?;
    }
    crate::login_guard::clear(store, &user.username)?;
    store.delete(&keys::username(&user.username))?;
    store.delete(&keys::user(&user.id))?;
    audit::record(
        store,
        Some(principal),
        "USER_DELETED",
        Some(("user", &user.id)),
        json!({"username": user.username, "jobs": jobs, "fileVersions": files}),
    )?;
    Ok(json!({"success": true}))
}

/// Deletes every job of `user_id` (batch children included) with its stored files.
fn purge_jobs(store: &Store, blobs: &dyn Blobs, user_id: &str) -> ApiResult<usize> {
    let index = keys_with_prefix(store, &keys::jobs_of(user_id))?;
    let mut count = 0;
    for entry in &index {
        if let Some(job_id) = keys::indexed_job_id(entry) {
            if let Some(job) = get_json::<Job>(store, &keys::job(job_id))? {
                for child in job.batch.iter().filter_map(|b| b.child.as_deref()) {
                    if let Some(child) = get_json::<Job>(store, &keys::job(child))? {
                        purge_job(store, blobs, &child)?;
                    }
                }
                purge_job(store, blobs, &job)?;
                count += 1;
            }
        }
        store.delete(entry)?;
    }
    Ok(count)
}

fn purge_job(store: &Store, blobs: &dyn Blobs, job: &Job) -> ApiResult<()> {
    // Mark it canceled first: a worker still running it stops and writes nothing.
    store.set(&keys::cancel(&job.id), b"")?;
    store.delete(&keys::queue(&job.id))?;
    if let Some(result) = crate::jobs::result(store, &job.id)? {
        for file in &result.files {
            delete_file(blobs, &keys::output(&job.id, &file.name), file.chunks)?;
        }
    }
    if job.inputs_from.is_none() {
        for (i, file) in job.inputs.iter().enumerate() {
            delete_file(blobs, &keys::input(&job.id, i), file.chunks)?;
        }
    }
    for key in [
        keys::result(&job.id),
        keys::progress(&job.id),
        keys::job(&job.id),
    ] {
        store.delete(&key)?;
    }
    Ok(())
}

/// `GET /api/v1/admin/users/<id>/export` (`compliance:manage`): what Lathe holds about a
/// user — profile, API keys (never the keys), jobs, library files, saved pipelines and
/// webhooks (never their secrets) — as one JSON document.
pub fn export(store: &Store, principal: &Principal, id: &str) -> ApiResult<Value> {
    let user = find(store, id)?;
    let keys_list: Vec<Value> = auth::list_api_keys(store, &user.id)?
        .iter()
        .map(|k| k.public())
        .collect();
    let mut jobs = Vec::new();
    for entry in keys_with_prefix(store, &keys::jobs_of(&user.id))? {
        if let Some(job) = keys::indexed_job_id(&entry)
            .map(|j| get_json::<Job>(store, &keys::job(j)))
            .transpose()?
            .flatten()
        {
            jobs.push(crate::jobs::view(store, &job)?);
        }
    }
    let files = crate::library::all_of(store, &user.id)?;
    let mut pipelines = Vec::new();
    for key in keys_with_prefix(store, &keys::pipelines_of(&user.id))? {
        let pipeline_id = key.rsplit('/').next().unwrap_or_default().to_string();
        if let Some(p) = get_json::<Value>(store, &keys::pipeline(&pipeline_id))? {
            pipelines.push(p);
        }
    }
    audit::record(
        store,
        Some(principal),
        "USER_DATA_EXPORTED",
        Some(("user", &user.id)),
        json!({"username": user.username}),
    )?;
    Ok(json!({
        "user": user.public(), "apiKeys": keys_list, "jobs": jobs, "files": files,
        "pipelines": pipelines, "webhooks": crate::webhooks::public_of(store, &user.id)?,
        "exportedAt": crate::ids::iso8601(crate::ids::now_ms()),
    }))
}
