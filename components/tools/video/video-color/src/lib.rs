//! `video/video-color`: a video's brightness, contrast, saturation and gamma (native tool:
//! ffmpeg's `eq`).

use lathe_media_kit::catalog::video_edit_info;
use lathe_media_kit::fmt_num;
use lathe_media_kit::video_edit::filter_video;
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's settings, with `eq`'s meaning: brightness is added (-1 to 1), the others
/// multiply (1 = unchanged).
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default)]
    brightness: f64,
    #[serde(default = "one")]
    contrast: f64,
    #[serde(default = "one")]
    saturation: f64,
    #[serde(default = "one")]
    gamma: f64,
}

fn one() -> f64 {
    1.0
}

/// The `eq` filter of checked settings.
fn eq_filter(s: &Settings) -> Result<String, ToolError> {
    let brightness = check_range("brightness", s.brightness, -1.0, 1.0)?;
    let contrast = check_range("contrast", s.contrast, 0.0, 4.0)?;
    let saturation = check_range("saturation", s.saturation, 0.0, 3.0)?;
    let gamma = check_range("gamma", s.gamma, 0.1, 10.0)?;
    Ok(format!(
        "eq=brightness={}:contrast={}:saturation={}:gamma={}",
        fmt_num(brightness),
        fmt_num(contrast),
        fmt_num(saturation),
        fmt_num(gamma)
    ))
}

/// The tool.
struct VideoColor;

impl Tool for VideoColor {
    fn describe() -> ToolInfo {
        video_edit_info(
            (
                "video-color",
                "Video Color",
                "Adjust a video's brightness, contrast, saturation and gamma.",
            ),
            serde_json::json!({
                "brightness": {"type": "number", "minimum": -1, "maximum": 1, "default": 0},
                "contrast": {"type": "number", "minimum": 0, "maximum": 4, "default": 1},
                "saturation": {"type": "number", "minimum": 0, "maximum": 3, "default": 1},
                "gamma": {"type": "number", "minimum": 0.1, "maximum": 10, "default": 1}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let filter = eq_filter(&settings)?;
        filter_video(&inputs[0], "Adjusting colours", |_| Ok(filter))
    }
}

lathe_native_sdk::export_native_tool!(VideoColor);
