//! The routes of the `api` component: health, auth, users, API keys, catalog, job status.
//! Downloads never reach this module: the component streams them first.

use serde::Deserialize;
use serde_json::{json, Value};
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::key_value::Store;

use crate::auth::{self, authenticate, require_admin, Role};
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
        (Method::Post, ["api", "v1", "api-keys"]) => create_key(&store, req),
        (Method::Get, ["api", "v1", "api-keys"]) => list_keys(&store, req),
        (Method::Delete, ["api", "v1", "api-keys", id]) => delete_key(&store, req, id),
        (Method::Get, ["api", "v1", "tools"]) => tools(&store, req),
        (Method::Get, ["api", "v1", "jobs"]) => {
            let principal = authenticate(&store, req)?;
            let list = job_control::list(&store, &principal, req.query())?;
            Ok(json_response(200, &list))
        }
        (Method::Get, ["api", "v1", "jobs", job]) => {
            let principal = authenticate(&store, req)?;
            Ok(json_response(200, &jobs::status(&store, &principal, job)?))
        }
        (Method::Delete, ["api", "v1", "jobs", job]) => {
            let principal = authenticate(&store, req)?;
            Ok(json_response(
                200,
                &job_control::cancel(&store, &principal, job)?,
            ))
        }
        (Method::Post, ["api", "v1", "jobs", job, "retry"]) => {
            let principal = authenticate(&store, req)?;
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
    let user = auth::user_by_name(store, body.username.trim())?;
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
        _ => {
            return Err(ApiError::new(
                401,
                "INVALID_CREDENTIALS",
                "Invalid credentials",
            ))
        }
    };
    let (token, expires_at) = auth::create_session(store, &user)?;
    Ok(json_response(
        200,
        &json!({"token": token, "user": user.public(), "expiresAt": crate::ids::iso8601(expires_at)}),
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
    Ok(json_response(
        200,
        &json!({"user": principal.user.public()}),
    ))
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
    Ok(json_response(200, &json!({"success": true})))
}

#[derive(Deserialize)]
struct RegisterBody {
    username: String,
    password: String,
    #[serde(default)]
    role: Option<String>,
}

fn register(store: &Store, req: &Request) -> ApiResult<Response> {
    require_admin(store, req)?;
    let body: RegisterBody = body_json(req)?;
    let role = match body.role.as_deref().unwrap_or("user") {
        "admin" => Role::Admin,
        "user" => Role::User,
        other => {
            return Err(ApiError::bad_request(format!(
                "Unknown role '{other}' (use 'admin' or 'user')"
            )))
        }
    };
    let user = auth::create_user(store, body.username.trim(), &body.password, role)?;
    Ok(json_response(201, &json!({"user": user.public()})))
}

fn users(store: &Store, req: &Request) -> ApiResult<Response> {
    require_admin(store, req)?;
    let users: Vec<Value> = auth::list_users(store)?
        .iter()
        .map(|u| u.public())
        .collect();
    Ok(json_response(200, &json!({"users": users})))
}

#[derive(Deserialize, Default)]
struct CreateKeyBody {
    #[serde(default)]
    name: Option<String>,
}

fn create_key(store: &Store, req: &Request) -> ApiResult<Response> {
    let principal = authenticate(store, req)?;
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
    let (key, raw) = auth::create_api_key(store, &principal.user, &name)?;
    let mut out = key.public();
    out["key"] = json!(raw);
    Ok(json_response(201, &out))
}

fn list_keys(store: &Store, req: &Request) -> ApiResult<Response> {
    let principal = authenticate(store, req)?;
    let keys: Vec<Value> = auth::list_api_keys(store, &principal.user.id)?
        .iter()
        .map(|k| k.public())
        .collect();
    Ok(json_response(200, &json!({"apiKeys": keys})))
}

fn delete_key(store: &Store, req: &Request, id: &str) -> ApiResult<Response> {
    let principal = authenticate(store, req)?;
    let key = auth::api_key_of(store, &principal.user.id, id)?
        .ok_or_else(|| ApiError::not_found("API key not found"))?;
    auth::delete_api_key(store, &key)?;
    Ok(json_response(200, &json!({"success": true})))
}

fn tools(store: &Store, req: &Request) -> ApiResult<Response> {
    authenticate(store, req)?;
    let tools = catalog::list(store)?;
    Ok(json_response(
        200,
        &json!({"tools": tools, "count": tools.len()}),
    ))
}
