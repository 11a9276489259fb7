//! The shared flow of `POST /api/v1/tools/<section>/<toolId>`: authenticate, check size,
//! parse the upload, check it against the tool's description, then store the outcome and
//! answer in seed 001's shape. The gateways differ only in how they run the tool.

use std::io::Write;

use serde_json::{json, Value};
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::key_value::Store;

use crate::auth::{authenticate, Principal};
use crate::jobs::{self, NewFile};
use crate::multipart::{self, ToolRequest};
use crate::{catalog, config, json_response, ApiError, ApiResult};

/// What the route was asked to do.
pub enum Action {
    /// `GET`: describe the tool (public; also registers it in the catalog).
    Describe,
    /// `POST`: run it.
    Run,
}

/// Works out the action from the method and path; 404 for paths this tool does not serve.
pub fn action(req: &Request, entry: &Value) -> ApiResult<Action> {
    let segments = crate::segments(req);
    let expected = [
        "api",
        "v1",
        "tools",
        entry["section"].as_str().unwrap_or(""),
        entry["id"].as_str().unwrap_or(""),
    ];
    if segments != expected {
        return Err(ApiError::not_found("Not found"));
    }
    match req.method() {
        Method::Get => Ok(Action::Describe),
        Method::Post => Ok(Action::Run),
        _ => Err(ApiError::new(
            405,
            "METHOD_NOT_ALLOWED",
            "Use POST to run a tool",
        )),
    }
}

/// Answers a describe request, registering the entry in the catalog on the way.
pub fn describe(store: &Store, entry: &Value) -> ApiResult<Response> {
    catalog::register(store, entry)?;
    Ok(json_response(200, entry))
}

/// An authenticated, parsed and checked tool call.
pub struct ToolCall {
    /// The store.
    pub store: Store,
    /// Who is calling.
    pub principal: Principal,
    /// Files and settings.
    pub request: ToolRequest,
}

/// Authenticates, enforces the upload limit (413), parses the body and checks the files
/// against the tool's declared input count and extensions.
pub fn prepare(req: &Request, entry: &Value) -> ApiResult<ToolCall> {
    let store = crate::store::open()?;
    let principal = authenticate(&store, req)?;
    if let Some(limit) = config::max_upload_bytes() {
        if req.body().len() as u64 > limit {
            return Err(ApiError::new(
                413,
                "FILE_TOO_LARGE",
                format!(
                    "Upload exceeds the maximum allowed size of {} MB",
                    limit / (1024 * 1024)
                ),
            ));
        }
    }
    let request = multipart::parse(req)?;
    let min = entry["minInputs"].as_u64().unwrap_or(1) as usize;
    let max = entry["maxInputs"].as_u64().unwrap_or(1) as usize;
    let n = request.files.len();
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
    if let Some(accepts) = entry["accepts"].as_array().filter(|a| !a.is_empty()) {
        for file in &request.files {
            let ext = file
                .name
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase())
                .unwrap_or_default();
            if !accepts.iter().any(|a| a.as_str() == Some(ext.as_str())) {
                let list: Vec<&str> = accepts.iter().filter_map(|a| a.as_str()).collect();
                return Err(ApiError::new(
                    400,
                    "UNSUPPORTED_FILE_TYPE",
                    format!(
                        "Unsupported file type \".{ext}\" for this tool (accepted: {})",
                        list.join(", ")
                    ),
                ));
            }
        }
    }
    for file in &request.files {
        if file.size == 0 {
            return Err(ApiError::new(
                400,
                "EMPTY_FILE",
                format!("'{}' is empty", file.name),
            ));
        }
    }
    Ok(ToolCall {
        store,
        principal,
        request,
    })
}

/// Maps a tool's typed error to the API error.
pub fn tool_error(kind: &str, message: String) -> ApiError {
    match kind {
        "invalid-settings" => ApiError::new(
            400,
            "INVALID_SETTINGS",
            format!("Invalid settings: {message}"),
        ),
        "unsupported-input" => ApiError::new(
            400,
            "UNSUPPORTED_INPUT",
            format!("Invalid input: {message}"),
        ),
        "too-large" => ApiError::new(413, "TOO_LARGE", message),
        _ => ApiError::new(
            422,
            "PROCESSING_FAILED",
            format!("Processing failed: {message}"),
        ),
    }
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

/// Stores a finished synchronous run and answers 200 with seed 001's body.
pub fn finish(
    call: &ToolCall,
    tool: &str,
    outcome: ApiResult<(Vec<NewFile>, Value)>,
) -> ApiResult<Response> {
    let (mut files, extra) = outcome?;
    if files.len() > 1 {
        let base = call
            .request
            .files
            .first()
            .map(|f| {
                f.name
                    .rsplit_once('.')
                    .map(|(s, _)| s.to_string())
                    .unwrap_or_else(|| f.name.clone())
            })
            .unwrap_or_else(|| tool.rsplit('/').next().unwrap_or("result").to_string());
        files = vec![zip_outputs(files, &base)?];
    }
    let job = jobs::create(
        &call.store,
        &call.principal,
        tool,
        &call.request.files,
        &call.request.settings,
        false,
    )?;
    let result = jobs::complete(&call.store, &job, files, extra)?;
    Ok(json_response(200, &jobs::response_body(&job, &result)?))
}

/// The catalog entry JSON for a description.
#[allow(clippy::too_many_arguments)]
pub fn entry(
    id: &str,
    section: &str,
    name: &str,
    description: &str,
    settings_schema: &str,
    kind: &str,
    min_inputs: u32,
    max_inputs: u32,
    accepts: &[String],
) -> Value {
    let schema: Value = serde_json::from_str(settings_schema).unwrap_or(json!({}));
    json!({
        "id": id, "section": section, "name": name, "description": description,
        "settingsSchema": schema, "kind": kind,
        "minInputs": min_inputs, "maxInputs": max_inputs, "accepts": accepts,
    })
}
