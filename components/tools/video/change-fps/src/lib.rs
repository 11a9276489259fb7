//! `video/change-fps`: a video at another frame rate; frames are dropped or repeated,
//! the duration stays (native tool: ffmpeg).

use lathe_media_kit::catalog::video_edit_info;
use lathe_media_kit::fmt_num;
use lathe_media_kit::video_edit::filter_video;
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's setting: `fps`, 1 to 120 (default 30).
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default = "default_fps")]
    fps: f64,
}

fn default_fps() -> f64 {
    30.0
}

/// The tool.
struct ChangeFps;

impl Tool for ChangeFps {
    fn describe() -> ToolInfo {
        video_edit_info(
            (
                "change-fps",
                "Change FPS",
                "Change a video's frame rate (1 to 120 fps) at the same duration.",
            ),
            serde_json::json!({
                "fps": {"type": "number", "minimum": 1, "maximum": 120, "default": 30}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let fps = check_range("fps", settings.fps, 1.0, 120.0)?;
        filter_video(&inputs[0], "Changing frame rate", |_| {
            Ok(format!("fps={}", fmt_num(fps)))
        })
    }
}

lathe_native_sdk::export_native_tool!(ChangeFps);
