//! `video/trim-video`: the part of a video between two times, by stream copy (instant, cut
//! at the nearest earlier keyframe) or, with `precise`, re-encoded and frame-accurate
//! (native tool: ffmpeg).

use lathe_media_kit::catalog::{video_edit_info, with_required};
use lathe_media_kit::fmt_num;
use lathe_media_kit::settings::Span;
use lathe_media_kit::video_edit::{edit_video, time_range, Edit};
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's settings: `startS` (default 0), the required `endS`, and `precise`.
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(flatten)]
    span: Span,
    #[serde(default)]
    precise: bool,
}

/// The tool.
struct TrimVideo;

impl Tool for TrimVideo {
    fn describe() -> ToolInfo {
        with_required(
            video_edit_info(
            (
                "trim-video",
                "Trim Video",
                "Keep the part of a video between a start and an end time; instant by stream copy, or frame-accurate with precise.",
            ),
            serde_json::json!({
                "startS": {"type": "number", "minimum": 0, "default": 0},
                "endS": {"type": "number", "exclusiveMinimum": 0, "description": "Must be after startS; past the end means to the end."},
                "precise": {"type": "boolean", "default": false, "description": "Re-encode for a frame-accurate cut (slower)."}
            }),
        ),
            &["endS"],
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let end = settings.span.end()?;
        let precise = settings.precise;
        edit_video(&inputs[0], "Trimming video", |info| {
            let (start, length) = time_range(settings.span.start_s, end, info.duration)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_span_and_precise_are_read_together() {
        let s: Settings = parse_settings(r#"{"startS": 1, "endS": 2.5, "precise": true}"#).unwrap();
        assert_eq!(
            (s.span.start_s, s.span.end(), s.precise),
            (1.0, Ok(2.5), true)
        );
        let s: Settings = parse_settings("{}").unwrap();
        assert_eq!(s.span.end().unwrap_err().detail(), "endS is required");
        assert!(parse_settings::<Settings>(r#"{"startS": "x", "endS": 2}"#).is_err());
    }
}
