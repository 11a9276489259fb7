//! Pillow (with pillow-heif for HEIC/HEIF) as the independent image decoder of the tests:
//! a result is read by a library that shares no code with the tool that wrote it.

use std::process::Command;

/// The Python side: open the file, load every pixel, report what was read.
const READ: &str = r#"
import json, sys
from PIL import Image, ImageStat
import pillow_heif
pillow_heif.register_heif_opener()
im = Image.open(sys.argv[1])
im.load()
rgb = im.convert("RGB")
print(json.dumps({
    "format": im.format,
    "width": im.width,
    "height": im.height,
    "mode": im.mode,
    "mean": ImageStat.Stat(rgb).mean,
}))
"#;

/// The Python side of [`pillow_write`]: a test pattern saved in the format asked.
const WRITE: &str = r#"
import sys
from PIL import Image
import pillow_heif
pillow_heif.register_heif_opener()
w, h, fmt, alpha, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1", sys.argv[5]
im = Image.new("RGBA" if alpha else "RGB", (w, h))
px = im.load()
for y in range(h):
    for x in range(w):
        c = ((x * 255) // max(w - 1, 1), (y * 255) // max(h - 1, 1), 128)
        px[x, y] = c + ((255 if x < w // 2 else 96),) if alpha else c
im.save(out, format=fmt, quality=90)
"#;

/// What Pillow read from an image: `format` (Pillow's name: `PNG`, `JPEG`, `HEIF`, `AVIF`
/// ...), `width`, `height`, `mode` (`RGB`, `RGBA` ...) and `mean` (the mean of R, G, B).
/// Panics when Pillow cannot read the bytes.
pub fn pillow_read(bytes: &[u8]) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("image");
    std::fs::write(&path, bytes).expect("write image");
    let out = Command::new("python3")
        .args(["-c", READ])
        .arg(&path)
        .output()
        .expect("python3 with Pillow and pillow-heif (.ci/run installs them)");
    assert!(
        out.status.success(),
        "Pillow could not read the image: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("Pillow's report")
}

/// A `width` × `height` gradient (left half opaque, right half translucent when `alpha`),
/// written by Pillow as `format` (`HEIF` through pillow-heif, `AVIF`, `PNG` ...).
pub fn pillow_write(width: u32, height: u32, format: &str, alpha: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("image");
    let out = Command::new("python3")
        .args(["-c", WRITE])
        .args([&width.to_string(), &height.to_string(), format])
        .arg(if alpha { "1" } else { "0" })
        .arg(&path)
        .output()
        .expect("python3 with Pillow and pillow-heif");
    assert!(
        out.status.success(),
        "Pillow could not write {format}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(&path).expect("Pillow's output")
}

/// The Python side of [`cross_check`]: one long-lived process reading file paths, one per
/// line, and answering one JSON line each (so a test pays Python's start once).
const SERVE: &str = r#"
import json, sys
from PIL import Image
import pillow_heif
pillow_heif.register_heif_opener()
for line in sys.stdin:
    try:
        im = Image.open(line.rstrip("\n"))
        im.load()
        out = {"ok": True, "format": im.format, "width": im.width, "height": im.height, "mode": im.mode}
    except Exception as e:
        out = {"ok": False, "error": repr(e)}
    print(json.dumps(out), flush=True)
"#;

/// The shared Pillow process of this test binary.
struct Server {
    input: std::process::ChildStdin,
    output: std::io::BufReader<std::process::ChildStdout>,
    _child: std::process::Child,
}

fn server() -> &'static std::sync::Mutex<Server> {
    static SERVER: std::sync::OnceLock<std::sync::Mutex<Server>> = std::sync::OnceLock::new();
    SERVER.get_or_init(|| {
        let mut child = Command::new("python3")
            .args(["-c", SERVE])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 with Pillow and pillow-heif (.ci/run installs them)");
        std::sync::Mutex::new(Server {
            input: child.stdin.take().expect("piped"),
            output: std::io::BufReader::new(child.stdout.take().expect("piped")),
            _child: child,
        })
    })
}

/// The image format of `bytes` by its signature, for the formats Pillow reads; `None` for
/// anything else (PDF, ZIP, JSON, media ...).
fn image_signature(bytes: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| bytes.starts_with(m);
    if starts(b"\x89PNG\r\n\x1a\n") {
        Some("PNG")
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        Some("JPEG")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("GIF")
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some("WEBP")
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Some("TIFF")
    } else if starts(b"BM") && bytes.len() > 26 {
        Some("BMP")
    } else if bytes.get(4..8) == Some(b"ftyp")
        && matches!(
            bytes.get(8..12),
            Some(b"avif" | b"heic" | b"heix" | b"mif1")
        )
    {
        Some("HEIF-family")
    } else {
        None
    }
}

/// Checks a tool's output with Pillow when it is an image: Pillow must decode every pixel,
/// and its width and height must be those the Rust `image` crate reads from the header.
/// Any other file passes untouched. Panics with Pillow's error otherwise.
pub fn cross_check(bytes: &[u8]) {
    use std::io::{BufRead, Write};
    let Some(kind) = image_signature(bytes) else {
        return;
    };
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), bytes).expect("write image");
    let report: serde_json::Value = {
        let mut server = server().lock().unwrap_or_else(|e| e.into_inner());
        writeln!(server.input, "{}", file.path().display()).expect("Pillow process");
        server.input.flush().expect("Pillow process");
        let mut line = String::new();
        server.output.read_line(&mut line).expect("Pillow's answer");
        serde_json::from_str(&line).expect("Pillow's JSON")
    };
    assert_eq!(
        report["ok"], true,
        "Pillow cannot read this {kind} output: {report}"
    );
    if let Ok((width, height)) = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| ())
        .and_then(|r| r.into_dimensions().map_err(|_| ()))
    {
        assert_eq!(
            (report["width"].as_u64(), report["height"].as_u64()),
            (Some(width as u64), Some(height as u64)),
            "Pillow and the image crate disagree about this {kind}: {report}"
        );
    }
}
