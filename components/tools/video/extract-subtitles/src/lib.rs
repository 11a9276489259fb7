//! `video/extract-subtitles`: a video's first text subtitle track saved as an SRT file
//! (native tool: ffmpeg).

use lathe_media_kit::catalog::one_video_tool_info;
use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_media_kit::settings::no_settings;
use lathe_tool_sdk::{unsupported, Input, Output, Produces, Tool, ToolError, ToolInfo};

/// The tool.
struct ExtractSubtitles;

impl Tool for ExtractSubtitles {
    fn describe() -> ToolInfo {
        one_video_tool_info(
            (
                "extract-subtitles",
                "Extract Subtitles",
                "Save the first text subtitle track of a video as an SRT file.",
            ),
            serde_json::json!({}),
            Produces::types(&["srt"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        no_settings(settings)?;
        single_output(
            &inputs[0],
            Needs::Video,
            "srt",
            "Extracting subtitles",
            |info| {
                let track = match info.subtitles.iter().find(|t| t.is_text()) {
                Some(track) => track,
                None if info.subtitles.is_empty() => {
                    return Err(unsupported("the video has no subtitle track"))
                }
                None => {
                    return Err(unsupported(
                        "the video's subtitles are pictures (e.g. DVD or Blu-ray subtitles), not text",
                    ))
                }
            };
                Ok(Plan::new([
                    "-map".to_string(),
                    format!("0:s:{}", track.index),
                    "-c:s".into(),
                    "srt".into(),
                ]))
            },
        )
    }
}

lathe_native_sdk::export_native_tool!(ExtractSubtitles);
