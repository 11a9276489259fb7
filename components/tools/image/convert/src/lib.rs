//! `image/convert`: re-encode an image in another format (jpg, png, webp, avif, gif, tiff,
//! bmp).
//!
//! AVIF is lossy (`quality`, default 80 like `cavif`) with an encoder `speed` of 1..10
//! (default 8); it is written by `lathe_image_kit::avif`, which only this tool and
//! `image/optimize-for-web` link, since the AV1 encoder is large.

use lathe_image_kit::avif::{self, encode_avif};
use lathe_image_kit::{decode, output_file, EncodeOptions, ImageFormat};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use serde::Deserialize;

/// Default JPEG quality.
const DEFAULT_QUALITY: i64 = 90;
/// Default AVIF quality (AV1 at 80 looks like JPEG at about 90, at a fraction of the size).
const DEFAULT_AVIF_QUALITY: i64 = 80;

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
    /// AVIF, with quality 1..=100 and encoder speed 1..=10.
    Avif { quality: u8, speed: u8 },
}

/// The output format and encoder options the settings ask for.
fn target(s: &Settings) -> Result<Target, ToolError> {
    let name = s.format.as_deref().ok_or_else(|| {
        invalid_settings("format is required (jpg, png, webp, avif, gif, tiff or bmp)")
    })?;
    if name.trim().eq_ignore_ascii_case("avif") {
        let quality = check_range("quality", s.quality.unwrap_or(DEFAULT_AVIF_QUALITY), 1, 100)?;
        let speed = check_range(
            "speed",
            s.speed.unwrap_or(avif::DEFAULT_SPEED.into()),
            avif::MIN_SPEED.into(),
            avif::MAX_SPEED.into(),
        )?;
        return Ok(Target::Avif {
            quality: quality as u8,
            speed: speed as u8,
        });
    }
    let format = ImageFormat::from_name(name).map_err(|_| {
        invalid_settings(format!(
            "output format '{}' is not supported; use one of jpg, png, webp, avif, gif, tiff, bmp",
            name.trim()
        ))
    })?;
    let quality = check_range("quality", s.quality.unwrap_or(DEFAULT_QUALITY), 1, 100)? as u8;
    Ok(Target::Image(format, EncodeOptions { quality }))
}

struct Convert;

impl Tool for Convert {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "convert",
            section: Section::Image,
            name: "Convert",
            description: "Convert an image to JPEG, PNG, WebP, AVIF, GIF, TIFF or BMP.",
            settings_schema: serde_json::json!({
                "type": "object",
                "required": ["format"],
                "properties": {
                    "format": {"enum": ["jpg", "jpeg", "png", "webp", "avif", "gif", "tiff", "bmp"]},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": DEFAULT_QUALITY,
                                "description": "JPEG, WebP and AVIF quality (AVIF default: 80; WebP 100 = lossless); other formats are lossless."},
                    "speed": {"type": "integer", "minimum": avif::MIN_SPEED, "maximum": avif::MAX_SPEED,
                              "default": avif::DEFAULT_SPEED,
                              "description": "AVIF encoder speed: higher is faster, lower compresses better."}
                }
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: &[],
            produces: Produces::by_setting(
                "format",
                &["jpg", "png", "webp", "avif", "gif", "tiff", "bmp"],
            ),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let target = target(&settings)?;
        let input = &inputs[0];
        let decoded = decode(input)?;
        let (file, extension) = match target {
            Target::Image(format, options) => (
                output_file(input, &decoded.image, format, options.quality)?,
                format.extension(),
            ),
            Target::Avif { quality, speed } => {
                let bytes = encode_avif(&decoded.image, quality, speed)?;
                let name = format!("{}.{}", input.stem(), avif::EXTENSION);
                (
                    OutputFile::new(name, avif::MEDIA_TYPE, bytes),
                    avif::EXTENSION,
                )
            }
        };
        Ok(Output::file(file).with_extra(serde_json::json!({
            "format": extension,
            "width": decoded.image.width(),
            "height": decoded.image.height()
        })))
    }
}

lathe_tool_sdk::export_tool!(Convert);
