//! `GET /api/v1/jobs/<id>/progress`: a job's progress as Server-Sent Events.
//!
//! The `api` component answers it through Spin's streaming response: it sends
//! `data: {"jobId","progress","status","message"}` whenever the job's progress record
//! changes, a `: heartbeat` comment every `sse_heartbeat_ms` (default 15000), and at the
//! end one terminal event carrying the whole job record (outputs and `downloadUrl`, or the
//! error) before closing. Connecting after the job ended yields that terminal event at once
//! (the record is durable, so a late client never loses the download link). A stream stays
//! open at most `sse_max_seconds` (default 240, under the host's request time limit); an
//! `EventSource` then reconnects by itself (`retry: 2000`).

use std::time::{Duration, Instant};

use futures::SinkExt;
use lathe_store_layout::{keys, Progress};
use serde_json::{json, Value};
use spin_sdk::http::{Headers, OutgoingResponse, Request, ResponseOutparam};

use crate::auth::authenticate;
use crate::store::get_json;
use crate::{config, jobs, outparam, ApiResult};

/// How often the store is polled for a change.
const POLL: Duration = Duration::from_millis(200);

/// Streams job `job_id`'s progress to `out` (owner or admin; others get 404 JSON).
pub async fn stream(head: &Request, job_id: &str, out: ResponseOutparam) {
    let opened = open(head, job_id);
    let (store, job) = match opened {
        Ok(v) => v,
        Err(e) => return outparam::send(out, e.into_response()).await,
    };
    let headers = Headers::from_list(&[
        ("content-type".to_string(), b"text/event-stream".to_vec()),
        ("cache-control".to_string(), b"no-cache".to_vec()),
        ("x-accel-buffering".to_string(), b"no".to_vec()),
    ])
    .unwrap_or_else(|_| Headers::new());
    let response = OutgoingResponse::new(headers);
    response.set_status_code(200).ok();
    let mut body = response.take_body();
    out.set(response);
    let heartbeat = Duration::from_millis(config::get_u64("sse_heartbeat_ms", 15000).max(50));
    let max = Duration::from_secs(config::get_u64("sse_max_seconds", 240).max(1));
    let started = Instant::now();
    let mut last_beat = Instant::now();
    let mut last_sent: Option<Value> = None;
    if body.send(b"retry: 2000\n\n".to_vec()).await.is_err() {
        return;
    }
    loop {
        let finished = jobs::result(&store, &job.id).ok().flatten().is_some();
        if finished {
            let record = jobs::view(&store, &job).unwrap_or_else(|e| json!({"error": e.message}));
            body.send(event(&record)).await.ok();
            return;
        }
        let progress: Option<Progress> = get_json(&store, &keys::progress(&job.id)).ok().flatten();
        let now = match progress {
            Some(p) => {
                json!({"jobId": job.id, "progress": p.progress, "status": "processing", "message": p.message})
            }
            None => {
                json!({"jobId": job.id, "progress": 0, "status": "queued", "message": "Queued"})
            }
        };
        if last_sent.as_ref() != Some(&now) {
            if body.send(event(&now)).await.is_err() {
                return;
            }
            last_sent = Some(now);
            last_beat = Instant::now();
        } else if last_beat.elapsed() >= heartbeat {
            if body.send(b": heartbeat\n\n".to_vec()).await.is_err() {
                return;
            }
            last_beat = Instant::now();
        }
        if started.elapsed() >= max {
            return;
        }
        std::thread::sleep(POLL);
    }
}

fn open(head: &Request, job_id: &str) -> ApiResult<(spin_sdk::key_value::Store, jobs::Job)> {
    let store = crate::store::open()?;
    let principal = authenticate(&store, head)?;
    let job = jobs::visible_job(&store, &principal, job_id)?;
    Ok((store, job))
}

fn event(value: &Value) -> Vec<u8> {
    format!("data: {value}\n\n").into_bytes()
}
