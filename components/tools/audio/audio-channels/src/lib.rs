//! `audio/audio-channels`: stereo made mono, mono made stereo, or left and right swapped
//! (native tool: ffmpeg).

use lathe_media_kit::audio::{audio_filter_tool, one_audio_tool_info, AudioPlan};
use lathe_media_kit::catalog::with_required;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// What to do with the channels (seed 001's `mode`).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    /// Mix every channel into one.
    StereoToMono,
    /// The one channel on both sides.
    MonoToStereo,
    /// Left and right exchanged.
    Swap,
}

/// Seed 001's setting: the required `mode`.
#[derive(Debug, Deserialize)]
struct Settings {
    mode: Option<Mode>,
}

/// The filter for `mode` on audio of `channels` channels, or why it does not fit.
fn channel_filter(mode: Mode, channels: u32) -> Result<&'static str, ToolError> {
    match mode {
        Mode::StereoToMono if channels >= 2 => Ok("aformat=channel_layouts=mono"),
        Mode::StereoToMono => Err(unsupported("the audio is already mono")),
        Mode::MonoToStereo if channels == 1 => Ok("pan=stereo|c0=c0|c1=c0"),
        Mode::MonoToStereo => Err(unsupported(format!(
            "mono-to-stereo needs mono audio; this has {channels} channels"
        ))),
        Mode::Swap if channels == 2 => Ok("pan=stereo|c0=c1|c1=c0"),
        Mode::Swap => Err(unsupported(format!(
            "swap needs stereo audio; this has {channels} channel(s)"
        ))),
    }
}

/// The tool.
struct AudioChannels;

impl Tool for AudioChannels {
    fn describe() -> ToolInfo {
        with_required(
            one_audio_tool_info(
                "audio-channels",
                "Audio Channels",
                "Turn stereo into mono, mono into stereo, or swap the left and right channels.",
                serde_json::json!({
                    "mode": {"type": "string", "enum": ["stereo-to-mono", "mono-to-stereo", "swap"]}
                }),
            ),
            &["mode"],
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let mode = settings.mode.ok_or_else(|| {
            invalid_settings("mode is required: stereo-to-mono, mono-to-stereo or swap")
        })?;
        audio_filter_tool(&inputs[0], "Changing channels", |info| {
            let channels = info.require_audio()?.channels;
            Ok(AudioPlan {
                filter: channel_filter(mode, channels)?.to_string(),
                ..AudioPlan::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(AudioChannels);
