//! `audio/reverse-audio`: audio played backwards (native tool: ffmpeg).

use lathe_media_kit::audio::{audio_filter_tool, AudioPlan, AUDIO_OR_VIDEO_EXTENSIONS};
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// The tool has no settings (unknown fields are ignored).
#[derive(Debug, Deserialize)]
struct Settings {}

/// The tool.
struct ReverseAudio;

impl Tool for ReverseAudio {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "reverse-audio",
            section: Section::Audio,
            name: "Reverse Audio",
            description: "Play audio backwards.",
            settings_schema: serde_json::json!({"type": "object", "properties": {}}),
            min_inputs: 1,
            max_inputs: 1,
            accepts: AUDIO_OR_VIDEO_EXTENSIONS,
            produces: Produces::types(&["mp3", "wav", "ogg", "flac", "m4a", "aac", "opus"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: Settings = parse_settings(settings)?;
        audio_filter_tool(&inputs[0], "Reversing audio", |_| {
            Ok(AudioPlan {
                filter: "areverse".into(),
                ..AudioPlan::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(ReverseAudio);
