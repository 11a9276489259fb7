//! `video/gif-to-video`: an animated GIF as an MP4, WebM or MOV video (native tool: ffmpeg).

use lathe_media_kit::formats::EVEN_SIZE;
use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_media_kit::{VideoFormat, VideoQuality};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Seed 001's setting: the output `format`.
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default)]
    format: VideoFormat,
}

/// The tool.
struct GifToVideo;

impl Tool for GifToVideo {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "gif-to-video",
            section: Section::Video,
            name: "GIF to Video",
            description: "Turn an animated GIF into an MP4, WebM or MOV video (much smaller, plays everywhere).",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "format": {"type": "string", "enum": ["mp4", "webm", "mov"], "default": "mp4"}
                }
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: &["gif"],
            produces: Produces::by_setting("format", &["mp4", "webm", "mov"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let format = settings.format;
        if !matches!(
            format,
            VideoFormat::Mp4 | VideoFormat::Webm | VideoFormat::Mov
        ) {
            return Err(invalid_settings("format must be mp4, webm or mov"));
        }
        single_output(
            &inputs[0],
            Needs::Video,
            format.extension(),
            "Converting GIF",
            |_| {
                let filter = format!("{EVEN_SIZE},format=yuv420p");
                let mut args: Vec<String> = vec![
                    "-map".into(),
                    "0:v:0".into(),
                    "-an".into(),
                    "-vf".into(),
                    filter,
                ];
                args.extend(format.encode_args(VideoQuality::Balanced));
                Ok(Plan::new(args))
            },
        )
    }
}

lathe_native_sdk::export_native_tool!(GifToVideo);
