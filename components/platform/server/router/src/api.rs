//! The routes of the `api` component: health, auth, users, roles, teams, settings, audit
//! log, API keys, usage, webhooks, catalog, job status. Downloads never reach this module:
//! the component streams them first.
//!
//! Every route names the permission it needs (`crate::permissions`), never a role.

use serde::Deserialize;
use serde_json::{json, Value};
use spin_sdk::http::{Request, Response};
use spin_sdk::key_value::Store;

use crate::auth::{self, authenticate};
use crate::permissions::Permission as P;
use crate::route_table::{Access, Body, Ctx, RouteDoc};
use crate::{
    catalog, config, job_control, jobs, json_response, segments, store, ApiError, ApiResult,
};

/// The version reported by the health check.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Handles a request to the `api` component.
pub fn handle(req: Request) -> Response {
    crate::respond(route(&req))
}

fn route(req: &Request) -> ApiResult<Response> {
    let store = store::open()?;
    auth::ensure_admin(&store)?;
    let segs = segments(req);
    let mut ctx = Ctx::new(&store, req);
    match dispatch(&mut ctx, req.method(), &segs) {
        Some(answer) => answer,
        None if !methods_of(&segs).is_empty() => {
            let allowed = methods_of(&segs).join(", ");
            let mut e = ApiError::new(
                405,
                "METHOD_NOT_ALLOWED",
                format!("Method not allowed here (allowed: {allowed})"),
            );
            e.allow = Some(allowed);
            Err(e)
        }
        None if segs.len() >= 5 && segs[..3] == ["api", "v1", "tools"] => {
            authenticate(&store, req)?;
            Err(ApiError::not_found("Tool not found"))
        }
        None => Err(ApiError::not_found("Not found")),
    }
}

/// The methods routes of this path answer (for 405 and `Allow`).
fn methods_of(segments: &[&str]) -> Vec<String> {
    let routes: Vec<RouteDoc> = route_docs()
        .into_iter()
        .chain(streamed_route_docs())
        .filter(|r| crate::route_table::template_matches(&r.path, segments))
        .collect();
    // A literal segment wins over a parameter (`/files/presign` is not `/files/{id}`).
    let literals = |r: &RouteDoc| r.path.matches('/').count() - r.path.matches('{').count();
    let best = routes.iter().map(literals).max().unwrap_or(0);
    let mut methods: Vec<String> = routes
        .iter()
        .filter(|r| literals(r) == best)
        .map(|r| r.method.clone())
        .collect();
    methods.dedup();
    methods
}

const FILES: &[P] = &[P::FilesOwn, P::FilesAll];
const KEYS: &[P] = &[P::ApikeysOwn, P::ApikeysAll];
const JOBS: &[P] = &[P::ToolsUse, P::FilesAll];
const HOOKS: &[P] = &[P::ToolsUse, P::WebhooksManage];

crate::routes! {
    Get ["api", "v1", "openapi.json"] Access::Public, "system", "This API as an OpenAPI 3.1 document (JSON)",
        Empty, 200 => |c| ok(crate::openapi::document(c.store)?);
    Get ["api", "v1", "openapi.yaml"] Access::Public, "system", "This API as an OpenAPI 3.1 document (YAML)",
        Empty, 200 => |c| text(crate::openapi::yaml(c.store)?, "application/yaml");
    Get ["llms.txt"] Access::Public, "system", "A summary for language models: auth, the call pattern, the tools",
        Empty, 200 => |c| text(crate::openapi::llms(c.store)?, "text/plain; charset=utf-8");
    Get ["llms-full.txt"] Access::Public, "system", "Every route and every tool's settings, for language models",
        Empty, 200 => |c| text(crate::openapi::llms_full(c.store)?, "text/plain; charset=utf-8");
    Get ["api", "v1", "health"] Access::Public, "system", "Health check: {status, version}; 503 when the store is unreachable",
        Empty, 200 => |c| health(c.store);
    Get ["api", "v1", "config", "auth"] Access::Public, "auth", "Whether authentication is enabled",
        Empty, 200 => |c| ok(json!({"authEnabled": config::auth_enabled()}));
    Post ["api", "auth", "login"] Access::Public, "auth", "Log in: {username, password} → {token, user, expiresAt}",
        Json, 200 => |c| login(c.store, c.req);
    Post ["api", "auth", "logout"] Access::Auth, "auth", "End the current session",
        Empty, 200 => |c| logout(c);
    Get ["api", "auth", "session"] Access::Auth, "auth", "The current user with their permissions",
        Empty, 200 => |c| session(c);
    Post ["api", "auth", "change-password"] Access::Auth, "auth", "Change one's password {currentPassword, newPassword}; ends other sessions and API keys",
        Json, 200 => |c| change_password(c);
    Post ["api", "auth", "register"] Access::Perm(P::UsersManage), "users", "Create a user {username, password, role?, team?}",
        Json, 201 => |c| register(c);
    Get ["api", "auth", "users"] Access::Perm(P::UsersManage), "users", "List users",
        Empty, 200 => |c| users(c.store);
    Put ["api", "auth", "users", id] Access::Perm(P::UsersManage), "users", "Change a user's role or team {role?, team?}",
        Json, 200 => |c| ok(crate::users::update(c.store, c.who()?, id, &c.json()?)?);
    Post ["api", "auth", "users", id, "reset-password"] Access::Perm(P::UsersManage), "users", "Reset a user's password {newPassword?}",
        Json, 200 => |c| ok(crate::users::reset_password(c.store, c.who()?, id, &c.json_or_empty()?)?);
    Post ["api", "auth", "users", id, "unlock"] Access::Perm(P::SecurityManage), "users", "Lift a login lockout",
        Empty, 200 => |c| ok(crate::users::unlock(c.store, c.who()?, id)?);
    Delete ["api", "auth", "users", id] Access::Perm(P::UsersManage), "users", "Delete a user and everything they own",
        Empty, 200 => |c| {
            let blobs = crate::blobs::open()?;
            ok(crate::users::delete(c.store, blobs.as_ref(), c.who()?, id)?)
        };
    Get ["api", "v1", "admin", "users", id, "export"] Access::Perm(P::ComplianceManage), "users", "Export what Lathe holds about a user",
        Empty, 200 => |c| ok(crate::users::export(c.store, c.who()?, id)?);
    Post ["api", "v1", "api-keys"] Access::Perm(P::ApikeysOwn), "api-keys", "Create an API key {name?, permissions?, expiresAt?}; the key is shown once",
        Json, 201 => |c| create_key(c);
    Get ["api", "v1", "api-keys"] Access::Any(KEYS), "api-keys", "List API keys (all=true: everyone's, with apikeys:all)",
        Empty, 200 => |c| list_keys(c);
    Delete ["api", "v1", "api-keys", id] Access::Any(KEYS), "api-keys", "Delete an API key",
        Empty, 200 => |c| delete_key(c, id);
    Post ["api", "v1", "api-keys", id, "rotate"] Access::Any(KEYS), "api-keys", "Give an API key a new secret (shown once)",
        Empty, 200 => |c| rotate_key(c, id);
    Get ["api", "v1", "roles"] Access::Perm(P::AuditRead), "roles", "List roles with user counts",
        Empty, 200 => |c| ok(crate::roles::list(c.store)?);
    Post ["api", "v1", "roles"] Access::Perm(P::UsersManage), "roles", "Create a role {name, description?, permissions}",
        Json, 201 => |c| created(crate::roles::create(c.store, c.who()?, &c.json()?)?);
    Put ["api", "v1", "roles", id] Access::Perm(P::UsersManage), "roles", "Change a custom role",
        Json, 200 => |c| ok(crate::roles::update(c.store, c.who()?, id, &c.json()?)?);
    Delete ["api", "v1", "roles", id] Access::Perm(P::UsersManage), "roles", "Delete a custom role; its users become user",
        Empty, 200 => |c| ok(crate::roles::delete(c.store, c.who()?, id)?);
    Get ["api", "v1", "teams"] Access::Perm(P::TeamsManage), "teams", "List teams",
        Empty, 200 => |c| ok(crate::teams::list(c.store)?);
    Post ["api", "v1", "teams"] Access::Perm(P::TeamsManage), "teams", "Create a team {name}",
        Json, 201 => |c| created(crate::teams::create(c.store, c.who()?, &c.json()?)?);
    Put ["api", "v1", "teams", id] Access::Perm(P::TeamsManage), "teams", "Rename a team {name}",
        Json, 200 => |c| ok(crate::teams::rename(c.store, c.who()?, id, &c.json()?)?);
    Delete ["api", "v1", "teams", id] Access::Perm(P::TeamsManage), "teams", "Delete a team without members",
        Empty, 200 => |c| ok(crate::teams::delete(c.store, c.who()?, id)?);
    Get ["api", "v1", "settings"] Access::Perm(P::SettingsRead), "settings", "All runtime settings",
        Empty, 200 => |c| ok(crate::app_settings::list(c.store)?);
    Put ["api", "v1", "settings"] Access::Perm(P::SettingsWrite), "settings", "Change settings {key: value, ...}",
        Json, 200 => |c| ok(crate::app_settings::update(c.store, c.who()?, &c.json()?)?);
    Get ["api", "v1", "settings", key] Access::Perm(P::SettingsRead), "settings", "One setting",
        Empty, 200 => |c| ok(crate::app_settings::get(c.store, key)?);
    Get ["api", "v1", "audit-log"] Access::Perm(P::AuditRead), "audit", "The audit log (page, limit ≤ 100, action, from, to)",
        Empty, 200 => |c| ok(crate::audit::list(c.store, c.req.query())?);
    Get ["api", "v1", "usage"] Access::Auth, "usage", "Plan, runs today, runs per day and rate limit",
        Empty, 200 => |c| ok(crate::limits::usage(c.who()?)?);
    Post ["api", "v1", "webhooks"] Access::Perm(P::ToolsUse), "webhooks", "Register a webhook {url, events?}; the signing secret is shown once",
        Json, 201 => |c| created(crate::webhooks::create(c.store, c.who()?, &c.json()?)?);
    Get ["api", "v1", "webhooks"] Access::Any(HOOKS), "webhooks", "List webhooks (all=true with webhooks:manage)",
        Empty, 200 => |c| ok(crate::webhooks::list(c.store, c.who()?, c.req.query())?);
    Delete ["api", "v1", "webhooks", id] Access::Any(HOOKS), "webhooks", "Delete a webhook",
        Empty, 200 => |c| ok(crate::webhooks::delete(c.store, c.who()?, id)?);
    Get ["api", "v1", "admin", "health"] Access::Perm(P::SystemHealth), "system", "Detailed health: store, queue, workers, uptime, GPU",
        Empty, 200 => |c| ok(crate::admin::health(c.store)?);
    Get ["api", "v1", "config", "analytics"] Access::Public, "system", "Analytics configuration (empty: Lathe sends none)",
        Empty, 200 => |c| ok(crate::admin::analytics_config());
    Put ["api", "v1", "user", "analytics"] Access::Auth, "system", "Analytics consent {enabled} or {remindLater}",
        Json, 200 => |c| ok(crate::admin::analytics_consent(c.store, c.who()?, &c.json()?)?);
    Get ["api", "v1", "features"] Access::Auth, "features", "Feature bundles and their state",
        Empty, 200 => |c| ok(crate::admin::features(c.store)?);
    Get ["api", "v1", "admin", "features", "disk-usage"] Access::Perm(P::FeaturesManage), "features", "Disk used by feature bundles",
        Empty, 200 => |c| ok(crate::admin::features_disk_usage(c.store)?);
    Post ["api", "v1", "admin", "features", bundle, action] Access::Perm(P::FeaturesManage), "features", "Install or uninstall a feature bundle (action: install, uninstall)",
        Empty, 200 => |c| ok(crate::admin::feature_action(c.store, c.who()?, bundle, action)?);
    Get ["api", "v1", "tools"] Access::Auth, "tools", "The tool catalog",
        Empty, 200 => |c| tools(c.store);
    Get ["api", "v1", "jobs"] Access::Perm(P::ToolsUse), "jobs", "List jobs, newest first (limit, cursor, all)",
        Empty, 200 => |c| ok(job_control::list(c.store, c.who()?, c.req.query())?);
    Get ["api", "v1", "jobs", job] Access::Any(JOBS), "jobs", "A job's status and results",
        Empty, 200 => |c| ok(jobs::status(c.store, c.who()?, job)?);
    Delete ["api", "v1", "jobs", job] Access::Any(JOBS), "jobs", "Cancel a job",
        Empty, 200 => |c| ok(job_control::cancel(c.store, c.who()?, job)?);
    Post ["api", "v1", "jobs", job, "retry"] Access::Any(JOBS), "jobs", "Retry a failed or canceled job (Idempotency-Key honoured)",
        Empty, 202 => |c| retry(c, job);
    Delete ["api", "v1", "jobs", job, "files"] Access::Any(JOBS), "jobs", "Delete a finished job's files",
        Empty, 200 => |c| {
            let blobs = crate::blobs::open()?;
            ok(job_control::delete_files(c.store, blobs.as_ref(), c.who()?, job)?)
        };
    Post ["api", "v1", "files", "save-result"] Access::Any(FILES), "files", "Save a job's output to the library {jobId, filename?, fileId?}",
        Json, 201 => |c| {
            let blobs = crate::blobs::open()?;
            created(crate::library::save_result(c.store, blobs.as_ref(), c.who()?, &c.json()?)?)
        };
    Get ["api", "v1", "files"] Access::Any(FILES), "files", "List library files (search, limit, cursor, all)",
        Empty, 200 => |c| ok(crate::library::list(c.store, c.who()?, c.req.query())?);
    Delete ["api", "v1", "files"] Access::Any(FILES), "files", "Delete library files and their versions {ids}",
        Json, 200 => |c| {
            let blobs = crate::blobs::open()?;
            ok(crate::library::delete(c.store, blobs.as_ref(), c.who()?, &c.json()?)?)
        };
    Post ["api", "v1", "preview"] Access::Inside(P::ToolsUse), "files", "A browser-safe WebP preview of an uploaded image",
        Multipart, 200 => |c| crate::previews::preview(c.req);
    Post ["api", "v1", "upload"] Access::Inside(P::ToolsUse), "files", "Upload files for temporary processing (the workspace)",
        Multipart, 201 => |c| {
            let call = crate::tool_route::prepare_unchecked(c.req)?;
            created(crate::library::workspace_upload(
                &call.store,
                call.blobs.as_ref(),
                &call.principal,
                call.request.files,
            )?)
        };
    Post ["api", "v1", "files", "presign"] Access::Any(FILES), "files", "A presigned upload URL {name, mime_type, size_bytes}",
        Json, 201 => |c| created(crate::presign::create(c.store, c.who()?, &c.json()?)?);
    Post ["api", "v1", "files", id, "share"] Access::Any(FILES), "files", "A signed download link {expiresInSeconds?}",
        Json, 201 => |c| {
            let body = if c.req.body().is_empty() { Value::Null } else { c.json()? };
            created(crate::presign::share(c.store, c.who()?, id, &body)?)
        };
    Get ["api", "v1", "files", id] Access::Any(FILES), "files", "A library file with its versions",
        Empty, 200 => |c| ok(crate::library::get(c.store, c.who()?, id)?);
    Post ["api", "v1", "pipeline", "execute"] Access::Inside(P::ToolsUse), "pipelines", "Run a pipeline on one file (file, pipeline)",
        Multipart, 200 => |c| crate::pipeline::execute(c.req);
    Post ["api", "v1", "pipeline", "batch"] Access::Inside(P::ToolsUse), "pipelines", "Run a pipeline on many files (ZIP)",
        Multipart, 200 => |c| crate::pipeline::batch(c.req);
    Post ["api", "v1", "pipeline", "save"] Access::Inside(P::PipelinesOwn), "pipelines", "Save a pipeline {name, description?, steps}",
        Json, 201 => |c| crate::pipeline::save(c.store, c.req, &c.json()?);
    Get ["api", "v1", "pipeline", "list"] Access::Inside(P::PipelinesOwn), "pipelines", "Saved pipelines",
        Empty, 200 => |c| crate::pipeline::list(c.store, c.req);
    Get ["api", "v1", "pipeline", "tools"] Access::Perm(P::ToolsUse), "pipelines", "Tool ids a pipeline step may name",
        Empty, 200 => |c| crate::pipeline::tools(c.store, c.req);
    Delete ["api", "v1", "pipeline", id] Access::Inside(P::PipelinesOwn), "pipelines", "Delete a saved pipeline",
        Empty, 200 => |c| crate::pipeline::delete(c.store, c.req, id);
}

/// The JSON body a route takes, as a JSON Schema (for the spec): what its handler checks,
/// as far as a schema can say it (ids that must exist are plain strings).
pub fn request_schema(method: &str, path: &str) -> Value {
    let text = |min: u32, max: u32| json!({"type": "string", "minLength": min, "maxLength": max});
    let password = text(8, 256);
    let permissions = json!({"type": "array", "items": {"type": "string",
        "enum": crate::permissions::ALL.map(|p| p.as_str())}});
    let name = json!({"type": "string", "minLength": 1, "maxLength": 50,
        "pattern": "^[A-Za-z0-9_.-][A-Za-z0-9 _.-]*$"});
    let object = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required});
    match (method, path) {
        ("POST", "/api/auth/login") => object(
            json!({"username": text(1, 100), "password": text(1, 256)}),
            &["username", "password"],
        ),
        ("POST", "/api/auth/change-password") => object(
            json!({"currentPassword": text(1, 256), "newPassword": password}),
            &["currentPassword", "newPassword"],
        ),
        ("POST", "/api/auth/register") => object(
            json!({"username": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{3,50}$"},
                   "password": password,
                   "role": {"type": "string", "description": "admin, user or a custom role's id or name",
                            "enum": ["admin", "user"]},
                   "team": {"type": "string", "description": "a team id", "enum": ["default"]}}),
            &["username", "password"],
        ),
        ("PUT", "/api/auth/users/{id}") => json!({
            "type": "object", "minProperties": 1,
            "properties": {"role": {"type": "string", "enum": ["admin", "user"],
                                    "description": "admin, user or a custom role's id or name"},
                           "team": {"type": "string", "enum": ["default"], "description": "a team id"}},
            "additionalProperties": false,
        }),
        ("POST", "/api/auth/users/{id}/reset-password") => {
            object(json!({"newPassword": password}), &[])
        }
        ("POST", "/api/v1/api-keys") => object(
            json!({"name": {"type": ["string", "null"], "maxLength": 100},
                   "permissions": {"anyOf": [permissions, {"type": "null"}]},
                   "expiresAt": {"type": ["string", "null"], "format": "date-time",
                                 "description": "in the future"}}),
            &[],
        ),
        ("POST", "/api/v1/roles") => object(
            json!({"name": name, "description": text(0, 500), "permissions": permissions}),
            &["name", "permissions"],
        ),
        ("PUT", "/api/v1/roles/{id}") => object(
            json!({"name": name, "description": text(0, 500), "permissions": permissions}),
            &[],
        ),
        ("POST", "/api/v1/teams") | ("PUT", "/api/v1/teams/{id}") => object(
            json!({"name": {"type": "string", "minLength": 1, "maxLength": 50,
                            "pattern": "^[^\\s\\x00-\\x1f]([^\\x00-\\x1f]*[^\\s\\x00-\\x1f])?$"}}),
            &["name"],
        ),
        ("PUT", "/api/v1/settings") => json!({
            "type": "object", "minProperties": 1,
            "properties": {
                "disabledTools": {"type": "array", "items": {"type": "string", "maxLength": 100}},
                "enableExperimentalTools": {"type": "boolean"},
                "loginAttemptLimit": {"type": "integer", "minimum": 0, "maximum": 1000},
            },
            "propertyNames": {"pattern": "^[A-Za-z][A-Za-z0-9_.-]{0,63}$"},
            "additionalProperties": {"type": ["string", "number", "boolean"], "maxLength": 8192},
        }),
        ("POST", "/api/v1/webhooks") => object(
            json!({"url": {"type": "string", "format": "uri", "maxLength": 2048,
                           "pattern": "^https?://"},
                   "events": {"type": ["array", "null"], "minItems": 1,
                              "items": {"type": "string", "enum": ["run.completed", "run.failed"]}}}),
            &["url"],
        ),
        ("PUT", "/api/v1/user/analytics") => json!({
            "type": "object",
            "properties": {"enabled": {"type": "boolean"}, "remindLater": {"const": true}},
            "anyOf": [{"required": ["enabled"]}, {"required": ["remindLater"]}],
        }),
        ("POST", "/api/v1/files/save-result") => object(
            json!({"jobId": {"type": "string", "format": "uuid"}, "filename": text(1, 255),
                   "fileId": {"type": "string", "format": "uuid"}}),
            &["jobId"],
        ),
        ("DELETE", "/api/v1/files") => object(
            json!({"ids": {"type": "array", "minItems": 1, "items": {"type": "string"}}}),
            &["ids"],
        ),
        ("POST", "/api/v1/files/presign") => object(
            json!({"name": {"type": "string", "minLength": 1},
                   "mime_type": {"type": ["string", "null"]},
                   "size_bytes": {"type": "integer", "minimum": 1}}),
            &["name", "size_bytes"],
        ),
        ("POST", "/api/v1/files/{id}/share") => object(
            json!({"expiresInSeconds": {"type": "integer", "minimum": 1}}),
            &[],
        ),
        ("POST", "/api/v1/pipeline/save") => object(
            json!({"name": text(1, 100), "description": text(0, 1000),
                   "steps": {"type": "array", "minItems": 1, "items": object(
                       json!({"toolId": {"type": "string", "minLength": 1,
                               "description": "a tool id such as resize or image/resize"},
                               "settings": {"type": "object"}}),
                       &["toolId"])}}),
            &["name", "steps"],
        ),
        _ => json!({"type": "object"}),
    }
}

/// Routes the `api` component serves before this table, streaming (downloads, progress,
/// library uploads, presigned uploads), and the tool routes of the gateways: documented
/// here for the spec.
pub fn streamed_route_docs() -> Vec<RouteDoc> {
    let doc = |method: &str, path: &str, access, tag, summary, body, status| RouteDoc {
        method: method.to_string(),
        path: path.to_string(),
        access,
        tag,
        summary,
        body,
        status,
    };
    vec![
        doc(
            "GET",
            "/api/v1/download/{job}/{file}",
            Access::Any(JOBS),
            "jobs",
            "Download a job's output file",
            Body::Empty,
            200,
        ),
        doc(
            "GET",
            "/api/v1/jobs/{job}/progress",
            Access::Any(JOBS),
            "jobs",
            "A job's progress as Server-Sent Events",
            Body::Empty,
            200,
        ),
        doc(
            "POST",
            "/api/v1/files/upload",
            Access::Any(FILES),
            "files",
            "Upload files to the library",
            Body::Multipart,
            201,
        ),
        doc(
            "GET",
            "/api/v1/files/{id}/download",
            Access::Any(FILES),
            "files",
            "Download a library file (or a signed share link)",
            Body::Empty,
            200,
        ),
        doc(
            "GET",
            "/api/v1/files/{id}/thumbnail",
            Access::Any(FILES),
            "files",
            "A 300 px JPEG thumbnail",
            Body::Empty,
            200,
        ),
        doc(
            "PUT",
            "/api/v1/files/presigned/{id}",
            Access::Public,
            "files",
            "Upload to a presigned URL (its signature is the credential)",
            Body::Raw,
            201,
        ),
    ]
}

fn text(body: String, content_type: &str) -> ApiResult<Response> {
    Ok(Response::builder()
        .status(200)
        .header("content-type", content_type)
        .header("x-request-id", crate::request_id::current())
        .body(body)
        .build())
}

fn ok(body: Value) -> ApiResult<Response> {
    Ok(json_response(200, &body))
}

fn created(body: Value) -> ApiResult<Response> {
    Ok(json_response(201, &body))
}

/// `POST /api/v1/jobs/<id>/retry`, once per `Idempotency-Key`.
fn retry(c: &Ctx, job: &str) -> ApiResult<Response> {
    let (store, principal) = (c.store, c.who()?);
    let blobs = crate::blobs::open()?;
    let key = crate::idempotency::key_of(c.req)?;
    let fingerprint = crate::idempotency::fingerprint(&format!("POST {}", c.req.path()), &[]);
    crate::idempotency::once(store, blobs.as_ref(), principal, key, fingerprint, || {
        let answer = job_control::retry(store, principal, job)?;
        let mut r = json_response(202, &answer);
        r.set_header(
            "location",
            format!("/api/v1/jobs/{}", answer["jobId"].as_str().unwrap_or("")),
        );
        Ok(r)
    })
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
    let body: LoginBody = Ctx::new(store, req).json()?;
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

fn logout(c: &Ctx) -> ApiResult<Response> {
    let (store, principal) = (c.store, c.who()?);
    if let Some(hash) = &principal.session_hash {
        auth::delete_session(store, &principal.user.id, hash)?;
    }
    Ok(json_response(200, &json!({"success": true})))
}

fn session(c: &Ctx) -> ApiResult<Response> {
    let principal = c.who()?;
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

fn change_password(c: &Ctx) -> ApiResult<Response> {
    let (store, principal) = (c.store, c.who()?);
    let body: ChangePasswordBody = c.json()?;
    if !auth::verify_password(&body.current_password, &principal.user.password_hash) {
        crate::audit::record(
            store,
            Some(principal),
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
        Some(principal),
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

fn register(c: &Ctx) -> ApiResult<Response> {
    let (store, principal) = (c.store, c.who()?);
    let body: RegisterBody = c.json()?;
    let wanted = body
        .role
        .as_deref()
        .unwrap_or(crate::permissions::USER_ROLE);
    let role = crate::roles::all(store)?
        .into_iter()
        .find(|r| r.id == wanted || r.name.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| ApiError::bad_request(format!("Unknown role '{wanted}'")))?;
    crate::roles::check_escalation(principal, role.permissions)?;
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
        Some(principal),
        "USER_CREATED",
        Some(("user", &user.id)),
        json!({"username": user.username, "role": user.role, "team": user.team()}),
    )?;
    Ok(json_response(201, &json!({"user": user.public()})))
}

fn users(store: &Store) -> ApiResult<Response> {
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

fn create_key(c: &Ctx) -> ApiResult<Response> {
    let (store, principal) = (c.store, c.who()?);
    let body: CreateKeyBody = if c.req.body().is_empty() {
        CreateKeyBody::default()
    } else {
        c.json()?
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
            crate::roles::check_escalation(principal, wanted)?;
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
        Some(principal),
        "API_KEY_CREATED",
        Some(("apiKey", &key.id)),
        json!({"name": key.name, "permissions": key.permissions, "expiresAt": key.expires_at.map(crate::ids::iso8601)}),
    )?;
    let mut out = key.public();
    out["key"] = json!(raw);
    Ok(json_response(201, &out))
}

/// With `?all=true` and `apikeys:all`: every user's keys (each with its `userId`).
fn list_keys(c: &Ctx) -> ApiResult<Response> {
    let (store, principal) = (c.store, c.who()?);
    let all = crate::query_pairs(c.req.query())
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

fn delete_key(c: &Ctx, id: &str) -> ApiResult<Response> {
    let (store, principal) = (c.store, c.who()?);
    let key = manageable_key(store, principal, id)?;
    auth::delete_api_key(store, &key)?;
    crate::audit::record(
        store,
        Some(principal),
        "API_KEY_DELETED",
        Some(("apiKey", &key.id)),
        json!({"name": key.name, "owner": key.user_id}),
    )?;
    Ok(json_response(200, &json!({"success": true})))
}

/// `POST /api/v1/api-keys/<id>/rotate`: a new secret for the key (same id, name, scope and
/// expiry); the old secret stops working at once. 200 with the new `key`, shown once.
fn rotate_key(c: &Ctx, id: &str) -> ApiResult<Response> {
    let (store, principal) = (c.store, c.who()?);
    let old = manageable_key(store, principal, id)?;
    let (key, raw) = auth::rotate_api_key(store, &old)?;
    crate::audit::record(
        store,
        Some(principal),
        "API_KEY_ROTATED",
        Some(("apiKey", &key.id)),
        json!({"name": key.name, "owner": key.user_id}),
    )?;
    let mut out = key.public();
    out["key"] = json!(raw);
    Ok(json_response(200, &out))
}

fn tools(store: &Store) -> ApiResult<Response> {
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
