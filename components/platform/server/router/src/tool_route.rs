//! The shared flow of `POST /api/v1/tools/<section>/<toolId>`: authenticate, check size,
//! parse the upload, check it against the tool's description, then store the outcome and
//! answer in seed 001's shape. The gateways differ only in how they run the tool.

use std::io::Write;

use lathe_store_layout::{CatalogEntry, ErrorKind, Failure};
use serde_json::Value;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::key_value::Store;

use crate::auth::{authenticate, Principal};
use crate::blobs::{self, Blobs};
use crate::jobs::{self, NewFile};
use crate::multipart::{self, ToolRequest};
use crate::permissions::Permission;
use crate::{catalog, config, json_response, ApiError, ApiResult};

/// What the route was asked to do.
pub enum Action {
    /// `GET`: describe the tool (public; also registers it in the catalog).
    Describe,
    /// `POST`: run it.
    Run,
    /// `POST .../batch` (unless the tool has its own `batch` operation): run it on each of
    /// several files, answered as one ZIP with a manifest.
    Batch,
    /// A sub-route named in the tool's `operations` (`.../<id>/<operation>`, or a top-level
    /// `GET /api/v1/<operation>/...` that `spin.toml` routes to the tool).
    Operation {
        /// The operation's name.
        name: String,
        /// Path segments after the operation's own segment (e.g. a file name).
        rest: Vec<String>,
    },
}

/// Works out the action from the method and path; 404 for paths this tool does not serve.
pub fn action(req: &Request, entry: &CatalogEntry) -> ApiResult<Action> {
    let segments = crate::segments(req);
    let tool_path = ["api", "v1", "tools", &entry.section, &entry.id];
    let operations: Vec<&str> = entry.operations.iter().map(String::as_str).collect();
    let not_found = || ApiError::not_found("Not found");
    if segments.len() > tool_path.len() && segments[..tool_path.len()] == tool_path {
        let name = segments[tool_path.len()];
        if name == "batch" && !operations.contains(&name) && segments.len() == tool_path.len() + 1 {
            return match req.method() {
                Method::Post => Ok(Action::Batch),
                _ => Err(not_allowed("Use POST to run a batch", "POST")),
            };
        }
        if !operations.contains(&name) {
            return Err(not_found());
        }
        // Operations under the tool's path take a body: POST only. (GET serves the
        // top-level listing routes below.)
        if !matches!(req.method(), Method::Post) {
            return Err(not_allowed("Use POST", "POST"));
        }
        return operation(req, name, &segments[tool_path.len() + 1..]);
    }
    if segments.len() >= 3 && segments[..2] == ["api", "v1"] && segments[2] != "tools" {
        // A top-level listing route of the tool (e.g. `GET /api/v1/meme-templates`).
        let name = segments[2];
        if !operations.contains(&name) {
            return Err(not_found());
        }
        return operation(req, name, &segments[3..]);
    }
    if segments != tool_path {
        return Err(not_found());
    }
    match req.method() {
        Method::Get => Ok(Action::Describe),
        Method::Post => Ok(Action::Run),
        _ => Err(not_allowed("Use POST to run a tool", "GET, POST")),
    }
}

/// 405 with the `Allow` header.
fn not_allowed(message: &str, allow: &str) -> ApiError {
    let mut e = ApiError::new(405, "METHOD_NOT_ALLOWED", message);
    e.allow = Some(allow.to_string());
    e
}

fn operation(req: &Request, name: &str, rest: &[&str]) -> ApiResult<Action> {
    match req.method() {
        Method::Get | Method::Post => Ok(Action::Operation {
            name: name.to_string(),
            rest: rest.iter().map(|s| s.to_string()).collect(),
        }),
        _ => Err(not_allowed("Use POST (or GET for listings)", "POST")),
    }
}

/// Answers a describe request, registering the entry in the catalog on the way.
pub fn describe(store: &Store, entry: &CatalogEntry) -> ApiResult<Response> {
    catalog::register(store, entry)?;
    crate::app_settings::check_enabled(store, entry)?;
    Ok(entry_response(entry))
}

/// The catalog entry as a 200 JSON response.
pub fn entry_response(entry: &CatalogEntry) -> Response {
    json_response(200, &serde_json::to_value(entry).unwrap_or(Value::Null))
}

/// An authenticated, parsed and checked tool call.
pub struct ToolCall {
    /// The store (records).
    pub store: Store,
    /// Where file bytes go.
    pub blobs: Box<dyn Blobs>,
    /// Who is calling.
    pub principal: Principal,
    /// Files and settings.
    pub request: ToolRequest,
    /// The library file named by `fileId` in the settings: the result becomes its next
    /// version (and it is the input when nothing was uploaded).
    pub save_to: Option<lathe_store_layout::LibraryFile>,
}

impl ToolCall {
    /// A call of `principal` with `request`, its result not yet bound to a library file.
    pub fn new(store: Store, principal: Principal, request: ToolRequest) -> ApiResult<Self> {
        Ok(Self {
            store,
            blobs: blobs::open()?,
            principal,
            request,
            save_to: None,
        })
    }
}

/// Authenticates, enforces the upload limit (413), parses the body and checks the files
/// against the tool's declared input count and extensions.
pub fn prepare(req: &Request, entry: &CatalogEntry) -> ApiResult<ToolCall> {
    let mut call = prepare_unchecked(req)?;
    crate::app_settings::check_enabled(&call.store, entry)?;
    crate::limits::count_run(&call.principal)?;
    take_file_id(&mut call)?;
    check_files(
        &names_and_sizes(&call.request),
        entry,
        entry.min_inputs as usize,
    )?;
    Ok(call)
}

/// Takes `fileId` out of the settings (the tool never sees it): the named library file
/// (owner or admin, else 404) receives the result, and is the input if none was uploaded.
fn take_file_id(call: &mut ToolCall) -> ApiResult<()> {
    let Ok(Value::Object(mut settings)) = serde_json::from_str::<Value>(&call.request.settings)
    else {
        return Ok(());
    };
    let Some(id) = settings.remove("fileId") else {
        return Ok(());
    };
    let id = id
        .as_str()
        .ok_or_else(|| ApiError::bad_request("fileId must be a string"))?
        .to_string();
    let file = crate::library::visible(&call.store, &call.principal, &id)?;
    if call.request.files.is_empty() {
        let data = crate::library::read(call.blobs.as_ref(), &file)?;
        call.request.files.push(multipart::UploadedFile {
            field: "file".into(),
            name: file.name.clone(),
            media_type: file.media_type.clone(),
            size: data.len() as u64,
            data,
        });
    }
    call.request.settings = Value::Object(settings).to_string();
    call.save_to = Some(file);
    Ok(())
}

/// Saves a completed job's first output as the next version of the call's `fileId` file
/// and names it in `body` (`savedFile`).
pub fn save_to_library(
    call: &ToolCall,
    job: &jobs::Job,
    result: &jobs::JobResult,
    body: &mut Value,
) -> ApiResult<()> {
    let (Some(target), Some(output)) = (&call.save_to, result.files.first()) else {
        return Ok(());
    };
    let data = blobs::read_file(
        call.blobs.as_ref(),
        &lathe_store_layout::keys::output(&job.id, &output.name),
        output,
    )?;
    let saved = crate::library::add_version(
        &call.store,
        call.blobs.as_ref(),
        &call.principal.user.id,
        crate::library::Content {
            name: &output.name,
            media_type: &output.media_type,
            data: &data,
        },
        Some(target),
        Some(&job.id),
    )?;
    body["savedFile"] = crate::library::public(&saved);
    Ok(())
}

/// Like [`prepare`] without checking the files against the tool (a batch checks each file
/// on its own).
pub fn prepare_unchecked(req: &Request) -> ApiResult<ToolCall> {
    let store = crate::store::open()?;
    let principal = authenticate(&store, req)?;
    principal.require(Permission::ToolsUse)?;
    check_upload_size(req)?;
    let request = multipart::parse(req)?;
    ToolCall::new(store, principal, request)
}

/// 413 when the body is over the configured upload limit.
fn check_upload_size(req: &Request) -> ApiResult<()> {
    if let Some(limit) = config::max_upload_bytes() {
        if req.body().len() as u64 > limit {
            return Err(ApiError::file_too_large(limit));
        }
    }
    Ok(())
}

fn names_and_sizes(request: &ToolRequest) -> Vec<(&str, u64)> {
    request
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.size))
        .collect()
}

/// Checks uploaded files, given as (name, size), against `min` and the tool's maximum count
/// and accepted extensions, and refuses empty files.
pub fn check_files(files: &[(&str, u64)], entry: &CatalogEntry, min: usize) -> ApiResult<()> {
    let max = entry.max_inputs as usize;
    let n = files.len();
    if n == 0 && min > 0 {
        return Err(ApiError::new(
            400,
            "NO_FILE",
            "No file provided (send it in the 'file' field)",
        ));
    }
    if n < min {
        return Err(ApiError::new(
            400,
            "TOO_FEW_FILES",
            format!("This tool needs at least {min} files"),
        ));
    }
    if n > max {
        return Err(ApiError::new(
            400,
            "TOO_MANY_FILES",
            format!("Too many files (max {max})"),
        ));
    }
    if !entry.accepts.is_empty() {
        for (name, _) in files {
            let ext = name
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase())
                .unwrap_or_default();
            if !entry.accepts.contains(&ext) {
                return Err(ApiError::new(
                    400,
                    "UNSUPPORTED_FILE_TYPE",
                    format!(
                        "Unsupported file type \".{ext}\" for this tool (accepted: {})",
                        entry.accepts.join(", ")
                    ),
                ));
            }
        }
    }
    for (name, size) in files {
        if *size == 0 {
            return Err(ApiError::new(
                400,
                "EMPTY_FILE",
                format!("'{name}' is empty"),
            ));
        }
    }
    Ok(())
}

/// Authenticates and parses a sub-route call. Unlike [`prepare`], files are optional (a
/// `GET` has none); those sent are checked against the tool's accepted types and maximum
/// count. For a `GET`, the settings are `{"path": "<rest>"}` plus the query parameters.
pub fn prepare_operation(
    req: &Request,
    entry: &CatalogEntry,
    rest: &[String],
) -> ApiResult<ToolCall> {
    let store = crate::store::open()?;
    let principal = authenticate(&store, req)?;
    principal.require(Permission::ToolsUse)?;
    crate::app_settings::check_enabled(&store, entry)?;
    let request = if matches!(req.method(), Method::Get) {
        let mut settings = serde_json::Map::new();
        settings.insert("path".into(), Value::String(rest.join("/")));
        for pair in req.query().split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            settings.insert(k.to_string(), Value::String(v.to_string()));
        }
        ToolRequest {
            files: Vec::new(),
            settings: Value::Object(settings).to_string(),
            pipeline: None,
        }
    } else {
        check_upload_size(req)?;
        multipart::parse(req)?
    };
    check_files(&names_and_sizes(&request), entry, 0)?;
    ToolCall::new(store, principal, request)
}

/// Answers a finished operation: JSON of `extra` when it made no file, else the file's bytes
/// with each scalar `extra` field as an `X-...` header.
pub fn operation_response(files: Vec<NewFile>, extra: Value) -> ApiResult<Response> {
    let mut files = files;
    if files.is_empty() {
        return Ok(json_response(200, &extra));
    }
    let file = if files.len() == 1 {
        files.remove(0)
    } else {
        zip_outputs(files, "result")?
    };
    let mut builder = Response::builder();
    builder
        .status(200)
        .header("content-type", file.media_type.as_str())
        .header(
            "content-disposition",
            format!("inline; filename=\"{}\"", file.name.replace('"', "")),
        );
    if let Value::Object(map) = &extra {
        for (key, value) in map {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => continue,
            };
            if text.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
                builder.header(header_name(key), text);
            }
        }
    }
    Ok(builder.body(file.data).build())
}

/// `originalSize` -> `X-Original-Size`.
fn header_name(key: &str) -> String {
    let mut name = String::from("X-");
    let mut upper = true;
    for c in key.chars().filter(|c| c.is_ascii_alphanumeric()) {
        if c.is_ascii_uppercase() && !upper {
            name.push('-');
        }
        if upper {
            name.push(c.to_ascii_uppercase());
        } else {
            name.push(c);
        }
        upper = false;
    }
    name
}

/// The API error for a tool's typed error of `kind` with the tool's `detail`.
pub fn tool_error(kind: ErrorKind, detail: &str) -> ApiError {
    Failure::tool(kind, detail).into()
}

/// Packs several outputs into one ZIP named after the first input.
fn zip_outputs(files: Vec<NewFile>, base: &str) -> ApiResult<NewFile> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for file in &files {
        writer
            .start_file(file.name.as_str(), options)
            .map_err(ApiError::internal)?;
        writer.write_all(&file.data).map_err(ApiError::internal)?;
    }
    let data = writer.finish().map_err(ApiError::internal)?.into_inner();
    Ok(NewFile {
        name: format!("{base}.zip"),
        media_type: "application/zip".into(),
        data,
    })
}

/// The name of the ZIP of several outputs: the first input's stem, else the tool id.
pub fn zip_base(first_input: Option<&str>, tool: &str) -> String {
    match first_input {
        Some(name) => name
            .rsplit_once('.')
            .map(|(stem, _)| stem.to_string())
            .unwrap_or_else(|| name.to_string()),
        None => tool.rsplit('/').next().unwrap_or("result").to_string(),
    }
}

/// Several outputs become one ZIP named after `base`; one output stays as it is.
pub fn zip_if_several(files: Vec<NewFile>, base: &str) -> ApiResult<Vec<NewFile>> {
    if files.len() > 1 {
        Ok(vec![zip_outputs(files, base)?])
    } else {
        Ok(files)
    }
}

/// Whether the client asked for an asynchronous answer: `?async=true` (or `1`) or the
/// header `Prefer: respond-async` (RFC 7240).
pub fn wants_async(req: &Request) -> bool {
    let query = req
        .query()
        .split('&')
        .any(|p| p == "async=true" || p == "async=1");
    let prefer = req
        .header("prefer")
        .and_then(|v| v.as_str())
        .is_some_and(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("respond-async"))
        });
    query || prefer
}

/// Stores the inputs and queues the job for the worker pool (which runs pure tools as well
/// as native ones); answers 202 `{"jobId","async":true}`.
pub fn enqueue(call: &ToolCall, tool: &str) -> ApiResult<Response> {
    let job = queue_job(call, tool, None)?;
    Ok(accepted(&job.id))
}

/// Stores the inputs and the job (with the call's `fileId`, which the worker saves the
/// result to, and the sub-route `operation` to run instead of the tool's main run) and
/// queues it.
pub fn queue_job(call: &ToolCall, tool: &str, operation: Option<&str>) -> ApiResult<jobs::Job> {
    let mut job = jobs::new_job(
        call.blobs.as_ref(),
        &call.principal,
        tool,
        &call.request.files,
        &call.request.settings,
        true,
    )?;
    job.save_to = call.save_to.as_ref().map(|target| target.id.clone());
    job.operation = operation.map(str::to_string);
    jobs::save_new(&call.store, &job)?;
    call.store
        .set(&lathe_store_layout::keys::queue(&job.id), b"")?;
    Ok(job)
}

/// The 202 answer of a queued job.
pub fn accepted(job_id: &str) -> Response {
    let mut r = json_response(202, &serde_json::json!({"jobId": job_id, "async": true}));
    r.set_header("location", format!("/api/v1/jobs/{job_id}"));
    r
}

/// A prepared call's `Idempotency-Key` (checked) and request fingerprint; computed before
/// the uploaded bytes are handed to the tool.
pub fn idempotency_of(req: &Request, call: &ToolCall) -> ApiResult<(Option<String>, String)> {
    let key = crate::idempotency::key_of(req)?;
    let path = match req.query() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    };
    Ok((
        key,
        crate::idempotency::tool_fingerprint(&path, &call.request),
    ))
}

/// Runs a prepared tool call under its `Idempotency-Key` (see [`crate::idempotency`]).
pub fn idempotent(
    req: &Request,
    call: &ToolCall,
    run: impl FnOnce() -> ApiResult<Response>,
) -> ApiResult<Response> {
    let (key, fingerprint) = idempotency_of(req, call)?;
    crate::idempotency::once(
        &call.store,
        call.blobs.as_ref(),
        &call.principal,
        key,
        fingerprint,
        run,
    )
}

/// Stores a finished synchronous run and answers 200 with seed 001's body.
pub fn finish(
    call: &ToolCall,
    tool: &str,
    outcome: ApiResult<(Vec<NewFile>, Value)>,
) -> ApiResult<Response> {
    let (files, extra) = outcome?;
    let first = call.request.files.first().map(|f| f.name.as_str());
    let files = zip_if_several(files, &zip_base(first, tool))?;
    let job = jobs::new_job(
        call.blobs.as_ref(),
        &call.principal,
        tool,
        &call.request.files,
        &call.request.settings,
        false,
    )?;
    jobs::save_new(&call.store, &job)?;
    let result = jobs::complete(&call.store, call.blobs.as_ref(), &job, files, extra)?;
    let mut body = jobs::response_body(&job, &result)?;
    save_to_library(call, &job, &result, &mut body)?;
    Ok(json_response(200, &body))
}
