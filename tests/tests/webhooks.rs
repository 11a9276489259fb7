//! Webhooks end to end: registering (validation, the SSRF guard, ownership, the per-user
//! limit), and deliveries by the worker to a local receiver: `run.completed` after a retry,
//! `run.failed`, one delivery per batch (none per file), none for thumbnails and previews,
//! a synchronous run, a subscription
//! that filters events, the signature checked with Python's `hmac`, and the payload's `job`
//! equal to `GET /api/v1/jobs/<id>`.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lathe_tests::{fixtures, multipart_body, shared, Lathe};
use serde_json::{json, Value};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no {name} header: {:?}", self.headers))
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the payload is JSON")
    }
}

/// A local HTTP receiver answering the statuses of `script` in turn, then 200.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(script: &[u16]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let (log, script) = (got.clone(), script.to_vec());
        std::thread::spawn(move || {
            let mut script = script.into_iter();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
                let Some(request) = read_request(&mut stream) else {
                    continue;
                };
                log.lock().unwrap().push(request);
                let status = script.next().unwrap_or(200);
                let answer = format!(
                    "HTTP/1.1 {status} Whatever\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                );
                stream.write_all(answer.as_bytes()).ok();
            }
        });
        Receiver { port, got }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (at most 90 s) until `pred` holds for what was received; returns it.
    fn wait_for(&self, what: &str, pred: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let got = self.received();
            if pred(&got) {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; received: {:?}",
                got.iter()
                    .map(|r| String::from_utf8_lossy(&r.body).to_string())
                    .collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Reads one HTTP/1.1 request with a `content-length` body.
fn read_request(stream: &mut std::net::TcpStream) -> Option<Received> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&buf[..n]);
    }
    body.truncate(length);
    Some(Received {
        path,
        headers,
        body,
    })
}

/// `v1=<hex>` as Python's hmac computes it over `<timestamp>.<body>` with `secret`.
fn python_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("body.json");
    std::fs::write(&path, body).unwrap();
    let script = "import hashlib, hmac, sys\n\
        body = open(sys.argv[3], 'rb').read()\n\
        mac = hmac.new(sys.argv[1].encode(), sys.argv[2].encode() + b'.' + body, hashlib.sha256)\n\
        print('v1=' + mac.hexdigest())";
    let out = Command::new("python3")
        .args(["-c", script, secret, timestamp])
        .arg(&path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Runs image/resize asynchronously on `file` as `token`; returns the job id.
fn run_async(lathe: &Lathe, token: &str, name: &str, file: Vec<u8>) -> String {
    let (ct, body) = multipart_body(&[("file", name, file)], Some(r#"{"width":20}"#));
    let r = lathe.post_raw(
        "/api/v1/tools/image/resize?async=true",
        Some(token),
        &ct,
        body,
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    r.json()["jobId"].as_str().unwrap().to_string()
}

fn create(lathe: &Lathe, token: &str, body: &Value) -> lathe_tests::Reply {
    lathe.post_json("/api/v1/webhooks", Some(token), body)
}

/// Checks one delivery: headers, signature (Python), and the payload's `job` against the
/// job's own record. Returns the payload.
fn check_delivery(lathe: &Lathe, token: &str, secret: &str, got: &Received, event: &str) -> Value {
    assert_eq!(got.path, "/hook?src=lathe");
    assert_eq!(got.header("content-type"), "application/json");
    assert_eq!(got.header("x-lathe-event"), event);
    let timestamp = got.header("x-lathe-timestamp");
    assert!(timestamp.parse::<u64>().is_ok_and(|t| t > 1_600_000_000));
    assert_eq!(
        got.header("x-lathe-signature"),
        python_signature(secret, timestamp, &got.body),
        "the signature must verify independently"
    );
    assert_ne!(
        got.header("x-lathe-signature"),
        python_signature("whsec_wrong", timestamp, &got.body)
    );
    let payload = got.json();
    assert_eq!(payload["event"], event);
    assert_eq!(payload["deliveryId"], got.header("x-lathe-delivery"));
    assert!(payload["createdAt"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    let job = payload["job"]["id"].as_str().expect("job id").to_string();
    let record = lathe.get(&format!("/api/v1/jobs/{job}"), Some(token));
    assert_eq!(record.status, 200);
    assert_eq!(
        payload["job"],
        record.json(),
        "job must be GET /api/v1/jobs/<id>"
    );
    payload
}

#[test]
fn deliveries_are_signed_retried_and_filtered_by_event() {
    let lathe = Lathe::start_with_env(
        &[],
        &[
            ("SPIN_VARIABLE_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
            ("SPIN_VARIABLE_WEBHOOK_RETRY_BASE_MS", "200"),
        ],
    );
    let token = lathe.new_user("hooked");
    // The first delivery is answered 500, every later one 200.
    let receiver = Receiver::start(&[500]);
    let r = create(
        &lathe,
        &token,
        &json!({"url": receiver.url("/hook?src=lathe")}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let hook = r.json();
    let secret = hook["secret"].as_str().unwrap().to_string();
    assert!(
        secret.len() == 70
            && secret.starts_with("whsec_")
            && secret[6..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{secret}"
    );
    assert_eq!(hook["events"], json!(["run.completed", "run.failed"]));
    assert_eq!(hook["url"], receiver.url("/hook?src=lathe"));
    assert!(hook["createdAt"].as_str().is_some_and(|t| t.ends_with('Z')));
    let listed = lathe.get("/api/v1/webhooks", Some(&token)).json();
    assert_eq!(listed["webhooks"][0]["id"], hook["id"]);
    assert!(
        !listed.to_string().contains(&secret) && listed["webhooks"][0].get("secret").is_none(),
        "lists never show the secret: {listed}"
    );

    // A completed job: the first attempt fails (500), the retry is delivered.
    let job = run_async(&lathe, &token, "photo.png", fixtures::png_rgba(40, 30));
    assert_eq!(lathe.wait_job(&token, &job)["status"], "completed");
    let got = receiver.wait_for("the retried delivery", |got| got.len() >= 2);
    assert_eq!(
        got[0].header("x-lathe-delivery"),
        got[1].header("x-lathe-delivery"),
        "a retry is the same delivery"
    );
    assert_eq!(
        got[0].body,
        got[1].body.as_slice(),
        "a retry sends the same body"
    );
    let payload = check_delivery(&lathe, &token, &secret, &got[1], "run.completed");
    assert_eq!(payload["job"]["id"], job.as_str());
    assert_eq!(payload["job"]["status"], "completed");

    // A failing job (garbage bytes): run.failed.
    let failed = run_async(&lathe, &token, "broken.png", b"not a png at all".to_vec());
    assert_eq!(lathe.wait_job(&token, &failed)["status"], "failed");
    let got = receiver.wait_for("run.failed", |got| {
        got.iter()
            .any(|r| r.headers.get("x-lathe-event").map(String::as_str) == Some("run.failed"))
    });
    let delivery = got
        .iter()
        .find(|r| r.header("x-lathe-event") == "run.failed")
        .unwrap();
    let payload = check_delivery(&lathe, &token, &secret, delivery, "run.failed");
    assert_eq!(payload["job"]["id"], failed.as_str());
    assert_eq!(payload["job"]["status"], "failed");
    assert!(payload["job"]["error"]["code"].is_string());

    // A batch is one delivery, of the batch job (packed by the worker), none per file.
    let (ct, body) = multipart_body(
        &[
            ("files", "a.png", fixtures::png_rgba(40, 30)),
            ("files", "b.png", fixtures::png_rgba(30, 40)),
        ],
        Some(r#"{"width":20}"#),
    );
    let r = lathe.post_raw(
        "/api/v1/tools/image/resize/batch?async=true",
        Some(&token),
        &ct,
        body,
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    let batch = r.json()["jobId"].as_str().unwrap().to_string();
    assert_eq!(lathe.wait_job(&token, &batch)["status"], "completed");
    let got = receiver.wait_for("the batch's delivery", |got| {
        got.iter().any(|r| r.json()["job"]["id"] == batch.as_str())
    });
    let delivery = got
        .iter()
        .find(|r| r.json()["job"]["id"] == batch.as_str())
        .unwrap();
    check_delivery(&lathe, &token, &secret, delivery, "run.completed");

    // Thumbnails and previews run as jobs on the owner's behalf, but the owner did not
    // start them: no delivery, whether they complete or fail (checked with the others
    // below, once the synchronous run's delivery shows the deliverer has caught up).
    let r = lathe.post_multipart(
        "/api/v1/files/upload",
        Some(&token),
        &[("files", "kept.png", fixtures::png_rgba(60, 40))],
        None,
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let file = r.json()["files"][0]["id"].as_str().unwrap().to_string();
    let t = lathe.get(&format!("/api/v1/files/{file}/thumbnail"), Some(&token));
    assert_eq!(t.status, 200, "{}", String::from_utf8_lossy(&t.body));
    for (name, bytes, ok) in [
        ("shot.png", fixtures::png_rgba(30, 20), true),
        ("shot.jpg", b"not a jpeg".to_vec(), false),
    ] {
        let p = lathe.post_multipart(
            "/api/v1/preview",
            Some(&token),
            &[("file", name, bytes)],
            None,
        );
        assert_eq!(p.status == 200, ok, "{}", String::from_utf8_lossy(&p.body));
    }

    // A synchronous run (its result written by the gateway itself) is delivered too.
    let (ct, body) = multipart_body(
        &[("file", "sync.png", fixtures::png_rgba(40, 30))],
        Some(r#"{"width":10}"#),
    );
    let r = lathe.post_raw("/api/v1/tools/image/resize", Some(&token), &ct, body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let sync = r.json()["jobId"].as_str().unwrap().to_string();
    let got = receiver.wait_for("the synchronous run's delivery", |got| {
        got.iter().any(|r| r.json()["job"]["id"] == sync.as_str())
    });
    let delivery = got
        .iter()
        .find(|r| r.json()["job"]["id"] == sync.as_str())
        .unwrap();
    check_delivery(&lathe, &token, &secret, delivery, "run.completed");

    std::thread::sleep(Duration::from_secs(1));
    let top_level = [job.as_str(), failed.as_str(), batch.as_str(), sync.as_str()];
    for r in receiver.received() {
        let id = r.json()["job"]["id"].as_str().unwrap().to_string();
        assert!(
            top_level.contains(&id.as_str()),
            "only jobs the owner started are delivered (no batch file, thumbnail or preview): {id}"
        );
    }

    // A webhook subscribed to run.failed only hears nothing of a completed job.
    let other = lathe.new_user("failures-only");
    let quiet = Receiver::start(&[]);
    let r = create(
        &lathe,
        &other,
        &json!({"url": quiet.url("/hook?src=lathe"), "events": ["run.failed"]}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["events"], json!(["run.failed"]));
    let other_secret = r.json()["secret"].as_str().unwrap().to_string();
    let done = run_async(&lathe, &other, "photo.png", fixtures::png_rgba(40, 30));
    assert_eq!(lathe.wait_job(&other, &done)["status"], "completed");
    let broken = run_async(&lathe, &other, "broken.png", b"garbage".to_vec());
    assert_eq!(lathe.wait_job(&other, &broken)["status"], "failed");
    let got = quiet.wait_for("the run.failed delivery", |got| !got.is_empty());
    std::thread::sleep(Duration::from_secs(1));
    let got_later = quiet.received();
    assert_eq!(got_later.len(), 1, "only the failed job is delivered");
    let payload = check_delivery(&lathe, &other, &other_secret, &got[0], "run.failed");
    assert_eq!(payload["job"]["id"], broken.as_str());
    // The first user's receiver heard nothing of the second user's jobs.
    assert!(receiver.received().iter().all(
        |r| r.json()["job"]["id"] != done.as_str() && r.json()["job"]["id"] != broken.as_str()
    ));
}

#[test]
fn local_and_private_targets_are_refused_without_the_variable() {
    let lathe = shared();
    let token = lathe.new_user("ssrf-prober");
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://2130706433/hook",
        "http://192.168.0.10/hook",
    ] {
        let r = create(lathe, &token, &json!({"url": url}));
        assert_eq!(
            r.assert_client_error(400),
            "WEBHOOK_TARGET_FORBIDDEN",
            "{url}"
        );
    }
    assert!(
        lathe.get("/api/v1/webhooks", Some(&token)).json()["webhooks"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn bad_bodies_are_validation_errors() {
    let lathe = shared();
    let token = lathe.new_user("hook-validator");
    let r = lathe.post_raw(
        "/api/v1/webhooks",
        Some(&token),
        "application/json",
        b"{not json".to_vec(),
    );
    assert_eq!(r.assert_client_error(400), "VALIDATION_ERROR");
    for body in [
        json!({}),
        json!({"events": ["run.completed"]}),
        json!({"url": 42}),
        json!({"url": "ftp://example.com/hook"}),
        json!({"url": "example.com/hook"}),
        json!({"url": format!("https://example.com/{}", "a".repeat(2100))}),
        json!({"url": "https://example.com/hook", "events": ["run.started"]}),
        json!({"url": "https://example.com/hook", "events": "run.failed"}),
        json!({"url": "https://example.com/hook", "events": []}),
        json!(["https://example.com/hook"]),
    ] {
        let r = create(lathe, &token, &body);
        assert_eq!(r.assert_client_error(400), "VALIDATION_ERROR", "{body}");
    }
    let r = lathe.post_json(
        "/api/v1/webhooks",
        None,
        &json!({"url": "https://example.com/hook"}),
    );
    assert_eq!(r.status, 401);
}

#[test]
fn webhooks_belong_to_their_owner() {
    let lathe = shared();
    let owner = lathe.new_user("hook-owner");
    let stranger = lathe.new_user("hook-stranger");
    let admin = lathe.admin_token();
    let mk = |token: &str, path: &str| {
        let r = create(
            lathe,
            token,
            &json!({"url": format!("https://example.com/{path}"), "events": ["run.completed"]}),
        );
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        r.json()
    };
    let first = mk(&owner, "first");
    let second = mk(&owner, "second");
    let first_id = first["id"].as_str().unwrap();
    let second_id = second["id"].as_str().unwrap();

    // Another user neither sees nor deletes them; listing everyone's needs webhooks:manage.
    let theirs = lathe.get("/api/v1/webhooks", Some(&stranger)).json();
    assert!(
        theirs["webhooks"].as_array().unwrap().is_empty(),
        "{theirs}"
    );
    let r = lathe.delete(&format!("/api/v1/webhooks/{first_id}"), Some(&stranger));
    assert_eq!(r.assert_client_error(404), "NOT_FOUND");
    assert!(!String::from_utf8_lossy(&r.body).contains("example.com"));
    let r = lathe.get("/api/v1/webhooks?all=true", Some(&stranger));
    assert_eq!(r.assert_client_error(403), "FORBIDDEN");
    let r = lathe.delete("/api/v1/webhooks/not-a-uuid", Some(&owner));
    assert_eq!(r.status, 404);

    // An admin (all permissions) lists everyone's, without secrets, and deletes any.
    let all = lathe.get("/api/v1/webhooks?all=true", Some(&admin));
    assert_eq!(all.status, 200);
    let all = all.json();
    let listed = all["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == first["id"])
        .unwrap_or_else(|| panic!("{all}"))
        .clone();
    assert!(listed["userId"].is_string());
    assert!(!all.to_string().contains("whsec_"), "{all}");
    let r = lathe.delete(&format!("/api/v1/webhooks/{first_id}"), Some(&admin));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));

    // The owner deletes their own.
    let r = lathe.delete(&format!("/api/v1/webhooks/{second_id}"), Some(&owner));
    assert_eq!(r.status, 200);
    let r = lathe.delete(&format!("/api/v1/webhooks/{second_id}"), Some(&owner));
    assert_eq!(r.status, 404);
    let mine = lathe.get("/api/v1/webhooks", Some(&owner)).json();
    assert!(mine["webhooks"].as_array().unwrap().is_empty(), "{mine}");

    // At most 20 per user.
    let busy = lathe.new_user("hook-hoarder");
    for i in 0..20 {
        mk(&busy, &format!("n{i}"));
    }
    let r = create(
        lathe,
        &busy,
        &json!({"url": "https://example.com/one-too-many"}),
    );
    assert_eq!(r.assert_client_error(409), "WEBHOOK_LIMIT");
    assert_eq!(
        lathe.get("/api/v1/webhooks", Some(&busy)).json()["total"],
        20
    );

    // Creates and deletes at the same moment all land (compare-and-swap on the one
    // record): 16 parallel creates leave 16 webhooks, then 16 parallel deletes none, and
    // 24 parallel creates stop at the limit of 20.
    let racer = lathe.new_user("hook-racer");
    let parallel = |n: usize| -> Vec<Value> {
        std::thread::scope(|scope| {
            let calls: Vec<_> = (0..n)
                .map(|i| {
                    let racer = racer.as_str();
                    scope.spawn(move || {
                        create(
                            lathe,
                            racer,
                            &json!({"url": format!("https://example.com/race/{i}")}),
                        )
                    })
                })
                .collect();
            calls
                .into_iter()
                .map(|c| {
                    let r = c.join().unwrap();
                    json!({"status": r.status, "body": r.json()})
                })
                .collect()
        })
    };
    let made = parallel(16);
    assert!(made.iter().all(|r| r["status"] == 201), "{made:?}");
    let listed = lathe.get("/api/v1/webhooks", Some(&racer)).json();
    assert_eq!(listed["total"], 16, "no create may be lost: {listed}");
    std::thread::scope(|scope| {
        for r in &made {
            let id = r["body"]["id"].as_str().unwrap().to_string();
            let racer = racer.as_str();
            scope.spawn(move || {
                let d = lathe.delete(&format!("/api/v1/webhooks/{id}"), Some(racer));
                assert_eq!(d.status, 200, "{}", String::from_utf8_lossy(&d.body));
            });
        }
    });
    let listed = lathe.get("/api/v1/webhooks", Some(&racer)).json();
    assert_eq!(listed["total"], 0, "every delete lands: {listed}");
    let made = parallel(24);
    let created = made.iter().filter(|r| r["status"] == 201).count();
    let refused = made.iter().filter(|r| r["status"] == 409).count();
    assert_eq!((created, refused), (20, 4), "{made:?}");
    let listed = lathe.get("/api/v1/webhooks", Some(&racer)).json();
    assert_eq!(listed["total"], 20, "{listed}");
}
