//! `audio/convert-audio`: an audio file (or a video's first audio track) in another format
//! at a chosen bitrate (native tool: ffmpeg).

use lathe_media_kit::audio::{audio_args, AUDIO_OR_VIDEO_EXTENSIONS};
use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_media_kit::AudioFormat;
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo};
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
        ToolInfo {
            id: "convert-audio",
            section: Section::Audio,
            name: "Convert Audio",
            description:
                "Convert audio to MP3, WAV, OGG, FLAC, M4A, AAC or Opus at a chosen bitrate.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "format": {
                        "type": "string",
                        "enum": ["mp3", "wav", "ogg", "flac", "m4a", "aac", "opus"],
                        "default": "mp3"
                    },
                    "bitrateKbps": {
                        "type": "integer", "minimum": 32, "maximum": 320, "default": 192,
                        "description": "Ignored by the lossless formats (WAV, FLAC)."
                    }
                }
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: AUDIO_OR_VIDEO_EXTENSIONS,
            produces: Produces::by_setting(
                "format",
                &["mp3", "wav", "ogg", "flac", "m4a", "aac", "opus"],
            ),
        }
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
