//! Finishing a batch job: when every file of it has an outcome, its outputs go into one
//! ZIP (`<tool>-batch.zip`) with a `manifest.json` that names, for every uploaded file in
//! upload order, its outputs (names inside the ZIP, the child job and its download URL) or
//! its error code and message. Names that collide get `_1`, `_2`, ... before the extension.
//!
//! The batch's progress record says how many files are done; it is rewritten after each.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::{Mutex, OnceLock};

use anyhow::Context;
use lathe_factor_key_value::Backend;
use lathe_store_layout::{
    decode, encode, keys, ErrorKind, Failure, FileRef, Job, JobResult, Progress, ProgressStatus,
    ResultStatus, CHUNK_SIZE,
};
use serde_json::{json, Value};

use crate::worker::{now_ms, unique_name};

/// Batches being packed by this process (two threads finishing the last two files at once
/// must not both pack).
fn packing() -> &'static Mutex<HashSet<String>> {
    static PACKING: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    PACKING.get_or_init(Default::default)
}

fn get<T: serde::de::DeserializeOwned>(
    kv: &dyn Backend,
    rt: &tokio::runtime::Handle,
    key: &str,
) -> anyhow::Result<Option<T>> {
    match rt.block_on(kv.get(key))? {
        Some(bytes) => Ok(Some(decode(&bytes)?)),
        None => Ok(None),
    }
}

fn read_file(
    kv: &dyn Backend,
    rt: &tokio::runtime::Handle,
    prefix: &str,
    file: &FileRef,
) -> anyhow::Result<Vec<u8>> {
    let mut data = Vec::with_capacity(file.size as usize);
    for i in 0..file.chunks {
        let chunk = rt
            .block_on(kv.get(&keys::chunk(prefix, i)))?
            .context("missing chunk")?;
        data.extend_from_slice(&chunk);
    }
    Ok(data)
}

/// Files of each batch this process has seen end, for the progress message (a lower bound
/// when several worker processes share a batch; completion is always checked in the store).
fn ended() -> &'static Mutex<HashMap<String, usize>> {
    static ENDED: OnceLock<Mutex<HashMap<String, usize>>> = OnceLock::new();
    ENDED.get_or_init(Default::default)
}

/// Called when one file of batch `parent_id` ended: updates the batch's progress and, when
/// every file has an outcome, packs and completes it (or fails it when no file succeeded).
pub fn finish_if_done(
    kv: &dyn Backend,
    rt: &tokio::runtime::Handle,
    parent_id: &str,
) -> anyhow::Result<()> {
    let parent: Job = get(kv, rt, &keys::job(parent_id))?.context("batch record missing")?;
    if rt.block_on(kv.exists(&keys::result(parent_id)))? {
        return Ok(());
    }
    let total = parent.batch.len();
    let refused = parent.batch.iter().filter(|e| e.child.is_none()).count();
    let seen = {
        let mut ended = ended().lock().unwrap();
        let n = ended.entry(parent_id.to_string()).or_insert(refused);
        *n += 1;
        (*n).min(total)
    };
    let started_at =
        get::<Progress>(kv, rt, &keys::progress(parent_id))?.and_then(|p| p.started_at);
    let progress = Progress {
        progress: ((seen * 100) / total.max(1)).min(99) as u8,
        status: ProgressStatus::Processing,
        message: format!("Processed {seen} of {total} files"),
        started_at,
    };
    rt.block_on(kv.set(&keys::progress(parent_id), &encode(&progress)))?;
    // Stops at the first file still running: children are claimed in no particular order,
    // so this is short until the batch is nearly done.
    for entry in &parent.batch {
        if let Some(child) = &entry.child {
            if !rt.block_on(kv.exists(&keys::result(child)))? {
                return Ok(());
            }
        }
    }
    if !packing().lock().unwrap().insert(parent_id.to_string()) {
        return Ok(());
    }
    let mut outcomes: Vec<Option<JobResult>> = Vec::new();
    for entry in &parent.batch {
        outcomes.push(match &entry.child {
            Some(child) => get::<JobResult>(kv, rt, &keys::result(child))?,
            None => None,
        });
    }
    let packed = pack(kv, rt, &parent, &outcomes);
    packing().lock().unwrap().remove(parent_id);
    ended().lock().unwrap().remove(parent_id);
    let result = packed?;
    if rt.block_on(kv.exists(&keys::cancel(parent_id)))? {
        return Ok(());
    }
    let status = if result.error.is_some() {
        ProgressStatus::Failed
    } else {
        ProgressStatus::Completed
    };
    rt.block_on(kv.set(&keys::result(parent_id), &encode(&result)))?;
    let done = Progress {
        progress: 100,
        status,
        message: format!("Processed {total} of {total} files"),
        started_at,
    };
    rt.block_on(kv.set(&keys::progress(parent_id), &encode(&done)))?;
    crate::webhooks::queue_deliveries(kv, rt, &parent, &result);
    Ok(())
}

fn pack(
    kv: &dyn Backend,
    rt: &tokio::runtime::Handle,
    parent: &Job,
    outcomes: &[Option<JobResult>],
) -> anyhow::Result<JobResult> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut names: Vec<FileRef> = Vec::new();
    let mut manifest = Vec::new();
    let (mut succeeded, mut failed) = (0, 0);
    for (entry, outcome) in parent.batch.iter().zip(outcomes) {
        let mut item = json!({"input": entry.name});
        let error = match (&entry.error, outcome) {
            (Some(e), _) => Some(e.clone()),
            (None, Some(r)) if r.status == ResultStatus::Completed => {
                let child = entry.child.as_deref().unwrap_or_default();
                let mut outputs = Vec::new();
                for file in &r.files {
                    let data = read_file(kv, rt, &keys::output(child, &file.name), file)?;
                    let name = unique_name(&names, &file.name);
                    zip.start_file(name.as_str(), options)?;
                    zip.write_all(&data)?;
                    outputs.push(json!({
                        "name": name,
                        "size": data.len(),
                        "downloadUrl": format!("/api/v1/download/{child}/{}", url_name(&file.name)),
                    }));
                    names.push(FileRef {
                        name,
                        media_type: String::new(),
                        size: 0,
                        chunks: 0,
                    });
                }
                item["status"] = json!("completed");
                item["jobId"] = json!(child);
                item["outputs"] = Value::Array(outputs);
                succeeded += 1;
                None
            }
            (None, Some(r)) if r.status == ResultStatus::Canceled => {
                Some(Failure::internal("canceled"))
            }
            (None, Some(r)) => Some(r.error.clone().unwrap_or_else(Failure::crashed)),
            (None, None) => Some(Failure::internal("no outcome")),
        };
        if let Some(e) = error {
            failed += 1;
            item["status"] = json!("failed");
            if let Some(child) = &entry.child {
                item["jobId"] = json!(child);
            }
            item["error"] = json!({"code": e.kind.code(), "message": e.message});
        }
        manifest.push(item);
    }
    let total = parent.batch.len();
    if succeeded == 0 {
        return Ok(JobResult::failed(
            Failure {
                kind: ErrorKind::ProcessingFailed,
                message: format!("All {total} files of the batch failed processing"),
            },
            now_ms(),
        ));
    }
    let tool_id = parent.tool.rsplit('/').next().unwrap_or("batch");
    let summary = json!({
        "jobId": parent.id, "tool": parent.tool, "totalFiles": total,
        "succeeded": succeeded, "failed": failed, "files": manifest,
    });
    let manifest_name = unique_name(&names, "manifest.json");
    zip.start_file(manifest_name.as_str(), options)?;
    zip.write_all(serde_json::to_string_pretty(&summary)?.as_bytes())?;
    let data = zip.finish()?.into_inner();
    let name = format!("{tool_id}-batch.zip");
    let prefix = keys::output(&parent.id, &name);
    let mut chunks = 0;
    for (i, chunk) in data.chunks(CHUNK_SIZE).enumerate() {
        rt.block_on(kv.set(&keys::chunk(&prefix, i as u32), chunk))?;
        chunks += 1;
    }
    let file = FileRef {
        name,
        media_type: "application/zip".into(),
        size: data.len() as u64,
        chunks,
    };
    let extra = json!({"totalFiles": total, "succeeded": succeeded, "failed": failed});
    Ok(JobResult::completed(vec![file], extra, now_ms()))
}

/// Characters kept as they are in a file name inside a URL (RFC 3986 unreserved), the
/// same set the router's download URLs use.
const URL_NAME: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'_')
    .remove(b'~');

/// A file name as a URL path segment.
fn url_name(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, URL_NAME).to_string()
}
