//! The jobs platform end to end: async calls of pure and native tools, job records and
//! listing with cursors, cancel (a running ffmpeg is killed), retry, deleting files,
//! result expiry, SSE progress with replay, `Idempotency-Key`, and batch ZIPs checked with
//! Python's `zipfile` and `json`.

use std::io::BufRead;
use std::process::Command;
use std::time::{Duration, Instant};

use lathe_tests::{fixtures, multipart_body, shared, Lathe};
use serde_json::Value;

/// A multipart POST with extra headers.
fn post_files(
    lathe: &Lathe,
    path: &str,
    token: &str,
    parts: &[(&str, &str, Vec<u8>)],
    settings: &str,
    headers: &[(&str, &str)],
) -> lathe_tests::Reply {
    let (ct, body) = multipart_body(parts, Some(settings));
    lathe.post_with_headers(path, Some(token), headers, Some((&ct, body)))
}

/// Reads `(event data JSON, heartbeat comments seen)` from an SSE stream to its end.
fn read_events(stream: Box<dyn BufRead + Send>) -> (Vec<Value>, usize) {
    let mut events = Vec::new();
    let mut heartbeats = 0;
    for line in stream.lines() {
        let line = line.expect("stream line");
        if let Some(data) = line.strip_prefix("data: ") {
            events.push(serde_json::from_str(data).expect("event data is JSON"));
        } else if line.starts_with(": heartbeat") {
            heartbeats += 1;
        }
    }
    (events, heartbeats)
}

/// Python's zipfile lists a ZIP's entries and returns `manifest.json` parsed, plus every
/// entry name and size (an independent reader of what the worker packed).
fn python_zip(bytes: &[u8]) -> (Vec<(String, u64)>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.zip");
    std::fs::write(&path, bytes).unwrap();
    let script = r#"
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None, "corrupt entry"
names = [[i.filename, i.file_size] for i in z.infolist()]
print(json.dumps({"names": names, "manifest": json.loads(z.read("manifest.json"))}))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = v["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_u64().unwrap()))
        .collect();
    (names, v["manifest"].clone())
}

/// Reads one entry of a ZIP with Python's zipfile.
fn python_zip_entry(bytes: &[u8], name: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.zip");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))",
        ])
        .arg(&path)
        .arg(name)
        .output()
        .expect("python3");
    assert!(out.status.success());
    out.stdout
}

#[test]
fn async_pure_call_is_a_job_with_a_full_record() {
    let lathe = shared();
    let token = lathe.new_user("asyncer");
    let r = post_files(
        lathe,
        "/api/v1/tools/image/resize?async=true",
        &token,
        &[("file", "photo.png", fixtures::png_rgba(80, 60))],
        r#"{"width":40}"#,
        &[],
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    assert_eq!(body["async"], true);
    let job = body["jobId"].as_str().unwrap().to_string();
    let record = lathe.wait_job(&token, &job);
    assert_eq!(record["status"], "completed", "{record}");
    assert_eq!(record["id"], job.as_str());
    assert_eq!(record["tool"], "image/resize");
    assert_eq!(record["progress"], 100);
    assert!(record["error"].is_null());
    for field in ["createdAt", "startedAt", "finishedAt"] {
        assert!(
            record[field].as_str().is_some_and(|t| t.ends_with('Z')),
            "{field}: {record}"
        );
    }
    let output = &record["outputs"][0];
    let d = lathe.get(output["downloadUrl"].as_str().unwrap(), Some(&token));
    assert_eq!(d.status, 200);
    assert_eq!(output["size"].as_u64(), Some(d.body.len() as u64));
    let img = fixtures::decode(&d.body);
    assert_eq!((img.width(), img.height()), (40, 30));

    // `Prefer: respond-async` means the same.
    let r = post_files(
        lathe,
        "/api/v1/tools/image/resize",
        &token,
        &[("file", "photo.png", fixtures::png_rgba(80, 60))],
        r#"{"width":20}"#,
        &[("Prefer", "respond-async")],
    );
    assert_eq!(r.status, 202);
    let job = r.json()["jobId"].as_str().unwrap().to_string();
    assert_eq!(lathe.wait_job(&token, &job)["status"], "completed");
}

#[test]
fn a_failed_async_job_reports_its_error_and_can_be_retried() {
    let lathe = shared();
    let token = lathe.new_user("retrier");
    let r = post_files(
        lathe,
        "/api/v1/tools/image/resize?async=true",
        &token,
        &[("file", "broken.png", b"this is not a png".to_vec())],
        r#"{"width":40}"#,
        &[],
    );
    assert_eq!(r.status, 202);
    let job = r.json()["jobId"].as_str().unwrap().to_string();
    let record = lathe.wait_job(&token, &job);
    assert_eq!(record["status"], "failed");
    assert!(record["error"]["code"]
        .as_str()
        .is_some_and(|c| !c.is_empty()));
    assert!(record["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert!(record["outputs"].as_array().unwrap().is_empty());

    let r = lathe.post_json(
        &format!("/api/v1/jobs/{job}/retry"),
        Some(&token),
        &Value::Null,
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let again = r.json();
    assert_eq!(again["retryOf"], job.as_str());
    let again_id = again["jobId"].as_str().unwrap().to_string();
    assert_ne!(again_id, job);
    let record = lathe.wait_job(&token, &again_id);
    assert_eq!(record["status"], "failed", "same input, same failure");
    assert_eq!(record["retryOf"], job.as_str());

    // A completed job cannot be retried, a finished one cannot be canceled.
    let (ok, _) = lathe.run_and_download(
        "image",
        "resize",
        &[("file", "ok.png", fixtures::png_rgba(10, 10))],
        r#"{"width":5}"#,
    );
    let done = ok["jobId"].as_str().unwrap();
    let admin = lathe.admin_token();
    let r = lathe.post_json(
        &format!("/api/v1/jobs/{done}/retry"),
        Some(&admin),
        &Value::Null,
    );
    assert_eq!(r.assert_client_error(409), "JOB_SUCCEEDED");
    let r = lathe.delete(&format!("/api/v1/jobs/{done}"), Some(&admin));
    assert_eq!(r.assert_client_error(409), "JOB_FINISHED");
}

#[test]
fn jobs_list_newest_first_with_signed_cursors() {
    let lathe = shared();
    let token = lathe.new_user("lister");
    let other = lathe.new_user("lister2");
    let mut ids = Vec::new();
    for width in [10, 11, 12] {
        let r = post_files(
            lathe,
            "/api/v1/tools/image/resize",
            &token,
            &[("file", "a.png", fixtures::png_rgba(30, 30))],
            &format!(r#"{{"width":{width}}}"#),
            &[],
        );
        assert_eq!(r.status, 200);
        ids.push(r.json()["jobId"].as_str().unwrap().to_string());
        std::thread::sleep(Duration::from_millis(5));
    }
    let page = lathe.get("/api/v1/jobs?limit=2", Some(&token)).json();
    let listed: Vec<&str> = page["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[2].as_str(), ids[1].as_str()], "newest first");
    let cursor = page["nextCursor"].as_str().unwrap().to_string();
    let page2 = lathe
        .get(
            &format!("/api/v1/jobs?limit=2&cursor={cursor}"),
            Some(&token),
        )
        .json();
    assert_eq!(page2["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(page2["jobs"][0]["id"], ids[0].as_str());
    assert!(page2["nextCursor"].is_null());

    // Cursors the server never issued, or issued to someone else, are refused.
    let mut forged = cursor.clone();
    forged.pop();
    forged.push(if cursor.ends_with('0') { '1' } else { '0' });
    for bad in [forged.as_str(), "garbage", ""] {
        let r = lathe.get(&format!("/api/v1/jobs?cursor={bad}"), Some(&token));
        assert_eq!(
            r.assert_client_error(400),
            "INVALID_CURSOR",
            "cursor {bad:?}"
        );
    }
    let r = lathe.get(&format!("/api/v1/jobs?cursor={cursor}"), Some(&other));
    assert_eq!(r.assert_client_error(400), "INVALID_CURSOR");
    assert_eq!(
        lathe
            .get("/api/v1/jobs?limit=0", Some(&token))
            .assert_client_error(400),
        "INVALID_LIMIT"
    );

    // Another user sees none of them; only admins may list everyone's.
    assert!(lathe.get("/api/v1/jobs", Some(&other)).json()["jobs"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(lathe.get("/api/v1/jobs?all=true", Some(&other)).status, 403);
    let all = lathe
        .get(
            "/api/v1/jobs?all=true&limit=100",
            Some(&lathe.admin_token()),
        )
        .json();
    let all_ids: Vec<&str> = all["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert!(ids.iter().all(|id| all_ids.contains(&id.as_str())));
    assert_eq!(lathe.get("/api/v1/jobs", None).status, 401);
}

#[test]
fn other_users_get_404_for_every_job_route() {
    let lathe = shared();
    let owner = lathe.new_user("jobowner");
    let stranger = lathe.new_user("jobstranger");
    let r = post_files(
        lathe,
        "/api/v1/tools/image/resize",
        &owner,
        &[("file", "a.png", fixtures::png_rgba(20, 20))],
        r#"{"width":10}"#,
        &[],
    );
    let job = r.json()["jobId"].as_str().unwrap().to_string();
    for (method, path) in [
        ("GET", format!("/api/v1/jobs/{job}")),
        ("GET", format!("/api/v1/jobs/{job}/progress")),
        ("DELETE", format!("/api/v1/jobs/{job}")),
        ("DELETE", format!("/api/v1/jobs/{job}/files")),
        ("POST", format!("/api/v1/jobs/{job}/retry")),
    ] {
        let r = match method {
            "GET" => lathe.get(&path, Some(&stranger)),
            "DELETE" => lathe.delete(&path, Some(&stranger)),
            _ => lathe.post_json(&path, Some(&stranger), &Value::Null),
        };
        assert_eq!(r.assert_client_error(404), "NOT_FOUND", "{method} {path}");
    }
    // The owner's files are all still there.
    let record = lathe
        .get(&format!("/api/v1/jobs/{job}"), Some(&owner))
        .json();
    assert_eq!(record["status"], "completed");
    let url = record["downloadUrl"].as_str().unwrap();
    assert_eq!(lathe.get(url, Some(&owner)).status, 200);
}

#[test]
fn progress_stream_replays_the_end_and_follows_a_batch() {
    let lathe = Lathe::start_with_env(&[], &[("SPIN_VARIABLE_SSE_HEARTBEAT_MS", "100")]);
    let token = lathe.admin_token();
    // A finished job: the terminal event comes at once, with the download URL.
    let (done, _) = lathe.run_and_download(
        "image",
        "resize",
        &[("file", "a.png", fixtures::png_rgba(20, 20))],
        r#"{"width":10}"#,
    );
    let job = done["jobId"].as_str().unwrap();
    let (status, stream) = lathe.open_stream(&format!("/api/v1/jobs/{job}/progress"), Some(&token));
    assert_eq!(status, 200);
    let (events, _) = read_events(stream);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["status"], "completed");
    assert_eq!(events[0]["progress"], 100);
    assert_eq!(events[0]["downloadUrl"], done["downloadUrl"]);

    // A running batch: progress events, heartbeats, then the terminal event.
    let parts: Vec<(&str, String, Vec<u8>)> = (0..12)
        .map(|i| ("files", format!("img{i}.png"), fixtures::png_rgba(600, 400)))
        .collect();
    let parts: Vec<(&str, &str, Vec<u8>)> = parts
        .iter()
        .map(|(f, n, d)| (*f, n.as_str(), d.clone()))
        .collect();
    let r = post_files(
        &lathe,
        "/api/v1/tools/image/resize/batch?async=true",
        &token,
        &parts,
        r#"{"width":300}"#,
        &[],
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let batch = r.json()["jobId"].as_str().unwrap().to_string();
    let (status, stream) =
        lathe.open_stream(&format!("/api/v1/jobs/{batch}/progress"), Some(&token));
    assert_eq!(status, 200);
    let (events, _) = read_events(stream);
    let last = events.last().expect("events");
    assert_eq!(last["status"], "completed", "{events:?}");
    assert_eq!(last["totalFiles"], 12);
    assert_eq!(last["succeeded"], 12);
    assert!(last["downloadUrl"].as_str().is_some());
    let progress: Vec<u64> = events
        .iter()
        .filter_map(|e| e["progress"].as_u64())
        .collect();
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    assert!(
        events.iter().any(|e| e["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Processed "))),
        "per-file progress: {events:?}"
    );
    let d = lathe.get(last["downloadUrl"].as_str().unwrap(), Some(&token));
    let (names, manifest) = python_zip(&d.body);
    assert_eq!(names.len(), 13, "{names:?}");
    assert_eq!(manifest["succeeded"], 12);

    // A native job that takes a few seconds: heartbeats while ffmpeg works, then the end.
    let r = post_files(
        &lathe,
        "/api/v1/tools/video/extract-audio?async=true",
        &token,
        &[("file", "clip.mkv", long_clip(300))],
        r#"{"format":"mp3"}"#,
        &[],
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let slow = r.json()["jobId"].as_str().unwrap().to_string();
    let (_, stream) = lathe.open_stream(&format!("/api/v1/jobs/{slow}/progress"), Some(&token));
    let (events, heartbeats) = read_events(stream);
    assert!(heartbeats >= 1, "heartbeats while waiting: {events:?}");
    let last = events.last().unwrap();
    assert_eq!(last["status"], "completed", "{events:?}");
    let d = lathe.get(
        last["outputs"][0]["downloadUrl"].as_str().unwrap(),
        Some(&token),
    );
    assert_eq!(
        Some(d.body.len() as u64),
        last["outputs"][0]["size"].as_u64()
    );
}

/// A Matroska clip whose audio takes the worker several seconds to encode to MP3 (FLAC
/// inside: quick to make, unlike AAC, which took ~30 s for 40 minutes of sound).
fn long_clip(seconds: u32) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("long.mkv");
    let status = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(format!("color=c=blue:size=32x32:rate=1:duration={seconds}"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!(
            "sine=frequency=300:sample_rate=48000:duration={seconds}"
        ))
        .args(["-c:v", "mpeg4", "-c:a", "flac", "-shortest"])
        .arg(&out)
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    std::fs::read(out).unwrap()
}

/// Process ids of the `ffmpeg` children of `pid`.
fn ffmpeg_children(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`
        let Some((head, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let ppid: u32 = rest
            .split(' ')
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        if ppid == pid && head.ends_with("(ffmpeg") {
            found.push(child);
        }
    }
    found
}

#[test]
fn canceling_a_running_native_job_kills_ffmpeg_and_retry_runs_it_again() {
    let lathe = Lathe::start();
    let token = lathe.admin_token();
    let clip = long_clip(2400);
    let r = post_files(
        &lathe,
        "/api/v1/tools/video/extract-audio?async=true",
        &token,
        &[("file", "long.mkv", clip)],
        r#"{"format":"mp3"}"#,
        &[],
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let job = r.json()["jobId"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    while ffmpeg_children(lathe.pid()).is_empty() {
        let status = lathe
            .get(&format!("/api/v1/jobs/{job}"), Some(&token))
            .json();
        assert!(
            matches!(status["status"].as_str(), Some("queued" | "processing")),
            "finished before it could be canceled: {status}"
        );
        assert!(Instant::now() < deadline, "ffmpeg never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = lathe.delete(&format!("/api/v1/jobs/{job}"), Some(&token));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["status"], "canceled");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !ffmpeg_children(lathe.pid()).is_empty() {
        assert!(
            Instant::now() < deadline,
            "ffmpeg still running after cancel"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // It stays canceled (the worker discards its work), and canceling again is 409.
    std::thread::sleep(Duration::from_millis(500));
    let record = lathe
        .get(&format!("/api/v1/jobs/{job}"), Some(&token))
        .json();
    assert_eq!(record["status"], "canceled", "{record}");
    assert!(record["outputs"].as_array().unwrap().is_empty());
    assert_eq!(
        lathe
            .delete(&format!("/api/v1/jobs/{job}"), Some(&token))
            .assert_client_error(409),
        "JOB_FINISHED"
    );
    lathe.assert_healthy();

    // Retry runs it on the stored input; cancel that one too once it runs.
    let r = lathe.post_json(
        &format!("/api/v1/jobs/{job}/retry"),
        Some(&token),
        &Value::Null,
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let again = r.json()["jobId"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    while ffmpeg_children(lathe.pid()).is_empty() {
        assert!(Instant::now() < deadline, "the retry never started ffmpeg");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        lathe
            .get(&format!("/api/v1/jobs/{again}"), Some(&token))
            .json()["status"],
        "processing"
    );
    assert_eq!(
        lathe
            .delete(&format!("/api/v1/jobs/{again}"), Some(&token))
            .status,
        200
    );
}

#[test]
fn deleting_a_jobs_files_and_expiry() {
    let lathe = shared();
    let (done, _) = lathe.run_and_download(
        "image",
        "resize",
        &[("file", "a.png", fixtures::png_rgba(20, 20))],
        r#"{"width":10}"#,
    );
    let admin = lathe.admin_token();
    let job = done["jobId"].as_str().unwrap();
    let r = lathe.delete(&format!("/api/v1/jobs/{job}/files"), Some(&admin));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["deletedFiles"], 1);
    let url = done["downloadUrl"].as_str().unwrap();
    assert_eq!(
        lathe.get(url, Some(&admin)).assert_client_error(410),
        "FILES_DELETED"
    );
    let record = lathe
        .get(&format!("/api/v1/jobs/{job}"), Some(&admin))
        .json();
    assert!(record["outputs"].as_array().unwrap().is_empty());
    assert!(record["filesDeletedAt"].as_str().is_some());

    // With a 2-second time-to-live the sweeper deletes results by itself.
    let short = Lathe::start_with_env(&[], &[("SPIN_VARIABLE_RESULT_TTL_HOURS", "0.0005")]);
    let (done, _) = short.run_and_download(
        "image",
        "resize",
        &[("file", "a.png", fixtures::png_rgba(20, 20))],
        r#"{"width":10}"#,
    );
    let url = done["downloadUrl"].as_str().unwrap().to_string();
    let token = short.admin_token();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = short.get(&url, Some(&token));
        if r.status == 410 {
            assert_eq!(r.assert_client_error(410), "FILES_DELETED");
            break;
        }
        assert_eq!(r.status, 200);
        assert!(Instant::now() < deadline, "the result never expired");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn idempotency_keys_replay_the_first_answer_per_user() {
    let lathe = shared();
    let token = lathe.new_user("idem");
    let other = lathe.new_user("idem2");
    let send = |token: &str, width: u32, key: &str| {
        post_files(
            lathe,
            "/api/v1/tools/image/resize",
            token,
            &[("file", "a.png", fixtures::png_rgba(30, 30))],
            &format!(r#"{{"width":{width}}}"#),
            &[("Idempotency-Key", key)],
        )
    };
    let first = send(&token, 15, "order-42");
    assert_eq!(first.status, 200);
    let again = send(&token, 15, "order-42");
    assert_eq!(again.status, 200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json()["jobId"], first.json()["jobId"]);
    let listed = lathe.get("/api/v1/jobs", Some(&token)).json();
    assert_eq!(listed["jobs"].as_array().unwrap().len(), 1, "no second job");

    let changed = send(&token, 16, "order-42");
    assert_eq!(changed.assert_client_error(422), "IDEMPOTENCY_MISMATCH");
    // Keys are per user.
    let theirs = send(&other, 15, "order-42");
    assert_eq!(theirs.status, 200);
    assert_ne!(theirs.json()["jobId"], first.json()["jobId"]);
    assert!(theirs.header("idempotent-replayed").is_none());
    // An async answer replays too.
    let path = "/api/v1/tools/image/resize?async=true";
    let parts = [("file", "a.png", fixtures::png_rgba(30, 30))];
    let a = post_files(
        lathe,
        path,
        &token,
        &parts,
        "{}",
        &[("Idempotency-Key", "k2")],
    );
    let b = post_files(
        lathe,
        path,
        &token,
        &parts,
        "{}",
        &[("Idempotency-Key", "k2")],
    );
    assert_eq!((a.status, b.status), (202, 202));
    assert_eq!(a.json()["jobId"], b.json()["jobId"]);
    let bad = send(&token, 15, &"x".repeat(300));
    assert_eq!(bad.assert_client_error(400), "INVALID_IDEMPOTENCY_KEY");
}

#[test]
fn batch_answers_a_zip_with_a_manifest_and_never_drops_a_file() {
    let lathe = shared();
    let token = lathe.new_user("batcher");
    let parts = [
        ("files", "a.png", fixtures::png_rgba(90, 60)),
        ("files", "b.jpg", fixtures::jpeg(120, 80)),
        ("files", "a.png", fixtures::png_rgba(30, 20)),
        ("files", "junk.png", b"not an image at all".to_vec()),
        ("files", "notes.txt", b"plain text".to_vec()),
    ];
    let r = post_files(
        lathe,
        "/api/v1/tools/image/resize/batch",
        &token,
        &parts,
        r#"{"width":30}"#,
        &[],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("application/zip"));
    let job = r.header("x-job-id").expect("X-Job-Id").to_string();
    let (names, manifest) = python_zip(&r.body);
    let entry_names: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        entry_names.len(),
        4,
        "3 results + manifest: {entry_names:?}"
    );
    assert!(entry_names.contains(&"manifest.json"));
    assert_eq!(manifest["totalFiles"], 5);
    assert_eq!(manifest["succeeded"], 3);
    assert_eq!(manifest["failed"], 2);
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 5, "every input is listed");
    let inputs: Vec<&str> = files.iter().map(|f| f["input"].as_str().unwrap()).collect();
    assert_eq!(inputs, ["a.png", "b.jpg", "a.png", "junk.png", "notes.txt"]);
    for f in &files[..3] {
        assert_eq!(f["status"], "completed", "{f}");
        let name = f["outputs"][0]["name"].as_str().unwrap();
        let img = fixtures::decode(&python_zip_entry(&r.body, name));
        assert_eq!(img.width(), 30, "{name}");
    }
    let out0 = files[0]["outputs"][0]["name"].as_str().unwrap();
    let out2 = files[2]["outputs"][0]["name"].as_str().unwrap();
    assert_ne!(out0, out2, "colliding names are renamed");
    for f in &files[3..] {
        assert_eq!(f["status"], "failed", "{f}");
        assert!(f["error"]["code"].as_str().is_some_and(|c| !c.is_empty()));
    }
    let record = lathe
        .get(&format!("/api/v1/jobs/{job}"), Some(&token))
        .json();
    assert_eq!(record["status"], "completed");
    assert_eq!(record["outputs"][0]["mediaType"], "application/zip");
    let d = lathe.get(record["downloadUrl"].as_str().unwrap(), Some(&token));
    assert_eq!(d.body, r.body, "the stored ZIP is the one answered");

    // All files bad: 422 with every file's error.
    let r = post_files(
        lathe,
        "/api/v1/tools/image/resize/batch",
        &token,
        &[
            ("files", "x.png", b"nope".to_vec()),
            ("files", "y.txt", b"no".to_vec()),
        ],
        r#"{"width":30}"#,
        &[],
    );
    assert_eq!(r.assert_client_error(422), "BATCH_FAILED");
    assert_eq!(r.json()["errors"].as_array().unwrap().len(), 2);
    // No files at all.
    let r = post_files(
        lathe,
        "/api/v1/tools/image/resize/batch",
        &token,
        &[],
        "{}",
        &[],
    );
    assert_eq!(r.assert_client_error(400), "NO_FILE");
    // A tool that needs two files at once cannot batch.
    let r = post_files(
        lathe,
        "/api/v1/tools/pdf/merge-pdf/batch",
        &token,
        &[("files", "a.pdf", fixtures::pdf(1, "a"))],
        "{}",
        &[],
    );
    assert_eq!(r.assert_client_error(400), "NOT_BATCHABLE");
    lathe.assert_healthy();
}

#[test]
fn max_batch_size_caps_a_batch() {
    let lathe = Lathe::start_with_env(&[], &[("SPIN_VARIABLE_MAX_BATCH_SIZE", "2")]);
    let token = lathe.admin_token();
    let parts: Vec<(&str, &str, Vec<u8>)> = ["a.png", "b.png", "c.png"]
        .iter()
        .map(|n| ("files", *n, fixtures::png_rgba(10, 10)))
        .collect();
    let r = post_files(
        &lathe,
        "/api/v1/tools/image/resize/batch",
        &token,
        &parts,
        r#"{"width":5}"#,
        &[],
    );
    assert_eq!(r.assert_client_error(400), "BATCH_TOO_LARGE");
    let r = post_files(
        &lathe,
        "/api/v1/tools/image/resize/batch",
        &token,
        &parts[..2],
        r#"{"width":5}"#,
        &[],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let (names, _) = python_zip(&r.body);
    assert_eq!(names.len(), 3);
}

#[test]
fn stream_and_native_tools_batch_too() {
    let lathe = shared();
    let token = lathe.new_user("batcher2");
    let r = post_files(
        lathe,
        "/api/v1/tools/files/csv-json/batch",
        &token,
        &[
            ("files", "one.csv", b"a,b\n1,2\n3,4\n".to_vec()),
            ("files", "two.csv", b"x\nhello\n".to_vec()),
        ],
        r#"{"pretty":false}"#,
        &[],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let (names, manifest) = python_zip(&r.body);
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(manifest["succeeded"], 2, "{manifest}");
    let first = manifest["files"][0]["outputs"][0]["name"].as_str().unwrap();
    let rows: Value = serde_json::from_slice(&python_zip_entry(&r.body, first)).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([{"a": 1, "b": 2}, {"a": 3, "b": 4}])
    );

    let r = post_files(
        lathe,
        "/api/v1/tools/video/extract-audio/batch",
        &token,
        &[
            ("files", "clip.mp4", fixtures::video_with_audio(1)),
            ("files", "bad.mp4", b"not a video".to_vec()),
        ],
        r#"{"format":"wav"}"#,
        &[],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let (_, manifest) = python_zip(&r.body);
    assert_eq!(manifest["succeeded"], 1, "{manifest}");
    assert_eq!(manifest["files"][1]["status"], "failed");
    let wav = manifest["files"][0]["outputs"][0]["name"].as_str().unwrap();
    let audio = python_zip_entry(&r.body, wav);
    assert_eq!(&audio[..4], b"RIFF");
    assert_eq!(&audio[8..12], b"WAVE");
}
