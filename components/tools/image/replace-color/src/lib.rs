//! `image/replace-color`: replace every pixel within `tolerance` (Euclidean RGB distance,
//! 0..255) of `sourceColor` by `targetColor`, or make it transparent.
//!
//! Replaced pixels keep their own alpha unless the target colour gives one (`#RRGGBBAA`).
//! With `makeTransparent` an input format without alpha (JPEG, BMP) is written as PNG.

use lathe_color_kit::{hex_or, load, number, save};
use lathe_image_kit::ImageFormat;
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(alias = "source", alias = "fromColor")]
    source_color: Option<String>,
    #[serde(alias = "target", alias = "toColor")]
    target_color: Option<String>,
    #[serde(default, alias = "transparent")]
    make_transparent: bool,
    tolerance: Option<f64>,
}

struct ReplaceColor;

impl Tool for ReplaceColor {
    fn describe() -> ToolInfo {
        lathe_image_kit::one_image_tool_info(
            "replace-color",
            "Replace color",
            "Replace one colour (within a tolerance) by another, or make it transparent.",
            serde_json::json!({
                    "sourceColor": {"type": "string", "format": "hex-color", "default": "#FF0000"},
                    "targetColor": {"type": "string", "format": "hex-color", "default": "#00FF00"},
                    "makeTransparent": {"type": "boolean", "default": false},
                    "tolerance": {"type": "number", "minimum": 0, "maximum": 255, "default": 30}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let s: Settings = parse_settings(settings)?;
        let source = hex_or("sourceColor", s.source_color.as_deref(), "#FF0000")?;
        let target = hex_or("targetColor", s.target_color.as_deref(), "#00FF00")?;
        let target_has_alpha = s
            .target_color
            .as_deref()
            .is_some_and(|t| t.trim().trim_start_matches('#').len() == 8);
        let tolerance = number("tolerance", s.tolerance, 30.0, 0.0, 255.0)?;
        // Compare squared integer distances: exact and cheap.
        let limit = (tolerance * tolerance).floor() as i32;
        let input = &inputs[0];
        let mut picture = load(input)?;
        let (sr, sg, sb) = (source.r as i32, source.g as i32, source.b as i32);
        let mut replaced = 0u64;
        for px in picture.rgba.chunks_exact_mut(4) {
            let (dr, dg, db) = (px[0] as i32 - sr, px[1] as i32 - sg, px[2] as i32 - sb);
            if dr * dr + dg * dg + db * db > limit {
                continue;
            }
            replaced += 1;
            if s.make_transparent {
                px[3] = 0;
            } else {
                px[0] = target.r;
                px[1] = target.g;
                px[2] = target.b;
                if target_has_alpha {
                    px[3] = target.a;
                }
            }
        }
        let adds_alpha = s.make_transparent || (target_has_alpha && target.a < 255);
        let (format, keep_alpha) = if adds_alpha {
            let format = if picture.format.supports_alpha() {
                picture.format
            } else {
                ImageFormat::Png
            };
            (format, true)
        } else {
            (picture.format, picture.has_alpha)
        };
        let (width, height) = picture.rgba.dimensions();
        let out = save(input, picture.rgba, format, keep_alpha)?;
        Ok(out.with_extra(
            serde_json::json!({"width": width, "height": height, "replacedPixels": replaced}),
        ))
    }
}

lathe_tool_sdk::export_tool!(ReplaceColor);
