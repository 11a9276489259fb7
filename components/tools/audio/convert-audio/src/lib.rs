//! `audio/convert-audio`: an audio file (or a video's first audio track) in another format
//! at a chosen bitrate (native tool: ffmpeg).

use lathe_media_kit::audio::audio_args;
use lathe_media_kit::catalog::one_audio_file_info;
use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_media_kit::AudioFormat;
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's settings: `format` (also `aac` and `opus`), `bitrateKbps` for lossy formats.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default)]
    format: AudioFormat,
    #[serde(default = "default_bitrate")]
    bitrate_kbps: u32,
}

fn default_bitrate() -> u32 {
    192
}

/// The tool.
struct ConvertAudio;

impl Tool for ConvertAudio {
    fn describe() -> ToolInfo {
        one_audio_file_info(
            (
                "convert-audio",
                "Convert Audio",
                "Convert audio to MP3, WAV, OGG, FLAC, M4A, AAC or Opus at a chosen bitrate.",
            ),
            serde_json::json!({
                "format": {
                    "type": "string",
                    "enum": ["mp3", "wav", "ogg", "flac", "m4a", "aac", "opus"],
                    "default": "mp3"
                },
                "bitrateKbps": {
                    "type": "integer", "minimum": 32, "maximum": 320, "default": 192,
                    "description": "Ignored by the lossless formats (WAV, FLAC)."
                }
            }),
            Produces::by_setting(
                "format",
                &["mp3", "wav", "ogg", "flac", "m4a", "aac", "opus"],
            ),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let kbps = check_range("bitrateKbps", settings.bitrate_kbps, 32, 320)?;
        let format = settings.format;
        single_output(
            &inputs[0],
            Needs::Audio,
            format.extension(),
            "Converting audio",
            |_| Ok(Plan::new(audio_args(format, "", kbps))),
        )
    }
}

lathe_native_sdk::export_native_tool!(ConvertAudio);
