//! `audio/noise-reduction`: steady background noise (hiss, hum floor) reduced with an FFT
//! denoiser (native tool: ffmpeg).

use lathe_media_kit::audio::{audio_filter_tool, one_audio_tool_info, AudioPlan};
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// How hard to denoise (seed 001's `strength`).
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Strength {
    /// Faint hiss only.
    Light,
    /// The default.
    #[default]
    Medium,
    /// Loud noise, at some cost to quiet details.
    Strong,
}

impl Strength {
    /// `afftdn` with the reduction (dB) and the noise floor (dBFS) it assumes: the
    /// stronger, the louder the noise it takes out.
    fn filter(self) -> &'static str {
        match self {
            Strength::Light => "afftdn=nr=12:nf=-50:nt=w",
            Strength::Medium => "afftdn=nr=24:nf=-40:nt=w",
            Strength::Strong => "afftdn=nr=36:nf=-30:nt=w",
        }
    }
}

/// Seed 001's setting: `strength`.
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default)]
    strength: Strength,
}

/// The tool.
struct NoiseReduction;

impl Tool for NoiseReduction {
    fn describe() -> ToolInfo {
        one_audio_tool_info(
            "noise-reduction",
            "Noise Reduction",
            "Reduce steady background noise such as hiss.",
            serde_json::json!({
                    "strength": {"type": "string", "enum": ["light", "medium", "strong"], "default": "medium"}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        audio_filter_tool(&inputs[0], "Reducing noise", |_| {
            Ok(AudioPlan {
                filter: settings.strength.filter().to_string(),
                ..AudioPlan::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(NoiseReduction);
