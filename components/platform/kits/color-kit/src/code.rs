//! What the code generators (QR, barcodes) share: a catalog entry for a tool that takes
//! no file, its two colours, and the PNG it writes.

use lathe_image_kit::image::{DynamicImage, Rgba, RgbaImage};
use lathe_image_kit::{encode, EncodeOptions, ImageFormat};
use lathe_tool_sdk::{OutputFile, Produces, Section, ToolError, ToolInfo};
use serde_json::{json, Value};

use crate::{hex_or, Rgba8};

/// The catalog entry of a generator that draws a code from a required `text` (at most
/// `max_text` characters) in the colours `foreground` and `background` (read with
/// [`code_colors`]) and writes a PNG; it takes no file. `properties` holds the tool's
/// other settings.
pub fn code_tool_info(
    (id, name, description): (&'static str, &'static str, &'static str),
    max_text: usize,
    mut properties: Value,
) -> ToolInfo {
    properties["text"] = json!({"type": "string", "minLength": 1, "maxLength": max_text});
    properties["foreground"] = json!({"type": "string", "default": "#000000"});
    properties["background"] = json!({"type": "string", "default": "#FFFFFF"});
    ToolInfo {
        id,
        section: Section::Image,
        name,
        description,
        settings_schema: json!({"type": "object", "properties": properties, "required": ["text"]}),
        min_inputs: 0,
        max_inputs: 0,
        accepts: &[],
        produces: Produces::types(&["png"]),
    }
}

/// The dark (`foreground`, black by default) and light (`background`, white by default)
/// colours of a code, as pixels.
pub fn code_colors(
    foreground: Option<&str>,
    background: Option<&str>,
) -> Result<(Rgba<u8>, Rgba<u8>), ToolError> {
    let dark = hex_or("foreground", foreground, "#000000")?;
    let light = hex_or("background", background, "#FFFFFF")?;
    Ok((dark.pixel(), light.pixel()))
}

/// Writes a generated image as the PNG `name`: RGB when both code colours are opaque,
/// RGBA otherwise.
pub fn code_png(
    name: &str,
    img: RgbaImage,
    (dark, light): (Rgba<u8>, Rgba<u8>),
) -> Result<OutputFile, ToolError> {
    let image = if dark[3] == 255 && light[3] == 255 {
        DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(img).to_rgb8())
    } else {
        DynamicImage::ImageRgba8(img)
    };
    let png = encode(&image, ImageFormat::Png, EncodeOptions::default())?;
    Ok(OutputFile::new(name, "image/png", png))
}

impl Rgba8 {
    /// The colour as an `image` pixel.
    pub fn pixel(self) -> Rgba<u8> {
        Rgba([self.r, self.g, self.b, self.a])
    }
}
