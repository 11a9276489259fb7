//! `cargo xtask bench --startup`: how fast Lathe starts on a fresh data directory, how long
//! each tool's first request takes, how much memory the idle host holds, how much it holds
//! after 1,000 requests across 50 tools, and how big the compiled artifacts are.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

const PASSWORD: &str = "startup-admin-password";

/// Resident memory of `pid` in MiB.
fn rss_mib(pid: u32) -> f64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// Total size of the files under `dir`, in MB.
fn dir_mb(dir: &Path) -> f64 {
    fn walk(dir: &Path) -> u64 {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .flatten()
            .map(|e| match e.metadata() {
                Ok(m) if m.is_dir() => walk(&e.path()),
                Ok(m) => m.len(),
                Err(_) => 0,
            })
            .sum()
    }
    walk(dir) as f64 / 1e6
}

/// The tool routes of `spin.toml` as `(section, id)`.
fn tool_routes(root: &Path) -> Result<Vec<(String, String)>> {
    let manifest: toml::Table = std::fs::read_to_string(root.join("spin.toml"))?.parse()?;
    let mut out = Vec::new();
    for route in manifest["trigger"]["http"].as_array().context("routes")? {
        let path = route["route"].as_str().unwrap_or_default();
        if let Some(rest) = path.strip_prefix("/api/v1/tools/") {
            let mut parts = rest.trim_end_matches("/...").splitn(2, '/');
            if let (Some(s), Some(id)) = (parts.next(), parts.next()) {
                out.push((s.to_string(), id.to_string()));
            }
        }
    }
    Ok(out)
}

/// Runs the measurement and prints a Markdown table.
pub fn run(root: &Path) -> Result<()> {
    let work = root.join("target/bench-startup");
    std::fs::remove_dir_all(&work).ok();
    std::fs::create_dir_all(&work)?;
    let data = work.join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let started = Instant::now();
    let mut child = Command::new(root.join("target/release/lathe-host"))
        .current_dir(root)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(&data)
        .env("SPIN_VARIABLE_ADMIN_PASSWORD", PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let result = (|| -> Result<()> {
        loop {
            if let Ok(r) = ureq::get(&format!("{base}/api/v1/health"))
                .timeout(Duration::from_secs(2))
                .call()
            {
                if r.status() == 200 {
                    break;
                }
            }
            if started.elapsed() > Duration::from_secs(600) {
                bail!("host did not start");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let ready = started.elapsed();
        let login: serde_json::Value = ureq::post(&format!("{base}/api/auth/login"))
            .send_json(serde_json::json!({"username": "admin", "password": PASSWORD}))?
            .into_json()?;
        let token = login["token"].as_str().context("token")?.to_string();
        std::thread::sleep(Duration::from_secs(2));
        let idle = rss_mib(child.id());

        // First request of every tool: its description route (instantiates gateway + tool).
        let tools = tool_routes(root)?;
        let mut slowest = (Duration::ZERO, String::new());
        for (section, id) in &tools {
            let t = Instant::now();
            let status = ureq::get(&format!("{base}/api/v1/tools/{section}/{id}"))
                .set("Authorization", &format!("Bearer {token}"))
                .call()
                .map(|r| r.status())
                .unwrap_or_else(|e| match e {
                    ureq::Error::Status(s, _) => s,
                    _ => 0,
                });
            let took = t.elapsed();
            if status != 200 {
                bail!("GET /api/v1/tools/{section}/{id} answered {status}");
            }
            if took > slowest.0 {
                slowest = (took, format!("{section}/{id}"));
            }
        }

        // 1,000 requests across 50 tools: descriptions and a small real run each round.
        let jpeg = std::fs::read(crate::bench::make_jpeg(&work, 320, 240)?)?;
        let fifty: Vec<_> = tools.iter().take(50).collect();
        let mut sent = 0;
        while sent < 1000 {
            for (section, id) in &fifty {
                ureq::get(&format!("{base}/api/v1/tools/{section}/{id}"))
                    .set("Authorization", &format!("Bearer {token}"))
                    .call()
                    .ok();
                sent += 1;
            }
            let (ctype, body) = crate::bench::multipart(&[("p.jpg", &jpeg)], r#"{"width":100}"#);
            ureq::post(&format!("{base}/api/v1/tools/image/resize"))
                .set("Authorization", &format!("Bearer {token}"))
                .set("Content-Type", &ctype)
                .send_bytes(&body)
                .ok();
            sent += 1;
        }
        let busy = rss_mib(child.id());
        let aot_dir = root.join("target/wasm32-wasip2/release/lathe-aot");
        let aot = dir_mb(&aot_dir);
        // Size of each tool's own artifact (what one more pure tool adds).
        let mut tool_sizes: Vec<(f64, String)> = Vec::new();
        for entry in std::fs::read_dir(&aot_dir)?.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if let Some(stem) = name.strip_suffix(".current") {
                if stem.starts_with("tool_") {
                    let artifact = std::fs::read_to_string(entry.path())?;
                    let size = std::fs::metadata(aot_dir.join(artifact.trim()))?.len() as f64 / 1e6;
                    tool_sizes.push((size, stem.to_string()));
                }
            }
        }
        tool_sizes.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        let median_tool = tool_sizes
            .get(tool_sizes.len() / 2)
            .cloned()
            .unwrap_or_default();
        let largest_tool = tool_sizes.last().cloned().unwrap_or_default();
        let cache = dir_mb(&data.join("compiled"));

        println!("| measurement | value | target |");
        println!("|---|---|---|");
        println!(
            "| fresh data directory: start to first healthy answer | {} ms | < 5,000 ms |",
            ready.as_millis()
        );
        println!(
            "| slowest first request of a tool ({} tools) | {} ms ({}) | < 3,000 ms |",
            tools.len(),
            slowest.0.as_millis(),
            slowest.1
        );
        println!("| idle resident memory after start | {idle:.1} MiB | < 50 MiB |");
        println!("| resident after {sent} requests across 50 tools | {busy:.1} MiB | < 150 MiB |");
        println!(
            "| compiled artifacts: lathe-aot/ + data-dir cache | {aot:.0} MB + {cache:.0} MB | < 300 MB |"
        );
        println!(
            "| one tool's artifact: median / largest | {:.1} MB / {:.1} MB ({}) | < 3 MB per pure tool |",
            median_tool.0, largest_tool.0, largest_tool.1
        );
        Ok(())
    })();
    child.kill().ok();
    child.wait().ok();
    result
}
