//! `cargo xtask bench --media`: video and audio tools through the full API (upload, ffmpeg
//! in the native worker, download) beside raw ffmpeg with the same arguments on the same
//! file: trim with stream copy, 30 s 1080p → 720p H.264, WAV → MP3.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Result};

use crate::bench::{lathe_series, peer_series, Host};

/// Runs per series (video encodes take seconds each).
const RUNS: usize = 3;

fn make(work: &Path, name: &str, args: &[&str]) -> Result<std::path::PathBuf> {
    let path = work.join(name);
    if !path.exists() {
        let ok = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-y"])
            .args(args)
            .arg(&path)
            .status()?
            .success();
        if !ok {
            bail!("ffmpeg could not make {name}");
        }
    }
    Ok(path)
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// One row: Lathe's tool call against `ffmpeg <args>` run directly.
fn row(
    host: &Host,
    label: &str,
    tool: &str,
    input: &Path,
    settings: &str,
    ffmpeg_args: Vec<String>,
) -> Result<()> {
    let bytes = std::fs::read(input)?;
    let name = input.file_name().unwrap().to_string_lossy().to_string();
    let (lt, _, out) = lathe_series(
        host,
        &format!("/api/v1/tools/{tool}"),
        &[(name.as_str(), &bytes)],
        settings,
        RUNS,
    )?;
    if out.len() < 1000 {
        bail!("{tool} returned {} bytes", out.len());
    }
    let mut cmd = strings(&[
        "ffmpeg",
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
    ]);
    cmd.extend(ffmpeg_args);
    let (ft, _) = peer_series(&cmd, RUNS)?;
    println!("| {label} | {lt:.2} s | {ft:.2} s | {:.2}× |", lt / ft);
    Ok(())
}

/// Runs the three rows and prints them as Markdown.
pub fn run(host: &Host, work: &Path) -> Result<()> {
    let video = make(
        work,
        "media-1080p-30s.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1920x1080:rate=30:duration=30",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000:duration=30",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ],
    )?;
    let wav = make(
        work,
        "media-60s.wav",
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100:duration=60",
            "-ac",
            "2",
        ],
    )?;
    let v = video.display().to_string();
    let out = |name: &str| work.join(name).display().to_string();
    println!("| operation | Lathe (full API) | ffmpeg | Lathe / ffmpeg |");
    println!("|---|---|---|---|");
    row(
        host,
        "trim 30 s 1080p to 20 s (stream copy)",
        "video/trim-video",
        &video,
        r#"{"startS":5,"endS":25}"#,
        [
            strings(&[
                "-ss", "5", "-t", "20", "-i", &v, "-map", "0:v:0", "-map", "0:a:0",
            ]),
            strings(&["-c:v", "copy", "-c:a", "copy", "-sn", "-dn"]),
            strings(&["-movflags", "+faststart"]),
            strings(&["-avoid_negative_ts", "make_zero", &out("trim.mp4")]),
        ]
        .concat(),
    )?;
    // The arguments resize-video builds for this file: the picture scaled and encoded,
    // the AAC audio copied.
    let mut scale = strings(&[
        "-i",
        &v,
        "-map",
        "0:v:0",
        "-map",
        "0:a:0",
        "-vf",
        "scale=1280:720:flags=lanczos,setsar=1,scale=trunc(iw/2)*2:trunc(ih/2)*2",
    ]);
    scale.extend(strings(&[
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "23",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "copy",
        "-sn",
        "-dn",
        "-movflags",
        "+faststart",
    ]));
    scale.push(out("720p.mp4"));
    row(
        host,
        "30 s 1080p → 720p H.264",
        "video/resize-video",
        &video,
        r#"{"preset":"720p"}"#,
        scale,
    )?;
    let w = wav.display().to_string();
    row(
        host,
        "60 s WAV → MP3 192 kbps",
        "audio/convert-audio",
        &wav,
        r#"{"format":"mp3","bitrateKbps":192}"#,
        strings(&[
            "-i",
            &w,
            "-map",
            "0:a:0",
            "-vn",
            "-sn",
            "-dn",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "192k",
            &out("a.mp3"),
        ]),
    )?;
    Ok(())
}
