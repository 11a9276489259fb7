//! `image/watermark-text`: stamp a text watermark on an image, once at a position or
//! tiled over the whole image, with an opacity and a rotation.
//!
//! The output keeps the input's size and format (alpha is kept where the format allows).
//! Text wider than the image wraps at word boundaries. The text is drawn in a bundled
//! DejaVu face (`font` picks one; unknown names fall back to DejaVu Sans Bold). A positive
//! `rotation` turns the text clockwise. Tiles repeat on a grid whose rows are staggered
//! by half a step, spaced by one and a half font sizes.

use lathe_layout_kit as kit;
use lathe_text_kit::{self as text, Anchor, Face, Style};
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    #[serde(alias = "watermarkText")]
    text: Option<String>,
    #[serde(alias = "fontFamily")]
    font: Option<String>,
    #[serde(alias = "size")]
    font_size: f64,
    #[serde(alias = "textColor", alias = "colour")]
    color: String,
    opacity: f64,
    position: String,
    #[serde(alias = "angle")]
    rotation: f64,
    #[serde(alias = "tiled")]
    tile: bool,
    margin: Option<f64>,
    quality: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            text: None,
            font: None,
            font_size: 48.0,
            color: "#000000".into(),
            opacity: 50.0,
            position: "center".into(),
            rotation: 0.0,
            tile: false,
            margin: None,
            quality: 90.0,
        }
    }
}

/// Where the watermark goes.
enum Placement {
    /// Once, anchored.
    At(Anchor),
    /// Repeated over the whole image.
    Tiled,
}

/// Validated settings.
struct Plan {
    text: String,
    style: Style,
    opacity: f32,
    placement: Placement,
    rotation: f32,
    margin: Option<u32>,
    quality: u8,
}

fn plan(s: &Settings) -> Result<Plan, ToolError> {
    let text = text::required_text(s.text.as_deref(), text::MAX_CAPTION_CHARS)?;
    let face = Face::from_setting(s.font.as_deref(), Face::SansBold);
    let size = kit::number("fontSize", s.font_size, 8.0, 1000.0)? as f32;
    let color = kit::parse_hex("color", &s.color)?;
    let placement = match s.position.trim().to_ascii_lowercase().as_str() {
        _ if s.tile => Placement::Tiled,
        "tiled" | "tile" | "repeat" => Placement::Tiled,
        other => Placement::At(Anchor::from_name(other).ok_or_else(|| {
            invalid_settings(format!(
                "position must be one of center, top-left, top-right, bottom-left, bottom-right, tiled; got '{}'",
                s.position
            ))
        })?),
    };
    let margin = match s.margin {
        Some(m) => Some(kit::int("margin", m, 0, 10_000)? as u32),
        None => None,
    };
    Ok(Plan {
        text,
        style: Style::new(face, size, color),
        opacity: kit::number("opacity", s.opacity, 0.0, 100.0)? as f32 / 100.0,
        placement,
        rotation: kit::number("rotation", s.rotation, -360.0, 360.0)? as f32,
        margin,
        quality: kit::int("quality", s.quality, 1, 100)? as u8,
    })
}

/// Draws the watermark described by `p` onto `img`.
fn stamp(img: &mut lathe_image_kit::image::RgbaImage, p: &Plan) -> Result<(), ToolError> {
    let (w, h) = img.dimensions();
    let margin = p
        .margin
        .unwrap_or_else(|| ((w.min(h) as f32) * 0.03).round() as u32);
    let room = (w as f32 - 2.0 * margin as f32).max(p.style.size);
    let lines = match p.placement {
        Placement::At(_) => text::wrap(p.style.face, p.style.size, &p.text, room),
        // A tile may overflow the image; it only has to keep explicit line breaks.
        Placement::Tiled => text::wrap(p.style.face, p.style.size, &p.text, f32::INFINITY),
    };
    let tile = text::render(&lines, &p.style)?;
    let tile = text::rotate(&tile, p.rotation)?;
    let (tw, th) = tile.dimensions();
    match p.placement {
        Placement::At(anchor) => {
            let (x, y) = anchor.place((w, h), (tw, th), margin);
            text::draw(img, &tile, x, y, p.opacity);
        }
        Placement::Tiled => {
            let gap = (p.style.size * 1.5).round() as i64;
            let step_x = tw as i64 + gap;
            let step_y = th as i64 + gap;
            let mut row = 0i64;
            let mut y = -(step_y / 2);
            while y < h as i64 {
                let shift = if row % 2 == 1 { step_x / 2 } else { 0 };
                let mut x = -step_x + shift;
                while x < w as i64 {
                    text::draw(img, &tile, x, y, p.opacity);
                    x += step_x;
                }
                y += step_y;
                row += 1;
            }
        }
    }
    Ok(())
}

struct WatermarkText;

impl Tool for WatermarkText {
    fn describe() -> ToolInfo {
        text::caption_tool_info(
            "watermark-text",
            "Text Watermark",
            "Stamp a text watermark on an image: at a corner, centred or tiled, with opacity and rotation.",
            serde_json::json!({
                    "fontSize": {"type": "number", "minimum": 8, "maximum": 1000, "default": 48},
                    "color": {"type": "string", "default": "#000000"},
                    "opacity": {"type": "number", "minimum": 0, "maximum": 100, "default": 50},
                    "position": {"type": "string", "enum": ["center", "top-left", "top-right", "bottom-left", "bottom-right", "tiled"], "default": "center"},
                    "rotation": {"type": "number", "minimum": -360, "maximum": 360, "default": 0},
                    "tile": {"type": "boolean", "default": false},
                    "margin": {"type": "integer", "minimum": 0, "description": "distance from the edges in px (default 3% of the shorter side)"}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let p = plan(&settings)?;
        text::draw_on(&inputs[0], p.quality, |img| stamp(img, &p))
    }
}

lathe_tool_sdk::export_tool!(WatermarkText);
