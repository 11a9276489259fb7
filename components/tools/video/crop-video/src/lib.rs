//! `video/crop-video`: a rectangle of a video's frame (native tool: ffmpeg).

use lathe_media_kit::catalog::{video_edit_info, with_required};
use lathe_media_kit::settings::even_down;
use lathe_media_kit::video_compose::display_size;
use lathe_media_kit::video_edit::filter_video;
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's settings: the rectangle's `width` and `height` (required) and its top-left
/// corner `x`, `y` (default 0), in pixels of the frame as shown.
#[derive(Debug, Deserialize)]
struct Settings {
    width: Option<f64>,
    height: Option<f64>,
    #[serde(default)]
    x: f64,
    #[serde(default)]
    y: f64,
}

/// A whole number of pixels, at least `min`.
fn pixels(field: &str, value: Option<f64>, min: f64) -> Result<u32, ToolError> {
    let value = value.ok_or_else(|| invalid_settings(format!("{field} is required")))?;
    if !value.is_finite() || value < min || value > 16384.0 {
        return Err(invalid_settings(format!(
            "{field} must be between {min} and 16384, got {value}"
        )));
    }
    Ok(value.round() as u32)
}

/// The crop filter for `settings` on a `frame`; the rectangle must lie inside the frame.
/// Its width and height are rounded down to even numbers (4:2:0 video needs them).
fn crop_filter(settings: &Settings, frame: (u32, u32)) -> Result<String, ToolError> {
    let w = pixels("width", settings.width, 16.0)?;
    let h = pixels("height", settings.height, 16.0)?;
    let x = pixels("x", Some(settings.x), 0.0)?;
    let y = pixels("y", Some(settings.y), 0.0)?;
    let (fw, fh) = frame;
    if x + w > fw || y + h > fh {
        return Err(invalid_settings(format!(
            "the rectangle {w}x{h} at ({x}, {y}) does not fit in the {fw}x{fh} frame"
        )));
    }
    Ok(format!("crop={}:{}:{x}:{y}", even_down(w), even_down(h)))
}

/// The tool.
struct CropVideo;

impl Tool for CropVideo {
    fn describe() -> ToolInfo {
        with_required(
            video_edit_info(
                (
                    "crop-video",
                    "Crop Video",
                    "Keep a rectangle of a video's frame.",
                ),
                serde_json::json!({
                    "width": {"type": "integer", "minimum": 16},
                    "height": {"type": "integer", "minimum": 16},
                    "x": {"type": "integer", "minimum": 0, "default": 0},
                    "y": {"type": "integer", "minimum": 0, "default": 0}
                }),
            ),
            &["width", "height"],
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        // Checked before the probe, so bad settings answer at once.
        crop_filter(&settings, (u32::MAX / 2, u32::MAX / 2))?;
        filter_video(&inputs[0], "Cropping video", |info| {
            crop_filter(&settings, display_size(info).unwrap_or((0, 0)))
        })
    }
}

lathe_native_sdk::export_native_tool!(CropVideo);

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(json: &str) -> Settings {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_rectangle_must_fit() {
        let f = |j| crop_filter(&settings(j), (320, 240));
        assert_eq!(
            f(r#"{"width":101,"height":50,"x":10,"y":20}"#).unwrap(),
            "crop=100:50:10:20"
        );
        assert!(f(r#"{"width":300,"height":50,"x":30}"#).is_err());
        assert!(f(r#"{"width":8,"height":50}"#).is_err());
        assert!(f(r#"{"height":50}"#).is_err());
        assert!(f(r#"{"width":50,"height":50,"x":-1}"#).is_err());
    }
}
