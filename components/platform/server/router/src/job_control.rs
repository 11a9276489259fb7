//! What a client can do to its jobs besides reading one: list them (newest first, with
//! signed cursors), cancel a queued or running one, retry a failed or canceled one on its
//! stored inputs, and delete a finished one's files.
//!
//! Cancel writes the `cancel/<id>` marker and the `canceled` result at once; whoever is
//! working on the job (the native worker, which runs every queued job) sees the marker,
//! stops (a running ffmpeg process is killed, a wasm call is interrupted at its next epoch
//! check) and discards its work instead of writing a result.

use lathe_store_layout::{keys, Job, JobResult, ResultStatus};
use serde_json::{json, Value};
use spin_sdk::key_value::Store;
use subtle::ConstantTimeEq;

use crate::auth::{token_hash, Principal};
use crate::blobs::{delete_file, Blobs};
use crate::ids::{now_ms, uuid};
use crate::jobs::{result, save_new, view, visible_job};
use crate::store::{get_json, keys_with_prefix, set_json};
use crate::{ApiError, ApiResult};

/// Most jobs one page lists.
pub const MAX_PAGE: usize = 100;

/// `GET /api/v1/jobs?limit=&cursor=&all=`: the caller's jobs newest first (`all=true`:
/// everyone's, admins only), `{jobs, nextCursor}`. Batch children are not listed; their
/// batch is.
pub fn list(store: &Store, principal: &Principal, query: &str) -> ApiResult<Value> {
    let mut limit = 20usize;
    let mut cursor = None;
    let mut all = false;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "limit" => {
                limit = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE).contains(n))
                    .ok_or_else(|| {
                        ApiError::new(
                            400,
                            "INVALID_LIMIT",
                            format!("limit must be a number from 1 to {MAX_PAGE}"),
                        )
                    })?
            }
            "cursor" => cursor = Some(v.to_string()),
            "all" => all = matches!(v, "true" | "1"),
            _ => {}
        }
    }
    if all {
        principal.require(crate::permissions::Permission::FilesAll)?;
    }
    let scope = if all {
        "all".to_string()
    } else {
        format!("user:{}", principal.user.id)
    };
    let after = match &cursor {
        Some(c) => Some(open_cursor(store, &scope, c)?),
        None => None,
    };
    let prefix = if all {
        keys::JOB_INDEX_PREFIX.to_string()
    } else {
        keys::jobs_of(&principal.user.id)
    };
    // Positions (`<newest-first time>-<id>`) sort newest first across users too.
    let mut positions: Vec<String> = keys_with_prefix(store, &prefix)?
        .iter()
        .filter_map(|k| k.rsplit('/').next().map(str::to_string))
        .collect();
    positions.sort();
    let start = match &after {
        Some(a) => positions.partition_point(|p| p <= a),
        None => 0,
    };
    let page = &positions[start..(start + limit).min(positions.len())];
    let mut jobs = Vec::new();
    for position in page {
        let Some(id) = keys::indexed_job_id(position) else {
            continue;
        };
        if let Some(job) = get_json::<Job>(store, &keys::job(id))? {
            jobs.push(view(store, &job)?);
        }
    }
    let next = if start + limit < positions.len() {
        page.last()
            .map(|p| issue_cursor(store, &scope, p))
            .transpose()?
    } else {
        None
    };
    Ok(json!({"jobs": jobs, "nextCursor": next}))
}

fn cursor_tag(store: &Store, scope: &str, position: &str) -> ApiResult<String> {
    let hash = token_hash(store, &format!("job-cursor\n{scope}\n{position}"))?;
    Ok(hash[..32].to_string())
}

/// A cursor is `<position>.<tag>`: the last listed position, signed with the installation
/// secret for this caller's scope, so a cursor the server never issued (or another user's)
/// is refused instead of silently listing from an arbitrary place.
fn issue_cursor(store: &Store, scope: &str, position: &str) -> ApiResult<String> {
    Ok(format!(
        "{position}.{}",
        cursor_tag(store, scope, position)?
    ))
}

fn open_cursor(store: &Store, scope: &str, cursor: &str) -> ApiResult<String> {
    let invalid = || {
        ApiError::new(
            400,
            "INVALID_CURSOR",
            "This cursor was not issued by a job listing of yours",
        )
    };
    let (position, tag) = cursor.rsplit_once('.').ok_or_else(invalid)?;
    let expected = cursor_tag(store, scope, position)?;
    if bool::from(expected.as_bytes().ct_eq(tag.as_bytes())) {
        Ok(position.to_string())
    } else {
        Err(invalid())
    }
}

/// `DELETE /api/v1/jobs/<id>`: cancels a queued or running job; 409 `JOB_FINISHED` when it
/// already ended.
pub fn cancel(store: &Store, principal: &Principal, job_id: &str) -> ApiResult<Value> {
    let job = visible_job(store, principal, job_id)?;
    let finished = || {
        ApiError::new(
            409,
            "JOB_FINISHED",
            "The job has already finished; only a queued or running job can be canceled",
        )
    };
    if result(store, &job.id)?.is_some() {
        return Err(finished());
    }
    store.set(&keys::cancel(&job.id), b"")?;
    store.delete(&keys::queue(&job.id))?;
    for entry in &job.batch {
        if let Some(child) = &entry.child {
            store.set(&keys::cancel(child), b"")?;
            store.delete(&keys::queue(child))?;
        }
    }
    // The job may have finished between the check and the marker: then it stays finished.
    if result(store, &job.id)?.is_some() {
        store.delete(&keys::cancel(&job.id))?;
        return Err(finished());
    }
    set_json(
        store,
        &keys::result(&job.id),
        &JobResult::canceled(now_ms()),
    )?;
    view(store, &job)
}

/// `POST /api/v1/jobs/<id>/retry`: runs a failed or canceled job again, as a new job on the
/// same stored inputs; answers 202 `{jobId, async, retryOf}`.
pub fn retry(store: &Store, principal: &Principal, job_id: &str) -> ApiResult<Value> {
    let job = visible_job(store, principal, job_id)?;
    let outcome = result(store, &job.id)?
        .ok_or_else(|| ApiError::new(409, "JOB_NOT_FINISHED", "The job has not finished yet"))?;
    if outcome.status == ResultStatus::Completed {
        return Err(ApiError::new(
            409,
            "JOB_SUCCEEDED",
            "The job completed; only a failed or canceled job can be retried",
        ));
    }
    let kept = job.inputs.iter().all(|f| f.chunks > 0);
    if !job.batch.is_empty() || !kept || outcome.files_deleted_at.is_some() {
        return Err(ApiError::new(
            409,
            "INPUTS_NOT_KEPT",
            "This job's inputs were not kept (a synchronous run or a batch); send the files again",
        ));
    }
    let again = Job {
        id: uuid(),
        created_at: now_ms(),
        inputs_from: Some(job.inputs_job().to_string()),
        retry_of: Some(job.id.clone()),
        parent: None,
        batch: Vec::new(),
        ..job.clone()
    };
    save_new(store, &again)?;
    store.set(&keys::queue(&again.id), b"")?;
    Ok(json!({"jobId": again.id, "async": true, "retryOf": job.id}))
}

/// `DELETE /api/v1/jobs/<id>/files`: deletes a finished job's outputs and stored inputs;
/// the record stays, with `filesDeletedAt`.
pub fn delete_files(
    store: &Store,
    blobs: &dyn Blobs,
    principal: &Principal,
    job_id: &str,
) -> ApiResult<Value> {
    let job = visible_job(store, principal, job_id)?;
    let mut outcome = result(store, &job.id)?.ok_or_else(|| {
        ApiError::new(
            409,
            "JOB_NOT_FINISHED",
            "The job has not finished yet; cancel it first",
        )
    })?;
    let deleted = outcome.files.len();
    for file in &outcome.files {
        delete_file(blobs, &keys::output(&job.id, &file.name), file.chunks)?;
    }
    if job.inputs_from.is_none() {
        for (i, file) in job.inputs.iter().enumerate() {
            delete_file(blobs, &keys::input(&job.id, i), file.chunks)?;
        }
    }
    outcome.files.clear();
    outcome.files_deleted_at.get_or_insert(now_ms());
    set_json(store, &keys::result(&job.id), &outcome)?;
    Ok(json!({"success": true, "jobId": job.id, "deletedFiles": deleted}))
}
