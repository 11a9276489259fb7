//! `video/video-to-webp`: a video as an animated WebP image at a chosen frame rate, width
//! and quality (native tool: ffmpeg, libwebp).

use lathe_media_kit::catalog::one_video_tool_info;
use lathe_media_kit::fmt_num;
use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default = "default_fps")]
    fps: f64,
    #[serde(default = "default_width")]
    width: f64,
    #[serde(default = "default_quality")]
    quality: f64,
    #[serde(default = "default_loop", rename = "loop")]
    looped: bool,
}

fn default_fps() -> f64 {
    12.0
}

fn default_width() -> f64 {
    480.0
}

fn default_quality() -> f64 {
    75.0
}

fn default_loop() -> bool {
    true
}

/// The tool.
struct VideoToWebp;

impl Tool for VideoToWebp {
    fn describe() -> ToolInfo {
        one_video_tool_info(
            (
                "video-to-webp",
                "Video to WebP",
                "Turn a video into an animated WebP image (smaller than a GIF, full colour).",
            ),
            serde_json::json!({
                "fps": {"type": "integer", "minimum": 1, "maximum": 30, "default": 12},
                "width": {"type": "integer", "minimum": 16, "maximum": 1920, "default": 480},
                "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 75},
                "loop": {"type": "boolean", "default": true}
            }),
            Produces::types(&["webp"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let fps = check_range("fps", settings.fps, 1.0, 30.0)?;
        let width = check_range("width", settings.width, 16.0, 1920.0)?.round() as u32;
        let quality = check_range("quality", settings.quality, 1.0, 100.0)?.round() as u32;
        // The WebP muxer's `loop`: 0 plays forever, 1 plays once.
        let loops = if settings.looped { "0" } else { "1" };
        single_output(&inputs[0], Needs::Video, "webp", "Encoding WebP", |_| {
            let filter = format!("fps={},scale={width}:-2:flags=lanczos", fmt_num(fps));
            let quality = quality.to_string();
            Ok(Plan::new([
                "-map",
                "0:v:0",
                "-an",
                "-sn",
                "-vf",
                filter.as_str(),
                "-c:v",
                "libwebp_anim",
                "-lossless",
                "0",
                "-quality",
                quality.as_str(),
                "-loop",
                loops,
            ]))
        })
    }
}

lathe_native_sdk::export_native_tool!(VideoToWebp);
