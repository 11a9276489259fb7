//! `image/watermark-image`: place a logo (the second file) on an image at a corner or the
//! centre, scaled relative to the image and faded by an opacity.
//!
//! Send the image first and the watermark second (the peer names the second part
//! `watermark`; Lathe takes the parts in order). The watermark is scaled to `scale` percent
//! of the image width keeping its aspect ratio (and shrunk further if it would be taller
//! than the image), then drawn `margin` pixels from the edges (default 3% of the shorter
//! side). The output keeps the image's size and format; the watermark's own transparency
//! is respected.

use lathe_layout_kit as kit;
use lathe_text_kit::{self as text, Anchor};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    position: String,
    opacity: f64,
    #[serde(alias = "size")]
    scale: f64,
    margin: Option<f64>,
    quality: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            position: "bottom-right".into(),
            opacity: 50.0,
            scale: 25.0,
            margin: None,
            quality: 90.0,
        }
    }
}

struct WatermarkImage;

impl Tool for WatermarkImage {
    fn describe() -> ToolInfo {
        text::pair_tool_info(
            "watermark-image",
            "Image Watermark",
            "Place a logo (second file) on an image at a corner or the centre, scaled and faded.",
            serde_json::json!({
                    "position": {"type": "string", "enum": ["center", "top-left", "top-right", "bottom-left", "bottom-right"], "default": "bottom-right"},
                    "opacity": {"type": "number", "minimum": 0, "maximum": 100, "default": 50},
                    "scale": {"type": "number", "minimum": 1, "maximum": 100, "default": 25, "description": "watermark width as a percentage of the image width"},
                    "margin": {"type": "integer", "minimum": 0, "description": "distance from the edges in px (default 3% of the shorter side)"}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let anchor = Anchor::from_name(&s.position).ok_or_else(|| {
            invalid_settings(format!(
                "position must be one of center, top-left, top-right, bottom-left, bottom-right; got '{}'",
                s.position
            ))
        })?;
        let opacity = kit::number("opacity", s.opacity, 0.0, 100.0)? / 100.0;
        let scale = kit::number("scale", s.scale, 1.0, 100.0)? / 100.0;
        let quality = kit::int("quality", s.quality, 1, 100)? as u8;
        let margin = match s.margin {
            Some(m) => Some(kit::int("margin", m, 0, 10_000)? as u32),
            None => None,
        };
        text::draw_pair(&inputs, quality, |img, logo| {
            let (w, h) = img.dimensions();
            let (lw, lh) = (logo.width() as f64, logo.height() as f64);
            let mut tw = (w as f64 * scale).round().max(1.0);
            let mut th = (lh * tw / lw).round().max(1.0);
            if th > h as f64 {
                th = h as f64;
                tw = (lw * th / lh).round().max(1.0);
            }
            let mark = kit::stretch(logo, tw as u32, th as u32)?;
            let margin = margin.unwrap_or_else(|| ((w.min(h) as f64) * 0.03).round() as u32);
            let (x, y) = anchor.place((w, h), mark.dimensions(), margin);
            text::draw(img, &mark, x, y, opacity as f32);
            Ok(serde_json::json!({
                "width": w, "height": h,
                "watermarkWidth": tw as u32, "watermarkHeight": th as u32,
            }))
        })
    }
}

lathe_tool_sdk::export_tool!(WatermarkImage);
