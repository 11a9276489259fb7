//! `video/mute-video`: a video with its audio removed; the picture is copied, not
//! re-encoded (native tool: ffmpeg).

use lathe_media_kit::catalog::video_edit_info;
use lathe_media_kit::settings::no_settings;
use lathe_media_kit::video_edit::{edit_video, AudioEdit, Edit};
use lathe_tool_sdk::{Input, Output, Tool, ToolError, ToolInfo};

/// The tool.
struct MuteVideo;

impl Tool for MuteVideo {
    fn describe() -> ToolInfo {
        video_edit_info(
            (
                "mute-video",
                "Mute Video",
                "Remove the audio track of a video without re-encoding the picture.",
            ),
            serde_json::json!({}),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        no_settings(settings)?;
        edit_video(&inputs[0], "Removing audio", |_| {
            Ok(Edit {
                audio: AudioEdit::Drop,
                ..Edit::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(MuteVideo);
