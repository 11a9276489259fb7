//! Test media made by ffmpeg (lavfi sources) and read back by ffprobe, the independent
//! decoder the video and audio tests check every output with.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Runs `ffmpeg <args> out.<ext>` in a scratch directory and returns the file.
pub fn ffmpeg_make(args: &[&str], ext: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(format!("out.{ext}"));
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(&out)
        .status()
        .expect("ffmpeg is installed (.ci/run installs it)");
    assert!(status.success(), "ffmpeg {args:?} failed");
    std::fs::read(out).unwrap()
}

/// A test video: `seconds` of `testsrc` at `w`×`h` and `fps`, H.264 in MP4, with a 440 Hz
/// tone when `audio`.
pub fn video(seconds: f64, w: u32, h: u32, fps: u32, audio: bool) -> Vec<u8> {
    let src = format!("testsrc=size={w}x{h}:rate={fps}:duration={seconds}");
    let tone = format!("sine=frequency=440:sample_rate=44100:duration={seconds}");
    let mut args = vec!["-f", "lavfi", "-i", &src];
    if audio {
        args.extend(["-f", "lavfi", "-i", &tone, "-c:a", "aac", "-shortest"]);
    }
    args.extend([
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
    ]);
    ffmpeg_make(&args, "mp4")
}

/// A silent H.264 MP4 (4:2:0, fast preset) of the lavfi source `src`.
pub fn lavfi_h264(src: &str) -> Vec<u8> {
    ffmpeg_make(
        &[
            "-f",
            "lavfi",
            "-i",
            src,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ],
        "mp4",
    )
}

/// A test tone: `seconds` of a `freq` Hz sine at 44.1 kHz, `channels` channels, as `ext`
/// (wav, mp3, flac, ogg, m4a ...).
pub fn tone(seconds: f64, freq: u32, channels: u32, ext: &str) -> Vec<u8> {
    let src = format!("sine=frequency={freq}:sample_rate=44100:duration={seconds}");
    let layout = if channels == 1 { "mono" } else { "stereo" };
    let filter = format!("aformat=channel_layouts={layout}");
    ffmpeg_make(&["-f", "lavfi", "-i", &src, "-af", &filter], ext)
}

/// Writes `bytes` as `name` in a scratch directory and runs `cmd` on it.
fn with_file<T>(bytes: &[u8], ext: &str, run: impl FnOnce(&Path) -> T) -> T {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("media.{ext}"));
    std::fs::write(&path, bytes).unwrap();
    run(&path)
}

/// ffprobe's JSON report (`-show_format -show_streams`); panics if ffprobe cannot read it.
pub fn probe(bytes: &[u8], ext: &str) -> Value {
    with_file(bytes, ext, |path| {
        let out = Command::new("ffprobe")
            .args(["-v", "error", "-print_format", "json"])
            .args(["-show_format", "-show_streams"])
            .arg(path)
            .output()
            .unwrap();
        assert!(out.status.success(), "ffprobe could not read the result");
        serde_json::from_slice(&out.stdout).unwrap()
    })
}

/// The container duration of a report, in seconds.
pub fn duration(report: &Value) -> f64 {
    report["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0.0)
}

/// The streams of a report of one type (`video`, `audio`, `subtitle`).
pub fn streams<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    report["streams"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["codec_type"] == kind && s["disposition"]["attached_pic"] != 1)
        .collect()
}

/// The first video stream's width and height.
pub fn video_size(report: &Value) -> (u64, u64) {
    let v = streams(report, "video");
    let v = v.first().expect("a video stream");
    (v["width"].as_u64().unwrap(), v["height"].as_u64().unwrap())
}

/// The first video stream's average frame rate.
pub fn video_fps(report: &Value) -> f64 {
    let v = streams(report, "video");
    let rate = v.first().expect("a video stream")["avg_frame_rate"]
        .as_str()
        .unwrap()
        .to_string();
    let (n, d) = rate.split_once('/').unwrap();
    n.parse::<f64>().unwrap() / d.parse::<f64>().unwrap().max(1.0)
}

/// Integrated loudness (LUFS) measured by ffmpeg's `ebur128` filter.
pub fn loudness(bytes: &[u8], ext: &str) -> f64 {
    with_file(bytes, ext, |path| {
        let out = Command::new("ffmpeg")
            .args(["-hide_banner", "-nostats", "-i"])
            .arg(path)
            .args(["-af", "ebur128", "-f", "null", "-"])
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stderr);
        let summary = log.rsplit("Summary:").next().unwrap_or("");
        summary
            .lines()
            .find_map(|l| l.trim().strip_prefix("I:"))
            .and_then(|v| v.trim().trim_end_matches("LUFS").trim().parse().ok())
            .unwrap_or_else(|| panic!("no loudness in: {summary}"))
    })
}

/// Decodes the first audio stream to mono 16-bit samples at 8 kHz.
pub fn samples(bytes: &[u8], ext: &str) -> Vec<i16> {
    with_file(bytes, ext, |path| {
        let out = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-i"])
            .arg(path)
            .args([
                "-map", "0:a:0", "-ac", "1", "-ar", "8000", "-f", "s16le", "-",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "ffmpeg could not decode the audio");
        out.stdout
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect()
    })
}

/// One decoded video frame at `at_s` seconds as an RGB image.
pub fn frame_at(bytes: &[u8], ext: &str, at_s: f64) -> image::RgbImage {
    with_file(bytes, ext, |path| {
        let out = Command::new("ffmpeg")
            .args([
                "-hide_banner",
                "-loglevel",
                "error",
                "-ss",
                &at_s.to_string(),
                "-i",
            ])
            .arg(path)
            .args(["-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "-"])
            .output()
            .unwrap();
        assert!(out.status.success(), "ffmpeg could not decode a frame");
        image::load_from_memory(&out.stdout).unwrap().to_rgb8()
    })
}
