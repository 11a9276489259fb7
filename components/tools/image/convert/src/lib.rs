//! `image/convert`: re-encode an image in another format (jpg, png, webp, avif, heic, heif,
//! gif, tiff, bmp), from any of those (HEIC, HEIF and AVIF inputs included).
//!
//! A native tool: it runs in the worker so that the host's native codecs (see
//! `lathe:tool/image-codecs`) can read HEIF-family inputs and write HEIC, AVIF and lossy
//! WebP. Everything else (decoding the common formats, orientation, JPEG/PNG/GIF/TIFF/BMP
//! and lossless WebP encoding) happens here in the sandbox with image-kit.
//!
//! - HEIC/HEIF/AVIF input: the host decodes the primary image to PNG (upright), which is
//!   then read like any PNG.
//! - HEIC/HEIF output: HEVC at `quality` (default 80; 100 = lossless).
//! - AVIF output: AV1 (aom) at `quality` (default 80) and `speed` 1..10 (default 8; aom's
//!   speed is one less).
//! - Lossy WebP (`quality` below 100): libwebp's `cwebp` with threads and SIMD (about 3×
//!   faster than the sandbox's libwebp on a 12 MP photo); 100 is lossless, in the sandbox.
//!
//! For the host's encoders a PNG or JPEG that needs no re-orientation goes as it came,
//! anything else as a fast-compressed PNG of its upright pixels.

use lathe_image_kit::handoff::{fast_png, is_heif_family};
use lathe_image_kit::{avif, image};
use lathe_image_kit::{decode, output_file, probe, EncodeOptions, ImageFormat, MAX_PIXELS};
use lathe_native_sdk::{decode_heif, host_encode, CodecError, HostEncode, HostFormat};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;

/// Default JPEG/WebP quality.
const DEFAULT_QUALITY: i64 = 90;
/// Default AVIF and HEIC quality (both look like JPEG at about 90 at a fraction of the size).
const DEFAULT_HEIF_QUALITY: i64 = 80;
/// The formats written, as seed 001 names them (`jpeg` is an alias of `jpg`).
const FORMATS: [&str; 9] = [
    "jpg", "png", "webp", "avif", "heic", "heif", "gif", "tiff", "bmp",
];

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    format: Option<String>,
    quality: Option<i64>,
    speed: Option<i64>,
}

/// What the settings ask to write.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// A format of image-kit's general encoder.
    Image(ImageFormat, EncodeOptions),
    /// HEIC/HEIF, AVIF or lossy WebP through the host's encoders; `extension` is what the
    /// file is named.
    Host {
        options: HostEncode,
        extension: &'static str,
    },
}

/// The output format and encoder options the settings ask for.
fn target(s: &Settings) -> Result<Target, ToolError> {
    let name = s.format.as_deref().ok_or_else(|| {
        invalid_settings("format is required (jpg, png, webp, avif, heic, heif, gif, tiff or bmp)")
    })?;
    let name = name.trim().to_ascii_lowercase();
    let heif = match name.as_str() {
        "avif" => Some((HostFormat::Avif, "avif")),
        "heic" => Some((HostFormat::Heic, "heic")),
        "heif" => Some((HostFormat::Heic, "heif")),
        _ => None,
    };
    if let Some((format, extension)) = heif {
        let quality = check_range("quality", s.quality.unwrap_or(DEFAULT_HEIF_QUALITY), 1, 100)?;
        let speed = check_range(
            "speed",
            s.speed.unwrap_or(avif::DEFAULT_SPEED.into()),
            avif::MIN_SPEED.into(),
            avif::MAX_SPEED.into(),
        )?;
        return Ok(Target::Host {
            options: HostEncode {
                format,
                quality: quality as u8,
                lossless: quality == 100,
                speed: avif::aom_speed(speed as u8),
            },
            extension,
        });
    }
    let format = ImageFormat::from_name(&name).map_err(|_| {
        invalid_settings(format!(
            "output format '{name}' is not supported; use one of {}",
            FORMATS.join(", ")
        ))
    })?;
    let quality = check_range("quality", s.quality.unwrap_or(DEFAULT_QUALITY), 1, 100)? as u8;
    if format == ImageFormat::WebP && quality < 100 {
        return Ok(Target::Host {
            options: HostEncode {
                format: HostFormat::Webp,
                quality,
                lossless: false,
                speed: 0,
            },
            extension: "webp",
        });
    }
    Ok(Target::Image(format, EncodeOptions { quality }))
}

/// The input as something image-kit reads: HEIF-family files become a PNG of their primary
/// image (decoded by the host), everything else stays as it is.
fn readable(input: &Input) -> Result<Input, ToolError> {
    if !is_heif_family(&input.data) {
        return Ok(input.clone());
    }
    Ok(Input {
        name: format!("{}.png", input.stem()),
        media_type: "image/png".into(),
        data: decode_heif(input, MAX_PIXELS)?,
    })
}

struct Convert;

impl Tool for Convert {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "convert",
            section: Section::Image,
            name: "Convert",
            description: "Convert an image (also HEIC, HEIF and AVIF) to JPEG, PNG, WebP, AVIF, HEIC, HEIF, GIF, TIFF or BMP.",
            settings_schema: serde_json::json!({
                "type": "object",
                "required": ["format"],
                "properties": {
                    "format": {"enum": ["jpg", "jpeg", "png", "webp", "avif", "heic", "heif", "gif", "tiff", "bmp"]},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": DEFAULT_QUALITY,
                                "description": "JPEG, WebP, AVIF and HEIC quality (AVIF and HEIC default: 80; WebP, AVIF and HEIC 100 = lossless); other formats are lossless."},
                    "speed": {"type": "integer", "minimum": avif::MIN_SPEED, "maximum": avif::MAX_SPEED,
                              "default": avif::DEFAULT_SPEED,
                              "description": "AVIF encoder speed: higher is faster, lower compresses better."}
                }
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: &[],
            produces: Produces::by_setting("format", &FORMATS),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let target = target(&settings)?;
        let input = readable(&inputs[0])?;
        let (file, extension, width, height) = match target {
            Target::Image(format, options) => {
                let decoded = decode(&input)?;
                let file = output_file(&input, &decoded.image, format, options.quality)?;
                (
                    file,
                    format.extension(),
                    decoded.image.width(),
                    decoded.image.height(),
                )
            }
            Target::Host { options, extension } => {
                let head = probe(&input)?;
                let (width, height) = head.upright_dimensions();
                let as_is = matches!(
                    head.format,
                    image::ImageFormat::Png | image::ImageFormat::Jpeg
                ) && head.orientation == image::metadata::Orientation::NoTransforms
                    && (width as u64) * (height as u64) <= MAX_PIXELS;
                let upright_png = || -> Result<Input, ToolError> {
                    Ok(Input {
                        name: format!("{}.png", input.stem()),
                        media_type: "image/png".into(),
                        data: fast_png(&decode(&input)?.image)?,
                    })
                };
                // A file the host's reader refuses (a CMYK JPEG, say) is retried as pixels;
                // an encoder that timed out or was canceled is not run again.
                let bytes = match as_is.then(|| host_encode(&input, options)) {
                    Some(Ok(bytes)) => bytes,
                    Some(Err(CodecError::Rejected(_))) | None => {
                        host_encode(&upright_png()?, options).map_err(|e| match e {
                            // Our own intermediate PNG refused: the encoder failed, not the
                            // user's file.
                            CodecError::Rejected(m) => ToolError::Failed(m),
                            other => other.into(),
                        })?
                    }
                    Some(Err(e)) => return Err(e.into()),
                };
                let media_type = match extension {
                    "avif" => "image/avif",
                    "heic" => "image/heic",
                    "webp" => "image/webp",
                    _ => "image/heif",
                };
                let name = format!("{}.{extension}", inputs[0].stem());
                (
                    OutputFile::new(name, media_type, bytes),
                    extension,
                    width,
                    height,
                )
            }
        };
        Ok(Output::file(file).with_extra(serde_json::json!({
            "format": extension,
            "width": width,
            "height": height
        })))
    }
}

lathe_native_sdk::export_native_tool!(Convert);
