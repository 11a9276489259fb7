//! Test harness: starts the Lathe host on a free port with a fresh data directory and
//! drives its HTTP API as a client would.
//!
//! The host binary and components must be built first (`cargo xtask test` does that); the
//! harness never builds anything itself, so tests stay fast and never rebuild the world.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use serde_json::{json, Value};

pub mod fixtures;
pub mod media;
pub mod pillow;
pub mod video;

/// The admin password every test host starts with.
pub const ADMIN_PASSWORD: &str = "test-admin-password-1";

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn host_binary() -> PathBuf {
    if let Ok(p) = std::env::var("LATHE_HOST_BIN") {
        return PathBuf::from(p);
    }
    let p = repo_root().join("target/release/lathe-host");
    assert!(
        p.exists(),
        "{} is missing: run `cargo xtask test` (it builds the host and components first)",
        p.display()
    );
    p
}

/// Runs `lathe-host --check` on `manifest` (load, resolve, compose and compile everything,
/// then exit) and returns whether it succeeded and what it printed.
pub fn check_manifest(manifest: &Path) -> (bool, String) {
    let data = manifest.with_file_name("check-data");
    let out = Command::new(host_binary())
        .current_dir(repo_root())
        .arg("--check")
        .arg("--manifest")
        .arg(manifest)
        .arg("--data-dir")
        .arg(&data)
        .arg("--cache-dir")
        .arg(repo_root().join("target/lathe-test-cache"))
        .output()
        .expect("run lathe-host --check");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running host.
pub struct Lathe {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    child: Mutex<Option<Child>>,
    data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    admin_token: OnceLock<String>,
}

/// A response: status and body bytes.
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: String,
    /// All response headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Reply {
    /// The value of response header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (panics with the body text if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// Asserts a 4xx JSON error with `error` and `code`; returns the code.
    pub fn assert_client_error(&self, status: u16) -> String {
        let body = self.json();
        assert_eq!(self.status, status, "unexpected status; body: {body}");
        assert!(
            body["error"].as_str().is_some_and(|s| !s.is_empty()),
            "error message missing: {body}"
        );
        body["code"]
            .as_str()
            .unwrap_or_else(|| panic!("code missing: {body}"))
            .to_string()
    }
}

/// Files for a multipart upload: (field, file name, bytes).
pub type Part<'a> = (&'a str, &'a str, Vec<u8>);

impl Lathe {
    /// Starts a host on a fresh data directory.
    pub fn start() -> Lathe {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let mut lathe = Self::start_on(&data);
        lathe._tmp = Some(tmp);
        lathe
    }

    /// Starts a host on a fresh data directory with extra host options
    /// (e.g. `--memory-mb 64`).
    pub fn start_with_args(args: &[&str]) -> Lathe {
        Self::start_with_env(args, &[])
    }

    /// Starts a host on a fresh data directory with extra host options and environment
    /// variables (e.g. `SPIN_VARIABLE_MAX_BATCH_SIZE`).
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Lathe {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let mut lathe = Self::launch(&data, args, env);
        lathe._tmp = Some(tmp);
        lathe
    }

    /// The host's process id.
    pub fn pid(&self) -> u32 {
        self.child.lock().unwrap().as_ref().expect("running").id()
    }

    /// Starts a host on `data_dir` (kept after the host stops).
    pub fn start_on(data_dir: &Path) -> Lathe {
        Self::launch(data_dir, &[], &[])
    }

    fn launch(data_dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Lathe {
        let port = free_port();
        let log = std::fs::File::create(data_dir.with_extension("log")).ok();
        std::fs::create_dir_all(data_dir).unwrap();
        let log = log.unwrap_or_else(|| std::fs::File::create(data_dir.join("host.log")).unwrap());
        let child = Command::new(host_binary())
            .current_dir(repo_root())
            .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(data_dir)
            .args(["--timeout-secs", "60", "--cache-dir"])
            .arg(repo_root().join("target/lathe-test-cache"))
            .args(extra)
            // The host stops when this pipe closes, i.e. when the test process ends, even for
            // the shared host that lives in a static and is never dropped.
            .arg("--exit-with-stdin")
            .env("SPIN_VARIABLE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            // Test hosts serve many tests at once as one admin: the per-minute limit is off
            // unless a test sets it (tests/tests/governance.rs does).
            .env("SPIN_VARIABLE_RATE_LIMIT_PER_MIN", "0")
            .envs(env.iter().copied())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::piped())
            .spawn()
            .expect("start lathe-host");
        let lathe = Lathe {
            base: format!("http://127.0.0.1:{port}"),
            child: Mutex::new(Some(child)),
            data_dir: data_dir.to_path_buf(),
            _tmp: None,
            admin_token: OnceLock::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            if let Ok(r) = ureq::get(&format!("{}/api/v1/health", lathe.base))
                .timeout(Duration::from_secs(2))
                .call()
            {
                if r.status() == 200 {
                    break;
                }
            }
            if let Some(status) = lathe
                .child
                .lock()
                .unwrap()
                .as_mut()
                .unwrap()
                .try_wait()
                .unwrap()
            {
                panic!("lathe-host exited with {status}; log: {}", lathe.log());
            }
            assert!(
                Instant::now() < deadline,
                "lathe-host did not become healthy; log: {}",
                lathe.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        lathe
    }

    /// The host's data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The host's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.with_extension("log")).unwrap_or_default()
    }

    /// Stops the host (the data directory stays).
    pub fn stop(&self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    /// Whether the process is still running and answers the health check.
    pub fn assert_healthy(&self) {
        let r = self.get("/api/v1/health", None);
        assert_eq!(r.status, 200, "host unhealthy; log: {}", self.log());
        assert_eq!(r.json()["status"], "healthy");
    }

    fn call(&self, req: ureq::Request, body: Option<(&str, Vec<u8>)>) -> Reply {
        let req = req.timeout(Duration::from_secs(120));
        let result = match body {
            Some((ct, bytes)) => req.set("Content-Type", ct).send_bytes(&bytes),
            None => req.call(),
        };
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("request failed: {e}; log: {}", self.log()),
        };
        let status = resp.status();
        let content_type = resp.header("content-type").unwrap_or("").to_string();
        let headers = resp
            .headers_names()
            .into_iter()
            .filter_map(|name| {
                let value = resp.header(&name)?.to_string();
                Some((name.to_ascii_lowercase(), value))
            })
            .collect();
        let mut body = Vec::new();
        resp.into_reader()
            .take(1 << 30)
            .read_to_end(&mut body)
            .unwrap();
        Reply {
            status,
            content_type,
            headers,
            body,
        }
    }

    fn with_auth(req: ureq::Request, token: Option<&str>) -> ureq::Request {
        match token {
            Some(t) => req.set("Authorization", &format!("Bearer {t}")),
            None => req,
        }
    }

    /// GET `path`.
    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(
            Self::with_auth(ureq::get(&format!("{}{path}", self.base)), token),
            None,
        )
    }

    /// DELETE `path`.
    pub fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(
            Self::with_auth(ureq::delete(&format!("{}{path}", self.base)), token),
            None,
        )
    }

    /// POST a multipart form of file parts and text fields (`pipeline`, `settings`, ...).
    pub fn post_form(
        &self,
        path: &str,
        token: Option<&str>,
        parts: &[Part],
        fields: &[(&str, &str)],
    ) -> Reply {
        let (ct, body) = form_body(parts, fields);
        self.post_raw(path, token, &ct, body)
    }

    /// PUT raw bytes with a content type.
    pub fn put_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let req = Self::with_auth(ureq::put(&format!("{}{path}", self.base)), token);
        self.call(req, Some((content_type, body)))
    }

    /// PUT a JSON body.
    pub fn put_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        let req = Self::with_auth(ureq::put(&format!("{}{path}", self.base)), token);
        self.call(
            req,
            Some(("application/json", body.to_string().into_bytes())),
        )
    }

    /// POST a JSON body.
    pub fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        let req = Self::with_auth(ureq::post(&format!("{}{path}", self.base)), token);
        self.call(
            req,
            Some(("application/json", body.to_string().into_bytes())),
        )
    }

    /// POST raw bytes with a content type.
    pub fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let req = Self::with_auth(ureq::post(&format!("{}{path}", self.base)), token);
        self.call(req, Some((content_type, body)))
    }

    /// POST with extra request headers (`Idempotency-Key`, `Prefer`, ...) and a body.
    pub fn post_with_headers(
        &self,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut req = Self::with_auth(ureq::post(&format!("{}{path}", self.base)), token);
        for (k, v) in headers {
            req = req.set(k, v);
        }
        self.call(req, body)
    }

    /// Opens `path` (an SSE stream) and returns the status and a line reader over the body.
    pub fn open_stream(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> (u16, Box<dyn std::io::BufRead + Send>) {
        let req = Self::with_auth(ureq::get(&format!("{}{path}", self.base)), token)
            .timeout(Duration::from_secs(120));
        let resp = match req.call() {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("request failed: {e}; log: {}", self.log()),
        };
        let status = resp.status();
        (
            status,
            Box::new(std::io::BufReader::new(resp.into_reader())),
        )
    }

    /// POST multipart: file parts plus a `settings` field (omitted when `None`).
    pub fn post_multipart(
        &self,
        path: &str,
        token: Option<&str>,
        parts: &[Part],
        settings: Option<&str>,
    ) -> Reply {
        let (ct, body) = multipart_body(parts, settings);
        self.post_raw(path, token, &ct, body)
    }

    /// Logs in; returns the session token.
    pub fn login(&self, username: &str, password: &str) -> Reply {
        self.post_json(
            "/api/auth/login",
            None,
            &json!({"username": username, "password": password}),
        )
    }

    /// The admin's session token (logged in once per host).
    pub fn admin_token(&self) -> String {
        self.admin_token
            .get_or_init(|| {
                let r = self.login("admin", ADMIN_PASSWORD);
                assert_eq!(
                    r.status,
                    200,
                    "admin login failed: {}",
                    String::from_utf8_lossy(&r.body)
                );
                r.json()["token"].as_str().unwrap().to_string()
            })
            .clone()
    }

    /// Creates a user and returns a session token for them.
    pub fn new_user(&self, username: &str) -> String {
        let admin = self.admin_token();
        let password = format!("{username}-password");
        let r = self.post_json(
            "/api/auth/register",
            Some(&admin),
            &json!({"username": username, "password": password}),
        );
        assert_eq!(
            r.status,
            201,
            "register failed: {}",
            String::from_utf8_lossy(&r.body)
        );
        let r = self.login(username, &password);
        assert_eq!(r.status, 200);
        r.json()["token"].as_str().unwrap().to_string()
    }

    /// Runs a tool with one file as the admin: `POST /api/v1/tools/<section>/<tool>`.
    pub fn run_tool(
        &self,
        section: &str,
        tool: &str,
        file_name: &str,
        data: Vec<u8>,
        settings: &str,
    ) -> Reply {
        self.run_tool_files(section, tool, &[("file", file_name, data)], settings)
    }

    /// Runs a tool with several file parts as the admin.
    pub fn run_tool_files(
        &self,
        section: &str,
        tool: &str,
        parts: &[Part],
        settings: &str,
    ) -> Reply {
        let token = self.admin_token();
        self.post_multipart(
            &format!("/api/v1/tools/{section}/{tool}"),
            Some(&token),
            parts,
            Some(settings),
        )
    }

    /// Polls a job until it leaves `queued`/`processing` (at most 90 s); returns its
    /// record.
    pub fn wait_job(&self, token: &str, job: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let r = self.get(&format!("/api/v1/jobs/{job}"), Some(token));
            assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
            let body = r.json();
            if !matches!(body["status"].as_str(), Some("queued" | "processing")) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "job {job} did not finish: {body}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs a tool and downloads its result; panics unless the run answered 200 with a
    /// `downloadUrl`. Returns the response JSON and the downloaded bytes.
    pub fn run_and_download(
        &self,
        section: &str,
        tool: &str,
        parts: &[Part],
        settings: &str,
    ) -> (Value, Vec<u8>) {
        let r = self.run_tool_files(section, tool, parts, settings);
        // A long native run answers 202 after `sync_wait_ms` on a busy machine: follow
        // the job, whose completed record carries the same download fields.
        let body = if r.status == 202 {
            let job = r.json()["jobId"].as_str().unwrap().to_string();
            let record = self.wait_job(&self.admin_token(), &job);
            assert_eq!(record["status"], "completed", "{section}/{tool}: {record}");
            record
        } else {
            assert_eq!(
                r.status,
                200,
                "{section}/{tool} failed: {}",
                String::from_utf8_lossy(&r.body)
            );
            r.json()
        };
        let url = body["downloadUrl"]
            .as_str()
            .unwrap_or_else(|| panic!("no downloadUrl: {body}"))
            .to_string();
        let d = self.get(&url, Some(&self.admin_token()));
        assert_eq!(
            d.status,
            200,
            "download failed: {}",
            String::from_utf8_lossy(&d.body)
        );
        assert_eq!(
            body["processedSize"].as_u64(),
            Some(d.body.len() as u64),
            "processedSize must match the file"
        );
        // Every image result is also read by Pillow, independently of the crates that
        // wrote it.
        pillow::cross_check(&d.body);
        (body, d.body)
    }
}

impl Drop for Lathe {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Builds a multipart/form-data body.
pub fn multipart_body(parts: &[Part], settings: Option<&str>) -> (String, Vec<u8>) {
    let fields: Vec<(&str, &str)> = settings.iter().map(|s| ("settings", *s)).collect();
    form_body(parts, &fields)
}

/// A multipart body of file parts and text fields `(name, value)`.
pub fn form_body(parts: &[Part], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----lathe-test-boundary-7d93a1";
    let mut body = Vec::new();
    for (field, name, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The host shared by the tests of one test binary.
pub fn shared() -> &'static Lathe {
    static SHARED: OnceLock<Lathe> = OnceLock::new();
    SHARED.get_or_init(Lathe::start)
}

/// Asserts the standard bad-input cases for a one-file tool: garbage bytes, a wrong file
/// type, settings that are not JSON, and no file at all. Each must be a 4xx JSON error
/// with a code, and the host must stay healthy.
pub fn assert_rejects_bad_input(
    lathe: &Lathe,
    section: &str,
    tool: &str,
    good_name: &str,
    good: Vec<u8>,
    wrong_type: (&str, Vec<u8>),
) {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let ext = good_name.rsplit('.').next().unwrap();
    let r = lathe.run_tool(section, tool, &format!("garbage.{ext}"), garbage, "{}");
    assert!((400..500).contains(&r.status), "garbage: {}", r.status);
    r.assert_client_error(r.status);
    let r = lathe.run_tool(section, tool, wrong_type.0, wrong_type.1, "{}");
    assert!((400..500).contains(&r.status), "wrong type: {}", r.status);
    r.assert_client_error(r.status);
    let r = lathe.run_tool(section, tool, good_name, good, "{not json");
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
    let token = lathe.admin_token();
    let r = lathe.post_multipart(
        &format!("/api/v1/tools/{section}/{tool}"),
        Some(&token),
        &[],
        Some("{}"),
    );
    r.assert_client_error(400);
    lathe.assert_healthy();
}
