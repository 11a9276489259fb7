//! `audio/trim-audio`: the part of an audio file between two times (native tool: ffmpeg).

use lathe_media_kit::audio::{
    audio_duration, audio_filter_tool, one_audio_tool_info, seek_args, start_inside, AudioPlan,
};
use lathe_media_kit::catalog::with_required;
use lathe_media_kit::fmt_num;
use lathe_media_kit::settings::Span;
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};

/// The tool.
struct TrimAudio;

impl Tool for TrimAudio {
    fn describe() -> ToolInfo {
        with_required(
            one_audio_tool_info(
                "trim-audio",
                "Trim Audio",
                "Keep the part of an audio file between a start and an end time.",
                serde_json::json!({
                    "startS": {"type": "number", "minimum": 0, "default": 0},
                    "endS": {"type": "number", "exclusiveMinimum": 0, "description": "Must be after startS; past the end means to the end."}
                }),
            ),
            &["endS"],
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        // Seed 001's settings: `startS` (default 0) and the required `endS`, in seconds.
        let span: Span = parse_settings(settings)?;
        let (start, end) = span.bounds()?;
        audio_filter_tool(&inputs[0], "Trimming audio", |info| {
            let duration = audio_duration(info);
            let end = if duration > 0.0 {
                start_inside(start, duration)?;
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
