//! `audio/silence-removal`: silences at the start, in the middle and at the end of audio
//! cut out (native tool: ffmpeg).

use lathe_media_kit::audio::{audio_filter_tool, one_audio_tool_info, AudioPlan};
use lathe_media_kit::{fmt_num, MediaInfo};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's settings: `thresholdDb` (-80 to -20, default -50): quieter is silence;
/// `minSilenceS` (0.1 to 5, default 0.5): shorter pauses stay.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default = "default_threshold")]
    threshold_db: f64,
    #[serde(default = "default_min_silence")]
    min_silence_s: f64,
}

fn default_threshold() -> f64 {
    -50.0
}

fn default_min_silence() -> f64 {
    0.5
}

/// `silenceremove` trimming the leading silence and removing every later silence of at
/// least `min_silence` seconds (`stop_periods=-1`: all of them, not just the last).
fn silence_filter(threshold_db: f64, min_silence: f64) -> String {
    let t = fmt_num(threshold_db);
    format!(
        "silenceremove=start_periods=1:start_duration=0:start_threshold={t}dB:stop_periods=-1:stop_duration={}:stop_threshold={t}dB",
        fmt_num(min_silence)
    )
}

/// The tool.
struct SilenceRemoval;

impl Tool for SilenceRemoval {
    fn describe() -> ToolInfo {
        one_audio_tool_info(
            "silence-removal",
            "Silence Removal",
            "Cut silent passages out of audio: at the start, in the middle and at the end.",
            serde_json::json!({
                    "thresholdDb": {"type": "number", "minimum": -80, "maximum": -20, "default": -50},
                    "minSilenceS": {"type": "number", "minimum": 0.1, "maximum": 5, "default": 0.5}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let threshold = check_range("thresholdDb", settings.threshold_db, -80.0, -20.0)?;
        let min_silence = check_range("minSilenceS", settings.min_silence_s, 0.1, 5.0)?;
        let output = audio_filter_tool(&inputs[0], "Removing silence", |_| {
            Ok(AudioPlan {
                filter: silence_filter(threshold, min_silence),
                ..AudioPlan::default()
            })
        })?;
        // Audio that is silence from end to end leaves nothing worth a download.
        let file = &output.files[0];
        let left = Input {
            name: format!("result.{}", lathe_tool_sdk::extension_of(&file.name)),
            media_type: file.media_type.clone(),
            data: file.data.clone(),
        };
        let left_s = lathe_native_sdk::probe(&left)
            .map(|r| MediaInfo::from_report(r).duration)
            .unwrap_or(0.0);
        if left_s < 0.05 {
            return Err(ToolError::Failed(format!(
                "the whole file is quieter than {} dB: nothing is left",
                fmt_num(threshold)
            )));
        }
        Ok(output)
    }
}

lathe_native_sdk::export_native_tool!(SilenceRemoval);
