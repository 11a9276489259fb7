//! `video/rotate-video`: a video turned by a quarter or half turn, or mirrored (native
//! tool: ffmpeg).

use lathe_media_kit::catalog::{video_edit_info, with_required};
use lathe_media_kit::video_edit::filter_video;
use lathe_tool_sdk::{invalid_settings, parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's `transform`.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
enum Transform {
    /// A quarter turn clockwise.
    #[serde(rename = "cw90")]
    Clockwise,
    /// A quarter turn counter-clockwise.
    #[serde(rename = "ccw90")]
    CounterClockwise,
    /// A half turn.
    #[serde(rename = "180")]
    HalfTurn,
    /// Mirrored left to right.
    #[serde(rename = "hflip")]
    HorizontalFlip,
    /// Mirrored top to bottom.
    #[serde(rename = "vflip")]
    VerticalFlip,
}

impl Transform {
    fn filter(self) -> &'static str {
        match self {
            Transform::Clockwise => "transpose=clock",
            Transform::CounterClockwise => "transpose=cclock",
            Transform::HalfTurn => "hflip,vflip",
            Transform::HorizontalFlip => "hflip",
            Transform::VerticalFlip => "vflip",
        }
    }
}

/// Seed 001's settings: the required `transform`.
#[derive(Debug, Deserialize)]
struct Settings {
    transform: Option<Transform>,
}

/// The tool.
struct RotateVideo;

impl Tool for RotateVideo {
    fn describe() -> ToolInfo {
        with_required(
            video_edit_info(
                (
                    "rotate-video",
                    "Rotate Video",
                    "Turn a video 90° either way or 180°, or mirror it.",
                ),
                serde_json::json!({
                    "transform": {"type": "string", "enum": ["cw90", "ccw90", "180", "hflip", "vflip"]}
                }),
            ),
            &["transform"],
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let transform = settings.transform.ok_or_else(|| {
            invalid_settings("transform is required: cw90, ccw90, 180, hflip or vflip")
        })?;
        filter_video(&inputs[0], "Rotating video", |_| {
            Ok(transform.filter().into())
        })
    }
}

lathe_native_sdk::export_native_tool!(RotateVideo);
