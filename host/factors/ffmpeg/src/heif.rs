//! The `lathe:tool/heif` import: HEIC, HEIF and AVIF through libheif's command-line tools.
//!
//! libheif and its codecs (libde265, x265, dav1d, aom) are C and C++ libraries that are not
//! built for the sandbox, so the native worker runs Debian's `heif-info`, `heif-convert`
//! and `heif-enc` the way it runs ffmpeg: in a scratch directory removed on every path,
//! with a cleared environment, no stdin, its own process group and the job's time limit.

use std::process::Command;

use crate::bindings::lathe::tool::heif::{self, HeifEncode, HeifFormat};
use crate::bindings::lathe::tool::types::InputFile;
use crate::process::{self, summarize};
use crate::FfmpegState;

/// The primary image's size from `heif-info`'s report (`image: 640x480 (id=1), primary`).
fn primary_size(report: &str) -> Option<(u64, u64)> {
    let line = report
        .lines()
        .find(|l| l.starts_with("image:") && l.contains("primary"))
        .or_else(|| report.lines().find(|l| l.starts_with("image:")))?;
    let dims = line
        .trim_start_matches("image:")
        .split_whitespace()
        .next()?;
    let (w, h) = dims.split_once('x')?;
    Some((w.parse().ok()?, h.parse().ok()?))
}

impl FfmpegState {
    fn heif_tool(&self, name: &str, dir: &std::path::Path) -> Command {
        let mut cmd = Command::new(self.heif_bin_dir.join(name));
        cmd.current_dir(dir);
        cmd
    }

    /// Runs one libheif tool to its end; a failure says `failure` and the tool's last words.
    fn heif_step(&self, cmd: Command, failure: &str) -> Result<Vec<u8>, String> {
        match process::run(cmd, self.timeout, &self.canceled, None) {
            Ok(f) if f.status.success() => Ok(f.stdout),
            Ok(f) => Err(format!("{failure}: {}", summarize(&f.stderr))),
            Err(e) => Err(format!("libheif {e}")),
        }
    }

    fn decode_heif(
        &mut self,
        input: InputFile,
        max_pixels: u64,
    ) -> wasmtime::Result<Result<Vec<u8>, String>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("input.heif"), &input.data)?;
        let mut info = self.heif_tool("heif-info", dir.path());
        info.arg("input.heif");
        let report = match self.heif_step(info, "not a readable HEIC, HEIF or AVIF image") {
            Ok(out) => String::from_utf8_lossy(&out).into_owned(),
            Err(e) => return Ok(Err(e)),
        };
        let Some((width, height)) = primary_size(&report) else {
            return Ok(Err(
                "not a readable HEIF/AVIF image: it has no primary image".into(),
            ));
        };
        if width * height > max_pixels {
            return Ok(Err(format!(
                "too large: image is {width}x{height} ({} MP); the limit is {} MP",
                width * height / 1_000_000,
                max_pixels / 1_000_000
            )));
        }
        let mut convert = self.heif_tool("heif-convert", dir.path());
        convert.args(["input.heif", "output.png"]);
        if let Err(e) = self.heif_step(convert, "could not decode the HEIF/AVIF image") {
            return Ok(Err(e));
        }
        // heif-convert names a single image's output as asked; keep that one only.
        match std::fs::read(dir.path().join("output.png")) {
            Ok(png) => Ok(Ok(png)),
            Err(_) => Ok(Err("could not decode the HEIF/AVIF image: no output".into())),
        }
    }

    fn encode_heif(
        &mut self,
        input: InputFile,
        options: HeifEncode,
    ) -> wasmtime::Result<Result<Vec<u8>, String>> {
        let extension = match input.data.get(..8) {
            Some(b"\x89PNG\r\n\x1a\n") => "png",
            Some([0xFF, 0xD8, 0xFF, ..]) => "jpg",
            _ => return Ok(Err("heif encode takes a PNG or JPEG input".into())),
        };
        let (out, format_args): (&str, &[&str]) = match options.format {
            HeifFormat::Heic => ("output.heic", &[]),
            HeifFormat::Avif => ("output.avif", &["-A"]),
        };
        let dir = tempfile::tempdir()?;
        let source = format!("input.{extension}");
        std::fs::write(dir.path().join(&source), &input.data)?;
        let mut cmd = self.heif_tool("heif-enc", dir.path());
        cmd.args(format_args);
        if options.lossless {
            cmd.args(["-L", "-p", "chroma=444"]);
        } else {
            cmd.args(["-q", &options.quality.clamp(1, 100).to_string()]);
        }
        if matches!(options.format, HeifFormat::Avif) {
            cmd.args(["-p", &format!("speed={}", options.speed.min(9))]);
        }
        cmd.args(["-o", out, &source]);
        if let Err(e) = self.heif_step(cmd, "could not encode the image") {
            return Ok(Err(e));
        }
        match std::fs::read(dir.path().join(out)) {
            Ok(bytes) => Ok(Ok(bytes)),
            Err(_) => Ok(Err("could not encode the image: no output".into())),
        }
    }
}

impl heif::Host for FfmpegState {
    fn decode(
        &mut self,
        input: InputFile,
        max_pixels: u64,
    ) -> wasmtime::Result<Result<Vec<u8>, String>> {
        self.decode_heif(input, max_pixels)
    }

    fn encode(
        &mut self,
        input: InputFile,
        options: HeifEncode,
    ) -> wasmtime::Result<Result<Vec<u8>, String>> {
        self.encode_heif(input, options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_primary_image_size() {
        let report = "MIME type: image/heic\nmain brand: heic\n\nimage: 640x480 (id=1), primary\n";
        assert_eq!(primary_size(report), Some((640, 480)));
        assert_eq!(primary_size("MIME type: unknown\n"), None);
    }
}
