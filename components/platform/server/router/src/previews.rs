//! Derived images of a file: `GET /api/v1/files/<id>/thumbnail` (a 300 px JPEG of a library
//! file, made once per version and kept) and `POST /api/v1/preview` (a browser-safe WebP of
//! an upload).
//!
//! Each is a pipeline that `spin.toml` names in a variable (`thumbnail_pipeline`,
//! `thumbnail_heif_pipeline` for HEIC, HEIF and AVIF files, `preview_pipeline`:
//! `{"steps":[{"toolId","settings"}]}`), so the router names no tool. It
//! runs as a job on the worker like any pipeline; the job is not listed among the owner's
//! jobs and its output expires with other results (a thumbnail is then made again).

use lathe_store_layout::{keys, FileRef, Job, JobResult, ResultStatus};
use serde_json::Value;
use spin_sdk::key_value::Store;

use crate::auth::Principal;
use crate::blobs::{put_file, Blobs};
use crate::ids::{now_ms, uuid};
use crate::jobs::{self, DownloadHead};
use crate::library::Content;
use crate::store::{get_json, set_json};
use crate::{config, ApiError, ApiResult};

/// The thumbnail of a library version (owner or admin), made on first request.
pub fn thumbnail(
    store: &Store,
    blobs: &dyn Blobs,
    principal: &Principal,
    file_id: &str,
) -> ApiResult<DownloadHead> {
    let file = crate::library::visible(store, principal, file_id)?;
    let cache = format!("thumb/{}", file.id);
    if let Some(job_id) = store.get(&cache)?.and_then(|b| String::from_utf8(b).ok()) {
        if let Some(head) = output_head(store, principal, &job_id)? {
            return Ok(head);
        }
    }
    let data = crate::library::read(blobs, &file)?;
    let source = Content {
        name: &file.name,
        media_type: &file.media_type,
        data: &data,
    };
    let variable = if is_heif_family(&file.name, &file.media_type) {
        "thumbnail_heif_pipeline"
    } else {
        "thumbnail_pipeline"
    };
    let job = derive(store, blobs, principal, &source, variable)?;
    store.set(&cache, job.as_bytes())?;
    output_head(store, principal, &job)?
        .ok_or_else(|| ApiError::internal("thumbnail job completed without output"))
}

/// Whether a library file is a HEIC, HEIF or AVIF image (by extension or media type):
/// only `image/convert` reads those, so its thumbnail starts with a conversion.
fn is_heif_family(name: &str, media_type: &str) -> bool {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    matches!(extension.as_deref(), Some("heic" | "heif" | "avif"))
        || matches!(
            media_type.to_ascii_lowercase().as_str(),
            "image/heic"
                | "image/heif"
                | "image/avif"
                | "image/heic-sequence"
                | "image/heif-sequence"
        )
}

/// Runs the pipeline named by variable `variable` on `source`; returns the completed job's
/// id, or the job's error.
pub fn derive(
    store: &Store,
    blobs: &dyn Blobs,
    principal: &Principal,
    source: &Content<'_>,
    variable: &str,
) -> ApiResult<String> {
    let text = config::get(variable, "");
    if text.trim().is_empty() {
        return Err(ApiError::new(
            501,
            "NOT_CONFIGURED",
            format!("This server has no {variable} configured"),
        ));
    }
    let pipeline: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::internal(format!("{variable} is not JSON: {e}")))?;
    let steps = crate::pipeline::validate(store, &pipeline, &crate::pipeline_types::Flow::Unknown)?;
    let id = uuid();
    let chunks = put_file(blobs, &keys::input(&id, 0), source.data)?;
    let job = Job {
        id: id.clone(),
        user_id: principal.user.id.clone(),
        tool: crate::pipeline::PIPELINE_TOOL.to_string(),
        created_at: now_ms(),
        inputs: vec![FileRef {
            name: source.name.to_string(),
            media_type: source.media_type.to_string(),
            size: source.data.len() as u64,
            chunks,
        }],
        settings: "{}".into(),
        original_size: source.data.len() as u64,
        inputs_from: None,
        retry_of: None,
        parent: None,
        batch: Vec::new(),
        pipeline: steps.into_iter().map(|(_, s)| s).collect(),
        save_to: None,
        derived: true,
        operation: None,
    };
    // Not in the owner's job index and no webhook: a derived image is not a job the owner
    // started.
    set_json(store, &keys::job(&id), &job)?;
    store.set(&keys::queue(&id), b"")?;
    let wait = config::get_u64("sync_wait_ms", 8000).max(15000);
    match jobs::wait_for_result(store, &id, wait)? {
        Some(r) if r.status == ResultStatus::Completed => Ok(id),
        Some(r) => Err(r
            .error
            .map(ApiError::from)
            .unwrap_or_else(|| ApiError::new(409, "JOB_CANCELED", "canceled"))),
        None => Err(ApiError::new(
            503,
            "BUSY",
            "The image is still being made; try again shortly",
        )),
    }
}

/// The first output of a completed job, if it still has its files.
fn output_head(
    store: &Store,
    principal: &Principal,
    job_id: &str,
) -> ApiResult<Option<DownloadHead>> {
    let Some(result) = get_json::<JobResult>(store, &keys::result(job_id))? else {
        return Ok(None);
    };
    let Some(file) = result
        .files
        .first()
        .filter(|_| result.files_deleted_at.is_none())
    else {
        return Ok(None);
    };
    Ok(Some(jobs::download_head(
        store, principal, job_id, &file.name,
    )?))
}

/// `POST /api/v1/preview`: the WebP preview of the uploaded `file`, as the response body.
pub fn preview(req: &spin_sdk::http::Request) -> ApiResult<spin_sdk::http::Response> {
    let call = crate::tool_route::prepare_unchecked(req)?;
    let file = call
        .request
        .files
        .first()
        .ok_or_else(|| ApiError::new(400, "NO_FILE", "No file provided"))?;
    let source = Content {
        name: &file.name,
        media_type: &file.media_type,
        data: &file.data,
    };
    let job = derive(
        &call.store,
        call.blobs.as_ref(),
        &call.principal,
        &source,
        "preview_pipeline",
    )?;
    let result = jobs::result(&call.store, &job)?
        .ok_or_else(|| ApiError::internal("preview result missing"))?;
    let out = result
        .files
        .first()
        .ok_or_else(|| ApiError::internal("preview made no file"))?;
    let data = crate::blobs::read_file(call.blobs.as_ref(), &keys::output(&job, &out.name), out)?;
    Ok(spin_sdk::http::Response::builder()
        .status(200)
        .header("content-type", out.media_type.as_str())
        .header("x-job-id", job.as_str())
        .body(data)
        .build())
}
