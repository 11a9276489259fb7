//! `video/mute-video`: a video with its audio removed; the picture is copied, not
//! re-encoded (native tool: ffmpeg).

use lathe_media_kit::video_edit::{edit_video, AudioEdit, Edit};
use lathe_media_kit::VIDEO_EXTENSIONS;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// The tool has no settings (unknown fields are ignored).
#[derive(Debug, Deserialize)]
struct Settings {}

/// The tool.
struct MuteVideo;

impl Tool for MuteVideo {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "mute-video",
            section: Section::Video,
            name: "Mute Video",
            description: "Remove the audio track of a video without re-encoding the picture.",
            settings_schema: serde_json::json!({"type": "object", "properties": {}}),
            min_inputs: 1,
            max_inputs: 1,
            accepts: VIDEO_EXTENSIONS,
            produces: Produces::types(&["mp4", "mov", "mkv", "webm"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: Settings = parse_settings(settings)?;
        edit_video(&inputs[0], "Removing audio", |_| {
            Ok(Edit {
                audio: AudioEdit::Drop,
                ..Edit::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(MuteVideo);
