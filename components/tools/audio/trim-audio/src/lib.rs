//! `audio/trim-audio`: the part of an audio file between two times (native tool: ffmpeg).

use lathe_media_kit::audio::{
    audio_duration, audio_filter_tool, seek_args, AudioPlan, AUDIO_OR_VIDEO_EXTENSIONS,
};
use lathe_media_kit::fmt_num;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Seed 001's settings: `startS` (default 0) and the required `endS`, in seconds.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default)]
    start_s: f64,
    end_s: Option<f64>,
}

/// The tool.
struct TrimAudio;

impl Tool for TrimAudio {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "trim-audio",
            section: Section::Audio,
            name: "Trim Audio",
            description: "Keep the part of an audio file between a start and an end time.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "startS": {"type": "number", "minimum": 0, "default": 0},
                    "endS": {"type": "number", "exclusiveMinimum": 0, "description": "Must be after startS; past the end means to the end."}
                },
                "required": ["endS"]
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: AUDIO_OR_VIDEO_EXTENSIONS,
            produces: Produces::types(&["mp3", "wav", "ogg", "flac", "m4a", "aac", "opus"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let start = settings.start_s;
        if start < 0.0 {
            return Err(invalid_settings(format!(
                "startS must be 0 or more, got {start}"
            )));
        }
        let end = settings
            .end_s
            .ok_or_else(|| invalid_settings("endS is required"))?;
        if end <= start {
            return Err(invalid_settings(format!(
                "endS ({end}) must be after startS ({start})"
            )));
        }
        audio_filter_tool(&inputs[0], "Trimming audio", |info| {
            let duration = audio_duration(info);
            let end = if duration > 0.0 {
                if start >= duration {
                    return Err(invalid_settings(format!(
                        "startS ({start}) is past the end of the audio ({} s)",
                        fmt_num(duration)
                    )));
                }
                end.min(duration)
            } else {
                end
            };
            let length = end - start;
            let (before_input, mut extra) = seek_args(start);
            extra.extend(["-t".to_string(), fmt_num(length)]);
            Ok(AudioPlan {
                before_input,
                extra,
                duration: Some(length),
                ..AudioPlan::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(TrimAudio);
