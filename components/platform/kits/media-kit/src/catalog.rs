//! Catalog entries of the media tools that take one file: what they accept and what they
//! write, so a tool's `describe()` names only its id, words and settings.

use lathe_tool_sdk::{Produces, Section, ToolInfo};

use crate::audio::AUDIO_OR_VIDEO_EXTENSIONS;
use crate::VIDEO_EXTENSIONS;

/// The containers an edited video is written in (its own, see
/// [`crate::video_compose::kept_container`]).
pub const EDITED_VIDEO_OUTPUTS: &[&str] = &["mp4", "mov", "mkv", "webm"];

/// The catalog entry of a video tool that takes one video and writes `produces`;
/// `properties` is its settings schema's `properties` object.
pub fn one_video_tool_info(
    (id, name, description): (&'static str, &'static str, &'static str),
    properties: serde_json::Value,
    produces: Produces,
) -> ToolInfo {
    let words = (id, Section::Video, name, description);
    ToolInfo::one_file(words, properties, VIDEO_EXTENSIONS, produces)
}

/// The catalog entry of a video tool that edits one video and keeps its container
/// ([`EDITED_VIDEO_OUTPUTS`]).
pub fn video_edit_info(
    words: (&'static str, &'static str, &'static str),
    properties: serde_json::Value,
) -> ToolInfo {
    one_video_tool_info(words, properties, Produces::types(EDITED_VIDEO_OUTPUTS))
}

/// The catalog entry of an audio tool that takes one audio (or video) file and writes
/// `produces`.
pub fn one_audio_file_info(
    (id, name, description): (&'static str, &'static str, &'static str),
    properties: serde_json::Value,
    produces: Produces,
) -> ToolInfo {
    let words = (id, Section::Audio, name, description);
    ToolInfo::one_file(words, properties, AUDIO_OR_VIDEO_EXTENSIONS, produces)
}

/// `info` with `fields` listed as its settings schema's `required` settings.
pub fn with_required(mut info: ToolInfo, fields: &[&str]) -> ToolInfo {
    info.settings_schema["required"] = serde_json::json!(fields);
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_settings_join_the_schema() {
        let info = with_required(
            video_edit_info(
                ("t", "T", "d"),
                serde_json::json!({"a": {"type": "number"}}),
            ),
            &["a"],
        );
        assert_eq!(
            info.settings_schema,
            serde_json::json!({"type": "object", "properties": {"a": {"type": "number"}},
                               "required": ["a"]})
        );
        assert_eq!(info.accepts, VIDEO_EXTENSIONS);
    }
}
