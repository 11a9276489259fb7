//! `image/convert`: re-encode an image in another format (jpg, png, webp, gif, tiff, bmp).

use lathe_image_kit::{decode, output_file, EncodeOptions, ImageFormat};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Default JPEG quality.
const DEFAULT_QUALITY: i64 = 90;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    format: Option<String>,
    quality: Option<i64>,
}

/// The output format and encoder options the settings ask for.
fn target(s: &Settings) -> Result<(ImageFormat, EncodeOptions), ToolError> {
    let name = s
        .format
        .as_deref()
        .ok_or_else(|| invalid_settings("format is required (jpg, png, webp, gif, tiff or bmp)"))?;
    let format = ImageFormat::from_name(name)?;
    let quality = check_range("quality", s.quality.unwrap_or(DEFAULT_QUALITY), 1, 100)? as u8;
    Ok((format, EncodeOptions { quality }))
}

struct Convert;

impl Tool for Convert {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "convert",
            section: Section::Image,
            name: "Convert",
            description: "Convert an image to JPEG, PNG, WebP, GIF, TIFF or BMP.",
            settings_schema: serde_json::json!({
                "type": "object",
                "required": ["format"],
                "properties": {
                    "format": {"enum": ["jpg", "jpeg", "png", "webp", "gif", "tiff", "bmp"]},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": DEFAULT_QUALITY}
                }
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: &[],
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let (format, options) = target(&settings)?;
        let input = &inputs[0];
        let decoded = decode(input)?;
        let file = output_file(input, &decoded.image, format, options.quality)?;
        Ok(Output::file(file).with_extra(serde_json::json!({
            "format": format.extension(),
            "width": decoded.image.width(),
            "height": decoded.image.height()
        })))
    }
}

lathe_tool_sdk::export_tool!(Convert);
