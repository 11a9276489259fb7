//! `video/extract-subtitles`: a video's first text subtitle track saved as an SRT file
//! (native tool: ffmpeg).

use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_media_kit::VIDEO_EXTENSIONS;
use lathe_tool_sdk::{
    parse_settings, unsupported, Input, Output, Produces, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// The tool has no settings (unknown fields are ignored).
#[derive(Debug, Deserialize)]
struct Settings {}

/// The tool.
struct ExtractSubtitles;

impl Tool for ExtractSubtitles {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "extract-subtitles",
            section: Section::Video,
            name: "Extract Subtitles",
            description: "Save the first text subtitle track of a video as an SRT file.",
            settings_schema: serde_json::json!({"type": "object", "properties": {}}),
            min_inputs: 1,
            max_inputs: 1,
            accepts: VIDEO_EXTENSIONS,
            produces: Produces::types(&["srt"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: Settings = parse_settings(settings)?;
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
