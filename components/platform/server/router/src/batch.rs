//! `POST /api/v1/tools/<section>/<toolId>/batch`: one tool, the same settings, many files.
//!
//! The gateway stores each accepted file as the input of a child job and queues it; the
//! worker pool (one thread per core) runs the children side by side. When the last child
//! ends, the worker packs every output into one ZIP with a `manifest.json` naming each
//! input's result or error, and completes the batch job (`X-Job-Id`) with that ZIP. A file
//! refused up front (empty, a type the tool does not take) is in the manifest too: no file
//! is ever silently dropped.
//!
//! The request waits up to `batch_wait_ms` (default 45000) and answers the ZIP itself;
//! a longer batch, or one sent with `?async=true`, answers 202 and is followed on
//! `GET /api/v1/jobs/<id>/progress` like any job. `max_batch_size` (default 0 = unlimited)
//! caps the file count.

use lathe_store_layout::{
    keys, BatchEntry, CatalogEntry, Failure, FileRef, Job, PipelineStep, ResultStatus,
};
use serde_json::json;
use spin_sdk::http::{Request, Response};

use crate::blobs::{put_file, read_file};
use crate::ids::{now_ms, uuid};
use crate::jobs;
use crate::multipart::sanitize_file_name;
use crate::store::set_json;
use crate::tool_route::{self, ToolCall};
use crate::{config, json_response, ApiError, ApiResult};

/// Runs a batch of the tool `tool` described by `entry`.
pub fn submit(req: &Request, entry: &CatalogEntry, tool: &str) -> ApiResult<Response> {
    if entry.min_inputs > 1 {
        return Err(ApiError::new(
            400,
            "NOT_BATCHABLE",
            format!(
                "This tool combines {} or more files into one and cannot run as a batch",
                entry.min_inputs
            ),
        ));
    }
    // Each file is checked on its own below (a refused file goes into the manifest).
    let call = tool_route::prepare_unchecked(req)?;
    crate::app_settings::check_enabled(&call.store, entry)?;
    crate::limits::count_run(&call.principal)?;
    submit_prepared(req, &call, entry, tool, Vec::new())
}

/// Runs a batch of an authenticated, parsed call: of one tool (`steps` empty), or of a
/// pipeline whose first tool is `entry` (`tool` is then `pipeline`).
pub fn submit_prepared(
    req: &Request,
    call: &ToolCall,
    entry: &CatalogEntry,
    tool: &str,
    steps: Vec<PipelineStep>,
) -> ApiResult<Response> {
    if call.request.files.is_empty() {
        return Err(ApiError::new(
            400,
            "NO_FILE",
            "No files provided (send them in 'files' fields)",
        ));
    }
    let max = config::get_u64("max_batch_size", 0);
    if max > 0 && call.request.files.len() as u64 > max {
        return Err(ApiError::new(
            400,
            "BATCH_TOO_LARGE",
            format!(
                "A batch may hold at most {max} files ({} sent)",
                call.request.files.len()
            ),
        ));
    }
    tool_route::idempotent(req, call, || run(req, call, entry, tool, &steps))
}

fn run(
    req: &Request,
    call: &ToolCall,
    entry: &CatalogEntry,
    tool: &str,
    steps: &[PipelineStep],
) -> ApiResult<Response> {
    let parent_id = uuid();
    let mut plan = Vec::new();
    let mut children = Vec::new();
    for file in &call.request.files {
        let name = sanitize_file_name(&file.name);
        let check = tool_route::check_files(&[(name.as_str(), file.size)], entry, 1);
        if let Err(e) = check {
            plan.push(BatchEntry {
                name,
                child: None,
                error: Some(Failure {
                    kind: lathe_store_layout::ErrorKind::UnsupportedInput,
                    message: e.message,
                }),
            });
            continue;
        }
        let child_id = uuid();
        let chunks = put_file(call.blobs.as_ref(), &keys::input(&child_id, 0), &file.data)?;
        let child = Job {
            id: child_id.clone(),
            user_id: call.principal.user.id.clone(),
            tool: tool.to_string(),
            created_at: now_ms(),
            inputs: vec![FileRef {
                name: name.clone(),
                media_type: file.media_type.clone(),
                size: file.size,
                chunks,
            }],
            settings: call.request.settings.clone(),
            original_size: file.size,
            inputs_from: None,
            retry_of: None,
            parent: Some(parent_id.clone()),
            batch: Vec::new(),
            pipeline: steps.to_vec(),
            save_to: None,
            derived: false,
            operation: None,
        };
        set_json(&call.store, &keys::job(&child_id), &child)?;
        children.push(child_id.clone());
        plan.push(BatchEntry {
            name,
            child: Some(child_id),
            error: None,
        });
    }
    let parent = Job {
        id: parent_id.clone(),
        user_id: call.principal.user.id.clone(),
        tool: tool.to_string(),
        created_at: now_ms(),
        inputs: call
            .request
            .files
            .iter()
            .map(|f| FileRef {
                name: sanitize_file_name(&f.name),
                media_type: f.media_type.clone(),
                size: f.size,
                chunks: 0,
            })
            .collect(),
        settings: call.request.settings.clone(),
        original_size: call.request.files.iter().map(|f| f.size).sum(),
        inputs_from: None,
        retry_of: None,
        parent: None,
        batch: plan,
        pipeline: Vec::new(),
        save_to: None,
        derived: false,
        operation: None,
    };
    jobs::save_new(&call.store, &parent)?;
    if children.is_empty() {
        // Nothing to run: the batch fails at once, with every file's reason.
        jobs::fail(
            &call.store,
            &parent,
            Failure {
                kind: lathe_store_layout::ErrorKind::UnsupportedInput,
                message: "No file of this batch can be processed by this tool".into(),
            },
        )?;
        return all_failed(&call.store, &parent);
    }
    jobs::report(
        &call.store,
        &parent.id,
        0,
        &format!("Processed 0 of {} files", parent.batch.len()),
        now_ms(),
    )?;
    for child in &children {
        call.store.set(&keys::queue(child), b"")?;
    }
    if tool_route::wants_async(req) {
        return Ok(tool_route::accepted(&parent.id));
    }
    let wait = config::get_u64("batch_wait_ms", 45000);
    match jobs::wait_for_result(&call.store, &parent.id, wait)? {
        Some(result) => match result.status {
            ResultStatus::Completed => zip_response(call, &parent, &result),
            ResultStatus::Failed => all_failed(&call.store, &parent),
            ResultStatus::Canceled => {
                Err(ApiError::new(409, "JOB_CANCELED", "The batch was canceled"))
            }
        },
        None => Ok(tool_route::accepted(&parent.id)),
    }
}

/// The finished batch's ZIP as the response body, with `X-Job-Id`.
fn zip_response(call: &ToolCall, parent: &Job, result: &jobs::JobResult) -> ApiResult<Response> {
    let file = result
        .files
        .first()
        .ok_or_else(|| ApiError::internal("batch result has no ZIP"))?;
    let data = read_file(
        call.blobs.as_ref(),
        &keys::output(&parent.id, &file.name),
        file,
    )?;
    Ok(Response::builder()
        .status(200)
        .header("content-type", "application/zip")
        .header(
            "content-disposition",
            format!("attachment; filename=\"{}\"", file.name),
        )
        .header("x-job-id", parent.id.as_str())
        .header("x-download-url", jobs::download_url(&parent.id, &file.name))
        .body(data)
        .build())
}

/// 422 `BATCH_FAILED` listing why each file failed.
fn all_failed(store: &spin_sdk::key_value::Store, parent: &Job) -> ApiResult<Response> {
    let mut errors = Vec::new();
    for entry in &parent.batch {
        let failure = match (&entry.error, &entry.child) {
            (Some(e), _) => Some(e.clone()),
            (None, Some(child)) => jobs::result(store, child)?.and_then(|r| r.error),
            _ => None,
        };
        let failure = failure.unwrap_or_else(|| Failure::internal("failed"));
        errors.push(
            json!({"filename": entry.name, "code": failure.kind.code(), "error": failure.message}),
        );
    }
    let mut r = json_response(
        422,
        &json!({
            "error": "All files of the batch failed processing",
            "code": "BATCH_FAILED",
            "jobId": parent.id,
            "errors": errors,
        }),
    );
    r.set_header("x-job-id", parent.id.clone());
    Ok(r)
}
