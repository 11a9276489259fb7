//! `image/circle-crop`: cut a circle out of an image (avatars), with zoom, focus point,
//! optional ring border and a transparent or coloured background.
//!
//! The square crop has side `shorter side / zoom`, placed by `offsetX`/`offsetY`
//! (0 = left/top, 1 = right/bottom), then scaled to `outputSize` (default: the crop's side).
//! The circle edge is antialiased. A transparent background is written as PNG unless the
//! source format keeps alpha (WebP, ...).

use lathe_image_kit::{decode, image, resize_exact};
use lathe_layout_kit as kit;
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    zoom: f64,
    offset_x: f64,
    offset_y: f64,
    border_width: f64,
    border_color: String,
    background: String,
    output_size: Option<f64>,
    quality: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            zoom: 1.0,
            offset_x: 0.5,
            offset_y: 0.5,
            border_width: 0.0,
            border_color: "#ffffff".into(),
            background: "transparent".into(),
            output_size: None,
            quality: 90.0,
        }
    }
}

struct CircleCrop;

impl Tool for CircleCrop {
    fn describe() -> ToolInfo {
        lathe_image_kit::one_image_tool_info(
            "circle-crop",
            "Circle Crop",
            "Crop an image to a circle (avatars), with zoom, focus point, ring border and background.",
            serde_json::json!({
                    "zoom": {"type": "number", "minimum": 1, "maximum": 5, "default": 1},
                    "offsetX": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5},
                    "offsetY": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5},
                    "borderWidth": {"type": "integer", "minimum": 0, "maximum": 200, "default": 0},
                    "borderColor": {"type": "string", "default": "#ffffff"},
                    "background": {"type": "string", "default": "transparent", "description": "\"transparent\" or a hex colour"},
                    "outputSize": {"type": "integer", "minimum": 16, "maximum": 4096},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 90}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let zoom = kit::number("zoom", s.zoom, 1.0, 5.0)?;
        let fx = kit::number("offsetX", s.offset_x, 0.0, 1.0)?;
        let fy = kit::number("offsetY", s.offset_y, 0.0, 1.0)?;
        let border = kit::int("borderWidth", s.border_width, 0, 200)? as f32;
        let border_color = kit::parse_hex("borderColor", &s.border_color)?;
        let background = kit::parse_color_or_transparent("background", &s.background)?;
        let output_size = s
            .output_size
            .map(|v| kit::int("outputSize", v, 16, 4096))
            .transpose()?;
        let quality = kit::int("quality", s.quality, 1, 100)? as u8;

        let input = &inputs[0];
        let decoded = decode(input)?;
        let img = &decoded.image;
        let (w, h) = (img.width(), img.height());
        let side = ((w.min(h) as f64 / zoom).round() as u32).clamp(1, w.min(h));
        let left = ((w - side) as f64 * fx).round() as u32;
        let top = ((h - side) as f64 * fy).round() as u32;
        let size = output_size.map(|v| v as u32).unwrap_or(side);
        let square = resize_exact(&img.crop_imm(left, top, side, side), size, size)?.to_rgba8();

        let out = image::RgbaImage::from_fn(size, size, |x, y| {
            let ring = kit::disc_coverage(x, y, size, 0.0);
            let inner = kit::disc_coverage(x, y, size, border);
            let mut p = background;
            if border > 0.0 {
                p = kit::blend(p, border_color, ring);
            }
            let c = if border > 0.0 { inner } else { ring };
            kit::blend(p, *square.get_pixel(x, y), c)
        });
        kit::save_like_source(input, out, decoded.format, quality)
    }
}

lathe_tool_sdk::export_tool!(CircleCrop);
