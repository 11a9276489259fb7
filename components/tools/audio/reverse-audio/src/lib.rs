//! `audio/reverse-audio`: audio played backwards (native tool: ffmpeg).

use lathe_media_kit::audio::{audio_filter_tool, one_audio_tool_info, AudioPlan};
use lathe_media_kit::settings::no_settings;
use lathe_tool_sdk::{Input, Output, Tool, ToolError, ToolInfo};

/// The tool.
struct ReverseAudio;

impl Tool for ReverseAudio {
    fn describe() -> ToolInfo {
        one_audio_tool_info(
            "reverse-audio",
            "Reverse Audio",
            "Play audio backwards.",
            serde_json::json!({}),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        no_settings(settings)?;
        audio_filter_tool(&inputs[0], "Reversing audio", |_| {
            Ok(AudioPlan {
                filter: "areverse".into(),
                ..AudioPlan::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(ReverseAudio);
