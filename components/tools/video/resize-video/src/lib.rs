//! `video/resize-video`: a video at another size: a preset (the shorter side, e.g. 720p)
//! or a width and/or height (native tool: ffmpeg).

use lathe_media_kit::catalog::video_edit_info;
use lathe_media_kit::settings::even_up;
use lathe_media_kit::video_compose::display_size;
use lathe_media_kit::video_edit::{filter_video, scale_short_side};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's `preset`: `custom` (width/height) or a standard size.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
enum Preset {
    /// `width` and/or `height`.
    #[default]
    #[serde(rename = "custom")]
    Custom,
    #[serde(rename = "2160p")]
    P2160,
    #[serde(rename = "1440p")]
    P1440,
    #[serde(rename = "1080p")]
    P1080,
    #[serde(rename = "720p")]
    P720,
    #[serde(rename = "480p")]
    P480,
    #[serde(rename = "360p")]
    P360,
}

impl Preset {
    /// The shorter side of the preset's frames.
    fn short_side(self) -> Option<u32> {
        Some(match self {
            Preset::Custom => return None,
            Preset::P2160 => 2160,
            Preset::P1440 => 1440,
            Preset::P1080 => 1080,
            Preset::P720 => 720,
            Preset::P480 => 480,
            Preset::P360 => 360,
        })
    }
}

/// Seed 001's settings.
#[derive(Debug, Deserialize)]
struct Settings {
    width: Option<f64>,
    height: Option<f64>,
    #[serde(default)]
    preset: Preset,
}

/// The output frame for the frame `(w, h)` as shown.
fn target_size(settings: &Settings, (w, h): (u32, u32)) -> Result<(u32, u32), ToolError> {
    if let Some(short) = settings.preset.short_side() {
        return Ok(scale_short_side(w, h, short));
    }
    let width = settings
        .width
        .map(|v| check_range("width", v, 16.0, 7680.0))
        .transpose()?
        .map(|v| v.round() as u32);
    let height = settings
        .height
        .map(|v| check_range("height", v, 16.0, 4320.0))
        .transpose()?
        .map(|v| v.round() as u32);
    let (w, h) = (w.max(1) as f64, h.max(1) as f64);
    let even = |v: f64| even_up((v.round() as u32).max(2));
    match (width, height) {
        (Some(tw), Some(th)) => Ok((even(tw as f64), even(th as f64))),
        (Some(tw), None) => Ok((even(tw as f64), even(tw as f64 * h / w))),
        (None, Some(th)) => Ok((even(th as f64 * w / h), even(th as f64))),
        (None, None) => Err(invalid_settings(
            "give a width, a height or a preset (2160p, 1440p, 1080p, 720p, 480p, 360p)",
        )),
    }
}

/// The tool.
struct ResizeVideo;

impl Tool for ResizeVideo {
    fn describe() -> ToolInfo {
        video_edit_info(
            (
                "resize-video",
                "Resize Video",
                "Resize a video to a preset (2160p to 360p, the shorter side) or to a width and/or height.",
            ),
            serde_json::json!({
                "width": {"type": "integer", "minimum": 16, "maximum": 7680},
                "height": {"type": "integer", "minimum": 16, "maximum": 4320},
                "preset": {
                    "type": "string",
                    "enum": ["custom", "2160p", "1440p", "1080p", "720p", "480p", "360p"],
                    "default": "custom",
                    "description": "custom: width and/or height (one alone keeps the aspect ratio); a preset sets the shorter side."
                }
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        // Checked before the probe, so bad settings answer at once.
        target_size(&settings, (16, 9))?;
        filter_video(&inputs[0], "Resizing video", |info| {
            let (w, h) = target_size(&settings, display_size(info).unwrap_or((16, 9)))?;
            Ok(format!("scale={w}:{h}:flags=lanczos,setsar=1"))
        })
    }
}

lathe_native_sdk::export_native_tool!(ResizeVideo);

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(json: &str) -> Settings {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn sizes_follow_the_preset_or_keep_the_aspect_ratio() {
        let s = |j| target_size(&settings(j), (1920, 1080));
        assert_eq!(s(r#"{"preset":"720p"}"#), Ok((1280, 720)));
        assert_eq!(s(r#"{"width":640}"#), Ok((640, 360)));
        assert_eq!(s(r#"{"height":481}"#), Ok((856, 482)));
        assert_eq!(s(r#"{"width":300,"height":301}"#), Ok((300, 302)));
        assert!(s(r#"{}"#).is_err());
        assert!(s(r#"{"width":8}"#).is_err());
        assert_eq!(
            target_size(&settings(r#"{"preset":"480p"}"#), (1080, 1920)),
            Ok((480, 854))
        );
    }
}
