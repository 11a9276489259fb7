//! `audio/audio-speed`: audio played faster or slower at the same pitch (native tool:
//! ffmpeg).

use lathe_media_kit::audio::{
    atempo_chain, audio_duration, audio_filter_tool, one_audio_tool_info, AudioPlan,
};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's setting: `factor`, 0.25 to 4 (default 1.5; 2 is twice as fast).
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default = "default_factor")]
    factor: f64,
}

fn default_factor() -> f64 {
    1.5
}

/// The tool.
struct AudioSpeed;

impl Tool for AudioSpeed {
    fn describe() -> ToolInfo {
        one_audio_tool_info(
            "audio-speed",
            "Audio Speed",
            "Speed audio up or slow it down without changing its pitch.",
            serde_json::json!({
                    "factor": {"type": "number", "minimum": 0.25, "maximum": 4, "default": 1.5}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let factor = check_range("factor", settings.factor, 0.25, 4.0)?;
        audio_filter_tool(&inputs[0], "Changing speed", |info| {
            Ok(AudioPlan {
                filter: atempo_chain(factor),
                duration: Some(audio_duration(info) / factor),
                ..AudioPlan::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(AudioSpeed);
