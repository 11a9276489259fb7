//! `cargo xtask bench`: Lathe through its full HTTP API beside the peers on the same files.
//!
//! Each row is the median of several runs measured in this one invocation, so ratios are
//! comparable even though the machine drifts between runs. Peers run as processes under
//! `/usr/bin/time` (wall time, peak RSS); Lathe runs as one host process whose peak RSS is
//! reset (`/proc/<pid>/clear_refs`) before each series. Needs `vipsthumbnail`
//! (libvips-tools), ImageMagick (`/usr/bin/convert`) and ffmpeg (to make test images).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

const PASSWORD: &str = "bench-admin-password";
/// Runs per series for the fast rows.
pub(crate) const RUNS: usize = 7;

/// A running Lathe host with an API key.
pub(crate) struct Host {
    pub(crate) child: Child,
    pub(crate) base: String,
    pub(crate) key: String,
}

impl Drop for Host {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

pub(crate) fn status_kib(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub(crate) fn reset_peak(pid: u32) {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").ok();
}

/// A camera-like JPEG of the given size, made once with ffmpeg.
pub(crate) fn make_jpeg(dir: &Path, width: u32, height: u32) -> Result<PathBuf> {
    let path = dir.join(format!("photo-{width}x{height}.jpg"));
    if !path.exists() {
        // Camera-like content: a busy test pattern with grain, at quality ~90.
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
            .arg(format!("testsrc2=size={width}x{height}:rate=1"))
            .args(["-frames:v", "1", "-vf", "noise=alls=12:allf=u", "-q:v", "3"])
            .arg(&path)
            .status()?;
        if !status.success() {
            bail!("ffmpeg could not make the test image");
        }
    }
    Ok(path)
}

fn start_host(root: &Path, data: &Path) -> Result<Host> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(root.join("target/release/lathe-host"))
        .current_dir(root)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data)
        .arg("--cache-dir")
        .arg(root.join("target/lathe-bench-cache"))
        .env("SPIN_VARIABLE_ADMIN_PASSWORD", PASSWORD)
        // The CSV row uploads 100 MB; the limit itself is not what is measured.
        .env("SPIN_VARIABLE_MAX_UPLOAD_SIZE_MB", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(300);
    while ureq::get(&format!("{base}/api/v1/health")).call().is_err() {
        if Instant::now() > deadline {
            bail!("host did not start");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let login: serde_json::Value = ureq::post(&format!("{base}/api/auth/login"))
        .send_json(serde_json::json!({"username": "admin", "password": PASSWORD}))?
        .into_json()?;
    let token = login["token"].as_str().context("token")?.to_string();
    let key: serde_json::Value = ureq::post(&format!("{base}/api/v1/api-keys"))
        .set("Authorization", &format!("Bearer {token}"))
        .send_json(serde_json::json!({"name": "bench"}))?
        .into_json()?;
    Ok(Host {
        child,
        base,
        key: key["key"].as_str().context("key")?.to_string(),
    })
}

pub(crate) fn multipart(files: &[(&str, &[u8])], settings: &str) -> (String, Vec<u8>) {
    let boundary = "lathe-bench-boundary";
    let field = if files.len() > 1 { "files" } else { "file" };
    let mut body = Vec::new();
    for (name, data) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"settings\"\r\n\r\n{settings}\r\n--{boundary}--\r\n").as_bytes(),
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// One full API round: upload + process, then download. Returns seconds and result bytes.
pub(crate) fn tool_round(
    host: &Host,
    path: &str,
    files: &[(&str, &[u8])],
    settings: &str,
) -> Result<(f64, Vec<u8>)> {
    let (ct, body) = multipart(files, settings);
    let start = Instant::now();
    let resp: serde_json::Value = ureq::post(&format!("{}{path}", host.base))
        .set("Authorization", &format!("Bearer {}", host.key))
        .set("Content-Type", &ct)
        .send_bytes(&body)?
        .into_json()?;
    let url = resp["downloadUrl"].as_str().context("downloadUrl")?;
    let mut out = Vec::new();
    ureq::get(&format!("{}{url}", host.base))
        .set("Authorization", &format!("Bearer {}", host.key))
        .call()?
        .into_reader()
        .read_to_end(&mut out)?;
    Ok((start.elapsed().as_secs_f64(), out))
}

/// Runs a peer command under /usr/bin/time; returns (seconds, peak RSS MiB).
fn peer(cmd: &[String]) -> Result<(f64, f64)> {
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .args(cmd)
        .output()?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let kib: f64 = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .unwrap_or("0")
        .trim()
        .parse()
        .unwrap_or(0.0);
    Ok((secs, kib / 1024.0))
}

/// Median seconds and peak RSS (MiB) of a peer command over `runs` runs after a warm-up.
pub(crate) fn peer_series(cmd: &[String], runs: usize) -> Result<(f64, f64)> {
    peer(cmd)?; // warm the page cache
    let mut times = Vec::new();
    let mut peak: f64 = 0.0;
    for _ in 0..runs {
        let (t, m) = peer(cmd)?;
        times.push(t);
        peak = peak.max(m);
    }
    Ok((median(times), peak))
}

/// Median seconds, peak RSS above idle (MiB) and the last output of a tool called through
/// the full API (upload + process + download) `runs` times after a warm-up.
pub(crate) fn lathe_series(
    host: &Host,
    path: &str,
    files: &[(&str, &[u8])],
    settings: &str,
    runs: usize,
) -> Result<(f64, f64, Vec<u8>)> {
    let pid = host.child.id();
    tool_round(host, path, files, settings)?; // warm-up
    let baseline = status_kib(pid, "VmRSS:");
    reset_peak(pid);
    let mut times = Vec::new();
    let mut last = Vec::new();
    for _ in 0..runs {
        let (t, out) = tool_round(host, path, files, settings)?;
        times.push(t);
        last = out;
    }
    let peak = status_kib(pid, "VmHWM:");
    // Peak above the idle baseline: what this operation needs.
    Ok((
        median(times),
        (peak.saturating_sub(baseline) as f64) / 1024.0,
        last,
    ))
}

fn jpeg_width(bytes: &[u8]) -> Option<u16> {
    // Find the SOF0/SOF2 marker and read the width (a check that the output is right).
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        if (0xC0..=0xC2).contains(&marker) {
            return Some(u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]));
        }
        i += 2 + len;
    }
    None
}

/// The bench folder (`target/bench`) and a host started on a fresh data directory there.
fn fresh_host(root: &Path) -> Result<(Host, PathBuf)> {
    let work = root.join("target/bench");
    std::fs::create_dir_all(&work)?;
    let data = work.join("data");
    std::fs::remove_dir_all(&data).ok();
    Ok((start_host(root, &data)?, work))
}

/// Runs all benchmarks and prints a Markdown table.
pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let only = args.first().map(String::as_str);
    // Long encodes and native tools answer synchronously, as a script waiting for its file
    // would see.
    if matches!(only, Some("--media") | Some("--avif")) {
        std::env::set_var("SPIN_VARIABLE_SYNC_WAIT_MS", "600000");
    }
    let part: Option<fn(&Host, &Path) -> Result<()>> = match only {
        Some("--batch") => Some(crate::bench_batch::run),
        Some("--media") => Some(crate::bench_media::run),
        Some("--webp") => Some(crate::bench_more::run_webp),
        Some("--avif") => Some(crate::bench_more::run_avif),
        Some("--only-more") => Some(crate::bench_more::run),
        _ => None,
    };
    let (host, work) = fresh_host(root)?;
    if let Some(part) = part {
        return part(&host, &work);
    }
    std::thread::sleep(Duration::from_secs(2));
    let idle_mib = status_kib(host.child.id(), "VmRSS:") as f64 / 1024.0;

    println!("| operation | Lathe (full API) | vipsthumbnail | ImageMagick | Lathe / vips | Lathe / IM |");
    println!("|---|---|---|---|---|---|");
    for (w, h) in [(4000, 3000), (6000, 4000)] {
        let file = make_jpeg(&work, w, h)?;
        let bytes = std::fs::read(&file)?;
        let (lt, lm, out) = lathe_series(
            &host,
            "/api/v1/tools/image/resize",
            &[("photo.jpg", &bytes)],
            r#"{"width":1200,"quality":80}"#,
            RUNS,
        )?;
        if jpeg_width(&out) != Some(1200) {
            bail!("Lathe's output is not 1200 px wide");
        }
        let out_vips = work.join("out-vips.jpg");
        let (vt, vm) = peer_series(
            &[
                "vipsthumbnail".into(),
                file.display().to_string(),
                "--size".into(),
                "1200x".into(),
                "-o".into(),
                format!("{}[Q=80]", out_vips.display()),
            ],
            RUNS,
        )?;
        let (it, im) = peer_series(
            &[
                "/usr/bin/convert".into(),
                file.display().to_string(),
                "-resize".into(),
                "1200x".into(),
                "-quality".into(),
                "80".into(),
                work.join("out-im.jpg").display().to_string(),
            ],
            RUNS,
        )?;
        println!(
            "| {} MP JPEG → 1200 px JPEG q80 | {:.3} s, +{:.0} MiB | {:.3} s, {:.0} MiB | {:.3} s, {:.0} MiB | {:.2}× | {:.2}× |",
            w * h / 1_000_000,
            lt,
            lm,
            vt,
            vm,
            it,
            im,
            lt / vt,
            lt / it
        );
    }

    // Request overhead.
    let mut health = Vec::new();
    let agent = ureq::agent();
    for _ in 0..500 {
        let start = Instant::now();
        agent.get(&format!("{}/api/v1/health", host.base)).call()?;
        health.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let tiny = make_jpeg(&work, 16, 16)?;
    let tiny = std::fs::read(tiny)?;
    let mut calls = Vec::new();
    for _ in 0..100 {
        let (t, _) = tool_round(
            &host,
            "/api/v1/tools/image/resize",
            &[("t.jpg", &tiny)],
            r#"{"width":8}"#,
        )?;
        calls.push(t * 1000.0);
    }
    println!();
    crate::bench_more::run(&host, &work)?;

    println!();
    println!("| request | p50 | p99 |");
    println!("|---|---|---|");
    println!(
        "| GET /api/v1/health | {:.3} ms | {:.3} ms |",
        percentile(health.clone(), 0.5),
        percentile(health, 0.99)
    );
    println!(
        "| resize 16×16 JPEG (upload + process + download: 2 requests) | {:.3} ms | {:.3} ms |",
        percentile(calls.clone(), 0.5),
        percentile(calls, 0.99)
    );
    println!();
    println!("Host idle resident memory after start: {idle_mib:.1} MiB");
    Ok(())
}
