//! The public JSON views of stored records, built in one place so every side that shows
//! them says the same: `GET /api/v1/jobs/<id>` (router) and the `job` of a webhook's
//! payload (the host's deliverer) are both [`job_json`].

use serde_json::{json, Map, Value};

use crate::{iso8601, Job, JobResult, Progress, ResultStatus};

/// Characters left as they are in file names inside URLs (RFC 3986 unreserved).
const URL_NAME: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'_')
    .remove(b'~');

/// The download URL of output file `name` of job `job_id`.
pub fn download_url(job_id: &str, name: &str) -> String {
    let encoded = percent_encoding::utf8_percent_encode(name, URL_NAME).to_string();
    format!("/api/v1/download/{job_id}/{encoded}")
}

/// Seed 001's fields of a completed job's answer: the tool's extra fields, then
/// `downloadUrl` and `filename` of the first output and `processedSize`.
pub fn result_fields(job: &Job, result: &JobResult, body: &mut Map<String, Value>) {
    if let Value::Object(extra) = &result.extra {
        body.extend(extra.clone());
    }
    if let Some(first) = result.files.first() {
        body.insert(
            "downloadUrl".into(),
            json!(download_url(&job.id, &first.name)),
        );
        body.insert("filename".into(), json!(first.name));
    }
    body.insert("processedSize".into(), json!(result.processed_size));
}

/// The public job record: id, tool, status (`queued`, `processing`, `completed`, `failed`,
/// `canceled`), progress, message, outputs, error `{code, message}`, the three times, and
/// for a completed job seed 001's result fields (`downloadUrl`, `originalSize`, ...).
/// `progress` and `result` are the job's `progress/<id>` and `result/<id>` records.
pub fn job_json(job: &Job, progress: Option<&Progress>, result: Option<&JobResult>) -> Value {
    let started = progress.and_then(|p| p.started_at);
    let mut body = Map::new();
    let (status, pct, message) = match (result, progress) {
        (Some(r), _) => match r.status {
            ResultStatus::Completed => ("completed", 100, "Done".to_string()),
            ResultStatus::Failed => ("failed", 100, "Failed".to_string()),
            ResultStatus::Canceled => (
                "canceled",
                progress.map_or(0, |p| p.progress),
                "Canceled".to_string(),
            ),
        },
        (None, Some(p)) => ("processing", p.progress, p.message.clone()),
        (None, None) => ("queued", 0, "Queued".to_string()),
    };
    if let Some(r) = result.filter(|r| r.status == ResultStatus::Completed) {
        result_fields(job, r, &mut body);
        if let Some(at) = r.files_deleted_at {
            body.insert("filesDeletedAt".into(), json!(iso8601(at)));
        }
    }
    let outputs: Vec<Value> = result
        .iter()
        .flat_map(|r| r.files.iter())
        .map(|f| {
            json!({
                "filename": f.name, "downloadUrl": download_url(&job.id, &f.name),
                "size": f.size, "mediaType": f.media_type,
            })
        })
        .collect();
    let error = result
        .and_then(|r| r.error.as_ref())
        .map(|e| json!({"code": e.kind.code(), "message": e.message}));
    body.insert("id".into(), json!(job.id));
    body.insert("jobId".into(), json!(job.id));
    body.insert("tool".into(), json!(job.tool));
    body.insert("status".into(), json!(status));
    body.insert("progress".into(), json!(pct));
    body.insert("message".into(), json!(message));
    body.insert("outputs".into(), Value::Array(outputs));
    body.insert("error".into(), error.unwrap_or(Value::Null));
    body.insert("originalSize".into(), json!(job.original_size));
    body.insert(
        "inputs".into(),
        json!(job
            .inputs
            .iter()
            .map(|f| json!({"filename": f.name, "size": f.size}))
            .collect::<Vec<_>>()),
    );
    body.insert("createdAt".into(), json!(iso8601(job.created_at)));
    body.insert("startedAt".into(), json!(started.map(iso8601)));
    body.insert(
        "finishedAt".into(),
        json!(result.map(|r| iso8601(r.completed_at))),
    );
    if let Some(of) = &job.retry_of {
        body.insert("retryOf".into(), json!(of));
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorKind, Failure, FileRef};

    fn job() -> Job {
        Job {
            id: "j1".into(),
            user_id: "u".into(),
            tool: "image/resize".into(),
            created_at: 1000,
            inputs: vec![FileRef {
                name: "a.png".into(),
                media_type: "image/png".into(),
                size: 10,
                chunks: 1,
            }],
            settings: "{}".into(),
            original_size: 10,
            ..Job::default()
        }
    }

    #[test]
    fn queued_completed_and_failed_views() {
        let job = job();
        let queued = job_json(&job, None, None);
        assert_eq!(queued["status"], "queued");
        assert!(queued["finishedAt"].is_null());
        let file = FileRef {
            name: "a b.png".into(),
            media_type: "image/png".into(),
            size: 4,
            chunks: 1,
        };
        let done = JobResult::completed(vec![file], json!({"width": 2}), 2000);
        let v = job_json(&job, None, Some(&done));
        assert_eq!(v["status"], "completed");
        assert_eq!(v["width"], 2);
        assert_eq!(v["downloadUrl"], "/api/v1/download/j1/a%20b.png");
        assert_eq!(v["finishedAt"], "1970-01-01T00:00:02.000Z");
        let failed = JobResult::failed(Failure::tool(ErrorKind::TooLarge, "big"), 3000);
        let v = job_json(&job, None, Some(&failed));
        assert_eq!(v["status"], "failed");
        assert_eq!(v["error"]["code"], "TOO_LARGE");
        assert!(v.get("processedSize").is_none());
    }
}
