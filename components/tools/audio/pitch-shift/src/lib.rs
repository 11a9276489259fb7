//! `audio/pitch-shift`: audio moved up or down by semitones at the same duration (native
//! tool: ffmpeg with Rubber Band).

use lathe_media_kit::audio::{audio_filter_tool, one_audio_tool_info, AudioPlan};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's setting: `semitones`, -12 to 12 (default 3; fractions allowed).
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default = "default_semitones")]
    semitones: f64,
}

fn default_semitones() -> f64 {
    3.0
}

/// The `rubberband` filter for a shift of `semitones` (a frequency ratio of 2^(s/12)).
fn pitch_filter(semitones: f64) -> String {
    let ratio = 2f64.powf(semitones / 12.0);
    format!("rubberband=pitch={ratio:.6}:pitchq=quality")
}

/// The tool.
struct PitchShift;

impl Tool for PitchShift {
    fn describe() -> ToolInfo {
        one_audio_tool_info(
            "pitch-shift",
            "Pitch Shift",
            "Raise or lower the pitch of audio by semitones without changing its speed.",
            serde_json::json!({
                    "semitones": {"type": "number", "minimum": -12, "maximum": 12, "default": 3}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let semitones = check_range("semitones", settings.semitones, -12.0, 12.0)?;
        audio_filter_tool(&inputs[0], "Shifting pitch", |_| {
            Ok(AudioPlan {
                filter: pitch_filter(semitones),
                ..AudioPlan::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(PitchShift);

#[cfg(test)]
mod tests {
    #[test]
    fn an_octave_doubles_the_frequency() {
        assert_eq!(
            super::pitch_filter(12.0),
            "rubberband=pitch=2.000000:pitchq=quality"
        );
        assert_eq!(
            super::pitch_filter(-12.0),
            "rubberband=pitch=0.500000:pitchq=quality"
        );
    }
}
