//! `video/trim-video`: the part of a video between two times, by stream copy (instant, cut
//! at the nearest earlier keyframe) or, with `precise`, re-encoded and frame-accurate
//! (native tool: ffmpeg).

use lathe_media_kit::video_edit::{edit_video, time_range, Edit};
use lathe_media_kit::{fmt_num, VIDEO_EXTENSIONS};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Seed 001's settings: `startS` (default 0), the required `endS`, and `precise`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default)]
    start_s: f64,
    end_s: Option<f64>,
    #[serde(default)]
    precise: bool,
}

/// The tool.
struct TrimVideo;

impl Tool for TrimVideo {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "trim-video",
            section: Section::Video,
            name: "Trim Video",
            description: "Keep the part of a video between a start and an end time; instant by stream copy, or frame-accurate with precise.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "startS": {"type": "number", "minimum": 0, "default": 0},
                    "endS": {"type": "number", "exclusiveMinimum": 0, "description": "Must be after startS; past the end means to the end."},
                    "precise": {"type": "boolean", "default": false, "description": "Re-encode for a frame-accurate cut (slower)."}
                },
                "required": ["endS"]
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: VIDEO_EXTENSIONS,
            produces: Produces::types(&["mp4", "mov", "mkv", "webm"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let end = settings
            .end_s
            .ok_or_else(|| invalid_settings("endS is required"))?;
        let precise = settings.precise;
        edit_video(&inputs[0], "Trimming video", |info| {
            let (start, length) = time_range(settings.start_s, end, info.duration)?;
            let before_input = vec!["-ss".into(), fmt_num(start), "-t".into(), fmt_num(length)];
            let mut edit = Edit {
                before_input,
                duration: Some(length),
                ..Edit::default()
            };
            if precise {
                // Re-encoded from the exact frame: a no-op filter makes the edit encode.
                edit.video_filter = Some("null".into());
            } else {
                // Stream copy: timestamps start at zero so players do not show a gap.
                edit.extra = vec!["-avoid_negative_ts".into(), "make_zero".into()];
            }
            Ok(edit)
        })
    }
}

lathe_native_sdk::export_native_tool!(TrimVideo);
