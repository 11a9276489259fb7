//! The `lathe:tool/image-codecs` import: HEIC, HEIF and AVIF through libheif's command-line
//! tools, and WebP through libwebp's `cwebp`.
//!
//! libheif and its codecs (libde265, x265, dav1d, aom) are C and C++ libraries that are not
//! built for the sandbox, and the sandbox's libwebp has neither SIMD nor threads, so the
//! native worker runs Debian's `heif-info`, `heif-convert`, `heif-enc` and `cwebp` the way
//! it runs ffmpeg: in a scratch directory removed on every path, with a cleared
//! environment, no stdin, its own process group and the job's time limit.

use std::process::Command;

use lathe_child_process::{self as process, summarize};

use crate::bindings::lathe::tool::image_codecs::{self, CodecError, CodecFormat, EncodeOptions};
use crate::bindings::lathe::tool::types::InputFile;
use crate::ImageCodecsState;

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

/// The arguments of one encode after the program name, reading `source` and writing `out`.
fn encode_args(options: &EncodeOptions, source: &str, out: &str) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    let quality = options.quality.clamp(1, 100).to_string();
    match options.format {
        CodecFormat::Webp => {
            args.extend(["-quiet".into(), "-mt".into()]);
            if options.lossless {
                args.push("-lossless".into());
            } else {
                args.extend(["-q".into(), quality]);
            }
            args.extend([source.into(), "-o".into(), out.into()]);
        }
        CodecFormat::Heic | CodecFormat::Avif => {
            if matches!(options.format, CodecFormat::Avif) {
                args.push("-A".into());
                args.extend(["-p".into(), format!("speed={}", options.speed.min(9))]);
            }
            if options.lossless {
                args.extend(["-L".into(), "-p".into(), "chroma=444".into()]);
            } else {
                args.extend(["-q".into(), quality]);
            }
            args.extend(["-o".into(), out.into(), source.into()]);
        }
    }
    args
}

impl ImageCodecsState {
    fn codec_tool(&self, name: &str, dir: &std::path::Path) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(name));
        cmd.current_dir(dir);
        cmd
    }

    /// Runs one codec tool to its end. A tool that exits with an error refused its input
    /// (`failure` and the tool's last words); one that was stopped or never ran is
    /// [`CodecError::Stopped`].
    fn codec_step(&self, cmd: Command, failure: &str) -> Result<Vec<u8>, CodecError> {
        match process::run(cmd, self.timeout, &self.canceled, None) {
            Ok(f) if f.status.success() => Ok(f.stdout),
            Ok(f) => Err(CodecError::Rejected(format!(
                "{failure}: {}",
                summarize(&f.stderr)
            ))),
            Err(e) => Err(CodecError::Stopped(format!("the image codec {e}"))),
        }
    }

    fn decode_heif_file(
        &mut self,
        input: InputFile,
        max_pixels: u64,
    ) -> wasmtime::Result<Result<Vec<u8>, CodecError>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("input.heif"), &input.data)?;
        let mut info = self.codec_tool("heif-info", dir.path());
        info.arg("input.heif");
        let report = match self.codec_step(info, "not a readable HEIC, HEIF or AVIF image") {
            Ok(out) => String::from_utf8_lossy(&out).into_owned(),
            Err(e) => return Ok(Err(e)),
        };
        let Some((width, height)) = primary_size(&report) else {
            return Ok(Err(CodecError::Rejected(
                "not a readable HEIC, HEIF or AVIF image: it has no primary image".into(),
            )));
        };
        if width * height > max_pixels {
            return Ok(Err(CodecError::TooLarge(format!(
                "image is {width}x{height} ({} MP); the limit is {} MP",
                width * height / 1_000_000,
                max_pixels / 1_000_000
            ))));
        }
        let mut convert = self.codec_tool("heif-convert", dir.path());
        convert.args(["input.heif", "output.png"]);
        if let Err(e) = self.codec_step(convert, "could not decode the HEIF/AVIF image") {
            return Ok(Err(e));
        }
        match std::fs::read(dir.path().join("output.png")) {
            Ok(png) => Ok(Ok(png)),
            Err(_) => Ok(Err(CodecError::Rejected(
                "could not decode the HEIF/AVIF image: no output".into(),
            ))),
        }
    }

    fn encode_file(
        &mut self,
        input: InputFile,
        options: EncodeOptions,
    ) -> wasmtime::Result<Result<Vec<u8>, CodecError>> {
        let extension = match input.data.get(..8) {
            Some(b"\x89PNG\r\n\x1a\n") => "png",
            Some([0xFF, 0xD8, 0xFF, ..]) => "jpg",
            _ => {
                return Ok(Err(CodecError::Rejected(
                    "the encoder takes a PNG or JPEG input".into(),
                )))
            }
        };
        let (program, out) = match options.format {
            CodecFormat::Heic => ("heif-enc", "output.heic"),
            CodecFormat::Avif => ("heif-enc", "output.avif"),
            CodecFormat::Webp => ("cwebp", "output.webp"),
        };
        let dir = tempfile::tempdir()?;
        let source = format!("input.{extension}");
        std::fs::write(dir.path().join(&source), &input.data)?;
        let mut cmd = self.codec_tool(program, dir.path());
        cmd.args(encode_args(&options, &source, out));
        if let Err(e) = self.codec_step(cmd, "could not encode the image") {
            return Ok(Err(e));
        }
        match std::fs::read(dir.path().join(out)) {
            Ok(bytes) => Ok(Ok(bytes)),
            Err(_) => Ok(Err(CodecError::Rejected(
                "could not encode the image: no output".into(),
            ))),
        }
    }
}

impl image_codecs::Host for ImageCodecsState {
    fn decode_heif(
        &mut self,
        input: InputFile,
        max_pixels: u64,
    ) -> wasmtime::Result<Result<Vec<u8>, CodecError>> {
        self.decode_heif_file(input, max_pixels)
    }

    fn encode(
        &mut self,
        input: InputFile,
        options: EncodeOptions,
    ) -> wasmtime::Result<Result<Vec<u8>, CodecError>> {
        self.encode_file(input, options)
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

    #[test]
    fn encode_arguments_per_format() {
        let options = |format, lossless| EncodeOptions {
            format,
            quality: 70,
            lossless,
            speed: 12,
        };
        assert_eq!(
            encode_args(&options(CodecFormat::Webp, false), "in.png", "o.webp"),
            ["-quiet", "-mt", "-q", "70", "in.png", "-o", "o.webp"]
        );
        assert_eq!(
            encode_args(&options(CodecFormat::Avif, false), "in.png", "o.avif"),
            ["-A", "-p", "speed=9", "-q", "70", "-o", "o.avif", "in.png"]
        );
        assert_eq!(
            encode_args(&options(CodecFormat::Heic, true), "in.jpg", "o.heic"),
            ["-L", "-p", "chroma=444", "-o", "o.heic", "in.jpg"]
        );
    }
}
