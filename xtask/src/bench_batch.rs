//! `cargo xtask bench --batch`: a batch against the same work as single calls, and a
//! 1,000-file batch's failures and the host's memory growth.
//!
//! * 100 small JPEGs resized by 100 sequential `POST /api/v1/tools/image/resize` calls
//!   (upload, process, download each) against one `POST .../resize/batch` answered with the
//!   ZIP: the batch runs its files on every worker thread at once.
//! * 1,000 small JPEGs in one async batch, followed to the end: how many failed, and how much
//!   the host's peak resident memory rose above its level before the batch.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::bench::{make_jpeg, multipart, reset_peak, status_kib, tool_round, Host};

fn post_batch(host: &Host, files: &[(String, Vec<u8>)], query: &str) -> Result<ureq::Response> {
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let (ct, body) = multipart(&refs, r#"{"width":160,"quality":80}"#);
    Ok(ureq::post(&format!(
        "{}/api/v1/tools/image/resize/batch{query}",
        host.base
    ))
    .set("Authorization", &format!("Bearer {}", host.key))
    .set("Content-Type", &ct)
    .timeout(Duration::from_secs(1800))
    .send_bytes(&body)?)
}

fn job(host: &Host, id: &str) -> Result<Value> {
    Ok(ureq::get(&format!("{}/api/v1/jobs/{id}", host.base))
        .set("Authorization", &format!("Bearer {}", host.key))
        .call()?
        .into_json()?)
}

fn wait(host: &Host, id: &str) -> Result<Value> {
    loop {
        let record = job(host, id)?;
        if !matches!(record["status"].as_str(), Some("queued" | "processing")) {
            return Ok(record);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs both rows and prints them as Markdown.
pub fn run(host: &Host, work: &Path) -> Result<()> {
    let photo = std::fs::read(make_jpeg(work, 640, 480)?)?;
    let files: Vec<(String, Vec<u8>)> = (0..100)
        .map(|i| (format!("photo-{i:03}.jpg"), photo.clone()))
        .collect();
    // Warm both paths (compilation, page cache).
    tool_round(
        host,
        "/api/v1/tools/image/resize",
        &[("w.jpg", &photo)],
        r#"{"width":160}"#,
    )?;
    post_batch(host, &files[..4], "")?;

    let start = Instant::now();
    for (name, data) in &files {
        tool_round(
            host,
            "/api/v1/tools/image/resize",
            &[(name.as_str(), data.as_slice())],
            r#"{"width":160,"quality":80}"#,
        )?;
    }
    let sequential = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let resp = post_batch(host, &files, "")?;
    if resp.status() != 200 {
        bail!("the 100-file batch answered {}", resp.status());
    }
    let mut zip = Vec::new();
    resp.into_reader().read_to_end(&mut zip)?;
    let batch = start.elapsed().as_secs_f64();
    println!("| operation | time | ratio |");
    println!("|---|---|---|");
    println!(
        "| 100 × 640×480 JPEG → 160 px, sequential single calls | {sequential:.2} s | 1.00× |"
    );
    println!(
        "| the same 100 files as one batch (ZIP of {} KiB) | {batch:.2} s | {:.2}× faster |",
        zip.len() / 1024,
        sequential / batch
    );

    let many: Vec<(String, Vec<u8>)> = (0..1000)
        .map(|i| (format!("photo-{i:04}.jpg"), photo.clone()))
        .collect();
    let pid = host.child.id();
    let before = status_kib(pid, "VmRSS:");
    reset_peak(pid);
    let start = Instant::now();
    let resp: Value = post_batch(host, &many, "?async=true")?.into_json()?;
    let id = resp["jobId"].as_str().context("jobId")?.to_string();
    let record = wait(host, &id)?;
    let secs = start.elapsed().as_secs_f64();
    let peak = status_kib(pid, "VmHWM:");
    println!(
        "| 1,000 × 640×480 JPEG as one async batch | {secs:.1} s, {} ok, {} failed, host peak RSS +{} MiB | |",
        record["succeeded"], record["failed"],
        peak.saturating_sub(before) / 1024
    );
    if record["failed"] != 0 || record["succeeded"] != 1000 {
        bail!("the 1,000-file batch did not fully succeed: {record}");
    }
    Ok(())
}
