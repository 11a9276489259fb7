//! `audio/volume-adjust`: louder or quieter audio by a gain in decibels (native tool:
//! ffmpeg).

use lathe_media_kit::audio::{audio_filter_tool, one_audio_tool_info, AudioPlan};
use lathe_media_kit::fmt_num;
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's setting: `gainDb`, -30 to 30 (default 3).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default = "default_gain")]
    gain_db: f64,
}

fn default_gain() -> f64 {
    3.0
}

/// The tool.
struct VolumeAdjust;

impl Tool for VolumeAdjust {
    fn describe() -> ToolInfo {
        one_audio_tool_info(
            "volume-adjust",
            "Volume Adjust",
            "Make audio louder or quieter by a gain in decibels.",
            serde_json::json!({
                    "gainDb": {"type": "number", "minimum": -30, "maximum": 30, "default": 3}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let gain = check_range("gainDb", settings.gain_db, -30.0, 30.0)?;
        audio_filter_tool(&inputs[0], "Adjusting volume", |_| {
            Ok(AudioPlan {
                filter: format!("volume={}dB", fmt_num(gain)),
                ..AudioPlan::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(VolumeAdjust);
