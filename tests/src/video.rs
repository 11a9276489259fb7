//! Helpers of the video tool tests: running a tool through the shared host, the standard
//! error checks, test videos made by ffmpeg, and measurements of decoded frames and sound.

use std::process::Command;

use serde_json::Value;

use crate::{assert_rejects_bad_input, media, shared, Part};

/// Runs a video tool; returns the response JSON and the result bytes.
pub fn run(tool: &str, parts: &[Part], settings: &str) -> (Value, Vec<u8>) {
    shared().run_and_download("video", tool, parts, settings)
}

/// Runs a video tool on one file.
pub fn run_one(tool: &str, name: &str, bytes: Vec<u8>, settings: &str) -> (Value, Vec<u8>) {
    run(tool, &[("file", name, bytes)], settings)
}

/// Asserts that a run answers `status` with `code`.
pub fn assert_error(tool: &str, parts: &[Part], settings: &str, status: u16, code: &str) {
    let r = shared().run_tool_files("video", tool, parts, settings);
    assert_eq!(r.assert_client_error(status), code, "{tool} {settings}");
}

/// Asserts that each of `settings` is refused as 400 INVALID_SETTINGS with `parts`.
pub fn assert_invalid(tool: &str, parts: &[Part], settings: &[&str]) {
    for s in settings {
        assert_error(tool, parts, s, 400, "INVALID_SETTINGS");
    }
}

/// The standard bad inputs for a tool whose good input is one file.
pub fn assert_bad_input(tool: &str, name: &str, good: Vec<u8>) {
    assert_rejects_bad_input(
        shared(),
        "video",
        tool,
        name,
        good,
        ("notes.txt", b"hello".to_vec()),
    );
}

/// The file name of a result's download URL.
pub fn download_name(body: &Value) -> String {
    body["downloadUrl"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

/// Writes `files` into a scratch directory and runs `ffmpeg <args> out.<ext>` there.
pub fn make_with(files: &[(&str, &[u8])], args: &[&str], ext: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in files {
        std::fs::write(dir.path().join(name), data).unwrap();
    }
    let out = format!("out.{ext}");
    let status = Command::new("ffmpeg")
        .current_dir(dir.path())
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg {args:?} failed");
    std::fs::read(dir.path().join(out)).unwrap()
}

/// A video of one flat colour (compresses without noise, so drawn pixels stand out).
pub fn flat_video(seconds: f64, w: u32, h: u32) -> Vec<u8> {
    media::lavfi_h264(&format!("color=c=0x3050a0:s={w}x{h}:r=10:d={seconds}"))
}

/// A video without audio: `testsrc2` at `w`×`h` and `fps`.
pub fn silent_video(seconds: f64, w: u32, h: u32, fps: u32) -> Vec<u8> {
    media::lavfi_h264(&format!(
        "testsrc2=size={w}x{h}:rate={fps}:duration={seconds}"
    ))
}

/// How many video frames ffprobe decodes.
pub fn frame_count(bytes: &[u8], ext: &str) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("media.{ext}"));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_end_matches(',')
        .parse()
        .unwrap()
}

/// Pixels of the rectangle `x0..x1` × `y0..y1` whose colour differs by more than 60 in
/// some channel between two frames.
pub fn changed_pixels(
    a: &image::RgbImage,
    b: &image::RgbImage,
    (x0, y0): (u32, u32),
    (x1, y1): (u32, u32),
) -> usize {
    let mut n = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            let (p, q) = (a.get_pixel(x, y), b.get_pixel(x, y));
            if (0..3).any(|c| (p[c] as i32 - q[c] as i32).abs() > 60) {
                n += 1;
            }
        }
    }
    n
}

/// The mean brightness (0-255) of a rectangle.
pub fn mean_brightness(img: &image::RgbImage, (x0, y0): (u32, u32), (x1, y1): (u32, u32)) -> f64 {
    let mut sum = 0.0;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x, y);
            sum += (p[0] as f64 + p[1] as f64 + p[2] as f64) / 3.0;
        }
    }
    sum / ((x1 - x0) * (y1 - y0)) as f64
}

/// The dominant frequency of `samples` (8 kHz mono) between two times, by zero crossings.
pub fn frequency(samples: &[i16], from_s: f64, to_s: f64) -> f64 {
    let part = &samples[(from_s * 8000.0) as usize..(to_s * 8000.0) as usize];
    let crossings = part.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
    crossings as f64 / 2.0 / (to_s - from_s)
}

/// RMS level in dBFS of `samples` (8 kHz mono) between two times.
pub fn rms_db(samples: &[i16], from_s: f64, to_s: f64) -> f64 {
    let part = &samples[(from_s * 8000.0) as usize..(to_s * 8000.0) as usize];
    let power = part.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / part.len() as f64;
    20.0 * (power.sqrt() / 32768.0 + 1e-9).log10()
}
