//! The routes of the `api` component: health, auth, users, roles, teams, settings, audit
//! log, API keys, usage, webhooks, catalog, job status. Downloads never reach this module:
//! the component streams them first.
//!
//! Every route names the permission it needs (`crate::permissions`), never a role.

use serde::Deserialize;
use serde_json::{json, Value};
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::key_value::Store;

use crate::auth::{self, authenticate, require};
use crate::permissions::Permission as P;
use crate::{
    catalog, config, job_control, jobs, json_response, segments, store, ApiError, ApiResult,
};

/// The version reported by the health check.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Handles a request to the `api` component.
pub fn handle(req: Request) -> Response {
    crate::respond(route(&req))
}

fn body_json<T: for<'de> Deserialize<'de>>(req: &Request) -> ApiResult<T> {
    if req.body().len() > 64 * 1024 {
        return Err(ApiError::new(
            413,
            "PAYLOAD_TOO_LARGE",
            "Request body too large",
        ));
    }
    serde_json::from_slice(req.body())
        .map_err(|e| ApiError::bad_request(format!("Malformed JSON in request body: {e}")))
}

fn route(req: &Request) -> ApiResult<Response> {
    let store = store::open()?;
    auth::ensure_admin(&store)?;
    let segs = segments(req);
    let method = req.method().clone();
    match (method, segs.as_slice()) {
        (Method::Get, ["api", "v1", "health"]) => health(&store),
        (Method::Get, ["api", "v1", "config", "auth"]) => Ok(json_response(
            200,
            &json!({"authEnabled": config::auth_enabled()}),
        )),
        (Method::Post, ["api", "auth", "login"]) => login(&store, req),
        (Method::Post, ["api", "auth", "logout"]) => logout(&store, req),
        (Method::Get, ["api", "auth", "session"]) => session(&store, req),
        (Method::Post, ["api", "auth", "change-password"]) => change_password(&store, req),
        (Method::Post, ["api", "auth", "register"]) => register(&store, req),
        (Method::Get, ["api", "auth", "users"]) => users(&store, req),
        (Method::Put, ["api", "auth", "users", id]) => {
            let principal = require(&store, req, P::UsersManage)?;
            let body: Value = body_json(req)?;
            ok(crate::users::update(&store, &principal, id, &body)?)
        }
        (Method::Post, ["api", "auth", "users", id, "reset-password"]) => {
            let principal = require(&store, req, P::UsersManage)?;
            let body: Value = body_or_empty(req)?;
            ok(crate::users::reset_password(&store, &principal, id, &body)?)
        }
        (Method::Post, ["api", "auth", "users", id, "unlock"]) => {
            let principal = require(&store, req, P::SecurityManage)?;
            ok(crate::users::unlock(&store, &principal, id)?)
        }
        (Method::Delete, ["api", "auth", "users", id]) => {
            let principal = require(&store, req, P::UsersManage)?;
            let blobs = crate::blobs::open()?;
            ok(crate::users::delete(
                &store,
                blobs.as_ref(),
                &principal,
                id,
            )?)
        }
        (Method::Get, ["api", "v1", "admin", "users", id, "export"]) => {
            let principal = require(&store, req, P::ComplianceManage)?;
            ok(crate::users::export(&store, &principal, id)?)
        }
        (Method::Post, ["api", "v1", "api-keys"]) => create_key(&store, req),
        (Method::Get, ["api", "v1", "api-keys"]) => list_keys(&store, req),
        (Method::Delete, ["api", "v1", "api-keys", id]) => delete_key(&store, req, id),
        (Method::Post, ["api", "v1", "api-keys", id, "rotate"]) => rotate_key(&store, req, id),
        (Method::Get, ["api", "v1", "roles"]) => {
            require(&store, req, P::AuditRead)?;
            ok(crate::roles::list(&store)?)
        }
        (Method::Post, ["api", "v1", "roles"]) => {
            let principal = require(&store, req, P::UsersManage)?;
            let body: Value = body_json(req)?;
            created(crate::roles::create(&store, &principal, &body)?)
        }
        (Method::Put, ["api", "v1", "roles", id]) => {
            let principal = require(&store, req, P::UsersManage)?;
            let body: Value = body_json(req)?;
            ok(crate::roles::update(&store, &principal, id, &body)?)
        }
        (Method::Delete, ["api", "v1", "roles", id]) => {
            let principal = require(&store, req, P::UsersManage)?;
            ok(crate::roles::delete(&store, &principal, id)?)
        }
        (Method::Get, ["api", "v1", "teams"]) => {
            require(&store, req, P::TeamsManage)?;
            ok(crate::teams::list(&store)?)
        }
        (Method::Post, ["api", "v1", "teams"]) => {
            let principal = require(&store, req, P::TeamsManage)?;
            let body: Value = body_json(req)?;
            created(crate::teams::create(&store, &principal, &body)?)
        }
        (Method::Put, ["api", "v1", "teams", id]) => {
            let principal = require(&store, req, P::TeamsManage)?;
            let body: Value = body_json(req)?;
            ok(crate::teams::rename(&store, &principal, id, &body)?)
        }
        (Method::Delete, ["api", "v1", "teams", id]) => {
            let principal = require(&store, req, P::TeamsManage)?;
            ok(crate::teams::delete(&store, &principal, id)?)
        }
        (Method::Get, ["api", "v1", "settings"]) => {
            require(&store, req, P::SettingsRead)?;
            ok(crate::app_settings::list(&store)?)
        }
        (Method::Put, ["api", "v1", "settings"]) => {
            let principal = require(&store, req, P::SettingsWrite)?;
            let body: Value = body_json(req)?;
            ok(crate::app_settings::update(&store, &principal, &body)?)
        }
        (Method::Get, ["api", "v1", "settings", key]) => {
            require(&store, req, P::SettingsRead)?;
            ok(crate::app_settings::get(&store, key)?)
        }
        (Method::Get, ["api", "v1", "audit-log"]) => {
            require(&store, req, P::AuditRead)?;
            ok(crate::audit::list(&store, req.query())?)
        }
        (Method::Get, ["api", "v1", "usage"]) => {
            let principal = authenticate(&store, req)?;
            ok(crate::limits::usage(&principal)?)
        }
        (Method::Post, ["api", "v1", "webhooks"]) => {
            let principal = require(&store, req, P::ToolsUse)?;
            let body: Value = body_json(req)?;
            created(crate::webhooks::create(&store, &principal, &body)?)
        }
        (Method::Get, ["api", "v1", "webhooks"]) => {
            let principal = authenticate(&store, req)?;
            principal.require_any(&[P::ToolsUse, P::WebhooksManage])?;
            ok(crate::webhooks::list(&store, &principal, req.query())?)
        }
        (Method::Delete, ["api", "v1", "webhooks", id]) => {
            let principal = authenticate(&store, req)?;
            principal.require_any(&[P::ToolsUse, P::WebhooksManage])?;
            ok(crate::webhooks::delete(&store, &principal, id)?)
        }
        (Method::Get, ["api", "v1", "admin", "health"]) => {
            require(&store, req, P::SystemHealth)?;
            ok(crate::admin::health(&store)?)
        }
        (Method::Get, ["api", "v1", "config", "analytics"]) => ok(crate::admin::analytics_config()),
        (Method::Put, ["api", "v1", "user", "analytics"]) => {
            let principal = authenticate(&store, req)?;
            let body: Value = body_json(req)?;
            ok(crate::admin::analytics_consent(&store, &principal, &body)?)
        }
        (Method::Get, ["api", "v1", "features"]) => {
            authenticate(&store, req)?;
            ok(crate::admin::features(&store)?)
        }
        (Method::Get, ["api", "v1", "admin", "features", "disk-usage"]) => {
            require(&store, req, P::FeaturesManage)?;
            ok(crate::admin::features_disk_usage(&store)?)
        }
        (Method::Post, ["api", "v1", "admin", "features", bundle, action]) => {
            let principal = require(&store, req, P::FeaturesManage)?;
            ok(crate::admin::feature_action(
                &store, &principal, bundle, action,
            )?)
        }
        (Method::Get, ["api", "v1", "tools"]) => tools(&store, req),
        (Method::Get, ["api", "v1", "jobs"]) => {
            let principal = require(&store, req, P::ToolsUse)?;
            let list = job_control::list(&store, &principal, req.query())?;
            Ok(json_response(200, &list))
        }
        (Method::Get, ["api", "v1", "jobs", job]) => {
            let principal = authenticate(&store, req)?;
            principal.require_any(&[P::ToolsUse, P::FilesAll])?;
            Ok(json_response(200, &jobs::status(&store, &principal, job)?))
        }
        (Method::Delete, ["api", "v1", "jobs", job]) => {
            let principal = authenticate(&store, req)?;
            principal.require_any(&[P::ToolsUse, P::FilesAll])?;
            Ok(json_response(
                200,
                &job_control::cancel(&store, &principal, job)?,
            ))
        }
        (Method::Post, ["api", "v1", "jobs", job, "retry"]) => {
            let principal = authenticate(&store, req)?;
            principal.require_any(&[P::ToolsUse, P::FilesAll])?;
            let blobs = crate::blobs::open()?;
            let key = crate::idempotency::key_of(req)?;
            let fingerprint = crate::idempotency::fingerprint(&format!("POST {}", req.path()), &[]);
            crate::idempotency::once(&store, blobs.as_ref(), &principal, key, fingerprint, || {
                let answer = job_control::retry(&store, &principal, job)?;
                let mut r = json_response(202, &answer);
                r.set_header(
                    "location",
                    format!("/api/v1/jobs/{}", answer["jobId"].as_str().unwrap_or("")),
                );
                Ok(r)
            })
        }
        (Method::Delete, ["api", "v1", "jobs", job, "files"]) => {
            let principal = authenticate(&store, req)?;
            principal.require_any(&[P::ToolsUse, P::FilesAll])?;
            let blobs = crate::blobs::open()?;
            let answer = job_control::delete_files(&store, blobs.as_ref(), &principal, job)?;
            Ok(json_response(200, &answer))
        }
        (Method::Post, ["api", "v1", "files", "save-result"]) => {
            let principal = authenticate(&store, req)?;
            let body: Value = body_json(req)?;
            let blobs = crate::blobs::open()?;
            let saved = crate::library::save_result(&store, blobs.as_ref(), &principal, &body)?;
            Ok(json_response(201, &saved))
        }
        (Method::Get, ["api", "v1", "files"]) => {
            let principal = authenticate(&store, req)?;
            let list = crate::library::list(&store, &principal, req.query())?;
            Ok(json_response(200, &list))
        }
        (Method::Delete, ["api", "v1", "files"]) => {
            let principal = authenticate(&store, req)?;
            let body: Value = body_json(req)?;
            let blobs = crate::blobs::open()?;
            let out = crate::library::delete(&store, blobs.as_ref(), &principal, &body)?;
            Ok(json_response(200, &out))
        }
        (Method::Post, ["api", "v1", "preview"]) => crate::previews::preview(req),
        (Method::Post, ["api", "v1", "upload"]) => {
            let call = crate::tool_route::prepare_unchecked(req)?;
            let body = crate::library::workspace_upload(
                &call.store,
                call.blobs.as_ref(),
                &call.principal,
                call.request.files,
            )?;
            Ok(json_response(201, &body))
        }
        (Method::Post, ["api", "v1", "files", "presign"]) => {
            let principal = authenticate(&store, req)?;
            let body: Value = body_json(req)?;
            let out = crate::presign::create(&store, &principal, &body)?;
            Ok(json_response(201, &out))
        }
        (Method::Post, ["api", "v1", "files", id, "share"]) => {
            let principal = authenticate(&store, req)?;
            let body: Value = if req.body().is_empty() {
                Value::Null
            } else {
                body_json(req)?
            };
            let out = crate::presign::share(&store, &principal, id, &body)?;
            Ok(json_response(201, &out))
        }
        (Method::Get, ["api", "v1", "files", id]) => {
            let principal = authenticate(&store, req)?;
            Ok(json_response(
                200,
                &crate::library::get(&store, &principal, id)?,
            ))
        }
        (Method::Post, ["api", "v1", "pipeline", "execute"]) => crate::pipeline::execute(req),
        (Method::Post, ["api", "v1", "pipeline", "batch"]) => crate::pipeline::batch(req),
        (Method::Post, ["api", "v1", "pipeline", "save"]) => {
            let body: Value = body_json(req)?;
            crate::pipeline::save(&store, req, &body)
        }
        (Method::Get, ["api", "v1", "pipeline", "list"]) => crate::pipeline::list(&store, req),
        (Method::Get, ["api", "v1", "pipeline", "tools"]) => crate::pipeline::tools(&store, req),
        (Method::Delete, ["api", "v1", "pipeline", id]) => crate::pipeline::delete(&store, req, id),
        (_, ["api", "v1", "tools", _section, _tool, ..]) => {
            authenticate(&store, req)?;
            Err(ApiError::not_found("Tool not found"))
        }
        _ => Err(ApiError::not_found("Not found")),
    }
}

fn ok(body: Value) -> ApiResult<Response> {
    Ok(json_response(200, &body))
}

fn created(body: Value) -> ApiResult<Response> {
    Ok(json_response(201, &body))
}

fn body_or_empty(req: &Request) -> ApiResult<Value> {
    if req.body().is_empty() {
        Ok(json!({}))
    } else {
        body_json(req)
    }
}

fn health(store: &Store) -> ApiResult<Response> {
    match store.exists(lathe_store_layout::keys::BOOTSTRAPPED) {
        Ok(_) => Ok(json_response(
            200,
            &json!({"status": "healthy", "version": VERSION}),
        )),
        Err(_) => Ok(json_response(503, &json!({"status": "unhealthy"}))),
    }
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

fn login(store: &Store, req: &Request) -> ApiResult<Response> {
    let body: LoginBody = body_json(req)?;
    let name = body.username.trim();
    crate::login_guard::check(store, name)?;
    let user = auth::user_by_name(store, name)?;
    let ok = match &user {
        Some(u) => auth::verify_password(&body.password, &u.password_hash),
        None => {
            // Same work for unknown users, so timing does not reveal which names exist.
            let _ = auth::verify_password(&body.password, &auth::hash_password("timing-equaliser"));
            false
        }
    };
    let user = match (ok, user) {
        (true, Some(user)) => user,
        (_, user) => {
            crate::audit::record_as(
                store,
                Some((user.as_ref().map_or("", |u| u.id.as_str()), name)),
                "LOGIN_FAILED",
                None,
                json!({}),
            )?;
            crate::login_guard::failed(store, name)?;
            return Err(ApiError::new(
                401,
                "INVALID_CREDENTIALS",
                "Invalid credentials",
            ));
        }
    };
    crate::login_guard::clear(store, name)?;
    let (token, expires_at) = auth::create_session(store, &user)?;
    crate::audit::record_as(
        store,
        Some((&user.id, &user.username)),
        "LOGIN_SUCCESS",
        Some(("user", &user.id)),
        json!({}),
    )?;
    let permissions = crate::roles::permissions_of(store, &user.role)?;
    let mut public = user.public();
    public["permissions"] = permissions.to_json();
    Ok(json_response(
        200,
        &json!({"token": token, "user": public, "expiresAt": crate::ids::iso8601(expires_at)}),
    ))
}

fn logout(store: &Store, req: &Request) -> ApiResult<Response> {
    let principal = authenticate(store, req)?;
    if let Some(hash) = &principal.session_hash {
        auth::delete_session(store, &principal.user.id, hash)?;
    }
    Ok(json_response(200, &json!({"success": true})))
}

fn session(store: &Store, req: &Request) -> ApiResult<Response> {
    let principal = authenticate(store, req)?;
    let mut user = principal.user.public();
    user["permissions"] = principal.permissions.to_json();
    Ok(json_response(200, &json!({"user": user})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChangePasswordBody {
    current_password: String,
    new_password: String,
}

fn change_password(store: &Store, req: &Request) -> ApiResult<Response> {
    let principal = authenticate(store, req)?;
    let body: ChangePasswordBody = body_json(req)?;
    if !auth::verify_password(&body.current_password, &principal.user.password_hash) {
        crate::audit::record(
            store,
            Some(&principal),
            "PASSWORD_CHANGE_FAILED",
            Some(("user", &principal.user.id)),
            json!({}),
        )?;
        return Err(ApiError::new(
            401,
            "INVALID_CREDENTIALS",
            "Current password is incorrect",
        ));
    }
    auth::check_password_policy(&body.new_password)?;
    let mut user = principal.user.clone();
    user.password_hash = auth::hash_password(&body.new_password);
    auth::save_user(store, &user)?;
    auth::revoke_credentials(store, &user.id, principal.session_hash.as_deref())?;
    crate::audit::record(
        store,
        Some(&principal),
        "PASSWORD_CHANGED",
        Some(("user", &user.id)),
        json!({}),
    )?;
    Ok(json_response(200, &json!({"success": true})))
}

#[derive(Deserialize)]
struct RegisterBody {
    username: String,
    password: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    team: Option<String>,
}

fn register(store: &Store, req: &Request) -> ApiResult<Response> {
    let principal = require(store, req, P::UsersManage)?;
    let body: RegisterBody = body_json(req)?;
    let wanted = body
        .role
        .as_deref()
        .unwrap_or(crate::permissions::USER_ROLE);
    let role = crate::roles::all(store)?
        .into_iter()
        .find(|r| r.id == wanted || r.name.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| ApiError::bad_request(format!("Unknown role '{wanted}'")))?;
    crate::roles::check_escalation(&principal, role.permissions)?;
    let team = match body.team.as_deref() {
        None => None,
        Some(t) => Some(
            crate::teams::get(store, t)?
                .ok_or_else(|| ApiError::bad_request(format!("Unknown team '{t}'")))?,
        ),
    };
    let mut user = auth::create_user(store, body.username.trim(), &body.password, &role.id)?;
    if let Some(team) = team.filter(|t| t.id != crate::teams::DEFAULT_TEAM) {
        user.team_id = Some(team.id);
        auth::save_user(store, &user)?;
    }
    crate::audit::record(
        store,
        Some(&principal),
        "USER_CREATED",
        Some(("user", &user.id)),
        json!({"username": user.username, "role": user.role, "team": user.team()}),
    )?;
    Ok(json_response(201, &json!({"user": user.public()})))
}

fn users(store: &Store, req: &Request) -> ApiResult<Response> {
    require(store, req, P::UsersManage)?;
    let users: Vec<Value> = auth::list_users(store)?
        .iter()
        .map(|u| u.public())
        .collect();
    Ok(json_response(200, &json!({"users": users})))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CreateKeyBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    permissions: Option<Value>,
    #[serde(default)]
    expires_at: Option<String>,
}

fn create_key(store: &Store, req: &Request) -> ApiResult<Response> {
    let principal = require(store, req, P::ApikeysOwn)?;
    let body: CreateKeyBody = if req.body().is_empty() {
        CreateKeyBody::default()
    } else {
        body_json(req)?
    };
    let name = body.name.unwrap_or_else(|| "API key".into());
    if name.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "Key name must be at most 100 characters",
        ));
    }
    // A key may narrow its owner's permissions, never widen them.
    let scope = match &body.permissions {
        None | Some(Value::Null) => None,
        Some(list) => {
            let wanted =
                crate::permissions::Permissions::parse_list(list).map_err(ApiError::bad_request)?;
            crate::roles::check_escalation(&principal, wanted)?;
            Some(wanted.names().iter().map(|s| s.to_string()).collect())
        }
    };
    let expires_at = match body.expires_at.as_deref() {
        None => None,
        Some(t) => {
            let at = crate::audit::parse_time(t)?;
            if at <= crate::ids::now_ms() {
                return Err(ApiError::bad_request("expiresAt must be in the future"));
            }
            Some(at)
        }
    };
    let (key, raw) = auth::create_api_key(store, &principal.user, &name, scope, expires_at)?;
    crate::audit::record(
        store,
        Some(&principal),
        "API_KEY_CREATED",
        Some(("apiKey", &key.id)),
        json!({"name": key.name, "permissions": key.permissions, "expiresAt": key.expires_at.map(crate::ids::iso8601)}),
    )?;
    let mut out = key.public();
    out["key"] = json!(raw);
    Ok(json_response(201, &out))
}

/// With `?all=true` and `apikeys:all`: every user's keys (each with its `userId`).
fn list_keys(store: &Store, req: &Request) -> ApiResult<Response> {
    let principal = authenticate(store, req)?;
    principal.require_any(&[P::ApikeysOwn, P::ApikeysAll])?;
    let all = crate::query_pairs(req.query())
        .iter()
        .any(|(k, v)| k == "all" && (v == "true" || v == "1"));
    let owners = if all {
        principal.require(P::ApikeysAll)?;
        auth::list_users(store)?
    } else {
        vec![principal.user.clone()]
    };
    let mut keys = Vec::new();
    for owner in owners {
        for k in auth::list_api_keys(store, &owner.id)? {
            let mut public = k.public();
            if all {
                public["userId"] = json!(owner.id);
            }
            keys.push(public);
        }
    }
    Ok(json_response(200, &json!({"apiKeys": keys})))
}

/// A key the principal may manage: its own, or (with `apikeys:all`) anyone's; else 404.
fn manageable_key(store: &Store, principal: &auth::Principal, id: &str) -> ApiResult<auth::ApiKey> {
    principal.require_any(&[P::ApikeysOwn, P::ApikeysAll])?;
    if let Some(key) = auth::api_key_of(store, &principal.user.id, id)? {
        return Ok(key);
    }
    if principal.can(P::ApikeysAll) && crate::ids::is_uuid(id) {
        for user in auth::list_users(store)? {
            if let Some(key) = auth::api_key_of(store, &user.id, id)? {
                return Ok(key);
            }
        }
    }
    Err(ApiError::not_found("API key not found"))
}

fn delete_key(store: &Store, req: &Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(store, req)?;
    let key = manageable_key(store, &principal, id)?;
    auth::delete_api_key(store, &key)?;
    crate::audit::record(
        store,
        Some(&principal),
        "API_KEY_DELETED",
        Some(("apiKey", &key.id)),
        json!({"name": key.name, "owner": key.user_id}),
    )?;
    Ok(json_response(200, &json!({"success": true})))
}

/// `POST /api/v1/api-keys/<id>/rotate`: a new secret for the key (same id, name, scope and
/// expiry); the old secret stops working at once. 200 with the new `key`, shown once.
fn rotate_key(store: &Store, req: &Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(store, req)?;
    let old = manageable_key(store, &principal, id)?;
    let (key, raw) = auth::rotate_api_key(store, &old)?;
    crate::audit::record(
        store,
        Some(&principal),
        "API_KEY_ROTATED",
        Some(("apiKey", &key.id)),
        json!({"name": key.name, "owner": key.user_id}),
    )?;
    let mut out = key.public();
    out["key"] = json!(raw);
    Ok(json_response(200, &out))
}

fn tools(store: &Store, req: &Request) -> ApiResult<Response> {
    authenticate(store, req)?;
    let disabled = crate::app_settings::disabled_tools(store)?;
    let tools: Vec<Value> = catalog::list(store)?
        .iter()
        .map(|entry| {
            let mut v = serde_json::to_value(entry).unwrap_or(Value::Null);
            v["disabled"] = json!(crate::app_settings::is_disabled(&disabled, entry));
            v
        })
        .collect();
    Ok(json_response(
        200,
        &json!({"tools": tools, "count": tools.len()}),
    ))
}
