//! `video/video-loudnorm`: a video whose audio is normalized to -16 LUFS (EBU R128) in
//! two passes; the picture is copied (native tool: ffmpeg).

use lathe_media_kit::catalog::video_edit_info;
use lathe_media_kit::loudness::normalizing_filter;
use lathe_media_kit::settings::no_settings;
use lathe_media_kit::video_compose::kept_container;
use lathe_media_kit::video_edit::{edit_video, AudioEdit, Edit};
use lathe_media_kit::{scratch, AudioFormat};
use lathe_tool_sdk::{Input, Output, Tool, ToolError, ToolInfo};

/// The tool.
struct VideoLoudnorm;

impl Tool for VideoLoudnorm {
    fn describe() -> ToolInfo {
        video_edit_info(
            (
                "video-loudnorm",
                "Normalize Audio",
                "Normalize a video's audio to -16 LUFS (EBU R128); the picture is copied.",
            ),
            serde_json::json!({}),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        no_settings(settings)?;
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
            let audio = match normalizing_filter(&scratch(source, 0), info.duration, encoder, rate)?
            {
                Some(filter) => AudioEdit::Filter(filter),
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
