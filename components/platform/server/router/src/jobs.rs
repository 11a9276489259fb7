//! Jobs and their files in the store.
//!
//! A job is written once (`job/<id>`), its outcome once (`result/<id>`), by whichever
//! component or worker produced it. No record is ever read-modified-written, so concurrent
//! writers (several gateway instances, N native workers) never lose an update; the Spin
//! key-value interface has no atomic update to rely on. Keys and records are
//! `lathe_store_layout`'s, file bytes go through [`crate::blobs`].

use lathe_store_layout::{keys, Failure, ProgressStatus, ResultStatus};
use serde_json::{json, Map, Value};
use spin_sdk::key_value::Store;

pub use lathe_store_layout::{FileRef, Job, JobResult, Progress};

use crate::auth::Principal;
use crate::blobs::{put_file, Blobs};
use crate::ids::{is_uuid, now_ms, uuid};
use crate::multipart::{sanitize_file_name, UploadedFile};
use crate::store::{get_json, set_json};
use crate::{ApiError, ApiResult};

/// A new job record (with `store_inputs` the uploaded files are stored for a worker),
/// not yet written: the caller completes it if need be (a pipeline's steps, a `fileId` to
/// save to) and writes it once with [`save_new`].
pub fn new_job(
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
    Ok(record(principal, tool, id, inputs, settings))
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
    let job = record(principal, tool, id, inputs, settings);
    save_new(store, &job)?;
    Ok(job)
}

/// A new job's record of the principal's call (not yet written).
fn record(
    principal: &Principal,
    tool: &str,
    id: String,
    inputs: Vec<FileRef>,
    settings: &str,
) -> Job {
    Job {
        id,
        user_id: principal.user.id.clone(),
        tool: tool.to_string(),
        created_at: now_ms(),
        original_size: inputs.iter().map(|f| f.size).sum(),
        inputs,
        settings: settings.to_string(),
        ..Job::default()
    }
}

/// Writes a new job's record and its entry in the owner's job index.
pub fn save_new(store: &Store, job: &Job) -> ApiResult<()> {
    set_json(store, &keys::job(&job.id), job)?;
    store.set(&keys::job_index(&job.user_id, job.created_at, &job.id), b"")?;
    Ok(())
}

/// Rewrites a running job's progress.
pub fn report(
    store: &Store,
    job_id: &str,
    progress: u8,
    message: &str,
    started_at: u64,
) -> ApiResult<()> {
    set_json(
        store,
        &keys::progress(job_id),
        &Progress {
            progress: progress.min(100),
            status: ProgressStatus::Processing,
            message: message.to_string(),
            started_at: Some(started_at),
        },
    )
}

/// Waits up to `wait_ms` for job `job_id`'s outcome (polling every 5-20 ms); `None` when
/// it has none yet (the caller answers 202).
pub fn wait_for_result(store: &Store, job_id: &str, wait_ms: u64) -> ApiResult<Option<JobResult>> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(wait_ms);
    let mut pause = std::time::Duration::from_millis(5);
    loop {
        if let Some(result) = result(store, job_id)? {
            return Ok(Some(result));
        }
        if std::time::Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(std::time::Duration::from_millis(20));
    }
}

/// Whether job `job_id` was canceled (its outputs are then discarded, never stored).
pub fn is_canceled(store: &Store, job_id: &str) -> ApiResult<bool> {
    Ok(store.exists(&keys::cancel(job_id))?)
}

/// Marks a job completed with outputs already stored (by a [`crate::blobs::ChunkWriter`]).
pub fn complete_stored(
    store: &Store,
    job: &Job,
    files: Vec<FileRef>,
    extra: Value,
) -> ApiResult<JobResult> {
    if is_canceled(store, &job.id)? {
        return Ok(JobResult::canceled(now_ms()));
    }
    let result = JobResult::completed(files, extra, now_ms());
    set_json(store, &keys::result(&job.id), &result)?;
    crate::webhooks::queue_deliveries(store, job, &result);
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
    if is_canceled(store, &job.id)? {
        return Ok(JobResult::canceled(now_ms()));
    }
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

/// Marks a job failed (unless it was canceled meanwhile).
pub fn fail(store: &Store, job: &Job, error: Failure) -> ApiResult<()> {
    if is_canceled(store, &job.id)? {
        return Ok(());
    }
    let result = JobResult::failed(error, now_ms());
    set_json(store, &keys::result(&job.id), &result)?;
    crate::webhooks::queue_deliveries(store, job, &result);
    Ok(())
}

/// A job's outcome, if it has one.
pub fn result(store: &Store, job_id: &str) -> ApiResult<Option<JobResult>> {
    get_json(store, &keys::result(job_id))
}

/// The download URL of a job's file.
pub fn download_url(job_id: &str, name: &str) -> String {
    lathe_store_layout::view::download_url(job_id, name)
}

/// The seed-001 body of a finished job: `{jobId, downloadUrl, originalSize, processedSize}`
/// plus the tool's extra fields; a failed job becomes its error.
pub fn response_body(job: &Job, result: &JobResult) -> ApiResult<Value> {
    if let Some(error) = &result.error {
        return Err(error.clone().into());
    }
    if result.status == ResultStatus::Canceled {
        return Err(ApiError::new(409, "JOB_CANCELED", "The job was canceled"));
    }
    let mut body = Map::new();
    lathe_store_layout::view::result_fields(job, result, &mut body);
    body.insert("jobId".into(), json!(job.id));
    body.insert("originalSize".into(), json!(job.original_size));
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
    if !principal.sees(&job.user_id, crate::permissions::Permission::FilesAll) {
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
    if result.files_deleted_at.is_some() {
        return Err(ApiError::new(
            410,
            "FILES_DELETED",
            "This job's files were deleted (by request, or because results expire)",
        ));
    }
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

/// `GET /api/v1/jobs/<jobId>`: the job record of a job the principal may see.
pub fn status(store: &Store, principal: &Principal, job_id: &str) -> ApiResult<Value> {
    let job = visible_job(store, principal, job_id)?;
    view(store, &job)
}

/// The public job record (`lathe_store_layout::view::job_json`, which the webhook
/// deliverer uses too): id, tool, status (`queued`, `processing`, `completed`, `failed`,
/// `canceled`), progress, message, outputs, error `{code, message}`, the three times, and
/// for a completed job seed 001's result fields (`downloadUrl`, `originalSize`, ...).
pub fn view(store: &Store, job: &Job) -> ApiResult<Value> {
    let progress: Option<Progress> = get_json(store, &keys::progress(&job.id))?;
    let result = result(store, &job.id)?;
    Ok(lathe_store_layout::view::job_json(
        job,
        progress.as_ref(),
        result.as_ref(),
    ))
}
