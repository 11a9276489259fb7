//! `image/sprite-sheet`: pack 2–64 images into one sheet of equal cells, with a JSON map of
//! where each frame lies.
//!
//! Cells are as large as the largest input (width and height separately); images sit at
//! the top-left of their cell, unscaled. `padding` surrounds every cell. The response's
//! extra fields are `{"frames":[{"name","x","y","width","height"}],"width","height"}`.

use lathe_layout_kit as kit;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    columns: f64,
    padding: f64,
    background: String,
    format: String,
    quality: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            columns: 4.0,
            padding: 0.0,
            background: "#ffffff".into(),
            format: "png".into(),
            quality: 90.0,
        }
    }
}

struct SpriteSheet;

impl Tool for SpriteSheet {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "sprite-sheet",
            section: Section::Image,
            name: "Sprite Sheet",
            description: "Pack 2 to 64 images into a sprite sheet with a JSON frame map.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "columns": {"type": "integer", "minimum": 1, "maximum": 16, "default": 4},
                    "padding": {"type": "integer", "minimum": 0, "maximum": 64, "default": 0},
                    "background": {"type": "string", "default": "#ffffff", "description": "hex colour or \"transparent\""},
                    "format": {"enum": ["png", "webp", "jpeg"], "default": "png"},
                    "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 90}
                }
            }),
            min_inputs: 2,
            max_inputs: 64,
            accepts: &[],
            produces: Produces::by_setting("format", &["png", "webp", "jpg"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let columns = kit::int("columns", s.columns, 1, 16)? as u64;
        let padding = kit::int("padding", s.padding, 0, 64)? as u64;
        let background = kit::parse_color_or_transparent("background", &s.background)?;
        let format = kit::restricted_format("format", &s.format, &["png", "webp", "jpeg", "jpg"])?;
        let quality = kit::int("quality", s.quality, 1, 100)? as u8;

        let images = kit::decode_all(&inputs)?;
        let cell_w = images.iter().map(|i| i.width()).max().unwrap_or(1) as u64;
        let cell_h = images.iter().map(|i| i.height()).max().unwrap_or(1) as u64;
        let n = images.len() as u64;
        let cols = columns.min(n).max(1);
        let rows = n.div_ceil(cols);
        let width = padding + cols * (cell_w + padding);
        let height = padding + rows * (cell_h + padding);
        let mut sheet = kit::canvas(width, height, background)?;
        let mut frames = Vec::with_capacity(images.len());
        for (i, (img, input)) in images.iter().zip(&inputs).enumerate() {
            let (c, r) = (i as u64 % cols, i as u64 / cols);
            let x = padding + c * (cell_w + padding);
            let y = padding + r * (cell_h + padding);
            kit::overlay(&mut sheet, &img.to_rgba8(), x as i64, y as i64);
            frames.push(serde_json::json!({
                "name": input.name,
                "x": x,
                "y": y,
                "width": img.width(),
                "height": img.height(),
            }));
        }
        let file = kit::canvas_file("spritesheet", sheet, format, quality)?;
        Ok(Output::file(file)
            .with_extra(serde_json::json!({"frames": frames, "width": width, "height": height})))
    }
}

lathe_tool_sdk::export_tool!(SpriteSheet);
