//! `video/video-loudnorm`: a video whose audio is normalized to -16 LUFS (EBU R128) in
//! two passes; the picture is copied (native tool: ffmpeg).

use lathe_media_kit::audio::output_rate;
use lathe_media_kit::loudness::measure;
use lathe_media_kit::video_compose::kept_container;
use lathe_media_kit::video_edit::{edit_video, AudioEdit, Edit};
use lathe_media_kit::{scratch, AudioFormat, VIDEO_EXTENSIONS};
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// The tool has no settings (unknown fields are ignored).
#[derive(Debug, Deserialize)]
struct Settings {}

/// The tool.
struct VideoLoudnorm;

impl Tool for VideoLoudnorm {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "video-loudnorm",
            section: Section::Video,
            name: "Normalize Audio",
            description: "Normalize a video's audio to -16 LUFS (EBU R128); the picture is copied.",
            settings_schema: serde_json::json!({"type": "object", "properties": {}}),
            min_inputs: 1,
            max_inputs: 1,
            accepts: VIDEO_EXTENSIONS,
            produces: Produces::types(&["mp4", "mov", "mkv", "webm"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: Settings = parse_settings(settings)?;
        let source = &inputs[0];
        // The audio is written as AAC (Opus in WebM): resample to a rate that encoder takes.
        let encoder = if kept_container(&source.extension()) == "webm" {
            AudioFormat::Opus
        } else {
            AudioFormat::M4a
        };
        edit_video(source, "Normalizing loudness", |info| {
            let rate = info.require_audio()?.sample_rate;
            // Silence stays as it is: there is no loudness to correct.
            let audio = match measure(&scratch(source, 0), info.duration, 45)? {
                Some(m) => AudioEdit::Filter(format!(
                    "{},aformat=sample_rates={}",
                    m.filter(),
                    output_rate(encoder, rate)
                )),
                None => AudioEdit::Keep,
            };
            Ok(Edit {
                audio,
                ..Edit::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(VideoLoudnorm);
