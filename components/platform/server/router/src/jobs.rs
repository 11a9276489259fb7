//! Jobs and their files in the store.
//!
//! A job is written once (`job/<id>`), its outcome once (`result/<id>`), by whichever
//! component or worker produced it. No record is ever read-modified-written, so concurrent
//! writers (several gateway instances, N native workers) never lose an update; the Spin
//! key-value interface has no atomic update to rely on. Keys and records are
//! `lathe_store_layout`'s, file bytes go through [`crate::blobs`].

use lathe_store_layout::{keys, Failure, ResultStatus};
use serde_json::{json, Map, Value};
use spin_sdk::key_value::Store;

pub use lathe_store_layout::{FileRef, Job, JobResult, Progress};

use crate::auth::Principal;
use crate::blobs::{put_file, Blobs};
use crate::ids::{is_uuid, now_ms, uuid};
use crate::multipart::{sanitize_file_name, UploadedFile};
use crate::store::{get_json, set_json};
use crate::{ApiError, ApiResult};

/// Creates a job record; with `store_inputs` the uploaded files are stored for a worker.
pub fn create(
    store: &Store,
    blobs: &dyn Blobs,
    principal: &Principal,
    tool: &str,
    files: &[UploadedFile],
    settings: &str,
    store_inputs: bool,
) -> ApiResult<Job> {
    let id = uuid();
    let mut inputs = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let chunks = if store_inputs {
            put_file(blobs, &keys::input(&id, i), &file.data)?
        } else {
            0
        };
        inputs.push(FileRef {
            name: file.name.clone(),
            media_type: file.media_type.clone(),
            size: file.size,
            chunks,
        });
    }
    create_stored(store, principal, tool, id, inputs, settings)
}

/// An output file before storing.
pub struct NewFile {
    /// Name.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Bytes.
    pub data: Vec<u8>,
}

/// Creates the record of a job whose inputs were already stored while they were uploaded
/// (the stream gateway); `id` is the one their chunks are stored under.
pub fn create_stored(
    store: &Store,
    principal: &Principal,
    tool: &str,
    id: String,
    inputs: Vec<FileRef>,
    settings: &str,
) -> ApiResult<Job> {
    let job = Job {
        id,
        user_id: principal.user.id.clone(),
        tool: tool.to_string(),
        created_at: now_ms(),
        original_size: inputs.iter().map(|f| f.size).sum(),
        inputs,
        settings: settings.to_string(),
    };
    set_json(store, &keys::job(&job.id), &job)?;
    Ok(job)
}

/// Marks a job completed with outputs already stored (by a [`crate::blobs::ChunkWriter`]).
pub fn complete_stored(
    store: &Store,
    job: &Job,
    files: Vec<FileRef>,
    extra: Value,
) -> ApiResult<JobResult> {
    let result = JobResult::completed(files, extra, now_ms());
    set_json(store, &keys::result(&job.id), &result)?;
    Ok(result)
}

/// Stores a job's outputs and marks it completed.
pub fn complete(
    store: &Store,
    blobs: &dyn Blobs,
    job: &Job,
    files: Vec<NewFile>,
    extra: Value,
) -> ApiResult<JobResult> {
    let mut refs: Vec<FileRef> = Vec::new();
    for file in files {
        let mut name = sanitize_file_name(&file.name);
        let mut n = 1;
        while refs.iter().any(|r| r.name == name) {
            name = format!("{n}_{}", sanitize_file_name(&file.name));
            n += 1;
        }
        let chunks = put_file(blobs, &keys::output(&job.id, &name), &file.data)?;
        refs.push(FileRef {
            name,
            media_type: file.media_type,
            size: file.data.len() as u64,
            chunks,
        });
    }
    complete_stored(store, job, refs, extra)
}

/// Marks a job failed.
pub fn fail(store: &Store, job: &Job, error: Failure) -> ApiResult<()> {
    set_json(
        store,
        &keys::result(&job.id),
        &JobResult::failed(error, now_ms()),
    )
}

/// A job's outcome, if it has one.
pub fn result(store: &Store, job_id: &str) -> ApiResult<Option<JobResult>> {
    get_json(store, &keys::result(job_id))
}

/// Characters left as they are in file names inside URLs (RFC 3986 unreserved).
const URL_NAME: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'_')
    .remove(b'~');

/// The download URL of a job's file.
pub fn download_url(job_id: &str, name: &str) -> String {
    let encoded = percent_encoding::utf8_percent_encode(name, URL_NAME).to_string();
    format!("/api/v1/download/{job_id}/{encoded}")
}

/// The seed-001 body of a finished job: `{jobId, downloadUrl, originalSize, processedSize}`
/// plus the tool's extra fields; a failed job becomes its error.
pub fn response_body(job: &Job, result: &JobResult) -> ApiResult<Value> {
    if let Some(error) = &result.error {
        return Err(error.clone().into());
    }
    let mut body = Map::new();
    if let Value::Object(extra) = &result.extra {
        body.extend(extra.clone());
    }
    body.insert("jobId".into(), json!(job.id));
    if let Some(first) = result.files.first() {
        body.insert(
            "downloadUrl".into(),
            json!(download_url(&job.id, &first.name)),
        );
        body.insert("filename".into(), json!(first.name));
    }
    body.insert("originalSize".into(), json!(job.original_size));
    body.insert("processedSize".into(), json!(result.processed_size));
    Ok(Value::Object(body))
}

/// Loads a job the principal may see (owner or admin); 404 otherwise, so ids of other
/// users' jobs are not confirmed.
pub fn visible_job(store: &Store, principal: &Principal, job_id: &str) -> ApiResult<Job> {
    if !is_uuid(job_id) {
        return Err(ApiError::not_found("Job not found"));
    }
    let job: Job =
        get_json(store, &keys::job(job_id))?.ok_or_else(|| ApiError::not_found("Job not found"))?;
    if job.user_id != principal.user.id && !principal.user.is_admin() {
        return Err(ApiError::not_found("Job not found"));
    }
    Ok(job)
}

/// What a download sends: the file's record, where its chunks are, and the headers.
pub struct DownloadHead {
    /// The stored file.
    pub file: FileRef,
    /// Blob prefix of its chunks.
    pub prefix: String,
    /// Response headers (type, disposition, nosniff, length).
    pub headers: Vec<(String, String)>,
}

/// Checks access to a result file of `GET /api/v1/download/<jobId>/<filename>` (owner or
/// admin, else 404) and says where its chunks are; the `api` component streams them.
pub fn download_head(
    store: &Store,
    principal: &Principal,
    job_id: &str,
    file_name: &str,
) -> ApiResult<DownloadHead> {
    let job = visible_job(store, principal, job_id)?;
    let name = percent_encoding::percent_decode_str(file_name)
        .decode_utf8_lossy()
        .to_string();
    let result = result(store, &job.id)?.ok_or_else(|| ApiError::not_found("File not found"))?;
    let file = result
        .files
        .into_iter()
        .find(|f| f.name == name)
        .ok_or_else(|| ApiError::not_found("File not found"))?;
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        percent_encoding::utf8_percent_encode(&file.name, percent_encoding::NON_ALPHANUMERIC)
    );
    Ok(DownloadHead {
        prefix: keys::output(&job.id, &file.name),
        headers: vec![
            ("content-type".into(), file.media_type.clone()),
            ("content-disposition".into(), disposition),
            ("x-content-type-options".into(), "nosniff".into()),
            ("content-length".into(), file.size.to_string()),
        ],
        file,
    })
}

/// `GET /api/v1/jobs/<jobId>`: status of a job (owner or admin).
pub fn status(store: &Store, principal: &Principal, job_id: &str) -> ApiResult<Value> {
    let job = visible_job(store, principal, job_id)?;
    let progress: Option<Progress> = get_json(store, &keys::progress(&job.id))?;
    match result(store, &job.id)? {
        Some(r) if r.status == ResultStatus::Completed => {
            let mut body = response_body(&job, &r)?;
            body["status"] = json!("completed");
            body["progress"] = json!(100);
            Ok(body)
        }
        Some(r) => {
            let e = r.error.unwrap_or_else(|| Failure::internal("failed"));
            Ok(json!({
                "jobId": job.id, "status": "failed", "progress": 100,
                "error": e.message, "code": e.kind.code(),
            }))
        }
        None => {
            let (pct, message) = match progress {
                Some(p) => (p.progress, p.message),
                None => (0, "Queued".to_string()),
            };
            Ok(json!({
                "jobId": job.id, "status": if pct == 0 { "queued" } else { "processing" },
                "progress": pct, "message": message,
            }))
        }
    }
}
