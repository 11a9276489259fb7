//! `video/watermark-video`: a text watermark drawn over every frame of a video, in one of
//! nine positions, with size, colour and opacity (native tool: ffmpeg).

use lathe_media_kit::catalog::{one_video_tool_info, with_required};
use lathe_media_kit::formats::EVEN_SIZE;
use lathe_media_kit::redraw::{filtered_args, EXTENSION};
use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_media_kit::{ffmpeg_color, fmt_num, font_file, text_file};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, Produces, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Seed 001's settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default)]
    text: Option<String>,
    #[serde(default = "default_position")]
    position: String,
    #[serde(default = "default_font_size")]
    font_size: f64,
    #[serde(default = "default_opacity")]
    opacity: f64,
    #[serde(default = "default_color")]
    color: String,
}

fn default_position() -> String {
    "br".into()
}

fn default_font_size() -> f64 {
    36.0
}

fn default_opacity() -> f64 {
    0.5
}

fn default_color() -> String {
    "#ffffff".into()
}

/// The distance from the frame's edges, growing with the frame (drawtext expression).
const MARGIN: &str = "(8+h/40)";

/// The drawtext `x` and `y` expressions of a position: seed 001's short names (`tl` ...
/// `br`) or their long forms (`top-left`, `center`, `bottom-right` ...).
fn placement(position: &str) -> Result<(String, String), ToolError> {
    let key = position
        .trim()
        .to_ascii_lowercase()
        .replace(['_', ' '], "-");
    let (col, row) = match key.as_str() {
        "tl" | "top-left" | "topleft" | "left-top" => (0, 0),
        "tc" | "top-center" | "top-centre" | "top" | "topcenter" => (1, 0),
        "tr" | "top-right" | "topright" | "right-top" => (2, 0),
        "l" | "left" | "center-left" | "centre-left" | "middle-left" | "ml" => (0, 1),
        "c" | "center" | "centre" | "middle" | "mc" | "middle-center" => (1, 1),
        "r" | "right" | "center-right" | "centre-right" | "middle-right" | "mr" => (2, 1),
        "bl" | "bottom-left" | "bottomleft" | "left-bottom" => (0, 2),
        "bc" | "bottom-center" | "bottom-centre" | "bottom" | "bottomcenter" => (1, 2),
        "br" | "bottom-right" | "bottomright" | "right-bottom" => (2, 2),
        _ => {
            return Err(invalid_settings(format!(
                "position must be one of tl, tc, tr, l, c, r, bl, bc, br, got '{position}'"
            )))
        }
    };
    let x = match col {
        0 => MARGIN.to_string(),
        1 => "(w-text_w)/2".to_string(),
        _ => format!("w-text_w-{MARGIN}"),
    };
    let y = match row {
        0 => MARGIN.to_string(),
        1 => "(h-text_h)/2".to_string(),
        _ => format!("h-text_h-{MARGIN}"),
    };
    Ok((x, y))
}

/// The tool.
struct WatermarkVideo;

impl Tool for WatermarkVideo {
    fn describe() -> ToolInfo {
        with_required(
            one_video_tool_info(
                (
                    "watermark-video",
                    "Watermark Video",
                    "Draw a text watermark over a video: position, size, colour and opacity.",
                ),
                serde_json::json!({
                    "text": {"type": "string", "minLength": 1, "maxLength": 200},
                    "position": {
                        "type": "string",
                        "enum": ["tl", "tc", "tr", "l", "c", "r", "bl", "bc", "br"],
                        "default": "br"
                    },
                    "fontSize": {"type": "integer", "minimum": 8, "maximum": 120, "default": 36},
                    "opacity": {"type": "number", "minimum": 0.05, "maximum": 1, "default": 0.5},
                    "color": {"type": "string", "pattern": "^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$", "default": "#ffffff"}
                }),
                Produces::types(&["mp4"]),
            ),
            &["text"],
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let text = settings.text.unwrap_or_default();
        let length = text.chars().count();
        if text.trim().is_empty() || length > 200 {
            return Err(invalid_settings(format!(
                "text must be 1 to 200 characters, got {length}"
            )));
        }
        let (x, y) = placement(&settings.position)?;
        let size = check_range("fontSize", settings.font_size, 8.0, 120.0)?.round();
        let opacity = check_range("opacity", settings.opacity, 0.05, 1.0)?;
        let color = ffmpeg_color("color", &settings.color)?;
        let filter = format!(
            "drawtext=fontfile=font.ttf:textfile=watermark.txt:expansion=none:\
             fontsize={}:fontcolor={color}@{}:x={x}:y={y},{EVEN_SIZE},format=yuv420p",
            fmt_num(size),
            fmt_num(opacity)
        );
        single_output(
            &inputs[0],
            Needs::Video,
            EXTENSION,
            "Watermarking video",
            |_| {
                let mut plan = Plan::new(filtered_args(filter));
                plan.files = vec![font_file(), text_file("watermark.txt", &text)];
                Ok(plan)
            },
        )
    }
}

lathe_native_sdk::export_native_tool!(WatermarkVideo);

#[cfg(test)]
mod tests {
    use super::placement;

    #[test]
    fn short_and_long_position_names_agree() {
        assert_eq!(placement("br").unwrap(), placement("bottom-right").unwrap());
        assert_eq!(placement("tl").unwrap(), placement("Top_Left").unwrap());
        assert_eq!(placement("c").unwrap(), placement("center").unwrap());
        let (x, y) = placement("tr").unwrap();
        assert_eq!(x, "w-text_w-(8+h/40)");
        assert_eq!(y, "(8+h/40)");
        assert!(placement("somewhere").is_err());
    }
}
