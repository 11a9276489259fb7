//! `video/convert-video`: a video in another container (MP4, MOV, WebM, MKV, AVI) at one
//! of three quality levels (native tool: ffmpeg).

use lathe_media_kit::catalog::one_video_tool_info;
use lathe_media_kit::formats::EVEN_SIZE;
use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_media_kit::{VideoFormat, VideoQuality};
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's settings: `format` and `quality` (`high`, `balanced`, `small`).
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default)]
    format: VideoFormat,
    #[serde(default)]
    quality: VideoQuality,
}

/// The tool.
struct ConvertVideo;

impl Tool for ConvertVideo {
    fn describe() -> ToolInfo {
        one_video_tool_info(
            (
                "convert-video",
                "Convert Video",
                "Convert a video to MP4, MOV, WebM, MKV or AVI.",
            ),
            serde_json::json!({
                "format": {"type": "string", "enum": ["mp4", "mov", "webm", "mkv", "avi"], "default": "mp4"},
                "quality": {
                    "type": "string",
                    "enum": ["high", "balanced", "small"],
                    "default": "balanced",
                    "description": "H.264 CRF 18/23/28, VP9 CRF 24/32/40."
                }
            }),
            Produces::by_setting("format", &["mp4", "mov", "webm", "mkv", "avi"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let format = settings.format;
        single_output(
            &inputs[0],
            Needs::Video,
            format.extension(),
            "Converting video",
            |_| {
                let mut args: Vec<String> = ["-map", "0:v:0", "-map", "0:a:0?", "-vf", EVEN_SIZE]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                args.extend(format.encode_args(settings.quality));
                args.extend(["-sn".to_string(), "-dn".to_string()]);
                Ok(Plan::new(args))
            },
        )
    }
}

lathe_native_sdk::export_native_tool!(ConvertVideo);
